"""Create .env from .env.example: a fresh random SECRET_KEY, your user ids."""

import os
import secrets
from pathlib import Path

PLACEHOLDERS = {
    "SECRET_KEY=change-me": f"SECRET_KEY={secrets.token_urlsafe(48)}",
    # So that files the dev container writes in the project belong to you.
    "HOST_UID=1000": f"HOST_UID={os.getuid()}" if hasattr(os, "getuid") else None,
    "HOST_GID=1000": f"HOST_GID={os.getgid()}" if hasattr(os, "getgid") else None,
}

env = Path(".env.example").read_text(encoding="utf-8")
for placeholder, value in PLACEHOLDERS.items():
    if placeholder not in env:
        raise SystemExit(f".env.example lacks the line {placeholder!r}")
    if value:
        env = env.replace(placeholder, value, 1)
Path(".env").write_text(env, encoding="utf-8")
Path(".env").chmod(0o600)
