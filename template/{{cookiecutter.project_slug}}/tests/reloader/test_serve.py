"""What a server shows when the app can't be imported, or fails as it
answers (serve.py)."""

import http.client
import logging
import os
import signal
import socket
import threading
import time
import types

import pytest
from devreload import serve
from devreload.process import ServerProcess
from devreload.serve import error_app, headers_with_the_body, load_app
from devreload.settings import Settings
from flask import Flask
from werkzeug.debug import DebuggedApplication
from werkzeug.serving import make_server
from werkzeug.test import Client


@pytest.mark.parametrize(
    ("module", "error", "message"),
    [
        ("import sys\nsys.exit(3)\n", RuntimeError, "sys.exit(3)"),
        ("raise KeyError('SETTING')\n", KeyError, "SETTING"),
        ("def broken(:\n", SyntaxError, "invalid syntax"),
    ],
    ids=["sys.exit", "an exception", "a syntax error"],
)
def test_an_app_failing_at_import_serves_its_error(
    tmp_path, monkeypatch, module, error, message
):
    (tmp_path / "failing_app.py").write_text(module)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLASK_APP", "failing_app.py")
    app = load_app()
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        app({}, lambda *args: None)


def test_an_import_error_is_logged_once_without_the_dev_servers_frames(
    tmp_path, monkeypatch, capfd
):
    (tmp_path / "failing_app.py").write_text("import helper\n")
    (tmp_path / "helper.py").write_text("def broken(:\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("FLASK_APP", "failing_app.py")
    page = DebuggedApplication(headers_with_the_body(load_app()), evalex=True)
    logged = capfd.readouterr().err
    assert logged.count("Traceback") == 1
    assert "helper.py" in logged and "failing_app.py" in logged
    assert "devreload" not in logged and "flask" not in logged
    for _ in range(2):  # each request: the page, and nothing more in the log
        assert Client(page).get("/").status_code == 500
    assert capfd.readouterr().err == ""


@pytest.fixture
def served():
    """Serve a WSGI app as a server process does (the debugger over
    headers_with_the_body, on Werkzeug's server); GET answers raw."""
    servers = []

    def serve(app):
        server = make_server(
            "127.0.0.1", 0, DebuggedApplication(headers_with_the_body(app), evalex=True)
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_port

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def get(port: int, path: str = "/", headers=None) -> tuple[int, bytes, int]:
    """Status, body and Content-Length of GET `path`; the body as received
    when the connection was cut (IncompleteRead)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    try:
        body = response.read()
    except http.client.IncompleteRead as cut:
        body = cut.partial
    connection.close()
    return response.status, body, int(response.headers["Content-Length"] or -1)


def test_an_error_as_the_request_ends_is_answered_whole_by_the_debugger(served):
    app = Flask(__name__)
    app.get("/")(lambda: ("stored", 201))

    @app.teardown_appcontext
    def lose_the_connection(_error):
        raise ConnectionError("the database closed the connection")

    status, body, length = get(served(app))
    assert status == 500
    assert len(body) == length
    assert b"the database closed the connection" in body  # the debugger's page


def test_an_answer_cut_after_its_headers_says_so_in_one_line(served, capfd):
    def streams_then_fails(environ, start_response):
        start_response("200 OK", [("Content-Length", "100")])
        yield b"first part"
        raise ConnectionError("lost in the middle")

    status, body, length = get(served(streams_then_fails), "/report")
    assert (status, body, length) == (200, b"first part", 100)
    log = capfd.readouterr().err
    assert (
        "GET /report: the answer was cut after its headers were sent "
        "(ConnectionError: lost in the middle)"
    ) in log
    assert "Debugging middleware" not in log


class SignalledWhileSetting(threading.Event):
    """An Event that gets SIGTERM while set() holds its lock, as a retired
    server does when its pipe's end and the signal come together."""

    def set(self):
        with self._cond:
            os.kill(os.getpid(), signal.SIGTERM)  # its handler runs here
            self._flag = True
            self._cond.notify_all()


def start_server(
    tmp_path, monkeypatch, app_source: str, event=threading.Event, **settings
):
    """A server process (serve.run) on a socket of its own, as the supervisor
    forks it; the socket is the supervisor's copy. `settings`: Settings'."""
    (tmp_path / "served_app.py").write_text(app_source)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLASK_APP", "served_app.py")
    sock = socket.create_server(("127.0.0.1", 0))
    chosen = Settings(host="127.0.0.1", port=sock.getsockname()[1], **settings)

    def serve_app(report_fd, parent_fd):
        # pytest's log handlers write to files the fork closed, whose
        # numbers an accepted connection may take.
        logging.getLogger().handlers.clear()
        kinds = [event]  # for the server's stop event, its first; plain ones after
        serve.threading = types.SimpleNamespace(
            Event=lambda: (kinds.pop() if kinds else threading.Event)(),
            Thread=threading.Thread,
        )
        return serve.run(sock.fileno(), report_fd, parent_fd, chosen)

    server = ServerProcess(serve_app, keep_fds=[sock.fileno()])
    server.start()
    return server, sock


def ended_within(server, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not server.reaped():
        if time.monotonic() > deadline:
            server.stop_and_wait(0)
            return False
        time.sleep(0.01)
    return True


FLASK_APP = """
import time
from flask import Flask

app = Flask(__name__)
app.add_url_rule("/", "fast", lambda: "ok")
app.add_url_rule("/slow", "slow", lambda: time.sleep(3) or "slow")
"""


def test_a_stop_signal_that_comes_as_the_server_stops_does_not_hang_it(
    tmp_path, monkeypatch
):
    server, sock = start_server(tmp_path, monkeypatch, FLASK_APP, SignalledWhileSetting)
    assert get(sock.getsockname()[1])[0] == 200
    server.stop()  # its pipe's end, then SIGTERM while it sets `stop`
    assert ended_within(server, 5)
    sock.close()


def test_a_server_stuck_importing_the_app_ends_at_a_stop_signal(tmp_path, monkeypatch):
    stuck = "import time\ntime.sleep(1000)\n"
    server, sock = start_server(tmp_path, monkeypatch, stuck)
    time.sleep(0.5)  # importing
    server.stop()
    assert ended_within(server, 2)
    sock.close()


def test_a_stopped_server_frees_the_port_while_it_finishes_a_request(
    tmp_path, monkeypatch
):
    server, sock = start_server(tmp_path, monkeypatch, FLASK_APP)
    port = sock.getsockname()[1]
    assert get(port)[0] == 200
    slow = threading.Thread(target=get, args=(port, "/slow"))
    slow.start()
    time.sleep(0.5)
    sock.close()  # the supervisor is gone: its copy of the socket with it
    server.stop()
    time.sleep(0.5)
    with pytest.raises(ConnectionRefusedError):  # nobody listens any more
        socket.create_connection(("127.0.0.1", port), timeout=2)
    assert server.status is None  # still finishing the slow request
    slow.join()
    assert ended_within(server, 5)


def test_the_error_page_asks_for_the_same_pin_as_the_app(monkeypatch):
    monkeypatch.delenv("WERKZEUG_DEBUG_PIN", raising=False)
    app = DebuggedApplication(headers_with_the_body(Flask(__name__)), evalex=True)
    broken = error_app(SyntaxError("invalid syntax"))
    page = DebuggedApplication(headers_with_the_body(broken), evalex=True)
    assert app.pin == page.pin
