"""One server process, forked from the supervisor, from start to reaping.

Whoever starts a process cleans up after it: a ServerProcess forks the
server, hears its reports, stops it and collects its exit status. The
server keeps the read end of a pipe whose only writer is the supervisor:
end of file means the supervisor is gone (even killed with SIGKILL), and
the server stops, so it never keeps serving old code on its own. The
supervisor also tells the dev server on that pipe which files the browser
shows changed (live reload).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import select
import signal
import stat
import time
import traceback
from collections.abc import Callable, Iterable

# A server gets this long to stop when the dev server itself stops: below
# the dev service's stop_grace_period (5 s, docker-compose.yml).
FINAL_STOP_SECONDS = 3.0
# A retired server finishes its last requests (serve.GRACE_SECONDS), then
# ends; one still there this long after is killed, whatever it is doing
# (stuck importing the app, or in a request that never ends).
RETIRED_SECONDS = 12.0
PR_SET_PDEATHSIG = 1  # Linux: a signal for the child when its parent dies
try:
    PRCTL = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):  # not Linux
    PRCTL = None


class LineReader:
    """JSON lines from a non-blocking pipe: every complete line at each read."""

    def __init__(self, fd: int) -> None:
        os.set_blocking(fd, False)
        self.fd = fd
        self.buffer = b""
        self.closed = False

    def fileno(self) -> int:
        return self.fd

    def read(self) -> list[dict]:
        while not self.closed:
            try:
                data = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                break
            if not data:
                self.close()
            self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        return [json.loads(line) for line in lines if line]

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            os.close(self.fd)


class ServerProcess:
    """A forked server: `serve(report_fd, parent_fd)` runs in the child."""

    def __init__(
        self,
        serve: Callable[[int, int], int],
        keep_fds: Iterable[int],
        retired_seconds: float | None = None,  # RETIRED_SECONDS by default
    ):
        self.serve = serve
        self.keep_fds = set(keep_fds)  # e.g. the listening socket
        self.pid: int | None = None
        self.status: int | None = None  # exit code, once reaped
        self.reports: LineReader | None = None
        self._parent_alive: int | None = None
        self.started_at = 0.0  # time.monotonic() of start()
        # From stop() to the kill.
        self.retired_seconds = retired_seconds or RETIRED_SECONDS
        self.stopped_at: float | None = None  # and of stop()

    def start(self) -> None:
        report_read, report_write = os.pipe()
        alive_read, alive_write = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            end_with(parent)
            self._child(report_write, alive_read)
        os.close(report_write)
        os.close(alive_read)
        self.pid = pid
        self.started_at = time.monotonic()
        self.reports = LineReader(report_read)
        os.set_blocking(alive_write, False)  # tell() never waits on a stuck server
        self._parent_alive = alive_write

    def _child(self, report_fd: int, parent_fd: int) -> None:
        code = 1
        try:
            signal.set_wakeup_fd(-1)
            for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD):
                signal.signal(signum, signal.SIG_DFL)
            close_fds_except({0, 1, 2, report_fd, parent_fd, *self.keep_fds})
            code = self.serve(report_fd, parent_fd)
        except BaseException:  # noqa: BLE001 - report, then exit
            traceback.print_exc()
        finally:
            os._exit(code)

    def tell(self, message: dict) -> bool:
        """A JSON line to the server, on its pipe from the supervisor; False
        if too long to be written whole at once (PIPE_BUF bytes)."""
        line = (json.dumps(message) + "\n").encode()
        if len(line) > select.PIPE_BUF:
            return False
        if self._parent_alive is not None:
            with contextlib.suppress(BlockingIOError, BrokenPipeError):
                os.write(self._parent_alive, line)
        return True

    def stop(self) -> None:
        """Ask the server to stop accepting and finish what it accepted."""
        if self.stopped_at is None:
            self.stopped_at = time.monotonic()
        if self._parent_alive is not None:
            os.close(self._parent_alive)
            self._parent_alive = None
        if self.reports:
            self.reports.close()
        if self.pid is not None and self.status is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)

    def kill_at(self) -> float | None:
        """When a stopped server that is still there gets killed."""
        if self.stopped_at is None or self.status is not None:
            return None
        return self.stopped_at + self.retired_seconds

    def kill_if_overdue(self) -> None:
        due = self.kill_at()
        if due is not None and time.monotonic() >= due:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)

    def reaped(self) -> bool:
        """Whether it has ended (collected, so no zombie is left)."""
        if self.pid is None or self.status is not None:
            return True
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            pid, status = self.pid, 0
        if pid == 0:
            return False
        self.status = os.waitstatus_to_exitcode(status)
        return True

    def stop_and_wait(self, timeout: float = FINAL_STOP_SECONDS) -> None:
        self.stop()
        deadline = time.monotonic() + timeout
        while not self.reaped():
            if time.monotonic() > deadline:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
                return
            time.sleep(0.01)


def end_with(parent: int) -> None:
    """In the child: the kernel sends it SIGTERM when the supervisor dies,
    even killed with SIGKILL, so that a server that never reads its pipe
    (stuck importing the app) does not outlive it either."""
    if PRCTL is not None:
        PRCTL(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # it died before that
        os._exit(1)


def close_fds_except(keep: set[int]) -> None:
    """Close what the child inherited from the supervisor but must not hold
    (the watches, the other servers' pipes). Sockets stay: the supervisor
    holds none but the listening one and, with DEBUGPY=1, the debugger's,
    whose objects debugpy keeps (closing their numbers under them could
    close whatever reuses the number)."""
    try:
        fds = [int(fd) for fd in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(3, 256))
    for fd in fds:
        if fd in keep or is_socket(fd):
            continue
        try:
            os.close(fd)
        except OSError as error:
            if error.errno != errno.EBADF:
                raise


def is_socket(fd: int) -> bool:
    try:
        return stat.S_ISSOCK(os.fstat(fd).st_mode)
    except OSError:
        return False
