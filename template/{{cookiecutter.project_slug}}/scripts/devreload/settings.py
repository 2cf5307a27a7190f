"""The reloader's settings, from environment variables (compose/dev.env)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

# Changes to these restart the server. Templates and static files need no
# restart: Flask reloads templates by itself in debug mode.
RESTART_PATTERNS = ("*.py", ".env", ".flaskenv", "*.toml", "*.cfg", "*.ini")
# Changes to these need an image rebuild: dependencies live in the image.
REBUILD_PATTERNS = ("requirements*.txt", "requirements/*.txt", "Dockerfile")
# Editor swap, backup and lock files (vim, emacs, JetBrains, GNOME, Kate).
EDITOR_TEMP_PATTERNS = (
    ".#*",
    "#*#",
    "*~",
    "*.sw?",
    "*___jb_???___",
    "4913",
    "*.tmp",
    ".goutputstream-*",
    "*.kate-swp",
)
# Never walked: version control, caches, virtualenvs, dependencies, builds.
IGNORED_NAMES = (
    ".git",
    ".hg",
    ".svn",
    "__pycache__",
    ".venv",
    "venv",
    "node_modules",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    ".hypothesis",
    ".tox",
    ".nox",
    "htmlcov",
    "build",
    "dist",
    "*.egg-info",
    "instance",
)
MODES = ("auto", "poll", "native")


def _list(name: str, separator: str = ",") -> tuple[str, ...]:
    raw = os.environ.get(name, "")
    return tuple(item.strip() for item in raw.split(separator) if item.strip())


@dataclass(frozen=True)
class Settings:
    """RELOADER_* environment variables; the defaults suit most projects."""

    # auto: native file events where they arrive, polling always (the safety
    # net where they don't: Docker Desktop, WSL2 mounts, network shares).
    mode: str = "auto"
    # Seconds between two polls of the files most likely to change.
    interval: float = 0.1
    # Share of one CPU core the polling may use, in percent (see watch.py).
    cpu_budget: float = 1.0
    include: tuple[str, ...] = RESTART_PATTERNS
    exclude: tuple[str, ...] = IGNORED_NAMES + EDITOR_TEMP_PATTERNS
    paths: tuple[Path, ...] = field(default_factory=tuple)
    # Import third-party modules once, fork a fresh server per reload.
    preload: bool = True
    host: str = "0.0.0.0"  # noqa: S104 - inside the container
    port: int = 5000

    @classmethod
    def from_environ(cls, root: Path) -> Settings:
        mode = os.environ.get("RELOADER_MODE", cls.mode).strip().lower()
        if mode not in MODES:
            raise SystemExit(f"RELOADER_MODE={mode!r}: use one of {', '.join(MODES)}")
        return cls(
            mode=mode,
            interval=float(os.environ.get("RELOADER_INTERVAL") or cls.interval),
            cpu_budget=float(os.environ.get("RELOADER_CPU_BUDGET") or cls.cpu_budget),
            include=RESTART_PATTERNS + _list("RELOADER_INCLUDE"),
            exclude=IGNORED_NAMES + EDITOR_TEMP_PATTERNS + _list("RELOADER_EXCLUDE"),
            paths=(root, *(Path(p) for p in _list("RELOADER_PATHS", ":"))),
            preload=os.environ.get("RELOADER_PRELOAD", "1").strip() not in ("0", ""),
            host=os.environ.get("DEV_HOST", cls.host),
            port=int(os.environ.get("DEV_CONTAINER_PORT") or cls.port),
        )
