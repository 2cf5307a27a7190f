"""Configuration.

Settings are read in this order, later ones winning:

1. `Defaults` below;
2. the environment: `SECRET_KEY`, and any `FLASK_<NAME>` variable as the
   setting `<NAME>` (Flask's prefixed env, values parsed as JSON where they
   can be: `FLASK_MAX_CONTENT_LENGTH=1048576`). The `flask` command also reads
   `.env` (python-dotenv); Docker Compose passes it to the prod service;
3. the `overrides` given to `create_app` (tests, and production.py).

Production then checks the result and refuses to start if it is unsafe
(see production.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

PROJECT_NAME = {{ cookiecutter.project_name | python_string }}  # noqa: E501

# Used only while debugging or testing, when SECRET_KEY is not set;
# production rejects it.
DEV_SECRET_KEY = "dev-only-insecure-key"  # noqa: S105


class Defaults:
    PROJECT_NAME = PROJECT_NAME
    SECRET_KEY = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"


def load(app: Flask, overrides: Mapping[str, Any] | None = None) -> None:
    app.config.from_object(Defaults)
    app.config.from_prefixed_env()
    if os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    if overrides:
        app.config.from_mapping(overrides)
    if not app.config["SECRET_KEY"] and (app.debug or app.testing):
        app.config["SECRET_KEY"] = DEV_SECRET_KEY
