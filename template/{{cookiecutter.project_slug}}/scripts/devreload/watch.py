"""Noticing changes by polling, cheaply enough to run all day.

Polling is the only way to see edits made on the host where file events do
not cross into the container. A naive poll stats the whole tree at every
interval (watchdog's PollingObserver at 0.25 s costs ~40% of a core on
10,000 files). This one polls in three tiers:

- hot files, every `interval` (0.1 s): the modules the running app imported,
  the files changed lately, the configuration files at the root;
- directories, which change when a file in them is created, deleted or
  replaced by a rename (how vim and JetBrains save);
- the whole tree, as the safety net for in-place edits of cold files.

Each tier waits long enough that its cost stays within its share of the
CPU budget, measured from how long its last pass took, so a slow file
system (Docker Desktop, network shares) polls less often instead of burning
a core. Ignored directories are pruned during the walk, and only file names
that matter are stat'ed.

watchdog's DirectorySnapshot can't do this: it walks a whole tree at once
and its diff needs two full snapshots, while the tiers need one shared
record of signatures that each tier updates on its own.
"""

from __future__ import annotations

import fnmatch
import os
import re
import time
from collections import OrderedDict
from collections.abc import Iterable

# (mtime_ns, size, inode): an in-place write changes the first two, a save
# by rename the third.
Signature = tuple[int, int, int]

RESTART = "restart"
REBUILD = "rebuild"


def signature(stat: os.stat_result) -> Signature:
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def name_matcher(patterns: Iterable[str]):
    """One compiled regex for many glob patterns: a walk tests every name."""
    regex = "|".join(f"(?:{fnmatch.translate(p)})" for p in patterns) or "(?!)"
    return re.compile(regex).match


class FileFilter:
    """Which names matter, from names alone: no I/O."""

    def __init__(self, include, exclude, rebuild) -> None:
        self.excluded = name_matcher(exclude)
        self._include = name_matcher(include)
        self._rebuild = name_matcher(rebuild)

    def kind(self, path: str) -> str | None:
        """RESTART, REBUILD or None (ignored) for a file path."""
        parent, name = os.path.split(path)
        if self.excluded(name):
            return None
        # Patterns may name the parent directory: requirements/*.txt
        if self._rebuild(name) or self._rebuild(f"{os.path.basename(parent)}/{name}"):
            return REBUILD
        if self._include(name):
            return RESTART
        return None


class Tier:
    """A polling pass run no more often than its CPU share allows."""

    def __init__(self, min_interval: float, cpu_share: float) -> None:
        self.min_interval = min_interval
        self.cpu_share = cpu_share  # fraction of one core
        self.interval = min_interval
        self.due = 0.0

    def ran(self, started: float, cost: float) -> None:
        self.interval = max(self.min_interval, cost / self.cpu_share)
        self.due = started + self.interval


class Tree:
    """The signatures of the watched files, and the polls that update them."""

    MAX_HOT_FILES = 300
    MAX_RECENT = 50

    def __init__(
        self,
        roots: Iterable[str],
        file_filter: FileFilter,
        interval: float,
        cpu_budget_percent: float,
    ) -> None:
        self.roots = [os.path.abspath(root) for root in roots]
        self.filter = file_filter
        self.files: dict[str, Signature] = {}
        self.dirs: dict[str, int] = {}  # directory -> mtime_ns
        self.dir_files: dict[str, set[str]] = {}
        self.dir_subdirs: dict[str, set[str]] = {}
        self.imported: set[str] = set()
        self.recent: OrderedDict[str, None] = OrderedDict()
        self._hot: list[str] | None = None
        self._hot_dirs: list[str] = []
        budget = cpu_budget_percent / 100
        self.tiers = {
            "hot": Tier(interval, budget * 0.3),
            "dirs": Tier(interval * 4, budget * 0.2),
            "full": Tier(2.0, budget * 0.5),
        }

    # -- what is hot ---------------------------------------------------------
    def set_imported(self, paths: Iterable[str]) -> None:
        self.imported = {p for p in paths if p in self.files}
        self._hot = None

    def hot_files(self) -> list[str]:
        """Most recently changed first; recomputed only when its inputs change."""
        if self._hot is None:
            root_files = [f for r in self.roots for f in self.dir_files.get(r, ())]
            hot = [*reversed(self.recent), *root_files, *sorted(self.imported)]
            self._hot = list(dict.fromkeys(hot))[: self.MAX_HOT_FILES]
            dirs = [*self.roots, *map(os.path.dirname, self._hot)]
            self._hot_dirs = list(dict.fromkeys(dirs))
        return self._hot

    def hot_dirs(self) -> list[str]:
        self.hot_files()
        return self._hot_dirs

    def _touched(self, path: str) -> None:
        self.recent.pop(path, None)
        self.recent[path] = None
        while len(self.recent) > self.MAX_RECENT:
            self.recent.popitem(last=False)
        self._hot = None

    # -- polls -----------------------------------------------------------------
    def due_tiers(self, now: float) -> list[str]:
        return [name for name, tier in self.tiers.items() if tier.due <= now]

    def next_due(self) -> float:
        return min(tier.due for tier in self.tiers.values())

    def poll(self, tier_name: str) -> set[str]:
        """Run one tier; the changed paths."""
        started = time.monotonic()
        cpu_before = time.process_time()
        if tier_name == "hot":
            changed = self.poll_fast()
        elif tier_name == "dirs":
            changed = self.poll_dirs(list(self.dirs))
        else:
            changed = self.scan()
        self.tiers[tier_name].ran(started, time.process_time() - cpu_before)
        return changed

    def poll_fast(self) -> set[str]:
        """The hot tier, now, whatever its schedule (used while settling)."""
        return self.poll_files(self.hot_files()) | self.poll_dirs(self.hot_dirs())

    def scan(self) -> set[str]:
        first = not self.dirs
        changed: set[str] = set()
        for root in self.roots:
            changed |= self.rescan_dir(root, recursive=True)
        if first:  # everything is new, nothing was edited
            self.recent.clear()
            self._hot = None
        return changed

    def check(self, path: str) -> set[str]:
        """Look at one path now (a native event named it)."""
        path = os.path.abspath(path)
        if not any(path == r or path.startswith(r + os.sep) for r in self.roots):
            return set()
        if path in self.dirs or os.path.isdir(path):
            return self.rescan_dir(path, recursive=False)
        if path in self.files:
            return self.poll_files([path]) | self.poll_dirs([os.path.dirname(path)])
        return self.poll_dirs([os.path.dirname(path)])

    def poll_files(self, paths: Iterable[str]) -> set[str]:
        changed = set()
        for path in paths:
            try:
                current = signature(os.stat(path))
            except OSError:
                continue  # deleted: its directory's poll reports it
            if self.files.get(path) != current:
                self.files[path] = current
                changed.add(path)
        for path in changed:
            self._touched(path)
        return changed

    def poll_dirs(self, dirs: Iterable[str]) -> set[str]:
        changed: set[str] = set()
        for directory in dirs:
            try:
                mtime = os.stat(directory).st_mtime_ns
            except OSError:
                mtime = None
            if mtime != self.dirs.get(directory):
                changed |= self.rescan_dir(directory, recursive=False)
        return changed

    def rescan_dir(self, directory: str, recursive: bool) -> set[str]:
        """List `directory` again and compare; new subdirectories in full."""
        try:
            # Stat before listing: a change in between is seen next time.
            self.dirs[directory] = os.stat(directory).st_mtime_ns
            entries = list(os.scandir(directory))
        except OSError:
            return self._forget_dir(directory)
        changed: set[str] = set()  # files of this directory
        in_subdirs: set[str] = set()
        files: set[str] = set()
        subdirs: set[str] = set()
        for entry in entries:
            if self.filter.excluded(entry.name):
                continue
            if entry.is_dir(follow_symlinks=False):
                subdirs.add(entry.path)
                if recursive or entry.path not in self.dirs:
                    in_subdirs |= self.rescan_dir(entry.path, recursive=True)
            elif self.filter.kind(entry.path):
                files.add(entry.path)
                try:
                    current = signature(entry.stat())
                except OSError:
                    continue
                if self.files.get(entry.path) != current:
                    self.files[entry.path] = current
                    changed.add(entry.path)
                    self._touched(entry.path)
        for gone in self.dir_files.get(directory, set()) - files:
            self.files.pop(gone, None)
            changed.add(gone)
        for gone in self.dir_subdirs.get(directory, set()) - subdirs:
            in_subdirs |= self._forget_dir(gone)
        self.dir_files[directory] = files
        self.dir_subdirs[directory] = subdirs
        if changed or in_subdirs:
            self._hot = None
        return changed | in_subdirs

    def _forget_dir(self, directory: str) -> set[str]:
        gone = set(self.dir_files.pop(directory, set()))
        for path in gone:
            self.files.pop(path, None)
        self.dirs.pop(directory, None)
        for subdir in self.dir_subdirs.pop(directory, set()):
            gone |= self._forget_dir(subdir)
        return gone
