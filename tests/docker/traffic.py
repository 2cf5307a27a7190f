"""Clients that write and read notes while the tests break the database,
and that tell every kind of answer apart: whole, cut, dropped or late.

Each request goes on a new connection, through http.client: an answer
whose body is shorter than its Content-Length is "cut", a connection closed
before any status line is "dropped" (a library that retries or reads
leniently would hide both).
"""

from __future__ import annotations

import collections
import contextlib
import http.client
import json
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from tests.docker.stack import clients

# The answers of a database that works: read, and written.
OK = ("200", "201")
# An access log line, Werkzeug's or gunicorn's: `"POST /notes HTTP/1.1" 201`.
ACCESS_LINE = re.compile(r'"[A-Z]+ \S+ HTTP/\d(\.\d)?" \d{3}')


@dataclass
class Answer:
    """What one request got: `kind` is the status ("201", "503"…), "cut",
    "dropped", "refused" or "timeout"."""

    kind: str
    started: float  # time.monotonic()
    seconds: float
    at: float  # time.time() when it started, to find the server's log lines
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> dict:
        return json.loads(self.body)


def ask(
    url: str,
    method: str = "GET",
    payload: dict | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> Answer:
    """One request on a new connection; what came back, however broken."""
    parts = urlsplit(url)
    headers = {"Accept": "application/json", **(headers or {})}
    body = None
    if payload is not None:
        body = json.dumps(payload)
        headers["Content-Type"] = "application/json"
    started, at = time.monotonic(), time.time()

    def answer(kind: str, received: bytes = b"", response=None) -> Answer:
        headers = dict(response.getheaders()) if response else {}
        seconds = time.monotonic() - started
        return Answer(kind, started, seconds, at, received, headers)

    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        try:
            connection.request(method, parts.path, body=body, headers=headers)
            response = connection.getresponse()
        except ConnectionRefusedError:
            return answer("refused")  # nothing listens (a stopped server)
        except ConnectionError:  # RemoteDisconnected too: closed, no status
            return answer("dropped")
        length = response.getheader("Content-Length")
        try:
            received = response.read()
        except (http.client.IncompleteRead, ConnectionError):
            return answer("cut")
        if length is not None and len(received) != int(length):
            return answer("cut", received, response)
        return answer(str(response.status), received, response)
    except TimeoutError:
        return answer("timeout")
    finally:
        connection.close()


def send_and_hang_up(url: str, payload: dict, headers: dict[str, str]) -> None:
    """POST, and close the connection before the answer: a client whose
    network failed after its request left."""
    parts = urlsplit(url)
    body = json.dumps(payload).encode()
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    request = (
        f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n{head}"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request)


@dataclass
class Traffic:
    """Clients writing and reading /notes until stopped. Writers send each
    note with an Idempotency-Key and, with `retry`, send it again until it
    is acknowledged (201), as a careful client does."""

    url: str
    retry: bool = False
    answers: list[Answer] = field(default_factory=list)
    sent: set[str] = field(default_factory=set)
    acknowledged: set[str] = field(default_factory=set)
    stop: threading.Event = field(default_factory=threading.Event)
    pause = 0.02  # between two requests of a client

    def write(self) -> None:
        text = uuid.uuid4().hex
        self.sent.add(text)
        while not self.stop.is_set():
            answer = ask(
                self.url, "POST", {"text": text}, {"Idempotency-Key": f"key-{text}"}
            )
            self.answers.append(answer)
            if answer.kind == "201" and answer.json()["text"] == text:
                self.acknowledged.add(text)
                return
            if not self.retry:
                return
            time.sleep(self.pause)

    def read(self) -> None:
        answer = ask(self.url)
        if answer.kind == "200":
            answer.json()  # whole: a cut one would not parse
        self.answers.append(answer)

    @contextlib.contextmanager
    def running(self, writers: int = 2, readers: int = 2):
        requests_ = [self.write] * writers + [self.read] * readers
        with clients(self.stop, self.pause, requests_):
            yield self

    def counts(self) -> dict[str, int]:
        """How many answers of each kind ("201", "503", "cut"…)."""
        return dict(collections.Counter(answer.kind for answer in self.answers))

    def good_after(self, moment: float) -> float | None:
        """Seconds from `moment` to the end of the first good answer after it."""
        ends = [a.started + a.seconds for a in self.answers if a.kind in OK]
        return min((end - moment for end in ends if end > moment), default=None)

    def started_between(self, start: float, end: float) -> list[Answer]:
        return [a for a in self.answers if start <= a.started <= end]


def server_log_around(stack, service: str, answer: Answer, seconds: float = 5) -> str:
    """The service's log from `seconds` before the answer's request to
    `seconds` after its end, access lines left out (tracebacks kept)."""
    logs = stack.compose(
        "logs", "--no-color", "--since", f"{answer.at - seconds:.3f}",
        "--until", f"{answer.at + answer.seconds + seconds:.3f}", service,
        check=False,
    ).stdout  # fmt: skip
    kept = [line for line in logs.splitlines() if not ACCESS_LINE.search(line)]
    return "\n".join(kept)[-8000:]


def explain(stack, service: str, answer: Answer) -> str:
    """A failure message: the answer, and what the server said around it."""
    return (
        f"{answer.kind} after {answer.seconds:.2f}s: {answer.body[:300]!r}\n"
        f"--- {service} log around it ---\n{server_log_around(stack, service, answer)}"
    )
