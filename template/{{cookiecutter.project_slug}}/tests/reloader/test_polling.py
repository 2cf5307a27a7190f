"""The polling tiers and their hot list (polling.py)."""

import os
import time

import pytest
from devreload.polling import HotList, Polling, Tier
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
