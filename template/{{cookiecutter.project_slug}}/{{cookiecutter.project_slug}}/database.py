"""The database, as the app sees it: one setting, and what to do when it is
away.

DATABASE_URL names it (Compose builds it from the POSTGRES_* values in
.env), or the file DATABASE_URL_FILE names (a Swarm or Kubernetes secret).
Tests get a database of their own, `<name>_test`, never the one you work
with.

While the database is away, requests that need it get a 503 within
seconds: a short connect timeout, and TCP settings (below) that notice a
database gone silent (a cut network, a dead host) instead of waiting
minutes for TCP's own timeout. The pool checks each connection before use,
so the app recovers by itself when the database is back. A database
that drops the connection once the answer is decided (after the commit)
changes nothing: the request's end never raises (`end_session`).

Production refuses to start with a weak database password
(`password_problem`, one of the checks production.py runs).
"""

from __future__ import annotations

import contextlib
import time

from flask import Flask, current_app, request
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from . import config, notes
from .extensions import db, migrate

# libpq's connection settings (the psycopg connect arguments).
CONNECTION_SETTINGS = {
    # Seconds to open a connection, for each address tried.
    "connect_timeout": 2,
    # A query sent but not acknowledged by the database's host within
    # 3 s ends the connection (Linux's TCP_USER_TIMEOUT), instead of
    # being retransmitted for minutes.
    "tcp_user_timeout": 3000,
    # A connection waiting for an answer is probed after 2 s of silence,
    # then every second: a host gone silent ends it within a few seconds.
    "keepalives": 1,
    "keepalives_idle": 2,
    "keepalives_interval": 1,
    "keepalives_count": 2,
}
UNAVAILABLE = "The database is unavailable. Try again in a moment."
# dev (and `docker compose run dev ...`) starts with its database, not
# after its healthcheck: what connects first waits this long for it.
WAIT_FOR_IT_SECONDS = 30
# What a server says when it will not take the connection, however long one
# waits: a failed connection has no SQLSTATE in psycopg, only libpq's text.
REFUSALS = ("password authentication failed", "no pg_hba.conf entry", "does not exist")

HOW_TO_MAKE_A_PASSWORD = config.how_to_make_a_password("POSTGRES_PASSWORD")


def connect_when_ready(engine, say=print):
    """A connection, once the database takes them: while no server answers
    yet, or it is starting up, try again; a refusal (a wrong password, no
    such database) fails at once."""
    deadline = time.monotonic() + WAIT_FOR_IT_SECONDS
    said = False
    while True:
        try:
            return engine.connect()
        except OperationalError as error:
            if refused(error) or time.monotonic() > deadline:
                raise
            if not said:
                said = True
                reason = str(error.orig).strip().splitlines()[0]
                say(f"Waiting for the database ({reason})")
            time.sleep(0.1)


def refused(error: OperationalError) -> bool:
    """Whether the server answered no for good, rather than not at all or
    not yet (starting up: SQLSTATE 57P03, or no SQLSTATE and its text)."""
    sqlstate = getattr(error.orig, "sqlstate", None)
    if sqlstate not in (None, "57P03"):
        return True
    return sqlstate is None and any(text in str(error.orig) for text in REFUSALS)


def database_uri(app: Flask) -> str:
    url = config.from_environment("DATABASE_URL")
    if not url:
        raise config.Refused(
            [
                "DATABASE_URL is not set: Compose sets it from the POSTGRES_* "
                "values in .env; elsewhere, set it, e.g. "
                "postgresql+psycopg://user:password@localhost:5432/name"
            ]
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
            "connect_args": CONNECTION_SETTINGS,
        },
    )
    db.init_app(app)
    # Teardown functions run last registered first: this one ends the
    # session before Flask-SQLAlchemy's own, which then has nothing to do.
    app.teardown_appcontext(end_session)
    migrate.init_app(app, db)
    app.register_blueprint(notes.bp)
    for error in (OperationalError, InterfaceError):  # unreachable, or lost
        app.register_error_handler(error, unavailable)
    app.extensions.setdefault("readiness", []).append(database_answers)
    app.extensions.setdefault("production_checks", []).append(password_problem)


def password_problem(app: Flask) -> str | None:
    """For production: what is wrong with the database password, if anything."""
    password = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).password
    return config.password_problem(password, "database", HOW_TO_MAKE_A_PASSWORD)


def unavailable(error: DBAPIError):
    """The database is away: say so at once, and when to try again."""
    with contextlib.suppress(DBAPIError):
        db.session.rollback()
    wants_json = request.accept_mimetypes.best == "application/json"
    body = {"error": UNAVAILABLE} if wants_json else UNAVAILABLE
    return body, 503, {"Retry-After": "2"}


def end_session(_error: BaseException | None) -> None:
    """Give the request's connection back, never raising.

    Ending the session rolls back what is left of its transaction. A
    database that dropped the connection meanwhile makes that fail, after
    the answer was decided: an error there reaches no error handler, and
    would cut the answer (dev) or turn it into a 500 (prod). The lost
    connection is discarded; the answer stands.
    """
    try:
        db.session.remove()
    except DBAPIError as error:
        current_app.logger.warning(
            "The database connection was lost as the request ended (%s); "
            "it is discarded.",
            error.__class__.__name__,
        )
        with contextlib.suppress(DBAPIError):
            db.session.remove()


def database_answers() -> None:
    """For /readyz: unreachable, it raises, and `unavailable` answers 503."""
    db.session.execute(text("SELECT 1"))
