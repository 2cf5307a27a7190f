"""Create .env from .env.example, with a fresh random SECRET_KEY."""

import secrets
from pathlib import Path

PLACEHOLDER = "SECRET_KEY=change-me"

example = Path(".env.example").read_text(encoding="utf-8")
if PLACEHOLDER not in example:
    raise SystemExit(f".env.example lacks the line {PLACEHOLDER!r}")
env = example.replace(PLACEHOLDER, f"SECRET_KEY={secrets.token_urlsafe(48)}", 1)
Path(".env").write_text(env, encoding="utf-8")
Path(".env").chmod(0o600)
