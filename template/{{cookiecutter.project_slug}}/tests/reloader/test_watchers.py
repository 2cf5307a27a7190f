"""The strategies of each mode, and bursts of changes (watchers.py)."""

import sys
import time

import pytest
from devreload.polling import HotList
from devreload.settings import Settings
from devreload.watchers import (
    MAX_BULK_SECONDS,
    MAX_BURST_SECONDS,
    MAX_QUIET_SECONDS,
    QUIET_SECONDS,
    Burst,
    Watchers,
)

MODES = {
    "native": ["file events"],
    "auto": ["file events", "polling"],
    "poll": ["polling"],
}


@pytest.mark.skipif(sys.platform != "linux", reason="native events are inotify's")
@pytest.mark.parametrize(("mode", "strategies"), MODES.items(), ids=MODES.keys())
def test_each_mode_uses_its_strategies_and_only_polling_sets_a_timeout(
    snapshot, root, mode, strategies
):
    settings = Settings(paths=(root,), mode=mode)
    watchers = Watchers.start(settings, snapshot, HotList(snapshot), [], print)
    try:
        assert [s.name for s in watchers.strategies] == strategies
        timeout = watchers.timeout()
        if strategies == ["file events"]:
            assert timeout is None  # sleeps until an event: no busy loop
        else:
            assert 0 <= timeout <= settings.interval
    finally:
        watchers.close()


@pytest.fixture
def clock(monkeypatch):
    """time.monotonic, moved by hand."""
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])

    def advance(seconds):
        now[0] += seconds

    return advance


def test_a_burst_ends_after_a_quiet_time(clock):
    burst = Burst({"a.py"})
    clock(QUIET_SECONDS / 2)
    burst.add({"b.py"})  # starts the quiet time again
    quiet = burst.quiet_time()
    clock(quiet / 2)
    assert not burst.over()
    assert burst.time_left() == pytest.approx(quiet / 2)
    clock(quiet / 2 + 1e-9)
    assert burst.over()
    assert burst.changed == {"a.py", "b.py"}


def test_the_quiet_time_counts_from_the_write_polling_saw_late(clock):
    quiet = Burst({"a.py"}).quiet_time()
    assert Burst({"a.py"}, written_at=time.monotonic() - quiet).over()
    burst = Burst({"a.py"}, written_at=time.monotonic() - quiet / 2)
    assert burst.time_left() == pytest.approx(quiet / 2)
    burst.add({"b.py"}, written_at=time.monotonic() - quiet)  # older
    assert burst.time_left() == pytest.approx(quiet / 2)


def keep_writing(burst, clock, seconds: float, paths) -> None:
    """Changes every half quiet time (never quiet for long enough)."""
    elapsed = 0.0
    while elapsed < seconds:
        assert not burst.over()
        clock(QUIET_SECONDS / 2)
        elapsed += QUIET_SECONDS / 2
        burst.add(paths(elapsed))


def test_a_burst_rewriting_the_same_files_is_cut_short(clock):
    burst = Burst({"a.py"})
    keep_writing(burst, clock, MAX_BURST_SECONDS - 0.5, lambda _: {"a.py"})
    clock(1.0)
    burst.add({"a.py"})
    assert burst.over()


def test_a_bulk_write_longer_than_a_burst_is_one_change(clock):
    """A checkout on a busy machine: new files for 10 s, then quiet."""
    burst = Burst({"new_0.py"})
    keep_writing(burst, clock, 10.0, lambda elapsed: {f"new_{elapsed}.py"})
    clock(burst.quiet_time())
    assert burst.over()


def test_the_more_files_a_burst_brought_the_longer_the_quiet_that_ends_it(clock):
    """One save reloads at once; 2,000 new files outlast a pause of the
    writer on a busy machine."""
    assert Burst({"views.py"}).quiet_time() < QUIET_SECONDS * 1.1
    burst = Burst({f"new_{index}.py" for index in range(2000)})
    assert burst.quiet_time() == MAX_QUIET_SECONDS
    clock(MAX_QUIET_SECONDS - 0.1)
    assert not burst.over()
    clock(0.1)
    assert burst.over()


def test_new_files_that_never_stop_still_reload_now_and_then(clock):
    burst = Burst({"new_0.py"})
    new_files = lambda elapsed: {f"new_{elapsed}.py"}  # noqa: E731
    keep_writing(burst, clock, MAX_BULK_SECONDS - 0.5, new_files)
    clock(1.0)
    burst.add({"one_more.py"})
    assert burst.over()
