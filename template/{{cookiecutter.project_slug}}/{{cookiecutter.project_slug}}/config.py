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


MIN_PASSWORD_LENGTH = 16
KNOWN_PLACEHOLDER_PASSWORDS = frozenset(
    {"change-me", "changeme", "password", "postgres", "secret", "example", "guest"}
)


def how_to_make_a_password(name: str) -> str:
    return (
        f"Set {name} in .env to a random value of at least "
        f"{MIN_PASSWORD_LENGTH} characters (the generator wrote one), "
        "for example the output of: "
        'python -c "import secrets; print(secrets.token_urlsafe(32))"'
    )


def weakness(secret: object, placeholders: frozenset[str], min_length: int) -> str:
    """What makes a secret weak ("empty", "a published placeholder", "too
    short"), or "" (never the secret itself)."""
    if not isinstance(secret, str) or not secret.strip():
        return "empty"
    if secret.strip().lower() in placeholders:
        return "a published placeholder"
    if len(secret) < min_length:
        return "too short"
    return ""


def password_problem(password: str | None, whose: str, how_to: str) -> str | None:
    """For production: what is wrong with a service's password, if anything.
    `whose`: "database", "broker"..."""
    weak = weakness(password, KNOWN_PLACEHOLDER_PASSWORDS, MIN_PASSWORD_LENGTH)
    return f"the {whose} password is {weak}. {how_to}" if weak else None


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
