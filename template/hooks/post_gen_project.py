"""Create .env from .env.example: a fresh random SECRET_KEY, your user ids."""

import os
import secrets
from pathlib import Path


def host_id(name: str, own_id) -> str | None:
    """The id the dev container should run as: yours, unless given (toolbox)."""
    given = os.environ.get(name, "")
    if given.isdigit():
        return given
    return str(own_id()) if own_id else None


UID = host_id("HOST_UID", getattr(os, "getuid", None))
GID = host_id("HOST_GID", getattr(os, "getgid", None))
PLACEHOLDERS = {
    "SECRET_KEY=change-me": f"SECRET_KEY={secrets.token_urlsafe(48)}",
    # So that files the dev container writes in the project belong to you.
    "HOST_UID=1000": f"HOST_UID={UID}" if UID else None,
    "HOST_GID=1000": f"HOST_GID={GID}" if GID else None,
}

env = Path(".env.example").read_text(encoding="utf-8")
for placeholder, value in PLACEHOLDERS.items():
    if placeholder not in env:
        raise SystemExit(f".env.example lacks the line {placeholder!r}")
    if value:
        env = env.replace(placeholder, value, 1)
Path(".env").write_text(env, encoding="utf-8")
Path(".env").chmod(0o600)
