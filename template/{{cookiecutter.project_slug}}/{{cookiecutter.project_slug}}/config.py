"""Configuration.

Settings are read in this order, later ones winning:

1. `Defaults` below;
2. the environment: `SECRET_KEY` (or the file `SECRET_KEY_FILE` names: a
   Docker or Swarm secret), and any `FLASK_<NAME>` variable as the
   setting `<NAME>` (Flask's prefixed env, values parsed as JSON where they
   can be: `FLASK_MAX_CONTENT_LENGTH=1048576`). The `flask` command also reads
   `.env` (python-dotenv); Docker Compose passes it to the prod service;
3. the `overrides` given to `create_app` (tests, and production.py).

Production then checks the result and refuses to start if it is unsafe
(see production.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
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
    # On every response (security.py). Loosen one here, or set it in a view.
    SECURITY_HEADERS = {
        # Only this site's own scripts, styles and images; no plugin, no
        # <base> elsewhere, forms posted here only, never framed.
        "Content-Security-Policy": (
            "default-src 'self'; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'none'"
        ),
        "X-Frame-Options": "DENY",  # framing refused, for older browsers
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    # Only on requests that came over TLS (behind a proxy: PROXY_COUNT).
    STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"


class Refused(SystemExit):
    """The app refuses to start: one line per problem, each saying what is
    wrong and how to fix it.

    A SystemExit, so that whatever builds the app stops with these lines,
    a non-zero exit code and no traceback: the flask command (`migrate`,
    the README's check) and gunicorn, which builds the app before it forks
    (preload_app, compose/gunicorn.conf.py). `except Exception` does not
    catch it: a refused start stays refused.
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__(
            "\n".join(f"Refusing to start: {problem}" for problem in self.problems)
        )


def from_environment(name: str) -> str | None:
    """NAME, or the content of the file NAME_FILE names, which wins: secrets
    mounted as files (/run/secrets/...) stay out of the environment, where
    every process and `docker inspect` can read them."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            with open(path, encoding="utf-8") as file:
                return file.read().strip()
        except OSError as error:
            raise Refused(
                [
                    f"{name}_FILE names {path}, which cannot be read "
                    f"({error.strerror}): is the secret mounted there?"
                ]
            ) from None
    return os.environ.get(name) or None


def load(app: Flask, overrides: Mapping[str, Any] | None = None) -> None:
    app.config.from_object(Defaults)
    app.config.from_prefixed_env()
    if secret_key := from_environment("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key
    if overrides:
        app.config.from_mapping(overrides)
    if not app.config["SECRET_KEY"] and (app.debug or app.testing):
        app.config["SECRET_KEY"] = DEV_SECRET_KEY
