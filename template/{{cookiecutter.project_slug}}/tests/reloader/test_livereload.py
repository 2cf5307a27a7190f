"""Live reload: the script in pages, the event stream, and its end when a
server retires (livereload.py, serve.py)."""

import html
import http.client
import io
import json
import re
import threading

import pytest
from devreload.livereload import EVENTS, LiveReload
from flask import Flask, redirect, send_file
from werkzeug.debug import DebuggedApplication
from werkzeug.test import Client

from .test_serve import FLASK_APP, ended_within, get, start_server


@pytest.fixture
def app(tmp_path):
    app = Flask(__name__, static_folder=str(tmp_path / "static"))
    app.add_url_rule("/", "page", lambda: "<!doctype html><title>t</title><p>page</p>")
    app.add_url_rule("/data", "data", lambda: {"a": 1})
    app.add_url_rule("/fails", "fails", lambda: 1 / 0)
    app.add_url_rule("/away", "away", lambda: redirect("/"))
    app.add_url_rule(
        "/download",
        "download",
        lambda: ("<p>a file</p>", {"Content-Disposition": "attachment"}),
    )
    return app


PAGE = {"Sec-Fetch-Dest": "document"}  # a browser opening a page


def script_of(live: LiveReload) -> bytes:
    return f"{live.server_id}&quot;".encode()  # in its data-made-with


def test_an_html_page_ends_with_the_script_and_its_length_says_so(app):
    live = LiveReload(app)
    response = Client(live).get("/", headers=PAGE)
    assert response.data.startswith(b"<!doctype html><title>t</title><p>page</p>")
    assert response.data.endswith(b"</script>")
    assert script_of(live) in response.data
    assert int(response.headers["Content-Length"]) == len(response.data)


def test_the_debuggers_error_page_gets_the_script_too(app):
    app.debug = True  # errors reach the debugger
    live = LiveReload(DebuggedApplication(app, evalex=True))
    response = Client(live).get("/fails", headers={"Accept": "text/html"})
    assert response.status_code == 500
    assert b"ZeroDivisionError" in response.data
    assert script_of(live) in response.data


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/data", PAGE),  # JSON
        ("HEAD", "/", PAGE),
        ("GET", "/", {"Sec-Fetch-Dest": "empty", "Accept": "text/html"}),  # fetch()
        ("GET", "/", {"Accept": "*/*"}),  # curl
        ("GET", "/download", PAGE),
        ("GET", "/away", PAGE),
    ],
    ids=["json", "head", "fetch", "curl", "attachment", "redirect"],
)
def test_no_script_where_no_page_is_shown(app, method, path, headers):
    live = LiveReload(app)
    response = Client(live).open(path, method=method, headers=headers)
    alone = Client(app).open(path, method=method, headers=headers)
    assert response.data == alone.data
    assert response.headers["Content-Length"] == alone.headers["Content-Length"]


def test_a_compressed_page_is_left_alone():
    def gzipped(environ, start_response):
        start_response(
            "200 OK", [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]
        )
        return [b"\x1f\x8b"]

    assert Client(LiveReload(gzipped)).get("/", headers=PAGE).data == b"\x1f\x8b"


def test_the_scripts_are_served():
    live = LiveReload(lambda environ, start_response: [])
    for name in ("page.js", "worker.js"):
        response = Client(live).get(f"/__livereload/{name}")
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        assert b"use strict" in response.data


def events(stream, count: int) -> list[tuple[str, dict]]:
    """The next `count` events of a stream."""
    found = []
    while len(found) < count:
        chunk = next(stream).decode()
        for block in chunk.split("\n\n"):
            if block.startswith("event: "):
                event, data = block.split("\n")
                found.append((event[len("event: ") :], json.loads(data[6:])))
    return found


def test_the_stream_names_the_server_then_says_what_changed(app, tmp_path):
    live = LiveReload(app, [str(tmp_path / "static")])
    stream = live.stream()
    assert events(stream, 1) == [("server", {"server": live.server_id, "change": 0})]
    live.changed([str(tmp_path / "static" / "css" / "site.css")])
    live.changed([str(tmp_path / "templates" / "index.html")])
    live.changed([str(tmp_path / "elsewhere.css")])  # no URL known for it
    live.changed(None)  # too many to name
    assert events(stream, 4) == [
        ("css", {"paths": ["css/site.css"], "change": 1}),
        ("reload", {"change": 2}),
        ("reload", {"change": 3}),
        ("reload", {"change": 4}),
    ]
    live.close()
    assert list(stream) == []


def test_a_page_knows_the_changes_it_was_made_after(app):
    """One that connects after a change it did not show reloads (page.js)."""
    live = LiveReload(app)
    live.changed(["/x/templates/index.html"])
    page = Client(live).get("/", headers=PAGE).data.decode()
    made_with = re.search(r'data-made-with="([^"]+)"', page).group(1)
    assert json.loads(html.unescape(made_with)) == {
        "server": live.server_id,
        "change": 1,
    }


def test_a_page_is_answered_whole_with_the_script_never_not_modified(app):
    app.add_url_rule(
        "/cached",
        "cached",
        lambda: send_file(
            io.BytesIO(b"<p>x</p>"),
            mimetype="text/html",
            etag="v1",
            download_name="x.html",
        ),
    )
    live = LiveReload(app)
    headers = {**PAGE, "If-None-Match": '"v1"', "Accept-Encoding": "gzip"}
    response = Client(live).get("/cached", headers=headers)
    assert response.status_code == 200
    assert script_of(live) in response.data
    assert Client(app).get("/cached", headers=headers).status_code == 304


def test_the_answer_to_a_post_says_so(app):
    app.add_url_rule("/", "posted", lambda: "<p>posted</p>", methods=["POST"])
    page = Client(LiveReload(app)).post("/", headers=PAGE).data
    assert b'data-method="POST"' in page  # reopened with a GET, not posted again


def test_every_stream_hears_each_change(app):
    live = LiveReload(app)
    streams = [live.stream() for _ in range(3)]
    for stream in streams:
        events(stream, 1)
    live.changed(["/x/index.html"])
    heard = [events(stream, 1) for stream in streams]
    assert heard == [[("reload", {"change": 1})]] * 3


def test_a_retired_server_ends_its_streams_at_once(tmp_path, monkeypatch):
    """An open page never keeps a retired server alive; it connects again
    and is answered by the next server."""
    server, sock = start_server(tmp_path, monkeypatch, FLASK_APP)
    port = sock.getsockname()[1]
    assert get(port)[0] == 200
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", EVENTS)
    stream = connection.getresponse()
    assert stream.readline() == b"event: server\n"
    ended = threading.Event()
    threading.Thread(target=lambda: (stream.read(), ended.set()), daemon=True).start()
    server.stop()
    assert ended_within(server, 2)
    assert ended.wait(1)
    connection.close()
    sock.close()


@pytest.mark.parametrize("live_reload", [True, False], ids=["on", "off"])
def test_live_reload_on_or_off_in_a_server_process(tmp_path, monkeypatch, live_reload):
    page = "from flask import Flask\napp = Flask(__name__)\n"
    page += "app.add_url_rule('/', 'page', lambda: '<p>page</p>')\n"
    server, sock = start_server(tmp_path, monkeypatch, page, live_reload=live_reload)
    port = sock.getsockname()[1]
    status, body, _ = get(port, "/", PAGE)
    assert status == 200
    assert body.startswith(b"<p>page</p>")
    assert (b"/__livereload/page.js" in body) == live_reload
    assert get(port, "/__livereload/page.js")[0] == (200 if live_reload else 404)
    server.stop_and_wait()
    sock.close()


def test_a_streamed_page_streams_and_gets_the_script_last():
    def streamed(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html")])
        yield b"<p>first</p>"
        yield b"<p>second</p>"

    page = {"HTTP_SEC_FETCH_DEST": "document"}
    chunks = list(LiveReload(streamed)(page, lambda *args: None))
    assert chunks[:2] == [b"<p>first</p>", b"<p>second</p>"]
    assert chunks[2].startswith(b"<script")
