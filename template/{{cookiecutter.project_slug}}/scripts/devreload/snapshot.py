"""The record of what is watched: one signature per file that matters.

Every way of noticing a change (polling tiers, native file events) updates
this one record and gets back the paths that changed. Directories are
walked once and then looked at one by one: a listing is compared with the
last one, and a file named by an event is stat'ed alone, so the cost of a
burst grows with the number of files written, not with their square.
Skipped directories (rules.py) are never walked; symlinked directories are
followed once, whatever the number of links to them (no loops).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from .rules import MARKERS, Rules

# (mtime_ns, size, inode, ctime_ns): an in-place write changes the first
# two, a save by rename the third; and any write the last, which no tool
# can set back (a same-size write within the mtime's granularity, or one
# whose mtime was restored, is still seen).
Signature = tuple[int, int, int, int]
# An mtime older than this is a file's own (unpacked or copied with its
# times), not the time it was written here.
RECENT_WRITE_SECONDS = 1.0


def signature(stat: os.stat_result) -> Signature:
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino, stat.st_ctime_ns)


def identity(path: str) -> tuple[int, int] | None:
    """(device, inode): which directory a path names now."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino)


@dataclass
class Listing:
    """A directory as last listed."""

    real: str  # its real path: two links to it are one directory
    mtime: int | None = None
    identity: tuple[int, int] | None = None  # (device, inode) when listed
    files: set[str] = field(default_factory=set)
    subdirs: set[str] = field(default_factory=set)


class Snapshot:
    def __init__(self, rules: Rules, roots: Iterable[str]) -> None:
        self.rules = rules
        self.roots = list(roots)
        self.files: dict[str, Signature] = {}
        self.listings: dict[str, Listing] = {}
        self.real_dirs: dict[str, str] = {}  # real path -> the path walked
        self.skipped: set[str] = set()  # virtualenvs and caches, by marker
        self.loose: set[str] = set()  # imported files found by no walk
        self.version = 0  # moves when files or directories come or go
        self.watchers: list = []  # told of each directory watched or dropped

    def written_at(self, paths: Iterable[str]) -> float:
        """When the newest of `paths` was written, on the monotonic clock:
        polling notices a write up to an interval late, and the quiet time
        after it has begun by then. Now, unless a recent mtime says so."""
        now = time.monotonic()
        mtimes = [self.files[path][0] for path in paths if path in self.files]
        age = time.time() - max(mtimes) / 1e9 if mtimes else 0.0
        return now - age if 0.0 < age < RECENT_WRITE_SECONDS else now

    # -- looking again -------------------------------------------------------
    def walk(self) -> set[str]:
        """List every directory again (the full tier; the first look)."""
        links: list[str] = []
        changed: set[str] = set()
        for root in self.roots:
            changed |= self._list(root, True, links)
        return changed | self._follow(links)

    def relist(self, directory: str) -> set[str]:
        """List one directory again; walk the directories new in it."""
        links: list[str] = []
        return self._list(directory, False, links) | self._follow(links)

    def walk_one(self, directory: str) -> set[str]:
        """List one directory again as a full walk would (its part of a
        walk in slices): also look again at the subdirectories found to be
        virtualenvs or caches. None that left the record meanwhile."""
        if directory not in self.listings and directory not in self.roots:
            return set()
        links: list[str] = []
        return self._list(directory, False, links, recheck=True) | self._follow(links)

    def dir_changed(self, directory: str) -> bool:
        """Whether a listed directory changed since (never one not listed)."""
        listing = self.listings.get(directory)
        if listing is None:
            return False
        try:
            return os.stat(directory).st_mtime_ns != listing.mtime
        except OSError:
            return True

    def restat(self, paths: Iterable[str]) -> set[str]:
        """Stat known files again (the hot tier)."""
        changed = set()
        for path in paths:
            try:
                current = signature(os.stat(path))
            except OSError:
                if path in self.loose and self.files.pop(path, None):
                    changed.add(path)
                continue  # a walked file: its directory's listing reports it
            if self.files.get(path) != current:
                self.files[path] = current
                changed.add(path)
        return changed

    def update(self, path: str) -> set[str]:
        """Look at one file a file event named."""
        parent, name = os.path.split(path)
        listing = self.listings.get(parent)
        if listing is None:
            return self.restat([path]) if path in self.loose else set()
        if name in MARKERS:  # a virtualenv or a cache now
            return self.relist(parent)
        if path not in self.files and not self.rules.kind(path):
            # A link to a directory is no directory to inotify.
            return self.update_dir(path) if os.path.isdir(path) else set()
        try:
            current = signature(os.stat(path))
        except OSError:
            if self.files.pop(path, None) is None:
                return set()
            listing.files.discard(path)
            self.version += 1
            return {path}
        if self.files.get(path) == current:
            return set()
        if path not in listing.files:
            listing.files.add(path)
            self.version += 1
        self.files[path] = current
        return {path}

    def update_dir(self, path: str) -> set[str]:
        """Look at one directory a file event named (made, moved or removed)."""
        listing = self.listings.get(os.path.dirname(path))
        if listing is None or self.rules.skips_dir(path):
            return set()
        if not os.path.isdir(path):
            listing.subdirs.discard(path)
            return self.forget(path)
        changed: set[str] = set()
        if path in self.listings:
            if self.listings[path].identity == identity(path):
                return set()
            # Another directory took the name (moved aside, then replaced,
            # as code generators do): the one listed under it is gone.
            changed = self.forget(path)
        listing.subdirs.add(path)
        links: list[str] = []
        return changed | self._list(path, True, links) | self._follow(links)

    def forget(self, directory: str) -> set[str]:
        """Drop a directory and all below it; the files that were there."""
        gone: set[str] = set()
        pending = [directory]  # a stack, not recursion: any depth
        while pending:
            directory = pending.pop()
            listing = self.listings.pop(directory, None)
            if listing is None:
                continue
            self.version += 1
            self.real_dirs.pop(listing.real, None)
            for watcher in self.watchers:
                watcher.unwatch(directory)
            gone |= {path for path in listing.files if self.files.pop(path, None)}
            pending.extend(listing.subdirs)
        return gone

    def set_loose(self, paths: Iterable[str]) -> None:
        """Watch these files too (imported modules that no walk found), and
        keep watching those watched so far while they exist: a module that
        failed to import (a syntax error) left sys.modules, not the disk,
        and its fix must be seen."""
        still_there = {path for path in self.loose if os.path.exists(path)}
        loose = still_there | {path for path in paths if path not in self.files}
        for path in self.loose - loose:
            self.files.pop(path, None)
        for path in loose - self.loose:
            self.restat([path])
        old_dirs = self._dirs_of(self.loose)
        new_dirs = self._dirs_of(loose)
        for watcher in self.watchers:
            for directory in old_dirs - new_dirs:
                watcher.unwatch(directory)
            for directory in new_dirs - old_dirs:
                watcher.watch(directory)
        self.loose = loose
        self.version += 1

    def _dirs_of(self, loose: set[str]) -> set[str]:
        dirs = {os.path.dirname(path) for path in loose}
        return {directory for directory in dirs if directory not in self.listings}

    # -- listing -------------------------------------------------------------
    def _list(
        self,
        directory: str,
        recursive: bool,
        links: list[str],
        recheck: bool | None = None,
    ) -> set[str]:
        """List `directory` and compare; walk new subdirectories (all if
        recursive); put off symlinked ones into `links`, so that a directory
        is watched under its own name before any link to it. Skipped
        subdirectories are looked at again if `recheck` (default: recursive)."""
        changed: set[str] = set()
        pending = [directory]  # a stack, not recursion: any depth
        recheck = recursive if recheck is None else recheck
        while pending:
            changed |= self._list_one(pending.pop(), recursive, recheck, links, pending)
        return changed

    def _list_one(
        self,
        directory: str,
        recursive: bool,
        recheck: bool,
        links: list[str],
        pending: list[str],
    ) -> set[str]:
        """List one directory; the subdirectories to list go to `pending`."""
        old = self.listings.get(directory) or self._claim(directory)
        if old is None:
            return set()  # already watched, through another link
        try:
            # Stat before listing: a change in between is seen next time.
            stat = os.stat(directory)
            entries = list(os.scandir(directory))
        except OSError:
            return self.forget(directory)
        if directory not in self.roots and self.rules.marks_skipped(
            entry.name for entry in entries
        ):
            self.skipped.add(directory)
            self.forget(directory)
            return set()  # its files are no longer watched, not changed
        changed: set[str] = set()
        files: set[str] = set()
        subdirs: set[str] = set()
        for entry in entries:
            path = entry.path
            try:
                is_dir = entry.is_dir()
            except OSError:
                continue
            if is_dir:
                if self.rules.skips_dir(path) or self._still_skipped(path, recheck):
                    continue
                subdirs.add(path)
                if path not in self.listings and entry.is_symlink():
                    links.append(path)
                elif recursive or path not in self.listings:
                    pending.append(path)
            elif self.rules.kind(path):
                try:
                    current = signature(entry.stat())
                except OSError:
                    continue
                files.add(path)
                if self.files.get(path) != current:
                    self.files[path] = current
                    changed.add(path)
        for gone in old.files - files:
            self.files.pop(gone, None)
            changed.add(gone)
        for gone in old.subdirs - subdirs:
            changed |= self.forget(gone)
        if (files, subdirs) != (old.files, old.subdirs):
            self.version += 1
        old.mtime, old.files, old.subdirs = stat.st_mtime_ns, files, subdirs
        old.identity = (stat.st_dev, stat.st_ino)
        return changed

    def _claim(self, directory: str) -> Listing | None:
        """Start watching a directory, unless its real path already is."""
        real = os.path.realpath(directory)
        if self.real_dirs.get(real, directory) != directory:
            return None
        self.real_dirs[real] = directory
        listing = self.listings[directory] = Listing(real)
        for watcher in self.watchers:
            watcher.watch(directory)  # before listing: nothing falls in between
        return listing

    def _still_skipped(self, directory: str, recheck: bool) -> bool:
        """Whether a directory found to be a virtualenv or cache still is;
        looked at again by full walks (and their slices) only."""
        if directory not in self.skipped:
            return False
        if not recheck:
            return True
        try:
            if self.rules.marks_skipped(os.listdir(directory)):
                return True
        except OSError:
            pass
        self.skipped.discard(directory)
        return False

    def _follow(self, links: list[str]) -> set[str]:
        changed: set[str] = set()
        while links:
            changed |= self._list(links.pop(), True, links)
        return changed
