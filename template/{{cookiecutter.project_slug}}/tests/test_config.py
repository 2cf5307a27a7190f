import pytest

from {{ cookiecutter.project_slug }} import create_app
from {{ cookiecutter.project_slug }}.config import DEV_SECRET_KEY
from {{ cookiecutter.project_slug }}.production import (
    UnsafeConfiguration,
    create_production_app,
)

STRONG_KEY = "k" * 16 + "3x@mpl3-n0t-a-r3al-key"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("FLASK_DEBUG", "SECRET_KEY", "FLASK_SECRET_KEY", "FLASK_TESTING"):
        monkeypatch.delenv(name, raising=False)


def test_development_turns_debug_on_from_the_environment(monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app()
    assert app.debug
    assert app.config["SECRET_KEY"] == DEV_SECRET_KEY


def test_secret_key_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
    assert create_app().config["SECRET_KEY"] == STRONG_KEY


@pytest.mark.parametrize("variable", ["FLASK_DEBUG", "FLASK_TESTING"])
def test_production_forces_debug_off(monkeypatch, variable):
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv(variable, "1")
    app = create_production_app()
    assert app.debug is False
    assert app.testing is False
    assert app.config["DEBUG"] is False


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        (None, "not set"),
        ("", "not set"),
        ("change-me", "placeholder"),
        (DEV_SECRET_KEY, "placeholder"),
        ("short-but-not-a-placeholder", "too short"),
    ],
)
def test_production_refuses_a_weak_secret_key(monkeypatch, key, reason):
    if key is not None:
        monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(UnsafeConfiguration, match=reason):
        create_production_app()


def test_production_does_not_take_the_dev_key_with_debug_on(monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(UnsafeConfiguration, match="SECRET_KEY"):
        create_production_app()
