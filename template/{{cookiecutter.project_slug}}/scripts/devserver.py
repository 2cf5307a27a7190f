"""Development server: Flask's debug server, restarted by a polling reloader.

Why not `flask run --debug`: its reloader relies on inotify events (which do
not cross Docker Desktop, WSL2 or network-share mounts) or on a watchdog
pattern that watchdog 7 no longer matches. This runner polls the tree with
watchdog's PollingObserverVFS instead, pruning ignored directories during the
walk, and restarts `flask run --debug --no-reload` when a watched file changes.

This process owns the listening socket and hands it to each server process
(Werkzeug's WERKZEUG_SERVER_FD protocol), so requests that arrive during a
restart wait in the socket's backlog and are answered by the new code.
An import or syntax error does not stop anything: Flask serves the error page
(with the debugger) until the next save fixes it.

Settings (environment variables):
  RELOADER_INTERVAL  seconds between two polls (default 0.5)
  RELOADER_PATHS     extra directories or files to watch, colon-separated
  RELOADER_IGNORE    extra directory or file names to skip, comma-separated
  DEV_HOST, DEV_CONTAINER_PORT  where to listen (default 0.0.0.0:5000)
"""

from __future__ import annotations

import fnmatch
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers.polling import PollingObserverVFS

# Changes to these restart the server. Templates and static files need no
# restart: Flask reloads templates by itself in debug mode.
RESTART_PATTERNS = ("*.py", ".env", ".flaskenv", "*.toml", "*.cfg", "*.ini")
# Changes to these need `docker compose up --build`: dependencies live in the image.
REBUILD_PATTERNS = ("requirements*.txt", "requirements/*.txt", "Dockerfile")
# Editor swap, backup and lock files (vim, emacs, JetBrains, ...).
EDITOR_TEMP_PATTERNS = (".#*", "*~", "*.sw?", "*___jb_???___", "4913", "*.tmp")
IGNORED_DIRS = frozenset(
    {
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
        ".tox",
        ".nox",
        "htmlcov",
        "build",
        "dist",
        "instance",
    }
)
# Quiet time after a change before restarting: one restart per burst
# (a `git checkout`, an editor writing several files).
DEBOUNCE_SECONDS = 0.05
STOP_TIMEOUT_SECONDS = 5


def log(message: str) -> None:
    print(f" * {message}", file=sys.stderr, flush=True)


def matches(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


class ChangeFilter:
    """Decides which paths matter, on names only (no stat, no I/O)."""

    def __init__(self, root: Path, ignored_names: frozenset[str]) -> None:
        self.root = root
        self.ignored_names = ignored_names

    def relative(self, path: str) -> str:
        try:
            return Path(path).relative_to(self.root).as_posix()
        except ValueError:
            return Path(path).name

    def kind(self, path: str) -> str | None:
        """'restart', 'rebuild' or None for a changed file."""
        name = os.path.basename(path)
        if name in self.ignored_names or matches(name, EDITOR_TEMP_PATTERNS):
            return None
        relative = self.relative(path)
        if matches(name, REBUILD_PATTERNS) or matches(relative, REBUILD_PATTERNS):
            return "rebuild"
        if matches(name, RESTART_PATTERNS):
            return "restart"
        return None

    def keep_entry(self, entry: os.DirEntry) -> bool:
        """Whether the polling walk looks at this entry at all."""
        if entry.name in self.ignored_names:
            return False
        if entry.is_dir():
            return True
        return self.kind(entry.path) is not None

    def scandir(self, path: str | None):
        """os.scandir, pruned: ignored directories are never walked."""
        with os.scandir(path) as entries:
            return [entry for entry in entries if self.keep_entry(entry)]


class ChangeCollector(FileSystemEventHandler):
    """Collects relevant changes from the observer thread."""

    def __init__(self, change_filter: ChangeFilter) -> None:
        self.filter = change_filter
        self.changed = threading.Event()
        self._lock = threading.Lock()
        self._paths: dict[str, str] = {}

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type in ("opened", "closed_no_write"):
            return
        for path in (event.src_path, getattr(event, "dest_path", "")):
            kind = path and self.filter.kind(os.fsdecode(path))
            if kind:
                with self._lock:
                    self._paths[os.fsdecode(path)] = kind
                self.changed.set()

    def take(self) -> dict[str, str]:
        with self._lock:
            paths, self._paths = self._paths, {}
            self.changed.clear()
            return paths


class ServerProcess:
    """`flask run` in a child process, serving on a socket this process keeps."""

    def __init__(self, sock: socket.socket, host: str, port: int) -> None:
        self.sock = sock
        self.command = [
            sys.executable,
            "-m",
            "flask",
            "run",
            "--debug",
            "--no-reload",
            "--host",
            host,
            "--port",
            str(port),
        ]
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        fd = self.sock.fileno()
        env = dict(os.environ, WERKZEUG_RUN_MAIN="true", WERKZEUG_SERVER_FD=str(fd))
        self.process = subprocess.Popen(self.command, env=env, pass_fds=(fd,))  # noqa: S603

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def watched_paths(root: Path) -> list[Path]:
    extra = [Path(p) for p in os.environ.get("RELOADER_PATHS", "").split(":") if p]
    return [root, *extra]


def main() -> int:
    if os.environ.get("WERKZEUG_DEBUG_PIN", "").strip().lower() == "off":
        log(
            "Refusing to start: WERKZEUG_DEBUG_PIN=off would give the debugger's "
            "Python console to anyone who reaches the port. Remove it; the PIN "
            "is printed in this log at each start."
        )
        return 2
    root = Path.cwd()
    host = os.environ.get("DEV_HOST", "0.0.0.0")  # noqa: S104 - inside the container
    port = int(os.environ.get("DEV_CONTAINER_PORT", "5000"))
    interval = float(os.environ.get("RELOADER_INTERVAL", "0.5"))
    extra_ignored = {
        n.strip() for n in os.environ.get("RELOADER_IGNORE", "").split(",")
    }
    change_filter = ChangeFilter(root, IGNORED_DIRS | (extra_ignored - {""}))

    collector = ChangeCollector(change_filter)
    observer = PollingObserverVFS(
        stat=os.stat, listdir=change_filter.scandir, polling_interval=interval
    )
    for path in watched_paths(root):
        observer.schedule(collector, str(path), recursive=True)

    stopping = threading.Event()

    def request_stop(signum, _frame) -> None:
        stopping.set()
        collector.changed.set()  # wake the main loop

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    server = ServerProcess(listening_socket(host, port), host, port)
    log(f"Serving on http://{host}:{port} (debug, polling reloader every {interval}s)")
    observer.start()
    server.start()
    try:
        while not stopping.is_set():
            collector.changed.wait()
            if stopping.is_set():
                break
            time.sleep(DEBOUNCE_SECONDS)
            changes = collector.take()
            for path, kind in sorted(changes.items()):
                if kind == "rebuild":
                    log(
                        f"{change_filter.relative(path)} changed: rebuild the image "
                        "(docker compose up --build dev) to install it"
                    )
            restarts = [p for p, kind in changes.items() if kind == "restart"]
            if restarts:
                log(
                    f"Detected change in {change_filter.relative(restarts[0])}"
                    + (f" and {len(restarts) - 1} more" if len(restarts) > 1 else "")
                    + ", reloading"
                )
                server.restart()
    finally:
        server.stop()
        observer.stop()
        observer.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
