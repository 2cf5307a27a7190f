"""One server process: the Flask app in debug mode, on an inherited socket.

What `flask run --debug` does, minus its reloader: import the app (an error
at import, `sys.exit()` included, is served as the debugger's error page, so
the next save can fix it), wrap it in Werkzeug's debugger (PIN-protected)
and serve it on the socket the supervisor keeps open across restarts.
The supervisor loaded `.env` already. On SIGTERM, or when the supervisor
is gone, it stops accepting at once and lets the connections it accepted
finish: those that arrive meanwhile wait in the socket for the next server.

Flask and the app are imported here, in the forked process, never in the
supervisor before it knows what to preload.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import selectors
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from urllib.parse import urlsplit

from .livereload import LiveReload
from .modules import installed_dirs, split_modules
from .process import LineReader
from .settings import Settings

# Seconds that in-flight requests get to finish after a reload.
GRACE_SECONDS = 10
REPORT_EVERY_SECONDS = 1.0
# While the app is imported: the supervisor preloads alongside, so that
# it is done about when this server serves, and a first save is fast.
REPORT_LOADING_SECONDS = 0.1
# Asked every few seconds by the healthcheck: not worth a log line.
QUIET_PATHS = ("/healthz", "/readyz")


def error_app(error: BaseException, logged: bool = False):
    """A WSGI app that raises `error`, for the debugger to show. `logged`:
    the log has it already, so the debugger's copy at each request goes
    nowhere."""
    traceback_ = error.__traceback__

    def show_error(environ, start_response):
        if logged:
            environ["wsgi.errors"] = io.StringIO()
        raise error.with_traceback(traceback_)

    return show_error


def log_error(error: BaseException) -> None:
    """The app's error, once, without the frames of the dev server and of
    Flask's loader that import it."""
    report = traceback.TracebackException.from_exception(error)
    for part in (report, report.__cause__):
        if part is not None:
            part.stack = traceback.StackSummary.from_list(
                [frame for frame in part.stack if not loader_frame(frame.filename)]
            )
    print("".join(report.format()), end="", file=sys.stderr, flush=True)


def loader_frame(filename: str) -> bool:
    return (
        filename.startswith(os.path.dirname(__file__))
        or filename.endswith(os.path.join("flask", "cli.py"))
        or filename.startswith("<frozen importlib")
    )


def import_app():
    """The app, imported as `flask run` does; an exit while importing it
    raises a RuntimeError that says so."""
    from flask.cli import ScriptInfo

    info = ScriptInfo(app_import_path=os.environ.get("FLASK_APP"), set_debug_flag=True)
    try:
        return info.load_app()
    except SystemExit as exit_:
        raise RuntimeError(
            f"The app exited while being imported: sys.exit({exit_.code!r}). "
            "Fix the cause (see the traceback above) and save."
        ) from exit_


def run_flask_command(args: tuple[str, ...], report_fd: int) -> int:
    """`flask <args>` in this process, reporting what it imports; its exit
    code."""
    from flask.cli import cli

    report_modules(report_fd, threading.Event())
    try:
        cli.main(args=list(args), prog_name="flask")
    except SystemExit as exit_:
        code = exit_.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


def load_app():
    """The app, or a page that shows why it could not be imported."""
    try:
        return import_app()
    except Exception as error:  # noqa: BLE001 - shown in the browser instead
        log_error(error)
        return error_app(error, logged=True)


def headers_with_the_body(app):
    """Start the app's answer only with the first piece of its body.

    Flask ends a request (its teardown) after it set the status and
    headers, and before the server sends them: an error raised there, or
    while the body is made, reaches the debugger, which can still answer
    it whole with its page. Once the headers went out, an error can only
    cut the answer: this says so in one line (then the traceback), where
    the debugger would say nothing true.
    """

    def app_starting_with_its_body(environ, start_response):
        answer = []  # [status, headers], once the app set them

        def remember(status, headers, exc_info=None):
            answer[:] = [status, headers]
            return unsupported

        body = app(environ, remember)
        chunks = iter(body)
        try:
            first = next(chunks, b"")
            start_response(*answer)
            yield first
            try:
                yield from chunks
            except Exception as error:  # noqa: BLE001 - reported, the answer is cut
                request = f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}"
                print(
                    f"{request}: the answer was cut after its headers were sent "
                    f"({error.__class__.__name__}: {error})",
                    file=sys.stderr,
                )
                traceback.print_exc()
        finally:
            if hasattr(body, "close"):
                body.close()

    return app_starting_with_its_body


def unsupported(_data: bytes) -> None:
    raise NotImplementedError("The dev server has no WSGI write(): return the body.")


def report_modules(report_fd: int, stop: threading.Event) -> threading.Event:
    """Tell the supervisor what the process imports, from now on: what is
    new every tenth of a second until the returned event is set (the app
    is loaded, which the next report says), then each second. A reload
    imports only the project's modules, quicker than that: it reports once,
    loaded."""
    loaded = threading.Event()
    dirs = installed_dirs()

    def report() -> None:
        seen, said_loaded = len(sys.modules), False  # the supervisor has those
        with os.fdopen(report_fd, "w", buffering=1) as pipe:
            while not stop.wait(
                REPORT_EVERY_SECONDS if said_loaded else REPORT_LOADING_SECONDS
            ):
                done = loaded.is_set()
                if len(sys.modules) != seen or done != said_loaded:
                    seen, said_loaded = len(sys.modules), done
                    watched, installed = split_modules(sys.modules, dirs)
                    line = {"watched": watched, "installed": installed, "loaded": done}
                    try:
                        pipe.write(json.dumps(line) + "\n")
                    except BrokenPipeError:
                        return

    threading.Thread(target=report, daemon=True).start()
    return loaded


def serve_until_stopped(
    server,
    stop: threading.Event,
    wake_fd: int,
    supervisor: LineReader,
    on_message: Callable[[dict], None],
) -> None:
    """Accept connections until `stop` is set or the supervisor is gone,
    passing on what the supervisor says meanwhile.

    socketserver's serve_forever wakes up every poll interval to check for
    a stop request; this loop sleeps until a connection or a wake-up.
    """
    # Another server process may take a connection first: never block.
    server.timeout = 0
    server.socket.setblocking(False)
    with selectors.DefaultSelector() as selector:
        selector.register(server.socket, selectors.EVENT_READ)
        selector.register(wake_fd, selectors.EVENT_READ)
        selector.register(supervisor, selectors.EVENT_READ)
        while not stop.is_set():
            ready = [key.fileobj for key, _ in selector.select()]
            if supervisor in ready:
                for message in supervisor.read():
                    on_message(message)
            # A stop signal, or the supervisor's end of file, comes first: a
            # connection that came with it is left to the next server.
            if stop.is_set() or wake_fd in ready or supervisor.closed:
                stop.set()
            elif server.socket in ready:
                server.handle_request()


def static_folders(app) -> list[str]:
    """The app's and its blueprints' static folders (none for an error page)."""
    if not hasattr(app, "iter_blueprints"):
        return []
    every = (app, *app.iter_blueprints())
    return [found.static_folder for found in every if found.static_folder]


def live_message(live: LiveReload | None) -> Callable[[dict], None]:
    """What to do with the supervisor's messages: files the browser shows
    changed (only sent when live reload is on)."""

    def tell_the_browsers(message: dict) -> None:
        if live:
            live.changed(message["changed"])

    return tell_the_browsers


def run(
    sock_fd: int,
    report_fd: int,
    parent_fd: int,
    settings: Settings,
    failure: str | None = None,
) -> int:
    """Serve the app (or, given a `failure`, a page that explains it)."""
    from werkzeug.debug import DebuggedApplication
    from werkzeug.serving import WSGIRequestHandler, make_server

    class RequestHandler(WSGIRequestHandler):
        # HTTP/1.0: no keep-alive connection outlives a reload on old code.
        protocol_version = "HTTP/1.0"

        def log_request(self, code="-", size="-") -> None:
            if urlsplit(self.path).path in QUIET_PATHS and str(code) == "200":
                return
            super().log_request(code, size)

    stop = threading.Event()
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)

    def request_stop(*_args) -> None:
        # Only wake the loop, which stops: the signal may come while this
        # thread is inside stop.set(), whose lock it would wait for forever.
        with contextlib.suppress(BlockingIOError):
            os.write(wake_write, b"x")

    # Werkzeug prints the debugger PIN in a process marked as reloaded.
    os.environ["WERKZEUG_RUN_MAIN"] = "true"
    # Until it serves, a stop signal ends the server at once (the default
    # action): it has accepted nothing, and may be stuck in the app's import.
    loaded = report_modules(report_fd, stop)
    app = error_app(RuntimeError(failure)) if failure else load_app()
    loaded.set()
    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    debugged = DebuggedApplication(headers_with_the_body(app), evalex=True)
    debugged.trusted_hosts.append(settings.host)
    live = LiveReload(debugged, static_folders(app)) if settings.live_reload else None
    server = make_server(
        settings.host,
        settings.port,
        live or debugged,
        threaded=True,
        fd=sock_fd,
        request_handler=RequestHandler,
    )
    # The server listens on a copy: once it closes it, this process no
    # longer holds the port (a killed supervisor's port frees at once).
    os.close(sock_fd)
    # Track connection threads, so that server_close() waits for every
    # accepted connection, from accept() on (Werkzeug makes them daemons).
    server.daemon_threads = False
    serve_until_stopped(
        server, stop, wake_read, LineReader(parent_fd), live_message(live)
    )
    if live:  # only now: a page that connects again finds the next server
        live.close()
    closing = threading.Thread(target=server.server_close, daemon=True)
    closing.start()
    closing.join(GRACE_SECONDS)
    return 0
