"""The database, as the app sees it: one setting, and what to do when it is
away.

DATABASE_URL names it (Compose builds it from the POSTGRES_* values in
.env), or the file DATABASE_URL_FILE names (a Swarm or Kubernetes secret).
Tests get a database of their own, `<name>_test`, never the one you work
with. While the database is unreachable, requests that need it get a
503 at once (a short connect timeout), and the pool checks each connection
before use, so the app recovers by itself when the database is back.
"""

from __future__ import annotations

import contextlib

from flask import Flask, request
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from . import config, notes
from .extensions import db, migrate

CONNECT_TIMEOUT_SECONDS = 2
UNAVAILABLE = "The database is unavailable. Try again in a moment."


def database_uri(app: Flask) -> str:
    url = config.from_environment("DATABASE_URL")
    if not url:
        raise RuntimeError(
            "DATABASE_URL is not set: Compose sets it from the POSTGRES_* "
            "values in .env; elsewhere, set it, e.g. "
            "postgresql+psycopg://user:password@localhost:5432/name"
        )
    parsed = make_url(url)
    if app.testing:
        parsed = parsed.set(database=f"{parsed.database}_test")
    return parsed.render_as_string(hide_password=False)


def init_app(app: Flask) -> None:
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", database_uri(app))
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS",
        {
            "pool_pre_ping": True,
            "connect_args": {"connect_timeout": CONNECT_TIMEOUT_SECONDS},
        },
    )
    db.init_app(app)
    migrate.init_app(app, db)
    app.register_blueprint(notes.bp)
    for error in (OperationalError, InterfaceError):  # unreachable, or lost
        app.register_error_handler(error, unavailable)
    app.extensions.setdefault("readiness", []).append(database_answers)


def unavailable(error: DBAPIError):
    """The database is away: say so at once, and when to try again."""
    with contextlib.suppress(DBAPIError):
        db.session.rollback()
    wants_json = request.accept_mimetypes.best == "application/json"
    body = {"error": UNAVAILABLE} if wants_json else UNAVAILABLE
    return body, 503, {"Retry-After": "2"}


def database_answers() -> None:
    """For /readyz: unreachable, it raises, and `unavailable` answers 503."""
    db.session.execute(text("SELECT 1"))
