"""Waiting for the database (database.connect_when_ready), as the migration
and these tests do: while no server answers, and never after a refusal."""

import secrets

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from {{ cookiecutter.project_slug }} import (
    database,
)


@pytest.mark.parametrize(
    ("wrong", "refusal"),
    [
        ({"password": secrets.token_urlsafe()}, "password authentication failed"),
        ({"database": "no_such_database"}, "does not exist"),
    ],
    ids=["wrong password", "no such database"],
)
def test_a_refusal_fails_at_once(migrated_app, wrong, refusal):
    """Not a database starting up: nothing to wait for."""
    url = make_url(migrated_app.config["SQLALCHEMY_DATABASE_URI"]).set(**wrong)
    said = []
    with pytest.raises(OperationalError, match=refusal):
        database.connect_when_ready(create_engine(url), say=said.append)
    assert said == []


def test_a_server_not_answering_yet_is_waited_for(monkeypatch):
    """Until WAIT_FOR_IT_SECONDS, saying why once (no server needed)."""
    monkeypatch.setattr(database, "WAIT_FOR_IT_SECONDS", 0.5)
    nobody_listens = "postgresql+psycopg://app:password@127.0.0.1:9/app"
    said = []
    with pytest.raises(OperationalError):
        database.connect_when_ready(create_engine(nobody_listens), say=said.append)
    assert len(said) == 1
    assert said[0].startswith("Waiting for the database (")
