"""Production lock-down: debug forced off, unsafe settings refused.

`wsgi.py` builds the production app through `create_production_app`. It fails
closed: a setting that could expose the debugger or weaken the app stops the
start with a message saying what to fix, instead of being silently accepted.
"""

from __future__ import annotations

from flask import Flask

from . import create_app
from .config import DEV_SECRET_KEY

# Applied after every other setting source (environment, .env, FLASK_* vars).
FORCED_SETTINGS = {"DEBUG": False, "TESTING": False}

MIN_SECRET_KEY_LENGTH = 32
# Values shipped in examples or docs: never secret.
KNOWN_PLACEHOLDER_KEYS = frozenset(
    {"change-me", "changeme", "dev", "secret", "your-secret-key", DEV_SECRET_KEY}
)
HOW_TO_MAKE_A_KEY = (
    "Set SECRET_KEY in .env to a random value of at least "
    f"{MIN_SECRET_KEY_LENGTH} characters, for example the output of: "
    'python -c "import secrets; print(secrets.token_urlsafe(48))"'
)


class UnsafeConfiguration(RuntimeError):
    """The production app refuses to start with this configuration."""


def check_secret_key(key: object) -> None:
    if not isinstance(key, str) or not key:
        raise UnsafeConfiguration(f"SECRET_KEY is not set. {HOW_TO_MAKE_A_KEY}")
    if key.strip().lower() in KNOWN_PLACEHOLDER_KEYS:
        raise UnsafeConfiguration(
            f"SECRET_KEY is a published placeholder. {HOW_TO_MAKE_A_KEY}"
        )
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise UnsafeConfiguration(f"SECRET_KEY is too short. {HOW_TO_MAKE_A_KEY}")


def check_debug_off(app: Flask) -> None:
    if app.debug or app.config.get("DEBUG") or app.testing:
        raise UnsafeConfiguration("debug or testing mode is on in production")


def create_production_app() -> Flask:
    app = create_app(FORCED_SETTINGS)
    # Forced again: the app's own code may have flipped it while being built.
    app.debug = False
    check_debug_off(app)
    check_secret_key(app.config.get("SECRET_KEY"))
    return app
