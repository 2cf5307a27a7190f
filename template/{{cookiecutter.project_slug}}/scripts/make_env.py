"""Create .env from .env.example, with fresh secrets and your user's ids.

The project generator ran it once. Run it again in a fresh clone (.env is
never committed) and in CI: `python3 scripts/make_env.py`. An existing .env
is left as it is. Standard library only.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

# Placeholders of .env.example, and what replaces each; the first ones must
# be there, the others only in some projects (with a database, a worker).
REQUIRED = ("SECRET_KEY=change-me", "HOST_UID=1000", "HOST_GID=1000")
OPTIONAL = ("POSTGRES_PASSWORD=change-me", "BROKER_PASSWORD=change-me")


def host_id(name: str, own_id) -> str | None:
    """The id the dev container should run as: yours, unless given (toolbox)."""
    given = os.environ.get(name, "")
    if given.isdigit():
        return given
    return str(own_id()) if own_id else None


def values() -> dict[str, str | None]:
    uid = host_id("HOST_UID", getattr(os, "getuid", None))
    gid = host_id("HOST_GID", getattr(os, "getgid", None))
    return {
        "SECRET_KEY=change-me": f"SECRET_KEY={secrets.token_urlsafe(48)}",
        "POSTGRES_PASSWORD=change-me": f"POSTGRES_PASSWORD={secrets.token_urlsafe(32)}",
        "BROKER_PASSWORD=change-me": f"BROKER_PASSWORD={secrets.token_urlsafe(32)}",
        # So that files the dev container writes in the project belong to you.
        "HOST_UID=1000": f"HOST_UID={uid}" if uid else None,
        "HOST_GID=1000": f"HOST_GID={gid}" if gid else None,
    }


def make_env(project: Path) -> bool:
    """Write project/.env unless there is one; whether it was written."""
    target = project / ".env"
    if target.exists():
        return False
    env = (project / ".env.example").read_text(encoding="utf-8")
    for placeholder, value in values().items():
        if placeholder not in env:
            if placeholder in REQUIRED:
                raise SystemExit(f".env.example lacks the line {placeholder!r}")
            continue
        if value:
            env = env.replace(placeholder, value, 1)
    target.write_text(env, encoding="utf-8")
    target.chmod(0o600)
    return True


if __name__ == "__main__":
    project = Path(__file__).resolve().parent.parent
    if not make_env(project):
        print(".env exists: left as it is", file=sys.stderr)
