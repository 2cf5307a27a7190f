"""Native file events (inotify.py), on this machine's own inotify."""

import os
import sys

import pytest
from devreload.inotify import NativeEvents
from devreload.polling import HotList, Polling

from .helpers import write

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="inotify is Linux's")


@pytest.fixture
def native(snapshot):
    events = NativeEvents(snapshot)
    yield events
    events.close()


def test_every_queued_event_is_read_at_once(native, root):
    written = {write(root / "pkg" / f"m{index}.py") for index in range(5)}
    assert native.changes() == written
    assert native.changes() == set()


def test_an_edit_in_place_and_a_save_by_rename(native, root):
    views = root / "pkg" / "views.py"
    with open(views, "a") as file:
        file.write("B = 2\n")
    assert native.changes() == {str(views)}
    write(root / "pkg" / "views.py.tmp", "C = 3\n")
    os.replace(root / "pkg" / "views.py.tmp", views)
    assert native.changes() == {str(views)}


def test_new_directories_are_watched_too(native, root):
    first = write(root / "pkg" / "sub" / "a.py")
    assert native.changes() == {first}
    second = write(root / "pkg" / "sub" / "b.py")
    assert native.changes() == {second}


@pytest.mark.parametrize(
    "where",
    [".venv/lib/python3.13/site-packages", ".git/objects/ab", "node_modules/pkg"],
)
def test_skipped_directories_give_no_change_and_no_watch(native, root, where):
    write(root / where / "module.py")
    assert native.changes() == set()
    write(root / where / "another.py")
    assert native.changes() == set()
    assert not any(where.split("/")[0] in path for path in native.watches)


def test_an_install_into_a_virtualenv_of_any_name_gives_no_change(native, root):
    (root / "env").mkdir()
    write(root / "env" / "pyvenv.cfg", "home = /usr/bin\n")
    assert native.changes() == set()
    write(root / "env" / "lib" / "python3.13" / "site-packages" / "lib.py")
    assert native.changes() == set()


def test_a_virtualenv_made_in_a_watched_directory_gives_no_change(native, root):
    """`python -m venv env` once env/ is watched: pyvenv.cfg and lib/ come in
    one batch of events, and lib/ must not be walked before the marker."""
    (root / "env").mkdir()
    assert native.changes() == set()
    write(root / "env" / "pyvenv.cfg", "home = /usr/bin\n")
    write(root / "env" / "lib" / "python3.13" / "site-packages" / "lib.py")
    assert native.changes() == set()
    assert str(root / "env") not in native.watches


def test_ignored_names_and_temp_files_give_no_change(native, root):
    write(root / "pkg" / ".views.py.swp")
    write(root / "pkg" / "notes.txt")
    assert native.changes() == set()


def test_a_removed_directory_reports_its_files(native, root):
    module = write(root / "pkg" / "sub" / "a.py")
    native.changes()
    os.unlink(module)
    os.rmdir(root / "pkg" / "sub")
    assert native.changes() == {module}
    assert str(root / "pkg" / "sub") not in native.watches


def test_a_directory_replaced_under_its_name_is_watched_again(native, root):
    write(root / "gen" / "a.py")
    write(root / "gen.new" / "a.py")
    native.changes()
    os.rename(root / "gen", root / "gen_old")  # as code generators do
    os.rename(root / "gen.new", root / "gen")
    native.changes()
    for directory in ("gen", "gen_old", "gen"):
        with open(root / directory / "a.py", "a") as module:
            module.write("B = 2\n")
        assert native.changes() == {str(root / directory / "a.py")}


def test_a_rename_polled_before_its_events_are_read_keeps_its_watch(
    native, snapshot, root
):
    polling = Polling(snapshot, HotList(snapshot), interval=0.1, cpu_budget_percent=1)
    write(root / "pkg" / "sub" / "a.py")
    native.changes()
    os.rename(root / "pkg" / "sub", root / "pkg" / "moved")
    assert str(root / "pkg" / "moved" / "a.py") in polling.poll_dirs()
    native.changes()  # the rename's events, read late
    with open(root / "pkg" / "moved" / "a.py", "a") as module:
        module.write("B = 2\n")
    assert native.changes() == {str(root / "pkg" / "moved" / "a.py")}
