"""What a server shows when the app can't be imported, or fails as it
answers (serve.py)."""

import http.client
import threading

import pytest
from devreload.serve import headers_with_the_body, load_app
from flask import Flask
from werkzeug.debug import DebuggedApplication
from werkzeug.serving import make_server


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


def get(port: int, path: str = "/") -> tuple[int, bytes, int]:
    """Status, body and Content-Length of GET `path`; the body as received
    when the connection was cut (IncompleteRead)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)
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

