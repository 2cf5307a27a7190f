"""The application factory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from . import config, security, views


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Create the app; `overrides` win over every other setting (tests use it)."""
    app = Flask(__name__)
    config.load(app, overrides)
    security.init_app(app)
    app.register_blueprint(views.bp)
{%- if cookiecutter.database == "postgres" %}

    # As in Flask's tutorial: the database and its pages (the notes).
    from . import database

    database.init_app(app)
{%- endif %}
{%- if cookiecutter.worker == "celery" %}

    # As in Flask's documentation: Celery (worker.py), and an example job.
    from . import jobs, worker

    worker.init_app(app)
    app.register_blueprint(jobs.bp)
{%- endif %}
    return app
