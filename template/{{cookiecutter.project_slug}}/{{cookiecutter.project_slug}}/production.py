"""Production lock-down: debug forced off, unsafe settings refused.

`wsgi.py` builds the production app with `create_production_app`. Each way
debug could be switched on is handled in one of two ways:

- forced off, with a warning in the log: `FLASK_DEBUG` / `FLASK_TESTING`
  (environment or `.env`), `DEBUG = True` in a config object or file,
  `app.debug = True` or `app.config["DEBUG"] = True` in the app's own code
  while it is built;
- refused at start, with one line per problem saying what to fix: the
  Werkzeug debugger middleware in the WSGI stack, a missing or weak
  SECRET_KEY, what the extensions check (a weak database or broker
  password: database.py, worker.py), and gunicorn's `--reload` (see
  compose/gunicorn.conf.py).

`DEBUG`, `FLASK_ENV` and `.flaskenv` have no effect at all: Flask 3 does not
read the first two, and the production app never reads dotenv files. Code
that sets `app.debug` while serving adds no debugger (only `flask run`
does) and shows no tracebacks (PROPAGATE_EXCEPTIONS is pinned off, and
gunicorn answers unhandled errors with a bare 500).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

from flask import Flask
from werkzeug.debug import DebuggedApplication
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config, create_app
from .config import DEV_SECRET_KEY

log = logging.getLogger(__name__)

# Applied after every other setting source (environment, .env, FLASK_* vars).
FORCED_SETTINGS = {"DEBUG": False, "TESTING": False, "PROPAGATE_EXCEPTIONS": False}

MIN_SECRET_KEY_LENGTH = 32
# Values shipped in .env.example, docs or the dev config: never secret.
KNOWN_PLACEHOLDER_KEYS = frozenset(
    {"change-me", "changeme", "dev", "secret", "your-secret-key", DEV_SECRET_KEY}
)
HOW_TO_MAKE_A_KEY = (
    "Set SECRET_KEY in .env to a random value of at least "
    f"{MIN_SECRET_KEY_LENGTH} characters, for example the output of: "
    'python -c "import secrets; print(secrets.token_urlsafe(48))"'
)


class UnsafeConfiguration(config.Refused):
    """The production app refuses this configuration (config.Refused: one
    line per problem, no traceback)."""


# Each check takes the app and says what is wrong with it, or None.
def secret_key_problem(app: Flask) -> str | None:
    key = app.config.get("SECRET_KEY")
    weak = config.weakness(key, KNOWN_PLACEHOLDER_KEYS, MIN_SECRET_KEY_LENGTH)
    if not weak:
        return None
    what = "not set" if weak == "empty" else weak
    return f"SECRET_KEY is {what}. {HOW_TO_MAKE_A_KEY}"


def wsgi_layers(wsgi_app: object) -> Iterator[object]:
    """The WSGI callables inside `wsgi_app`, outermost first.

    Middleware conventionally keeps what it wraps in `.app` (Werkzeug's
    DebuggedApplication and ProxyFix, DebugOffGuard below...); a Flask app
    keeps its middleware in `.wsgi_app`.
    """
    seen: set[int] = set()
    layer = wsgi_app
    while layer is not None and id(layer) not in seen:
        seen.add(id(layer))
        yield layer
        inner = "wsgi_app" if isinstance(layer, Flask) else "app"
        layer = getattr(layer, inner, None)


def debugger_problem(wsgi_app: object) -> str | None:
    if any(isinstance(layer, DebuggedApplication) for layer in wsgi_layers(wsgi_app)):
        return (
            "the Werkzeug debugger middleware is in the production WSGI "
            "stack: remove the DebuggedApplication wrapper"
        )
    return None


def check_wsgi_stack(wsgi_app: object) -> None:
    """Refuse a WSGI stack that holds the Werkzeug debugger (gunicorn checks
    what wsgi.py serves, wrappers included)."""
    if problem := debugger_problem(wsgi_app):
        raise UnsafeConfiguration([problem])


def refuse_unsafe(app: Flask) -> None:
    """Run every check, and refuse the start with all that is wrong at once.

    Extensions add their own checks to `app.extensions["production_checks"]`
    (database.py: the database password), as they add readiness checks.
    """
    checks = [debugger_problem, secret_key_problem]
    checks += app.extensions.get("production_checks", [])
    problems = [problem for check in checks if (problem := check(app))]
    if problems:
        raise UnsafeConfiguration(problems)


def warn_ignored_settings() -> None:
    for name in ("FLASK_DEBUG", "FLASK_TESTING"):
        if os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no"):
            log.warning("%s is set: ignored, debug is always off in production", name)
    for name in ("DEBUG", "TESTING"):
        if getattr(config.Defaults, name, False):
            log.warning("%s = True in config.py: ignored in production", name)


def force_debug_off(app: Flask, where: str) -> None:
    if app.debug or app.testing:
        log.warning("debug/testing was on (%s): forced off in production", where)
    app.config.update(FORCED_SETTINGS)
    app.debug = False


def trust_proxies(app: Flask) -> None:
    """Honour X-Forwarded-* headers from PROXY_COUNT reverse proxies (default 0)."""
    hops = int(os.environ.get("PROXY_COUNT") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops
        )


def create_production_app() -> Flask:
    warn_ignored_settings()
    app = create_app(FORCED_SETTINGS)
    # Again: the app's own code may have switched it on while being built.
    force_debug_off(app, "set by the app's code")
    refuse_unsafe(app)
    trust_proxies(app)
    return app
