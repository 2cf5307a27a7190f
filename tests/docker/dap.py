"""A small Debug Adapter Protocol client, as an editor uses debugpy: attach
once, set breakpoints, and take every child process the adapter offers
(`startDebugging`) as a session of its own, as VS Code does.
"""

from __future__ import annotations

import contextlib
import json
import queue
import socket
import threading
import time
from dataclasses import dataclass, field

CAPABILITIES = {
    "clientID": "template-tests",
    "adapterID": "debugpy",
    "pathFormat": "path",
    "linesStartAt1": True,
    "columnsStartAt1": True,
    "supportsStartDebuggingRequest": True,
}


class Connection:
    """One DAP connection: requests out, responses, events and reverse
    requests in (read on a thread of its own)."""

    def __init__(self, host: str, port: int) -> None:
        self.sock = socket.create_connection((host, port), timeout=10)
        self.sock.settimeout(None)
        self.seq = 0
        self.lock = threading.Lock()
        self.responses: dict[int, queue.Queue] = {}
        self.events: queue.Queue = queue.Queue()
        self.reverse_requests: queue.Queue = queue.Queue()
        self.ended = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def send(self, message: dict, answer: queue.Queue | None = None) -> int:
        """Send a message; a request's response goes to `answer`."""
        with self.lock:
            self.seq += 1
            if answer is not None:
                self.responses[self.seq] = answer
            body = json.dumps({"seq": self.seq, **message}).encode()
            self.sock.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            return self.seq

    def request(self, command: str, **arguments) -> int:
        """Send a request; its response comes from `response(seq)`."""
        message = {"type": "request", "command": command, "arguments": arguments}
        return self.send(message, queue.Queue())

    def response(self, seq: int, timeout: float = 30) -> dict:
        message = self.responses[seq].get(timeout=timeout)
        if not message.get("success"):
            raise AssertionError(f"{message.get('command')} failed: {message}")
        return message

    def call(self, command: str, timeout: float = 30, **arguments) -> dict:
        return self.response(self.request(command, **arguments), timeout)

    def event(self, name: str, timeout: float = 30) -> dict:
        """The next event called `name` (others are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            if message["event"] == name:
                return message

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()

    @property
    def alive(self) -> bool:
        """Connected, to a process that did not end."""
        return self.reader.is_alive() and not self.ended.is_set()

    def _read(self) -> None:
        buffer = b""
        try:
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = self.sock.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                header, buffer = buffer.split(b"\r\n\r\n", 1)
                length = int(header.split(b":")[1])
                while len(buffer) < length:
                    chunk = self.sock.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                message, buffer = json.loads(buffer[:length]), buffer[length:]
                self._dispatch(message)
        except OSError:
            return

    def _dispatch(self, message: dict) -> None:
        if message["type"] == "response":
            with self.lock:
                answer = self.responses.get(message["request_seq"])
            if answer:
                answer.put(message)
        elif message["type"] == "event":
            if message["event"] in ("exited", "terminated"):
                self.ended.set()
            self.events.put(message)
        elif message["type"] == "request":
            self.reverse_requests.put(message)


@dataclass
class Session:
    """One debugged process, attached and configured with breakpoints."""

    connection: Connection
    configuration: dict
    breakpoints: dict[str, list[int]]
    capabilities: dict = field(default_factory=lambda: dict(CAPABILITIES))

    def start(self) -> None:
        self.connection.call("initialize", **self.capabilities)
        attach = self.connection.request("attach", **self.configuration)
        self.connection.event("initialized")
        for path, lines in self.breakpoints.items():
            self.set_breakpoints(path, lines)
        self.connection.call("configurationDone")
        self.connection.response(attach)

    def set_breakpoints(self, path: str, lines: list[int]) -> None:
        self.connection.call(
            "setBreakpoints",
            source={"path": path},
            breakpoints=[{"line": line} for line in lines],
        )

    def stopped_at(self, timeout: float = 30) -> tuple[int, dict]:
        """Wait for a stop: (thread id, the top frame of its stack)."""
        stopped = self.connection.event("stopped", timeout)["body"]
        trace = self.connection.call("stackTrace", threadId=stopped["threadId"])
        return stopped["threadId"], trace["body"]["stackFrames"][0]


@dataclass
class Editor:
    """An editor attached once to the dev server: the session it attached to
    and every child session the adapter offered since, with the same
    breakpoints."""

    host: str
    port: int
    configuration: dict
    breakpoints: dict[str, list[int]] = field(default_factory=dict)
    sessions: list[Session] = field(default_factory=list)
    children: queue.Queue = field(default_factory=queue.Queue)

    def attach(self) -> Session:
        session = Session(
            Connection(self.host, self.port), self.configuration, self.breakpoints
        )
        session.start()
        self.sessions.append(session)
        threading.Thread(
            target=self._take_children, args=(session,), daemon=True
        ).start()
        return session

    def set_breakpoints(self, path: str, lines: list[int]) -> None:
        """As an editor does: in every session, and in those to come."""
        self.breakpoints[path] = lines
        for session in self.sessions:
            if session.connection.alive:
                session.set_breakpoints(path, lines)

    def next_child(self, timeout: float = 30) -> Session:
        """The next child session, attached and configured."""
        return self.children.get(timeout=timeout)

    def _take_children(self, parent: Session) -> None:
        """Answer `startDebugging` as an editor does: attach to the child."""
        while True:
            request = parent.connection.reverse_requests.get()
            parent.connection.send(
                {
                    "type": "response",
                    "request_seq": request["seq"],
                    "command": request["command"],
                    "success": True,
                }
            )
            if request["command"] != "startDebugging":
                continue
            child = Session(
                Connection(self.host, self.port),
                request["arguments"]["configuration"],
                self.breakpoints,
            )
            child.start()
            self.sessions.append(child)
            threading.Thread(
                target=self._take_children, args=(child,), daemon=True
            ).start()
            self.children.put(child)

    def close(self) -> None:
        """Detach as an editor does: each session says so, then hangs up."""
        for session in self.sessions:
            if session.connection.alive:
                with contextlib.suppress(AssertionError, queue.Empty, OSError):
                    session.connection.call("disconnect", timeout=5)
            session.connection.close()
