"""The supervisor: owns the socket, watches the files, forks a server per reload
(or a Celery worker: programs.py).

It stays single-threaded, so that forking it is safe (with DEBUGPY=1, but
for the debugger's threads, which debugpy makes anew in each fork: see
debugger.py). It loads `.env` first, then, as the first server reports
what the app imports, it imports the installed modules among them (Flask,
and any heavy library), alongside, so that every reload, the first one
too, forks a process that already has them and imports only the
project's own: a reload costs milliseconds, not the seconds a heavy
import takes. When that is no longer true
(installed packages changed, `.env` changed, a file the supervisor itself
imported changed) it starts over from scratch (exec), keeping the socket.

The loop waits on one selector: the watchers' events, the server's
reports, and signals (through a wake-up pipe); and, when a watcher polls,
until its next poll is due.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import socket
import sys
import sysconfig
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from . import debugger
from .modules import installed_dirs, loaded_files, open_sockets, preload, thread_ids
from .polling import HotList
from .process import ServerProcess
from .programs import SERVER, Program
from .rules import BROWSER, ENVIRONMENT_FILES, FROM_SCRATCH, REBUILD, RESTART, Rules
from .serve import run_flask_command
from .settings import Settings
from .snapshot import Snapshot
from .watchers import Burst, Watchers

SOCKET_FD_VARIABLE = "DEVRELOAD_SOCKET_FD"
# A new server that has not reported after this long, while an editor is
# attached, is held by the debugger: worth a word.
HELD_SECONDS = 5.0
PRELOAD_OFF_VARIABLE = "DEVRELOAD_PRELOAD_OFF"
BEFORE_SERVING_DONE = "DEVRELOAD_BEFORE_SERVING_DONE"
# A server showing an error page that ends after running this long is
# started again; one that ends sooner would only loop.
EXPLAINER_MIN_SECONDS = 1.0


def log(message: str) -> None:
    print(f" * {message}", file=sys.stderr, flush=True)


class StartOver(Exception):  # noqa: N818 - not an error: a way out of the loop
    """Leave the loop and exec this program again, in a clean interpreter."""

    def __init__(self, reason: str, preload_off: str | None = None) -> None:
        super().__init__(reason)
        # Why preloading is off after the exec: None keeps the reason it has
        # now; "" tries again (the installed packages changed).
        self.preload_off = preload_off


def load_environment(root: Path) -> dict[str, str]:
    """Load .env and .flaskenv as `flask run` does (set variables win), before
    anything is imported; return the environment as it was before."""
    from dotenv import load_dotenv

    before = dict(os.environ)
    for name in ENVIRONMENT_FILES:
        if (root / name).is_file():
            load_dotenv(root / name, override=False, encoding="utf-8")
    return before


def set_by_compose(root: Path, environment: dict[str, str]) -> list[str]:
    """The names in .env whose value the container's environment overrides:
    Docker Compose set them when it made the container (DEBUGPY, ...)."""
    from dotenv import dotenv_values

    path = root / ".env"
    values = dotenv_values(path, encoding="utf-8") if path.is_file() else {}
    return sorted(
        name
        for name, value in values.items()
        if value is not None and environment.get(name, value) != value
    )


def listening_socket(host: str, port: int) -> socket.socket:
    """The server socket: inherited across an exec, else opened here."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    inherited = os.environ.pop(SOCKET_FD_VARIABLE, None)
    if inherited:
        sock = socket.socket(family, socket.SOCK_STREAM, fileno=int(inherited))
    else:
        sock = socket.create_server((host, port), family=family, backlog=128)
    sock.set_inheritable(False)  # never to the app's subprocesses
    return sock


class Supervisor:
    def __init__(
        self,
        settings: Settings,
        environment: dict[str, str] | None = None,
        new_server: Callable[..., ServerProcess] = ServerProcess,
        program: Program = SERVER,
    ) -> None:
        self.settings = settings
        self.program = program
        self.environment = dict(os.environ if environment is None else environment)
        self.new_server = new_server
        self.roots = [str(path.resolve()) for path in settings.paths]
        live_reload = settings.live_reload and program.listens
        self.rules = Rules(self.roots, settings.include, settings.exclude, live_reload)
        self.snapshot = Snapshot(self.rules, self.roots)
        self.hot = HotList(self.snapshot)
        self.packages = sysconfig.get_paths()["purelib"]
        installed_dirs()  # once, here: every forked process has them
        self.selector = selectors.DefaultSelector()
        self.watchers = Watchers([])
        self.sock: socket.socket | None = None  # the server's, kept across reloads
        self.server: ServerProcess | None = None
        self.retired: list[ServerProcess] = []  # finishing their last requests
        self.stopping = False
        self.failure: str | None = None  # what the current server explains
        self.held_since: float | None = None  # started under an editor, silent
        # Found unsafe before the last exec, or switched off by the user.
        self.found_unsafe = os.environ.pop(PRELOAD_OFF_VARIABLE, None)
        self.environment.pop(PRELOAD_OFF_VARIABLE, None)
        self.preload_off = self.found_unsafe or (
            None if settings.preload else "RELOADER_PRELOAD=0"
        )
        self.preloaded = 0  # installed modules imported so far
        self.said_preloaded = False
        self.own_files: set[str] = set()  # changing one needs a fresh interpreter
        # What forked servers may share: the socket, the debugger's threads.
        self.own_sockets: set[int] = set()
        self.own_threads: set[int] = set()

    # -- the whole life ------------------------------------------------------------
    def run(self) -> int:
        sock = None
        if self.program.listens:
            sock = listening_socket(self.settings.host, self.settings.port)
        try:
            with self.running(sock):
                self.loop()
        except StartOver as start_over:
            self.start_over(sock, start_over)
        return 0

    @contextlib.contextmanager
    def running(self, sock: socket.socket | None) -> Iterator[None]:
        """Set up signals, watchers and the first server; undo all on the way out."""
        self.sock = sock
        with contextlib.ExitStack() as undo:
            undo.enter_context(self.selector)
            undo.enter_context(self.signals_on_the_selector())
            self.watchers = Watchers.start(
                self.settings, self.snapshot, self.hot, [self.packages], log
            )
            undo.callback(self.watchers.close)
            for fd in self.watchers.filenos():
                self.selector.register(fd, selectors.EVENT_READ)
            debugging = debugger.listen(self.settings.host, log)
            self.own_sockets = open_sockets()
            self.own_threads = thread_ids()
            self.own_files = loaded_files()
            self.banner()
            undo.callback(self.stop_servers)
            self.run_before_serving()
            if debugging and debugger.should_wait():
                self.wait_for_editor()
            if not self.stopping:
                self.start_server()
            yield

    @contextlib.contextmanager
    def signals_on_the_selector(self) -> Iterator[None]:
        """Signals wake the loop at once, through a pipe (no flag seen late)."""
        wake_read, wake_write = os.pipe()
        os.set_blocking(wake_read, False)
        os.set_blocking(wake_write, False)
        handlers = {
            signal.SIGTERM: self.request_stop,
            signal.SIGINT: self.request_stop,
            signal.SIGCHLD: lambda *_: None,  # a server ended: look now
        }
        previous = {signum: signal.signal(signum, h) for signum, h in handlers.items()}
        old_wakeup = signal.set_wakeup_fd(wake_write)
        self.selector.register(wake_read, selectors.EVENT_READ, self.drain(wake_read))
        try:
            yield
        finally:
            signal.set_wakeup_fd(old_wakeup)
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            os.close(wake_read)
            os.close(wake_write)

    def run_before_serving(self) -> None:
        """DEV_BEFORE_SERVING (`db upgrade`: the schema first): that flask
        command, before the first server, in a forked process whose imports
        are preloaded meanwhile, so the server that follows starts at once.
        Requests wait in the socket. Once per container: not again after a
        restart from scratch (a `.env` save must not apply a migration you
        have not reviewed). A failure ends the dev server, as `flask db
        upgrade && ...` would."""
        args = self.settings.before_serving
        if not args or self.stopping or os.environ.get(BEFORE_SERVING_DONE):
            return
        step = self.new_server(
            lambda report_fd, _parent_fd: run_flask_command(args, report_fd),
            keep_fds=[],
        )
        step.start()
        reports = self.read_reports(step)
        self.selector.register(step.reports, selectors.EVENT_READ, reports)
        try:
            while not (self.stopping or step.reaped()):
                self.wait(None)  # its reports, its end (SIGCHLD), a signal
                self.watchers.changes()  # the first server imports what's saved
        finally:
            if not step.reaped():  # stopped, or starting over, meanwhile
                step.stop_and_wait()
        if step.status and not self.stopping:
            log(f"`flask {' '.join(args)}` failed (exit code {step.status}): see above")
            raise SystemExit(step.status)
        self.environment[BEFORE_SERVING_DONE] = "1"  # for a restart from scratch

    def wait_for_editor(self) -> None:
        """DEBUGPY_WAIT=1: the first server starts once an editor attached."""
        log("Waiting for a debugger to attach")
        while not (self.stopping or debugger.attached()):
            self.wait(0.1)

    def request_stop(self, *_args) -> None:
        self.stopping = True

    @staticmethod
    def drain(fd: int) -> Callable[[], None]:
        def read_all() -> None:
            with contextlib.suppress(BlockingIOError):
                while os.read(fd, 4096):
                    pass

        return read_all

    def start_over(self, sock: socket.socket | None, reason: StartOver) -> None:
        """exec this program again with the same flags, socket and first
        environment (so a changed .env is read afresh)."""
        log(f"{reason}: restarting the dev server from scratch")
        environment = dict(self.environment)
        if sock:
            environment[SOCKET_FD_VARIABLE] = str(sock.fileno())
            sock.set_inheritable(True)
        unsafe = self.found_unsafe if reason.preload_off is None else reason.preload_off
        if unsafe:
            environment[PRELOAD_OFF_VARIABLE] = unsafe
        argv = [sys.executable, *sys.orig_argv[1:]]  # the same interpreter flags
        debugger.execve(sys.executable, argv, environment)

    # -- waiting ---------------------------------------------------------------------
    def timeout(self) -> float | None:
        """Until the next poll is due, a held server is worth a word, or a
        retired server is overdue."""
        moments = [server.kill_at() for server in self.retired]
        if self.held_since is not None:
            moments.append(self.held_since + HELD_SECONDS)
        now = time.monotonic()
        timeouts = [max(0.0, m - now) for m in moments if m is not None]
        if (polling := self.watchers.timeout()) is not None:
            timeouts.append(polling)
        return min(timeouts, default=None)

    def wait(self, timeout: float | None) -> None:
        """Until events, a report, a signal, or `timeout` (None: no limit)."""
        for key, _ in self.selector.select(timeout):
            if key.data:
                key.data()

    def settle(self, changed: set[str]) -> set[str]:
        """Wait until a burst of changes is over: one reload per burst. Its
        quiet time starts when the files were written, which polling sees
        late; so the last look, that confirms the quiet, is never skipped."""
        burst = Burst(changed, self.snapshot.written_at(changed))
        while not self.stopping:
            self.wait(burst.time_left())
            ending = burst.over()
            more = self.watchers.look_again(burst, last=ending)
            burst.add(more, self.snapshot.written_at(more))
            if ending and burst.over():
                break
        return burst.changed

    # -- the loop ------------------------------------------------------------------
    def loop(self) -> None:
        while not self.stopping:
            self.wait(self.timeout())
            changed = self.watchers.changes()
            self.collect_servers()
            self.explain_held_server()
            if changed and not self.stopping:
                self.reload(self.settle(changed))

    def reload(self, changed: set[str]) -> None:
        self.hot.edited(changed)
        if self.packages in changed:
            raise StartOver("Installed packages changed", preload_off="")
        kinds = {path: self.rules.kind(path) for path in changed}
        # .env, or a module the supervisor itself imported (its own code).
        stale = [p for p, kind in kinds.items() if kind == FROM_SCRATCH]
        stale += changed & self.own_files
        if stale:
            raise StartOver(f"{self.relative(min(stale))} changed")
        for path in sorted(p for p, kind in kinds.items() if kind == REBUILD):
            log(
                f"{self.relative(path)} changed: the next `docker compose up dev` "
                "rebuilds the image with it"
            )
        restart = sorted(
            p
            for p, kind in kinds.items()
            if kind == RESTART or p in self.snapshot.loose
        )
        shown = sorted(p for p, kind in kinds.items() if kind == BROWSER)
        if restart:
            log(f"Detected change in {self.listed(restart)}, reloading")
            self.start_server()
        elif shown and self.server:  # reloading tells open pages by itself
            log(f"Detected change in {self.listed(shown)}, refreshing open pages")
            if not self.server.tell({"changed": shown}):
                self.server.tell({"changed": None})  # too many to name: reload

    def listed(self, paths: list[str]) -> str:
        more = f" and {len(paths) - 1} more" if len(paths) > 1 else ""
        return f"{self.relative(paths[0])}{more}"

    def relative(self, path: str) -> str:
        return os.path.relpath(path, self.roots[0])

    # -- servers -------------------------------------------------------------------
    def start_server(self, failure: str | None = None) -> None:
        """Fork a new server; the current one finishes its requests and ends."""
        if self.server:
            self.retire(self.server)
        self.failure = failure

        sock_fd = self.sock.fileno() if self.sock else None

        def serve_app(report_fd: int, parent_fd: int) -> int:
            return self.program.run(
                sock_fd, report_fd, parent_fd, self.settings, failure
            )

        keep_fds = [] if sock_fd is None else [sock_fd]
        self.server = self.new_server(
            serve_app, keep_fds=keep_fds, retired_seconds=self.program.retired_seconds
        )
        self.held_since = time.monotonic() if debugger.attached() else None
        self.server.start()
        self.selector.register(
            self.server.reports, selectors.EVENT_READ, self.read_reports(self.server)
        )

    def retire(self, server: ServerProcess) -> None:
        if server.reports and not server.reports.closed:
            self.selector.unregister(server.reports)
        server.stop()
        self.retired.append(server)

    def read_reports(self, server: ServerProcess) -> Callable[[], None]:
        def read() -> None:
            if server is self.server:
                self.held_since = None  # it runs
            for report in server.reports.read():
                self.snapshot.set_loose(report["watched"])
                self.hot.set_imported(set(report["watched"]) | self.snapshot.loose)
                self.preload(report["installed"], report["loaded"])
            if server.reports.closed:
                self.selector.unregister(server.reports)

        return read

    def collect_servers(self) -> None:
        """Reap the servers that ended, and kill those overdue; explain it
        when the current one ended."""
        for server in self.retired:
            server.kill_if_overdue()
        self.retired = [server for server in self.retired if not server.reaped()]
        server = self.server
        if server is None or not server.reaped():
            return
        self.server = None  # handled once
        name, service = self.program.name, self.program.service
        ran = time.monotonic() - server.started_at
        if (
            self.failure is None
            and self.program.restarts
            and ran >= EXPLAINER_MIN_SECONDS
        ):
            # A worker killed (out of memory...) comes back: its job, given
            # back by the broker, runs again. One that ends as it starts
            # would only loop: it waits for a save, as a server does.
            log(f"The {name} exited (code {server.status}); starting it again")
            self.start_server()
        elif self.failure is None:
            status = server.status
            log(f"The {name} exited (code {status}); save a file to start it again")
            self.start_server(
                failure=f"The {name} process ended (exit code {status}): its log "
                f"says why (docker compose logs {service}). Save a file to start "
                "it again."
            )
        elif ran >= EXPLAINER_MIN_SECONDS:
            # The page that explains ended too (killed, out of memory): it
            # comes back, unless it ends as it starts (no loop).
            log(f"The {name} explaining the error exited; starting it again")
            self.start_server(failure=self.failure)

    def explain_held_server(self) -> None:
        held = self.held_since
        if held is not None and time.monotonic() - held >= HELD_SECONDS:
            self.held_since = None
            log(
                "The new server waits for the debugger: stopped at a breakpoint, or "
                "your editor did not take it as a child session (it must follow "
                "subprocesses, as VS Code does). Detach the editor and save again"
            )

    def stop_servers(self) -> None:
        servers = [server for server in (*self.retired, self.server) if server]
        for server in servers:
            server.stop()  # all at once: they finish their requests together
        deadline = time.monotonic() + self.program.final_stop_seconds
        for server in servers:
            server.stop_and_wait(max(0.0, deadline - time.monotonic()))

    # -- preloading ----------------------------------------------------------------
    def preload(self, names: list[str], loaded: bool) -> None:
        """Import the installed modules the app imports, as it does (so that
        it is done about when the first server serves), once."""
        if self.preload_off:
            return
        count, hazard = preload(names, self.own_sockets, self.own_threads)
        if hazard:
            raise StartOver(f"Preloading off: {hazard}", preload_off=hazard)
        self.preloaded += count
        if count:  # only newly imported modules change what it runs on
            self.own_files = loaded_files()
        if loaded and not self.said_preloaded and self.preloaded:
            self.said_preloaded = True
            log(
                f"Preloaded {self.preloaded} installed modules: a reload imports "
                f"only the {len(self.hot.imported)} watched ones afresh"
            )

    def banner(self) -> None:
        how = self.watchers.description
        preload = (
            f"preload off: {self.preload_off}" if self.preload_off else "preload on"
        )
        log(
            f"{self.program.headline(self.settings)}; reloader: "
            f"{self.settings.mode}, by {how}, {len(self.snapshot.files)} files "
            f"watched; {preload})"
        )
