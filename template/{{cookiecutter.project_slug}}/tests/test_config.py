import subprocess
import sys

import pytest
from flask import request
from werkzeug.debug import DebuggedApplication

from {{ cookiecutter.project_slug }} import create_app, production
from {{ cookiecutter.project_slug }}.config import DEV_SECRET_KEY
from {{ cookiecutter.project_slug }}.production import (
    HOW_TO_MAKE_A_KEY,
    UnsafeConfiguration,
    check_wsgi_stack,
    create_production_app,
)

STRONG_KEY = "k" * 16 + "3x@mpl3-n0t-a-r3al-key"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    names = ("SECRET_KEY", "SECRET_KEY_FILE", "FLASK_SECRET_KEY")
    for name in ("FLASK_DEBUG", "FLASK_TESTING", *names):
        monkeypatch.delenv(name, raising=False)


def test_development_turns_debug_on_from_the_environment(monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app()
    assert app.debug
    assert app.config["SECRET_KEY"] == DEV_SECRET_KEY


def test_secret_key_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
    assert create_app().config["SECRET_KEY"] == STRONG_KEY


def test_secret_key_comes_from_a_secret_file_first(monkeypatch, tmp_path):
    secret = tmp_path / "secret_key"
    secret.write_text(STRONG_KEY + "\n")  # as `docker secret create` keeps it
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("SECRET_KEY_FILE", str(secret))
    assert create_production_app().config["SECRET_KEY"] == STRONG_KEY


def test_a_missing_secret_file_stops_the_start_in_one_line(monkeypatch, tmp_path):
    missing = tmp_path / "nothing"
    monkeypatch.setenv("SECRET_KEY_FILE", str(missing))
    with pytest.raises(SystemExit) as refused:
        create_production_app()
    assert str(refused.value) == (
        f"Refusing to start: SECRET_KEY_FILE names {missing}, which cannot be "
        "read (No such file or directory): is the secret mounted there?"
    )


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
        (None, "is not set"),
        ("", "is not set"),
        ("change-me", "is a published placeholder"),
        (DEV_SECRET_KEY, "is a published placeholder"),
        ("short-but-not-a-placeholder", "is too short"),
    ],
)
def test_production_refuses_a_weak_secret_key(monkeypatch, key, reason):
    if key is not None:
        monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(UnsafeConfiguration) as refused:
        create_production_app()
    assert str(refused.value) == (
        f"Refusing to start: SECRET_KEY {reason}. {HOW_TO_MAKE_A_KEY}"
    )


DEBUGGER_LINE = (
    "Refusing to start: the Werkzeug debugger middleware is in the production "
    "WSGI stack: remove the DebuggedApplication wrapper"
)


def test_a_refused_start_says_every_problem_on_a_line_of_its_own(monkeypatch):
    def create_app_with_the_debugger(overrides):
        app = create_app(overrides)
        app.wsgi_app = DebuggedApplication(app.wsgi_app, evalex=True)
        return app

    monkeypatch.setattr(production, "create_app", create_app_with_the_debugger)
    with pytest.raises(UnsafeConfiguration) as refused:
        create_production_app()
    assert str(refused.value).splitlines() == [
        DEBUGGER_LINE,
        f"Refusing to start: SECRET_KEY is not set. {HOW_TO_MAKE_A_KEY}",
    ]


def test_the_flask_command_says_why_it_refuses_and_nothing_more(monkeypatch):
    """As `migrate` runs it: the lines, a non-zero exit code, no traceback."""
    monkeypatch.setenv("FLASK_SKIP_DOTENV", "1")  # not your .env
    app = f"{production.__name__}:create_production_app()"
    command = [sys.executable, "-m", "flask", "--app", app, "routes"]
    refused = subprocess.run(command, capture_output=True, text=True, check=False)
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert refused.stderr == (
        f"Refusing to start: SECRET_KEY is not set. {HOW_TO_MAKE_A_KEY}\n"
    )


def test_production_does_not_take_the_dev_key_with_debug_on(monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(UnsafeConfiguration, match="SECRET_KEY"):
        create_production_app()


@pytest.fixture
def production_env(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)


def test_production_refuses_the_debugger_in_the_wsgi_stack(production_env):
    app = create_production_app()
    app.wsgi_app = DebuggedApplication(app.wsgi_app, evalex=True)
    with pytest.raises(UnsafeConfiguration, match="debugger"):
        check_wsgi_stack(app)
    with pytest.raises(UnsafeConfiguration) as refused:
        check_wsgi_stack(DebuggedApplication(create_production_app()))
    assert str(refused.value) == DEBUGGER_LINE


def client_seen_by(app):
    """Scheme and address of the client, as the app sees them behind a proxy."""
    app.add_url_rule(
        "/whoami", "whoami", lambda: f"{request.scheme} {request.remote_addr}"
    )
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    return app.test_client().get("/whoami", headers=forwarded).text


def test_production_trusts_proxies_only_when_told(production_env, monkeypatch):
    assert client_seen_by(create_production_app()) == "http 127.0.0.1"
    monkeypatch.setenv("PROXY_COUNT", "1")
    app = create_production_app()
    check_wsgi_stack(app)  # ProxyFix is walked through, not refused
    assert client_seen_by(app) == "https 203.0.113.7"
