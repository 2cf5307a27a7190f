"""Noticing changes by polling, cheaply enough to run all day.

Polling is the only way to see edits made on the host where file events do
not cross into the container (Docker Desktop, WSL2, network shares). A
naive poll stats the whole tree at every interval (watchdog's
PollingObserver at 0.25 s costs ~40% of a core on 10,000 files). This one
polls in three tiers:

- hot files, every `interval` (0.1 s): the modules the running app imported,
  the files changed lately, the files at the top of the project;
- directories, which change when a file in them is created, deleted or
  replaced by a rename (how vim and JetBrains save);
- the whole tree, as the safety net for in-place edits of cold files: a
  slice of its directories at each pass, so that looking for nothing holds
  up the loop for no more than a few milliseconds (a save waits while a
  pass runs; a walk of 10,000 files takes 50 ms, far more on a slow file
  system), and its cost comes evenly, not in spikes. Once a slice finds a
  change, the rest of the tree is walked at once: a formatter that
  rewrites many cold files in place gives one reload, not one per slice.

Each tier waits long enough that its cost stays within its share of the
CPU budget, measured from how long its last pass took, so a slow file
system polls less often instead of burning a core.

watchdog's DirectorySnapshot can't do this: it walks a whole tree at once
and its diff needs two full snapshots, while the tiers need one shared
record that each updates on its own (snapshot.py).
"""

from __future__ import annotations

import os
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from .snapshot import Snapshot, signature

# How long a pass of the whole-tree tier lists directories (one at least),
# and how soon a round of passes over the whole tree may start again.
SLICE_SECONDS = 0.005
ROUND_SECONDS = 2.0


class Tier:
    """A pass run no more often than its share of the CPU budget allows."""

    def __init__(
        self, look: Callable[[], set[str]], min_interval: float, cpu_share: float
    ) -> None:
        self.look = look
        self.min_interval = min_interval
        self.cpu_share = cpu_share  # fraction of one core
        self.interval = min_interval
        self.due = 0.0

    def run(self) -> set[str]:
        started, cpu_before = time.monotonic(), time.process_time()
        changed = self.look()
        self.ran(started, time.process_time() - cpu_before)
        return changed

    def ran(self, started: float, cost: float) -> None:
        self.interval = max(self.min_interval, cost / self.cpu_share)
        self.due = started + self.interval


class HotList:
    """The files polled at every interval, most likely to change first."""

    MAX_FILES = 300
    # Imported modules past MAX_FILES (a large app) take turns: this many
    # more at each pass, so every one is polled within a few intervals.
    TURN = 100
    MAX_RECENT = 50
    MAX_EDITED_AT_ONCE = 10

    def __init__(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.recent: OrderedDict[str, None] = OrderedDict()
        self.imported: list[str] = []
        self._made_at: int | None = None  # the snapshot version it was made at
        self._files: list[str] = []
        self._others: list[str] = []  # past MAX_FILES, polled in turns
        self._turn = 0
        self._dirs: list[str] = []

    def edited(self, paths: Iterable[str]) -> None:
        """Files seen changing. Many at once (a code generator, a checkout)
        say little about what you edit next, and would crowd the list."""
        paths = list(paths)
        if len(paths) > self.MAX_EDITED_AT_ONCE:
            return
        for path in paths:
            self.recent.pop(path, None)
            self.recent[path] = None
        while len(self.recent) > self.MAX_RECENT:
            self.recent.popitem(last=False)
        self._made_at = None

    def set_imported(self, paths: Iterable[str]) -> None:
        self.imported = sorted(paths)
        self._made_at = None

    def files(self) -> list[str]:
        """The hottest files, and the next turn of the others."""
        self._refresh()
        others = self._others
        if len(others) <= self.TURN:
            return self._files + others if others else self._files
        start = self._turn % len(others)
        self._turn = start + self.TURN
        turn = others[start : start + self.TURN]
        return self._files + turn + others[: self.TURN - len(turn)]

    def dirs(self) -> list[str]:
        self._refresh()
        return self._dirs

    def _refresh(self) -> None:
        if self._made_at == self.snapshot.version:
            return
        known, listings = self.snapshot.files, self.snapshot.listings
        at_top = [
            f for r in self.snapshot.roots if r in listings for f in listings[r].files
        ]
        hot = [*reversed(self.recent), *sorted(at_top), *self.imported]
        hot = [f for f in dict.fromkeys(hot) if f in known]
        self._files, self._others = hot[: self.MAX_FILES], hot[self.MAX_FILES :]
        dirs = [*self.snapshot.roots, *map(os.path.dirname, self._files)]
        self._dirs = [d for d in dict.fromkeys(dirs) if d in listings]
        self._made_at = self.snapshot.version


class Polling:
    """The polling strategy: three tiers over the snapshot."""

    name = "polling"

    def __init__(
        self,
        snapshot: Snapshot,
        hot: HotList,
        interval: float,
        cpu_budget_percent: float,
        sentinels: Iterable[str] = (),
    ) -> None:
        self.snapshot = snapshot
        self.hot = hot
        self.sentinels = {path: self._sentinel(path) for path in sentinels}
        # While a burst goes on, events may wake the loop many times a second:
        # look again no more often than this.
        self.burst_interval = interval / 2
        self.next_burst_look = 0.0
        self.turns: list[str] = []  # the directories still to list this round
        self.round_size = 0
        budget = cpu_budget_percent / 100
        self.tree = Tier(self.poll_tree, ROUND_SECONDS, budget * 0.5)
        self.tiers = [
            Tier(self.poll_hot, interval, budget * 0.3),
            Tier(self.poll_dirs, interval * 4, budget * 0.2),
            self.tree,
        ]

    def fileno(self) -> int | None:
        return None  # nothing to wait on: see next_due

    def next_due(self) -> float:
        return min(tier.due for tier in self.tiers)

    def changes(self) -> set[str]:
        now = time.monotonic()
        changed: set[str] = set()
        for tier in self.tiers:
            if tier.due <= now:
                changed |= tier.run()
        return changed

    def look_again(self, burst, last: bool = False) -> set[str]:
        """While a burst goes on: the hot files and the burst's directories;
        at most every half interval, except for the `last` look."""
        now = time.monotonic()
        if now < self.next_burst_look and not last:
            return set()
        self.next_burst_look = now + self.burst_interval
        return self.poll_hot() | self._relist_changed(burst.dirs)

    # -- the tiers' passes -----------------------------------------------------
    def poll_hot(self) -> set[str]:
        changed = self.snapshot.restat(self.hot.files())
        return changed | self._relist_changed(self.hot.dirs())

    def poll_dirs(self) -> set[str]:
        changed = self._relist_changed(list(self.snapshot.listings))
        for path, last in self.sentinels.items():
            if self._sentinel(path) != last:
                self.sentinels[path] = self._sentinel(path)
                changed.add(path)
        return changed

    def poll_tree(self) -> set[str]:
        """The next slice of the whole tree: directories listed again in
        turn for SLICE_SECONDS; once all had theirs, a new round. A change
        found: the whole tree at once, and a new round."""
        if not self.turns:
            roots, listed = self.snapshot.roots, self.snapshot.listings
            self.turns = list(dict.fromkeys([*roots, *listed]))[::-1]
            self.round_size = len(self.turns)
        changed: set[str] = set()
        until, left = time.monotonic() + SLICE_SECONDS, len(self.turns)
        while self.turns:
            changed |= self.snapshot.walk_one(self.turns.pop())
            if time.monotonic() >= until:
                break
        if changed:  # others may have changed too, in slices already listed
            changed |= self.snapshot.walk()
            self.turns = []
        # A round takes ROUND_SECONDS at least, in however many passes.
        share = (left - len(self.turns)) / max(1, self.round_size)
        self.tree.min_interval = ROUND_SECONDS * share
        return changed

    def _relist_changed(self, dirs: Iterable[str]) -> set[str]:
        changed: set[str] = set()
        for directory in dirs:
            if self.snapshot.dir_changed(directory):
                changed |= self.snapshot.relist(directory)
        return changed

    @staticmethod
    def _sentinel(path: str):
        try:
            return signature(os.stat(path))
        except OSError:
            return None

    def close(self) -> None:
        pass
