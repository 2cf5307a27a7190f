"""The supervisor: owns the socket, watches the files, forks a server per reload.

It stays single-threaded, so that forking it is safe. After the first
start it imports the third-party modules the app imported (Flask, and any
heavy library), so each reload forks a process that already has them and
only imports the project's own modules: a reload costs milliseconds, not
the seconds a heavy import takes. When installed packages change, it starts
over from scratch (exec), keeping the socket.
"""

from __future__ import annotations

import importlib
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import sysconfig
import threading
import time
import traceback

from . import serve
from .settings import REBUILD_PATTERNS, Settings
from .watch import REBUILD, FileFilter, Tree

SOCKET_FD_VARIABLE = "DEVRELOAD_SOCKET_FD"
# Quiet time that ends a burst of changes (a git checkout, a formatter
# rewriting many files): one restart per burst.
SETTLE_SECONDS = 0.03
MAX_SETTLE_SECONDS = 1.0
STOP_TIMEOUT_SECONDS = 10


def log(message: str) -> None:
    print(f" * {message}", file=sys.stderr, flush=True)


def listening_socket(host: str, port: int) -> socket.socket:
    """The server socket: inherited across an exec, else opened here."""
    inherited = os.environ.get(SOCKET_FD_VARIABLE)
    if inherited:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM, fileno=int(inherited))
    else:
        sock = socket.create_server(
            (host, port),
            family=socket.AF_INET6 if ":" in host else socket.AF_INET,
            backlog=128,
            reuse_port=False,
        )
    sock.set_inheritable(True)
    return sock


class Server:
    """The current server process, forked from this one."""

    def __init__(self, sock: socket.socket, settings: Settings, roots: list[str]):
        self.sock = sock
        self.settings = settings
        self.roots = roots
        self.pid: int | None = None
        self.report = None  # pipe the server reports its imports on
        self.stopping: list[int] = []  # servers finishing their last requests

    def start(self) -> None:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the server process
            code = 1
            try:
                # Not this supervisor's handlers, until serve.run sets its own.
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                os.close(read_end)
                code = serve.run(
                    self.sock.fileno(),
                    write_end,
                    self.settings.host,
                    self.settings.port,
                    self.roots,
                )
            except BaseException:  # noqa: BLE001 - report, then exit
                traceback.print_exc()
            finally:
                os._exit(code)
        os.close(write_end)
        self.pid = pid
        self.report = os.fdopen(read_end, "r", buffering=1)

    def stop(self, wait: bool) -> None:
        """Ask the server to stop accepting and finish; wait if told to."""
        if self.pid is None:
            return
        pid, self.pid = self.pid, None
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        if not wait:
            self.stopping.append(pid)
            return
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if os.waitpid(pid, os.WNOHANG) != (0, 0):
                return
            time.sleep(0.01)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)

    def reap(self) -> None:
        """Collect the servers that finished after a reload (no zombies)."""
        for pid in list(self.stopping):
            if os.waitpid(pid, os.WNOHANG) != (0, 0):
                self.stopping.remove(pid)

    def exited(self) -> int | None:
        """Exit status of the current server if it ended by itself."""
        if self.pid is None:
            return None
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        if pid == 0:
            return None
        self.pid = None
        return os.waitstatus_to_exitcode(status)


class Supervisor:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.roots = [str(p.resolve()) for p in settings.paths]
        self.filter = FileFilter(settings.include, settings.exclude, REBUILD_PATTERNS)
        self.tree = Tree(
            self.roots, self.filter, settings.interval, settings.cpu_budget
        )
        self.packages_dir = sysconfig.get_paths()["purelib"]
        self.packages_mtime = self._packages_mtime()
        self.selector = selectors.DefaultSelector()
        self.stopping = False
        self.preloaded: set[str] = set()
        self.events = None  # native file events helper process
        # native mode trusts file events alone; the other modes poll.
        self.polling = settings.mode != "native"

    # -- set-up ----------------------------------------------------------------
    def _packages_mtime(self) -> int:
        try:
            return os.stat(self.packages_dir).st_mtime_ns
        except OSError:
            return 0

    def _request_stop(self, *_args) -> None:
        self.stopping = True

    def _start_events(self) -> None:
        """A helper process turns native file events into paths on a pipe.

        A process, not a thread: this one must stay single-threaded to fork.
        """
        if self.settings.mode == "poll":
            return
        self.events = subprocess.Popen(  # noqa: S603 - our own helper
            [sys.executable, "-m", "devreload.events", *self.roots],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
            cwd=os.path.dirname(os.path.dirname(__file__)),
        )
        self.selector.register(self.events.stdout, selectors.EVENT_READ, "events")

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._request_stop)
        signal.signal(signal.SIGINT, self._request_stop)
        sock = listening_socket(self.settings.host, self.settings.port)
        self.server = Server(sock, self.settings, self.roots)
        self.tree.scan()
        self._start_events()
        log(
            f"Serving on http://{self.settings.host}:{self.settings.port} "
            f"(debug, reloader: {self.settings.mode}, "
            f"{len(self.tree.files)} files watched)"
        )
        self._start_server()
        try:
            return self._loop()
        finally:
            self.server.stop(wait=True)
            if self.events:
                self.events.kill()

    # -- the loop --------------------------------------------------------------
    def _start_server(self) -> None:
        self.server.start()
        self.selector.register(self.server.report, selectors.EVENT_READ, "report")

    def _loop(self) -> int:
        while not self.stopping:
            timeout = max(0.0, min(self.tree.next_due() - time.monotonic(), 0.5))
            changed: set[str] = set()
            for key, _ in self.selector.select(timeout):
                if key.data == "report":
                    self._read_report(key.fileobj)
                else:
                    changed |= self._read_events(key.fileobj)
            now = time.monotonic()
            for tier in self.tree.due_tiers(now) if self.polling else ():
                changed |= self.tree.poll(tier)
                if tier == "full" and self._packages_mtime() != self.packages_mtime:
                    return self._start_over("installed packages changed")
            self.server.reap()
            status = self.server.exited()
            if status is not None:
                log(f"The server exited (code {status}); save a file to restart it")
            if changed and not self.stopping:
                self._reload(self._settle(changed))
        return 0

    def _settle(self, changed: set[str]) -> set[str]:
        """Keep polling the hot files until a burst of changes is over."""
        deadline = time.monotonic() + MAX_SETTLE_SECONDS
        while time.monotonic() < deadline:
            time.sleep(SETTLE_SECONDS)
            more = self.tree.poll_fast()
            if not more:
                break
            changed |= more
        return changed

    def _reload(self, changed: set[str]) -> None:
        kinds = {path: self.filter.kind(path) for path in changed}
        for path, kind in sorted(kinds.items()):
            if kind == REBUILD:
                log(
                    f"{os.path.relpath(path, self.roots[0])} changed: rebuild the "
                    "image to install it (docker compose up --build dev)"
                )
        restarting = sorted(p for p, kind in kinds.items() if kind != REBUILD)
        if not restarting:
            return
        first = os.path.relpath(restarting[0], self.roots[0])
        more = f" and {len(restarting) - 1} more" if len(restarting) > 1 else ""
        log(f"Detected change in {first}{more}, reloading")
        self._unregister_report()
        self.server.stop(wait=False)
        self.server.reap()
        self._start_server()

    # -- messages from the server and the events helper ---------------------------
    def _unregister_report(self) -> None:
        if self.server.report is not None:
            self.selector.unregister(self.server.report)
            self.server.report.close()
            self.server.report = None

    def _read_report(self, pipe) -> None:
        line = pipe.readline()
        if not line:
            self.selector.unregister(pipe)
            if pipe is self.server.report:
                self.server.report = None
            pipe.close()
            return
        report = json.loads(line)
        self.tree.set_imported(report["files"])
        if self.settings.preload:
            self._preload(report["modules"])

    def _preload(self, modules: list[str]) -> None:
        """Import what the app imported from outside the project, once."""
        missing = sorted(set(modules) - self.preloaded - set(sys.modules))
        self.preloaded.update(modules)
        for name in missing:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001, S112 - the server imports it anyway
                continue
        if threading.active_count() > 1:
            os.environ["RELOADER_PRELOAD"] = "0"
            self._start_over("a preloaded module started a thread: preloading off")

    def _read_events(self, pipe) -> set[str]:
        line = pipe.readline()
        if not line:
            log("Native file events stopped; polling instead")
            self.selector.unregister(pipe)
            self.polling = True
            return set()
        return self.tree.check(line.rstrip("\n"))

    def _start_over(self, reason: str) -> int:
        """exec this program again, keeping the socket: a clean interpreter."""
        log(f"{reason}: restarting the dev server from scratch")
        self.server.stop(wait=True)
        if self.events:
            self.events.kill()
        os.environ[SOCKET_FD_VARIABLE] = str(self.server.sock.fileno())
        os.execv(sys.executable, [sys.executable, *sys.argv])  # noqa: S606
