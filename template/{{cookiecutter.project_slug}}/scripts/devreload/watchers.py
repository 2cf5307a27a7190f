"""Watching in each mode: which strategies it combines, and bursts.

auto combines native file events (at once, where they arrive) with polling
(the safety net where they don't: Docker Desktop, WSL2, network shares);
poll and native use one each. Every strategy updates the same snapshot and
gives back the paths that changed, so that a change seen by one is not seen
again by the other.

A burst of changes (a checkout, a formatter, a code generator, an unpacked
archive) gives one reload: it ends after a quiet time without a change,
QUIET_SECONDS after one save, longer the more files the burst brought (a
checkout on a busy machine pauses now and then, and each pause must not cost
a reload). A burst that keeps rewriting the same files ends after MAX_BURST_SECONDS, so
that endless writes still reload now and then; one that keeps bringing new
files (a checkout or an unpack on a slow disk or a busy machine) is one
change, waited for up to MAX_BULK_SECONDS.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable

from .inotify import NativeEvents
from .polling import HotList, Polling
from .settings import Settings
from .snapshot import Snapshot

STRATEGIES = {"auto": ("native", "poll"), "poll": ("poll",), "native": ("native",)}
QUIET_SECONDS = 0.05
QUIET_PER_FILE_SECONDS = 0.0005  # 0.1 s more for 100 files, ...
MAX_QUIET_SECONDS = 1.0  # ... 1 s from 1,900 files on
MAX_BURST_SECONDS = 3.0
MAX_BULK_SECONDS = 30.0


class Watchers:
    """The strategies of one mode, asked as one."""

    def __init__(self, strategies: Iterable) -> None:
        self.strategies = list(strategies)

    @classmethod
    def start(
        cls,
        settings: Settings,
        snapshot: Snapshot,
        hot: HotList,
        sentinels: list[str],
        log: Callable[[str], None],
    ) -> Watchers:
        """The mode's strategies, and the snapshot's first walk. Polling
        stands in where native events are missing, or miss directories."""
        wanted = STRATEGIES[settings.mode]
        strategies: list = []
        polling = "poll" in wanted
        if "native" in wanted:
            try:
                strategies.append(NativeEvents(snapshot, sentinels))
            except OSError as error:
                log(f"No native file events ({error}): polling instead")
                polling = True
        snapshot.walk()
        failure = strategies[0].failure if strategies else None
        if failure and not polling:
            log(f"File events can't cover every directory ({failure}): polling too")
            polling = True
        if polling:
            strategies.append(
                Polling(
                    snapshot, hot, settings.interval, settings.cpu_budget, sentinels
                )
            )
        return cls(strategies)

    @property
    def description(self) -> str:
        return " and ".join(strategy.name for strategy in self.strategies)

    def filenos(self) -> list[int]:
        """What to wait on for events."""
        return [s.fileno() for s in self.strategies if s.fileno() is not None]

    def timeout(self) -> float | None:
        """Seconds until the next poll is due; None (wait for events) if none."""
        due = [s.next_due() for s in self.strategies if s.next_due() is not None]
        return max(0.0, min(due) - time.monotonic()) if due else None

    def changes(self) -> set[str]:
        """What changed: the events queued, the polls that are due."""
        return set().union(*(strategy.changes() for strategy in self.strategies))

    def look_again(self, burst: Burst, last: bool = False) -> set[str]:
        """What changed since, where a burst goes on (`last`: before it ends)."""
        return set().union(*(s.look_again(burst, last) for s in self.strategies))

    def close(self) -> None:
        for strategy in self.strategies:
            strategy.close()


class Burst:
    """Changes that keep coming, until they are over."""

    def __init__(self, changed: set[str], written_at: float | None = None) -> None:
        self.changed: set[str] = set()
        self.dirs: set[str] = set()  # where they happen, and the parents
        now = time.monotonic()
        self.started = now
        self.deadline = now + MAX_BURST_SECONDS
        self.quiet_from = now
        self.add(changed, written_at)

    def add(self, more: set[str], written_at: float | None = None) -> None:
        """More changes; the quiet time starts from when they were written
        (default: now), which polling sees only later."""
        if more - self.changed:  # new files still coming: wait for the rest
            self.deadline = min(
                max(self.deadline, time.monotonic() + MAX_BURST_SECONDS),
                self.started + MAX_BULK_SECONDS,
            )
        if more:
            self.changed |= more
            for directory in {os.path.dirname(path) for path in more}:
                while directory not in self.dirs:
                    self.dirs.add(directory)
                    directory = os.path.dirname(directory)
            written_at = time.monotonic() if written_at is None else written_at
            self.quiet_from = max(self.quiet_from, written_at + self.quiet_time())

    def quiet_time(self) -> float:
        """How long no change must come for the burst to be over."""
        more = QUIET_PER_FILE_SECONDS * len(self.changed)
        return min(QUIET_SECONDS + more, MAX_QUIET_SECONDS)

    def time_left(self) -> float:
        """Seconds until it is over, unless more changes come."""
        return max(0.0, min(self.deadline, self.quiet_from) - time.monotonic())

    def over(self) -> bool:
        return self.time_left() == 0.0
