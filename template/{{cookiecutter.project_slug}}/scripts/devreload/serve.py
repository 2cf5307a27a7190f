"""One server process: the Flask app in debug mode, on an inherited socket.

What `flask run --debug` does, minus its reloader: load `.env`, import the
app (an import or syntax error is served as the debugger's error page, so
the next save can fix it), wrap it in Werkzeug's debugger (PIN-protected)
and serve it on the socket the supervisor keeps open across restarts.
On SIGTERM it stops accepting at once and lets the connections it accepted
finish: those that arrive meanwhile wait in the socket for the next server.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import sys
import threading
import time
import traceback

from flask.cli import ScriptInfo, load_dotenv
from werkzeug.debug import DebuggedApplication
from werkzeug.serving import WSGIRequestHandler, make_server

# Seconds that in-flight requests get to finish after a reload.
GRACE_SECONDS = 10
REPORT_EVERY_SECONDS = 1.0


class OneRequestPerConnection(WSGIRequestHandler):
    """HTTP/1.0: no keep-alive connection outlives a reload on old code."""

    protocol_version = "HTTP/1.0"


def load_app():
    info = ScriptInfo(app_import_path=os.environ.get("FLASK_APP"), set_debug_flag=True)
    try:
        load_dotenv()
        return info.load_app()
    except Exception as error:  # noqa: BLE001 - shown in the browser instead
        traceback.print_exc()
        failure = error

        def show_error(environ, start_response):
            raise failure from None

        return show_error


def module_report(roots: list[str]) -> dict:
    """Files of the project's imported modules, names of all other modules."""
    project, others = [], []
    for name, module in list(sys.modules.items()):
        path = getattr(module, "__file__", None)
        if path and any(os.path.abspath(path).startswith(r + os.sep) for r in roots):
            project.append(os.path.abspath(path))
        elif name != "__main__" and path is not None:
            others.append(name)
    return {"files": project, "modules": others}


def report_modules(report_fd: int, roots: list[str], stop: threading.Event) -> None:
    """Tell the supervisor what the app imported, again when it imports more."""
    seen = -1
    with os.fdopen(report_fd, "w", buffering=1) as pipe:
        while not stop.is_set():
            if len(sys.modules) != seen:
                seen = len(sys.modules)
                try:
                    pipe.write(json.dumps(module_report(roots)) + "\n")
                except BrokenPipeError:
                    return
            stop.wait(REPORT_EVERY_SECONDS)


def serve_until_stopped(server, stop: threading.Event, wake_fd: int) -> None:
    """Accept connections until `stop` is set; no polling while idle.

    socketserver's serve_forever wakes up every poll interval to check for
    a stop request; this loop sleeps until a connection or the stop signal.
    """
    # Another server process may take a connection first: never block.
    server.timeout = 0
    server.socket.setblocking(False)
    with selectors.DefaultSelector() as selector:
        selector.register(server.socket, selectors.EVENT_READ)
        selector.register(wake_fd, selectors.EVENT_READ)
        while not stop.is_set():
            for key, _ in selector.select():
                if key.fileobj is server.socket and not stop.is_set():
                    server.handle_request()


def start_debugpy(host: str) -> None:
    """Let an editor attach with debugpy (DEBUGPY=1), in every new server.

    A reload ends the debugged process; the new server listens again on the
    same port, so the editor attaches again. The adapter runs in-process so
    that the port is freed with the old server. DEBUGPY_WAIT=1 holds the app
    until an editor attaches.
    """
    if os.environ.get("DEBUGPY", "0").strip() in ("", "0"):
        return
    import debugpy

    port = int(os.environ.get("DEBUGPY_CONTAINER_PORT") or 5678)
    deadline = time.monotonic() + GRACE_SECONDS
    while True:  # the previous server may still hold the port for a moment
        try:
            debugpy.listen((host, port), in_process_debug_adapter=True)
            break
        except RuntimeError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    print(f" * debugpy listening on port {port}", file=sys.stderr, flush=True)
    if os.environ.get("DEBUGPY_WAIT", "0").strip() not in ("", "0"):
        print(" * Waiting for a debugger to attach", file=sys.stderr, flush=True)
        debugpy.wait_for_client()


def run(sock_fd: int, report_fd: int, host: str, port: int, roots: list[str]) -> int:
    stop = threading.Event()
    wake_read, wake_write = os.pipe()

    def request_stop(*_args) -> None:
        stop.set()
        os.write(wake_write, b"x")

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    # Werkzeug prints the debugger PIN in a process marked as reloaded.
    os.environ["WERKZEUG_RUN_MAIN"] = "true"
    start_debugpy(host)

    app = DebuggedApplication(load_app(), evalex=True)
    app.trusted_hosts.append(host)
    server = make_server(
        host,
        port,
        app,
        threaded=True,
        fd=sock_fd,
        request_handler=OneRequestPerConnection,
    )
    threading.Thread(
        target=report_modules, args=(report_fd, roots, stop), daemon=True
    ).start()
    # Track connection threads, so that server_close() waits for every
    # accepted connection, from accept() on (Werkzeug makes them daemons).
    server.daemon_threads = False
    serve_until_stopped(server, stop, wake_read)
    closing = threading.Thread(target=server.server_close, daemon=True)
    closing.start()
    closing.join(GRACE_SECONDS)
    return 0
