"""Production refuses a weak database password (database.py), saying how to
make one and never showing it. No database server is needed."""

import pytest

from {{ cookiecutter.project_slug }}.database import (
    HOW_TO_MAKE_A_PASSWORD,
)
from {{ cookiecutter.project_slug }}.production import (
    HOW_TO_MAKE_A_KEY,
    UnsafeConfiguration,
    create_production_app,
)

STRONG_KEY = "k" * 16 + "3x@mpl3-n0t-a-r3al-key"
STRONG_PASSWORD = "p" * 8 + "3xampl3-n0t-r3al"


def database_url(password: str) -> str:
    return f"postgresql+psycopg://app:{password}@prod-db:5432/app"


@pytest.fixture(autouse=True)
def production_env(monkeypatch):
    for name in ("FLASK_DEBUG", "FLASK_TESTING", "SECRET_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("", "is empty"),
        ("changeme", "is a published placeholder"),
        ("Postgres", "is a published placeholder"),
        ("short-but-0dd", "is too short"),
    ],
)
def test_production_refuses_a_weak_database_password(monkeypatch, password, reason):
    monkeypatch.setenv("DATABASE_URL", database_url(password))
    with pytest.raises(UnsafeConfiguration) as refused:
        create_production_app()
    assert str(refused.value) == (
        f"Refusing to start: the database password {reason}. {HOW_TO_MAKE_A_PASSWORD}"
    )


def test_a_weak_key_and_a_weak_password_are_two_lines(monkeypatch):
    monkeypatch.delenv("SECRET_KEY")
    monkeypatch.setenv("DATABASE_URL", database_url("short-but-0dd"))
    with pytest.raises(UnsafeConfiguration) as refused:
        create_production_app()
    assert str(refused.value).splitlines() == [
        f"Refusing to start: SECRET_KEY is not set. {HOW_TO_MAKE_A_KEY}",
        "Refusing to start: the database password is too short. "
        f"{HOW_TO_MAKE_A_PASSWORD}",
    ]
    assert "short-but-0dd" not in str(refused.value)


def test_production_takes_a_strong_database_password(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url(STRONG_PASSWORD))
    assert create_production_app()


def test_no_database_url_stops_the_start_in_one_line(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL_FILE", raising=False)
    with pytest.raises(SystemExit) as refused:
        create_production_app()
    assert str(refused.value).startswith(
        "Refusing to start: DATABASE_URL is not set: Compose sets it"
    )
    assert "\n" not in str(refused.value)
