"""Native file events (Linux inotify), read in the supervisor's own loop.

An inotify instance is a file descriptor: the supervisor waits on it beside
everything else, so no thread or helper process is needed, and the
supervisor stays single-threaded and safe to fork. Watches are added one
directory at a time as the snapshot walks them, so skipped directories
(.git, virtualenvs, node_modules) are never watched: watchdog's recursive
watches cover everything below a root and can't leave any out, so an
install into an in-project virtualenv would flood them.

Where no events arrive (Docker Desktop, WSL2, network shares), the watches
still succeed and simply stay silent: auto mode polls all the same.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import struct
from collections.abc import Iterable

from .snapshot import Snapshot

IN_ATTRIB = 0x4  # touch
IN_CLOSE_WRITE = 0x8
IN_MOVED_FROM = 0x40
IN_MOVED_TO = 0x80
IN_CREATE = 0x100
IN_DELETE = 0x200
IN_Q_OVERFLOW = 0x4000
IN_IGNORED = 0x8000  # the watch is gone
IN_ONLYDIR = 0x01000000
IN_ISDIR = 0x40000000
# What changes files: not opening, reading, or each write of a longer save.
WATCHED_EVENTS = (
    IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE
)
EVENT_HEADER = struct.Struct("iIII")  # wd, mask, cookie, length of the name


class Inotify:
    """The system calls, through ctypes."""

    def __init__(self) -> None:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        try:
            self._init = libc.inotify_init1
            self._add = libc.inotify_add_watch
            self._remove = libc.inotify_rm_watch
        except AttributeError as error:
            raise OSError("no inotify on this system") from error
        self._add.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
        self.fd = self._check(self._init(os.O_NONBLOCK | os.O_CLOEXEC))

    @staticmethod
    def _check(result: int, path: str | None = None) -> int:
        if result < 0:
            error = ctypes.get_errno()
            raise OSError(error, os.strerror(error), path)
        return result

    def add(self, path: str, mask: int) -> int:
        return self._check(self._add(self.fd, os.fsencode(path), mask), path)

    def remove(self, wd: int) -> None:
        self._remove(self.fd, wd)  # fails only when the watch is gone already

    def read(self) -> list[tuple[int, int, str]]:
        """Every event queued now: (watch, mask, name)."""
        events = []
        while True:
            try:
                data = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                return events
            offset = 0
            while offset < len(data):
                wd, mask, _cookie, length = EVENT_HEADER.unpack_from(data, offset)
                offset += EVENT_HEADER.size
                name = data[offset : offset + length].rstrip(b"\0")
                offset += length
                events.append((wd, mask, os.fsdecode(name)))

    def close(self) -> None:
        os.close(self.fd)


def same_directory(first: str, second: str) -> bool:
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


class NativeEvents:
    """The native strategy: a watch per walked directory; events name the
    paths the snapshot looks at."""

    name = "file events"

    def __init__(self, snapshot: Snapshot, sentinels: Iterable[str] = ()) -> None:
        self.snapshot = snapshot
        self.inotify = Inotify()
        self.dirs: dict[int, str] = {}
        self.watches: dict[str, int] = {}
        self.failure: OSError | None = None  # e.g. the watch limit
        # Any event in a sentinel directory reports the directory itself.
        self.sentinels = {
            self.inotify.add(path, WATCHED_EVENTS | IN_ONLYDIR): path
            for path in sentinels
            if os.path.isdir(path)
        }
        snapshot.watchers.append(self)
        for directory in snapshot.listings:  # if it was walked already
            self.watch(directory)

    # -- told by the snapshot ----------------------------------------------------
    def watch(self, directory: str) -> None:
        try:
            wd = self.inotify.add(directory, WATCHED_EVENTS | IN_ONLYDIR)
        except OSError as error:
            self.failure = self.failure or error
            return
        known = self.dirs.get(wd)
        if known is not None and not same_directory(known, directory):
            self.watches.pop(known, None)  # it moved: the watch follows it
            known = None
        if known is None:  # else the same directory, by another path
            self.dirs[wd] = directory
            self.watches[directory] = wd

    def unwatch(self, directory: str) -> None:
        wd = self.watches.pop(directory, None)
        if wd is not None:
            del self.dirs[wd]
            self.inotify.remove(wd)

    # -- asked by the supervisor -------------------------------------------------
    def fileno(self) -> int:
        return self.inotify.fd

    def next_due(self) -> None:
        return None  # events come by themselves

    def changes(self) -> set[str]:
        """The paths that changed, from every event queued now."""
        changed: set[str] = set()
        # Files are looked at once each, but in order with the directories:
        # `python -m venv` writes pyvenv.cfg before lib/, which must not be
        # walked as code.
        files: dict[str, None] = {}
        for wd, mask, name in self.inotify.read():
            if mask & IN_Q_OVERFLOW:  # events were lost: look at everything
                changed |= self.snapshot.walk()
            elif wd in self.sentinels:
                changed.add(self.sentinels[wd])
            elif mask & IN_IGNORED:
                changed |= self._lost(wd)
            elif wd in self.dirs and name:
                path = os.path.join(self.dirs[wd], name)
                if mask & IN_ISDIR:
                    changed |= self._update(files) | self.snapshot.update_dir(path)
                else:
                    files[path] = None
        return changed | self._update(files)

    def _update(self, files: dict[str, None]) -> set[str]:
        """Look at the files named so far, and forget them."""
        changed = set().union(*map(self.snapshot.update, files))
        files.clear()
        return changed

    def _lost(self, wd: int) -> set[str]:
        """A watch the kernel dropped: its directory went (or was replaced)."""
        directory = self.dirs.pop(wd, None)
        if directory is None:
            return set()  # we removed it
        del self.watches[directory]
        return self.snapshot.forget(directory) | self.snapshot.update_dir(directory)

    def look_again(self, burst, last: bool = False) -> set[str]:
        return self.changes()

    def close(self) -> None:
        self.inotify.close()
