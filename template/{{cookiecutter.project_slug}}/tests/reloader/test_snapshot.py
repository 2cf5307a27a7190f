"""The record of watched files, and each way of looking again (snapshot.py)."""

import contextlib
import os
import shutil
import sys
import time
import traceback
from pathlib import Path

import pytest
from devreload import snapshot as snapshot_module
from devreload.rules import Rules
from devreload.snapshot import Snapshot

from .helpers import bump, write


def test_nothing_changed(snapshot):
    assert snapshot.walk() == set()


def test_an_in_place_edit_is_seen_by_a_walk(snapshot, root):
    views = root / "pkg" / "views.py"
    views.write_text("A = 2\n")
    bump(views)
    assert snapshot.walk() == {str(views)}


def test_a_save_by_rename_is_seen_by_listing_the_directory(snapshot, root):
    views = root / "pkg" / "views.py"
    write(root / "pkg" / "views.py.tmp", "A = 3\n")
    os.replace(root / "pkg" / "views.py.tmp", views)
    bump(views.parent)
    assert snapshot.dir_changed(str(views.parent))
    assert snapshot.relist(str(views.parent)) == {str(views)}


def test_new_and_deleted_files(snapshot, root):
    new = write(root / "pkg" / "new.py")
    assert snapshot.relist(str(root / "pkg")) == {new}
    os.unlink(new)
    assert snapshot.relist(str(root / "pkg")) == {new}


def test_a_new_directory_is_walked_whole(snapshot, root):
    deep = write(root / "pkg" / "sub" / "deeper" / "m.py")
    assert snapshot.relist(str(root / "pkg")) == {deep}


def test_skipped_directories_are_never_walked(snapshot, root):
    for skipped in ("__pycache__", ".git", "node_modules", ".venv", "build"):
        write(root / skipped / "x.py")
    write(root / "env" / "pyvenv.cfg", "home = /usr/bin\n")  # a venv by any name
    write(root / "env" / "lib" / "site.py")
    write(
        root / "cache" / "CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55"
    )
    write(root / "cache" / "x.py")
    assert snapshot.walk() == set()
    assert all("pkg" in path for path in snapshot.files)
    assert str(root / "env") not in snapshot.listings


def test_a_package_named_build_below_the_top_is_watched(snapshot, root):
    module = write(root / "pkg" / "build" / "steps.py")
    assert snapshot.walk() == {module}


def test_a_directory_becoming_a_virtualenv_is_dropped(snapshot, root):
    write(root / "env" / "bin" / "activate.py")
    snapshot.walk()
    assert str(root / "env" / "bin") in snapshot.listings
    marker = write(root / "env" / "pyvenv.cfg", "home = /usr/bin\n")
    snapshot.update(marker)  # as a file event would name it
    assert not any(path.startswith(str(root / "env")) for path in snapshot.listings)
    write(root / "env" / "lib" / "installed.py")
    assert snapshot.walk() == set()


def test_symlinked_directories_are_followed_once(tmp_path, root):
    shared = write(tmp_path.parent / f"{tmp_path.name}-shared" / "lib.py")
    os.symlink(os.path.dirname(shared), root / "pkg" / "shared")
    os.symlink(os.path.dirname(shared), root / "pkg" / "again")
    os.symlink("..", root / "pkg" / "loop")  # back to the top
    snapshot = Snapshot(Rules([str(root)]), [str(root)])
    snapshot.walk()
    linked = [p for p in snapshot.files if p.endswith("lib.py")]
    assert len(linked) == 1
    assert not any("/loop/" in path for path in snapshot.files)
    bump(shared)
    assert snapshot.walk() == set(linked)


def test_an_event_for_a_file_stats_that_file_alone(snapshot, root, monkeypatch):
    """A burst of N new files costs N stats, not N listings of N files."""
    listings = []
    real_scandir = os.scandir
    monkeypatch.setattr(
        snapshot_module.os,
        "scandir",
        lambda path: listings.append(path) or real_scandir(path),
    )
    names = [write(root / "pkg" / f"m{index}.py") for index in range(500)]
    changed = set()
    for name in names:
        changed |= snapshot.update(name)
    assert changed == set(names)
    assert listings == []


def test_events_in_skipped_directories_change_nothing(snapshot, root):
    for skipped in (
        ".venv/lib/python3.13/site-packages",
        ".git/objects",
        "node_modules/x",
    ):
        path = write(root / skipped / "mod.py")
        assert snapshot.update(path) == set()
        assert snapshot.update_dir(os.path.dirname(path)) == set()
    assert snapshot.update_dir(str(root / ".venv")) == set()
    assert not any(".venv" in path or ".git" in path for path in snapshot.listings)


def test_loose_files_are_watched(snapshot, tmp_path):
    elsewhere = write(tmp_path.parent / f"{tmp_path.name}-lib" / "editable.py")
    snapshot.set_loose([elsewhere])
    assert snapshot.restat([elsewhere]) == set()
    with open(elsewhere, "a") as file:
        file.write("B = 2\n")
    assert snapshot.update(elsewhere) == {elsewhere}


def test_a_loose_file_that_failed_to_import_stays_watched_while_it_exists(
    snapshot, tmp_path
):
    elsewhere = write(tmp_path.parent / f"{tmp_path.name}-lib" / "editable.py")
    snapshot.set_loose([elsewhere])
    write(Path(elsewhere), "def broken(:\n")
    snapshot.update(elsewhere)
    snapshot.set_loose([])  # the next server could not import it
    write(Path(elsewhere), "A = 2\n")
    bump(elsewhere)
    assert snapshot.update(elsewhere) == {elsewhere}  # the fix is seen
    os.remove(elsewhere)
    snapshot.set_loose([])
    assert elsewhere not in snapshot.loose


@contextlib.contextmanager
def recursion_limit_near():
    """A recursion limit 200 frames above this one: a tree deeper than that
    stays small."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(traceback.extract_stack()) + 200)
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)


def test_a_tree_deeper_than_the_recursion_limit_is_walked(snapshot, root):
    bottom = write(root.joinpath(*["d"] * 400, "bottom.py"))
    with recursion_limit_near():
        assert bottom in snapshot.walk()
    shutil.rmtree(root / "d")
    with recursion_limit_near():
        assert bottom in snapshot.walk()  # gone, and forgotten
    assert bottom not in snapshot.files


def test_a_recent_write_is_dated_by_its_mtime_an_old_one_is_not(snapshot, root):
    views = str(root / "pkg" / "views.py")
    for age, expected_age in [(0.3, 0.3), (3600, 0.0), (-5, 0.0)]:
        os.utime(views, (time.time() - age, time.time() - age))
        snapshot.walk()
        expected = time.monotonic() - expected_age
        assert snapshot.written_at([views]) == pytest.approx(expected, abs=0.05)
    assert snapshot.written_at([str(root / "gone.py")]) == pytest.approx(
        time.monotonic(), abs=0.05
    )
