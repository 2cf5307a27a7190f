"""The polling tiers and their hot list (polling.py)."""

import os
import shutil
import time
from pathlib import Path

import pytest
from devreload import polling as polling_module
from devreload.polling import ROUND_SECONDS, HotList, Polling, Tier
from devreload.watchers import Burst

from .helpers import bump, write


@pytest.fixture
def polling(snapshot):
    return Polling(snapshot, HotList(snapshot), interval=0.1, cpu_budget_percent=1.0)


def test_recently_changed_files_are_polled_first(polling, root):
    views = str(root / "pkg" / "views.py")
    assert views not in polling.hot.files()
    polling.hot.edited([views])
    assert polling.hot.files()[0] == views


def test_files_written_in_bulk_do_not_crowd_the_hot_list(polling, root):
    generated = [str(root / "pkg" / f"generated_{n}.py") for n in range(100)]
    polling.hot.edited(generated)
    assert not set(generated) & set(polling.hot.files())


def test_imported_modules_are_hot(polling, root):
    views = str(root / "pkg" / "views.py")
    polling.hot.set_imported([views, "/elsewhere/module.py"])
    assert views in polling.hot.files()
    assert "/elsewhere/module.py" not in polling.hot.files()


def test_every_module_of_a_large_app_is_polled_within_a_few_passes(polling, root):
    modules = [write(root / "pkg" / f"m{n}.py") for n in range(1000)]
    polling.snapshot.walk()
    polling.hot.set_imported(modules)
    passes = len(modules) // HotList.TURN
    seen = set().union(*(polling.hot.files() for _ in range(passes)))
    assert set(modules) <= seen
    last = modules[-1]  # past the hottest
    write(root / "pkg" / "m999.py", "B = 2\n")
    bump(last)
    found = [polling.poll_hot() for _ in range(passes)]
    assert {last} in found


def test_the_ctime_shows_a_write_that_kept_mtime_size_and_inode(polling, root):
    views = root / "pkg" / "views.py"
    polling.hot.edited([str(views)])
    stat = os.stat(views)
    time.sleep(0.01)
    views.write_text("A = 2\n")  # as long as before
    os.utime(views, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # mtime put back
    assert polling.poll_hot() == {str(views)}


def test_files_at_the_top_are_hot_as_soon_as_they_appear(polling, root):
    settings = write(root / "settings.toml", "")
    polling.snapshot.walk()
    assert settings in polling.hot.files()


def test_the_hot_tier_sees_an_edit_of_an_imported_module(polling, root):
    views = root / "pkg" / "views.py"
    polling.hot.set_imported([str(views)])
    views.write_text("A = 2\n")
    bump(views)
    assert polling.poll_hot() == {str(views)}


def test_a_burst_is_followed_into_new_directories(polling, root, monkeypatch):
    monkeypatch.setattr(polling, "burst_interval", 0)
    burst = Burst({str(root / "pkg" / "views.py")})
    first = write(root / "pkg" / "generated" / "a" / "m.py")
    assert polling.look_again(burst) == {first}
    burst.add({first})
    second = write(root / "pkg" / "generated" / "b" / "m.py")
    assert polling.look_again(burst) == {second}


def test_a_burst_woken_by_many_events_is_polled_at_the_interval(polling, root):
    burst = Burst({str(root / "pkg" / "views.py")})
    polling.look_again(burst)
    write(root / "pkg" / "new.py")
    assert polling.look_again(burst) == set()  # too soon: events woke it
    # The look that would end the burst is never skipped.
    assert polling.look_again(burst, last=True) == {str(root / "pkg" / "new.py")}


def test_polling_backs_off_to_stay_in_its_cpu_budget():
    tier = Tier(set, min_interval=0.1, cpu_share=0.003)
    tier.ran(started=0.0, cost=0.01)  # a slow file system: 10 ms a pass
    assert tier.interval == pytest.approx(0.01 / 0.003)
    assert tier.due == pytest.approx(tier.interval)


@pytest.fixture
def one_directory_a_pass(polling, monkeypatch):
    """The whole-tree tier with its slice always spent: one directory a
    pass; the directories listed, pass by pass."""
    monkeypatch.setattr(polling_module, "SLICE_SECONDS", 0)
    walk_one, listed = polling.snapshot.walk_one, []

    def listing(directory):
        listed.append(directory)
        return walk_one(directory)

    monkeypatch.setattr(polling.snapshot, "walk_one", listing)
    return listed


def test_the_whole_tree_is_polled_a_slice_at_a_time(
    polling, root, one_directory_a_pass
):
    """No pass holds up the loop for long, yet a round of passes sees an
    in-place edit of a cold file anywhere."""
    cold = [write(root / "pkg" / f"sub_{n}" / "m.py") for n in range(5)]
    polling.snapshot.walk()
    round_ = len(polling.snapshot.listings)
    assert [polling.poll_tree() for _ in range(round_)] == [set()] * round_
    assert sorted(one_directory_a_pass) == sorted(polling.snapshot.listings)
    write(root / "pkg" / "sub_2" / "m.py", "VALUE = 22\n")
    bump(cold[2])
    found = [polling.poll_tree() for _ in range(round_)]
    assert [changed for changed in found if changed] == [{cold[2]}]


def test_cold_files_edited_in_bulk_are_found_in_one_pass(
    polling, root, one_directory_a_pass
):
    """A formatter rewriting every module in place, some in directories
    this round already listed: one pass finds all, for one reload."""
    cold = [write(root / "pkg" / f"sub_{n}" / "m.py") for n in range(6)]
    polling.snapshot.walk()
    polling.poll_tree()
    polling.poll_tree()  # a round under way
    for module in cold:
        write(Path(module), "VALUE = 2  # formatted\n")
        bump(module)
    found = [changed for _ in range(10) if (changed := polling.poll_tree())]
    assert found == [set(cold)]


class Watched(list):
    """A file-event watcher's side: the directories it was asked to watch."""

    def watch(self, directory):
        self.append(directory)

    def unwatch(self, directory):
        pass


def test_a_directory_removed_during_a_round_is_not_watched_again(
    polling, root, one_directory_a_pass
):
    gone = root / "pkg" / "gone"
    module = write(gone / "inner" / "m.py")
    polling.snapshot.walk()
    polling.snapshot.watchers.append(watched := Watched())
    polling.poll_tree()  # a round begins
    shutil.rmtree(gone)
    found = set().union(*(polling.poll_tree() for _ in range(5)))
    assert found == {module}
    assert watched == []
    assert not any(d.startswith(str(gone)) for d in polling.snapshot.listings)


def test_a_virtualenv_no_longer_one_is_walked_by_a_round(
    polling, root, one_directory_a_pass
):
    """As a full walk does: its marker gone, its files are watched."""
    marker = write(root / "env" / "pyvenv.cfg", "home = /usr/bin\n")
    module = write(root / "env" / "tool.py")
    polling.snapshot.walk()
    assert module not in polling.snapshot.files
    os.remove(marker)
    found = set().union(*(polling.poll_tree() for _ in range(5)))
    assert module in found


def test_a_round_over_the_tree_takes_the_same_time_however_sliced(polling, monkeypatch):
    """Not more often than a small tree walked at once would be."""
    polling.tree.run()  # the whole small tree in one pass
    assert polling.tree.interval == ROUND_SECONDS
    monkeypatch.setattr(polling_module, "SLICE_SECONDS", 0)
    passes = len(polling.snapshot.listings)  # one directory a pass
    intervals = []
    for _ in range(passes):
        polling.tree.run()
        intervals.append(polling.tree.interval)
    assert passes > 1
    assert sum(intervals) == pytest.approx(ROUND_SECONDS)
