"""A forked server's life, with real processes (process.py)."""

import os
import select
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest
from devreload import process
from devreload.process import LineReader, ServerProcess

from .helpers import deaf_to_stop, wait_for_parent_to_go


def test_every_line_written_at_once_is_read_at_once():
    read_end, write_end = os.pipe()
    os.write(write_end, b"".join(b'{"n": %d}\n' % n for n in range(5)) + b'{"n"')
    reader = LineReader(read_end)
    assert [line["n"] for line in reader.read()] == [0, 1, 2, 3, 4]
    os.write(write_end, b": 5}\n")
    assert reader.read() == [{"n": 5}]
    os.close(write_end)
    assert reader.read() == []
    assert reader.closed


def test_a_stopped_server_is_reaped():
    server = ServerProcess(wait_for_parent_to_go, keep_fds=[])
    server.start()
    assert not server.reaped()
    server.stop_and_wait(timeout=2)
    assert server.reaped()
    assert server.status in (0, -signal.SIGTERM)  # ended, and collected


def test_a_server_closes_what_it_inherited_but_sockets():
    """Pipes and watches are the supervisor's; sockets are only the listening
    one and the debugger's (DEBUGPY=1), whose objects live on in the fork."""
    read_end, write_end = os.pipe()
    kept = socket.socketpair()
    fds = {"pipe": read_end, "socket": kept[0].fileno()}

    def serve(_report_fd: int, _parent_fd: int) -> int:
        is_open = {name: _is_open(fd) for name, fd in fds.items()}
        return 0 if is_open == {"pipe": False, "socket": True} else 3

    server = ServerProcess(serve, keep_fds=[])
    server.start()
    try:
        deadline = time.monotonic() + 10
        while not server.reaped() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server.status == 0
    finally:
        os.close(read_end)
        os.close(write_end)
        for sock in kept:
            sock.close()


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def test_a_retired_server_is_killed_once_overdue(monkeypatch):
    monkeypatch.setattr(process, "RETIRED_SECONDS", 0.2)
    server = ServerProcess(deaf_to_stop, keep_fds=[])
    server.start()
    select.select([server.reports], [], [], 5)
    assert server.reports.read() == [{}]  # SIGTERM ignored from now on
    server.stop()
    server.kill_if_overdue()
    assert not server.reaped()  # not yet overdue
    time.sleep(0.3)
    server.kill_if_overdue()
    deadline = time.monotonic() + 5
    while not server.reaped() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.status == -signal.SIGKILL
    assert server.kill_at() is None


SUPERVISOR = textwrap.dedent(
    """
    import os, sys, time
    sys.path[:0] = [{scripts!r}, {tests!r}]
    from devreload.process import ServerProcess
    from helpers import {body}

    server = ServerProcess({body}, keep_fds=[])
    server.start()
    print(server.pid, flush=True)
    time.sleep(60)
    """
)


@pytest.mark.parametrize("body", ["wait_for_parent_to_go", "stuck_at_import"])
def test_a_killed_supervisor_leaves_no_server_behind(body):
    scripts = os.path.join(os.path.dirname(__file__), "..", "..", "scripts")
    tests = os.path.dirname(__file__)
    code = SUPERVISOR.format(scripts=scripts, tests=tests, body=body)
    supervisor = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True
    )
    server_pid = int(supervisor.stdout.readline())
    os.kill(supervisor.pid, signal.SIGKILL)
    supervisor.wait()
    supervisor.stdout.close()
    deadline = time.monotonic() + 1
    while time.monotonic() < deadline and alive(server_pid):
        time.sleep(0.01)
    assert not alive(server_pid)


def alive(pid):
    """Whether a process runs (a zombie, dead but not reaped yet, does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_message_too_long_to_be_written_whole_is_not_sent():
    """Up to PIPE_BUF bytes a pipe takes a line whole or not at all: a
    server never reads half a line."""
    server = ServerProcess(lambda report_fd, parent_fd: 0, keep_fds=[])
    assert server.tell({"changed": ["/app/a.css"]})
    assert not server.tell({"changed": ["/app/x" * 1000]})
