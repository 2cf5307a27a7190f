"""Tests with the database: a database of their own, `<name>_test` (never
the one you work with), brought to the latest migration once per run; each
test in a transaction that is rolled back after it."""

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker

from {{ cookiecutter.project_slug }} import create_app
from {{ cookiecutter.project_slug }}.database import (
    connect_when_ready,
)
from {{ cookiecutter.project_slug }}.extensions import db


def create_database(url) -> None:
    """Create the test database if it is not there yet."""
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with connect_when_ready(server) as connection:  # `run dev` starts with it
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"),
            {"name": url.database},
        ).scalar()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{url.database}"'))
    server.dispose()


@pytest.fixture(scope="session")
def migrated_app():
    app = create_app({"TESTING": True})
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    assert url.database.endswith("_test"), "tests never touch your own database"
    create_database(url)
    with app.app_context():
        upgrade()
    return app


@pytest.fixture
def app(migrated_app, monkeypatch):
    """The app, its database session inside a transaction rolled back after
    the test (commits in the code under test end a savepoint only)."""
    with migrated_app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        session = scoped_session(
            sessionmaker(
                bind=connection,
                join_transaction_mode="create_savepoint",
                expire_on_commit=False,  # as the app's (extensions.py)
            )
        )
        monkeypatch.setattr(db, "session", session)
        yield migrated_app
        session.remove()
        transaction.rollback()
        connection.close()
