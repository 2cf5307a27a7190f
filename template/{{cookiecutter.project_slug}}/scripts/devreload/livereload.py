"""Live reload: open pages follow every save (dev only; LIVE_RELOAD=0: off).

The dev server adds one script to each HTML page it serves, error pages
included (this wraps the debugger), and serves an event stream whose first
event names the server process. A page knows which server served it:

- a save that restarts the server ends the stream (the retired server ends
  it once it has stopped accepting); the browser connects again, and the
  connection waits in the socket for the new server, which names itself:
  the page reloads, on new code, never before;
- a template or static file needs no restart: the supervisor tells the
  server, which tells the browsers to reload, or to swap a stylesheet in
  place (no navigation: scroll and form state are kept). Each change has
  a number; a page knows the last one before it was made, so a page that
  connects after a change it did not see reloads too.

A page answering a form post is never posted again: it is opened anew
with a GET.

One SharedWorker holds one connection for every tab of the app: a browser
opens at most six connections to a host, and a stream per tab would take
them all. Prod never loads this module (its image has no scripts/).
"""

from __future__ import annotations

import html
import json
import os
import threading
import uuid
from collections.abc import Iterable, Iterator

PREFIX = "/__livereload/"
FILES = {  # URL -> file beside this module
    f"{PREFIX}page.js": "livereload-page.js",
    f"{PREFIX}worker.js": "livereload-worker.js",
}
EVENTS = f"{PREFIX}events"
# A comment on an idle stream, so that the connection of a closed tab is
# noticed (and its thread ends) within this long.
KEEPALIVE_SECONDS = 15.0
# What a page loads in: a tab or a frame, not a fetch() of a fragment.
PAGE_DESTINATIONS = ("document", "iframe", "frame")


class LiveReload:
    """WSGI middleware: the script in pages, the script files, the stream."""

    def __init__(self, app, static_folders: Iterable[str] = ()) -> None:
        self.app = app
        self.static_folders = [os.path.join(f, "") for f in static_folders if f]
        self.server_id = uuid.uuid4().hex  # this process's, made after the fork
        self.events: list[bytes] = []  # every change sent so far
        self.closed = False
        self.changes = threading.Condition()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == EVENTS:
            start_response(
                "200 OK",
                [("Content-Type", "text/event-stream"), ("Cache-Control", "no-store")],
            )
            return self.stream()
        if path in FILES:
            return self.script_file(FILES[path], start_response)
        if not opens_a_page(environ):
            return self.app(environ, start_response)
        return self.with_script(environ, start_response)

    # -- what the supervisor says --------------------------------------------------
    def changed(self, paths: list[str] | None) -> None:
        """Files that need no restart changed (None: too many to say which):
        swap stylesheets, else reload."""
        sheets = [self.static_path(p) for p in paths or () if p.endswith(".css")]
        if paths and all(sheets) and len(sheets) == len(paths):
            self.send("css", {"paths": sheets})
        else:
            self.send("reload", {})

    def static_path(self, path: str) -> str | None:
        """The path of a file in a static folder, as its URL ends."""
        for folder in self.static_folders:
            if path.startswith(folder):
                return path[len(folder) :].replace(os.sep, "/")
        return None

    def send(self, event: str, data: dict) -> None:
        with self.changes:
            data["change"] = len(self.events) + 1
            self.events.append(f"event: {event}\ndata: {json.dumps(data)}\n\n".encode())
            self.changes.notify_all()

    def state(self) -> str:
        """This server, and the number of the last change: what a page was
        made with, what the stream says first."""
        with self.changes:
            return json.dumps({"server": self.server_id, "change": len(self.events)})

    def close(self) -> None:
        """End every stream: this server stopped accepting (a reload)."""
        with self.changes:
            self.closed = True
            self.changes.notify_all()

    # -- the stream ----------------------------------------------------------------
    def stream(self) -> Iterator[bytes]:
        with self.changes:
            seen = len(self.events)
            first = f"event: server\ndata: {self.state()}\n\n".encode()
        yield first
        while True:
            with self.changes:
                self.changes.wait_for(
                    lambda seen=seen: self.closed or len(self.events) > seen,
                    KEEPALIVE_SECONDS,
                )
                if self.closed:
                    return
                new, seen = self.events[seen:], len(self.events)
            yield b"".join(new) or b": idle\n\n"

    # -- pages ---------------------------------------------------------------------
    def with_script(self, environ, start_response):
        """The app's answer, with the script after an HTML page's last byte
        (browsers run it there as in the body; the page still streams)."""
        root = environ.get("SCRIPT_NAME", "")
        made_with = html.escape(self.state())
        method = html.escape(environ.get("REQUEST_METHOD", "GET"))
        tag = (
            f'<script src="{root}{PREFIX}page.js" data-made-with="{made_with}" '
            f'data-method="{method}"></script>'
        ).encode()
        # A page answered whole, with the script: never "not modified" (the
        # browser's copy has an older script), never compressed (no room
        # for it).
        for name in ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_RANGE"):
            environ.pop(name, None)
        environ["HTTP_ACCEPT_ENCODING"] = "identity"
        added: list[bytes] = []

        def start_with_script(status, headers, exc_info=None):
            added[:] = [tag] if is_page(environ, status, headers) else []
            if added:
                headers = [
                    (k, str(int(v) + len(tag)) if k.lower() == "content-length" else v)
                    for k, v in headers
                ]
            return start_response(status, headers, exc_info)

        body = self.app(environ, start_with_script)
        try:
            yield from body
            yield from added
        finally:
            if hasattr(body, "close"):
                body.close()

    @staticmethod
    def script_file(name: str, start_response) -> list[bytes]:
        with open(os.path.join(os.path.dirname(__file__), name), "rb") as file:
            script = file.read()
        start_response(
            "200 OK",
            [
                ("Content-Type", "text/javascript; charset=utf-8"),
                ("Content-Length", str(len(script))),
                ("Cache-Control", "no-store"),
            ],
        )
        return [script]


def opens_a_page(environ) -> bool:
    """A browser opening a page, not a fetch() or curl (whose answers stay
    as the app made them). Browsers that send no Sec-Fetch-Dest ask for
    HTML; a fragment loaded into a page runs the script once."""
    destination = environ.get("HTTP_SEC_FETCH_DEST")
    if destination is not None:
        return destination in PAGE_DESTINATIONS
    return "text/html" in environ.get("HTTP_ACCEPT", "")


def is_page(environ, status: str, headers: list[tuple[str, str]]) -> bool:
    """An HTML answer with a body the browser shows as is: a page or an
    error page, not a redirect, a part, a download or a compressed body."""
    found = {key.lower(): value for key, value in headers}
    return (
        found.get("content-type", "").startswith("text/html")
        and "content-encoding" not in found
        and not found.get("content-disposition", "").startswith("attachment")
        and status[:1] in ("2", "4", "5")
        and status[:3] not in ("204", "206")
        and environ.get("REQUEST_METHOD") != "HEAD"
    )
