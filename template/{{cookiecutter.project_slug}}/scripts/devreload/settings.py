"""The reloader's settings, from environment variables (compose/dev.env)."""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path

MODES = ("auto", "poll", "native")
TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off", "")


def env_flag(name: str, default: bool) -> bool:
    """An on/off variable: 1/true/yes/on or 0/false/no/off; unset: `default`."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value not in TRUE + FALSE:
        raise SystemExit(f"{name}={raw!r}: use 1 or 0")
    return value in TRUE


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
    # Share of one CPU core the polling may use, in percent (see polling.py).
    cpu_budget: float = 1.0
    include: tuple[str, ...] = ()  # more file patterns that restart
    exclude: tuple[str, ...] = ()  # more names to skip, at any depth
    paths: tuple[Path, ...] = field(default_factory=tuple)
    # Import third-party modules once, fork a fresh server per reload.
    preload: bool = True
    host: str = "0.0.0.0"  # noqa: S104 - inside the container
    port: int = 5000
    # Where the user opens the app (the port Compose publishes, not ours).
    public_url: str | None = None
    # Open pages follow saves (livereload.py).
    live_reload: bool = True
    # A flask command run before the first server (DEV_BEFORE_SERVING).
    before_serving: tuple[str, ...] = ()

    @classmethod
    def from_environ(cls, root: Path) -> Settings:
        mode = os.environ.get("RELOADER_MODE", cls.mode).strip().lower()
        if mode not in MODES:
            raise SystemExit(f"RELOADER_MODE={mode!r}: use one of {', '.join(MODES)}")
        return cls(
            mode=mode,
            interval=float(os.environ.get("RELOADER_INTERVAL") or cls.interval),
            cpu_budget=float(os.environ.get("RELOADER_CPU_BUDGET") or cls.cpu_budget),
            include=_list("RELOADER_INCLUDE"),
            exclude=_list("RELOADER_EXCLUDE"),
            paths=(root, *(Path(p) for p in _list("RELOADER_PATHS", ":"))),
            preload=env_flag("RELOADER_PRELOAD", cls.preload),
            host=os.environ.get("DEV_HOST", cls.host),
            port=int(os.environ.get("DEV_CONTAINER_PORT") or cls.port),
            public_url=os.environ.get("DEV_URL", "").strip() or None,
            live_reload=env_flag("LIVE_RELOAD", cls.live_reload),
            before_serving=tuple(shlex.split(os.environ.get("DEV_BEFORE_SERVING", ""))),
        )

    @property
    def url(self) -> str:
        """The address to open in a browser."""
        if self.public_url:
            return self.public_url
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host  # noqa: S104
        return f"http://{host}:{self.port}"
