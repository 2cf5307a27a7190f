"""Helpers for the reloader's tests; no imports of the tests' own."""

import os
import signal
import time


def bump(path):
    """A later mtime, as a real edit would give (file systems may be coarse)."""
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def write(path, text="VALUE = 1\n"):
    """Write a file, its directories first; its path as a string."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def wait_for_parent_to_go(report_fd, parent_fd):
    """A server's body: return when the supervisor is gone (end of file)."""
    os.read(parent_fd, 1)
    return 0


def stuck_at_import(report_fd, parent_fd):
    """A server's body that never reads its pipe nor serves, as one whose
    app is stuck at import (signals keep their default action)."""
    time.sleep(1000)


def deaf_to_stop(report_fd, parent_fd):
    """A server's body that ignores stop signals and its pipe (it reports
    once it does)."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.write(report_fd, b"{}\n")
    time.sleep(1000)
