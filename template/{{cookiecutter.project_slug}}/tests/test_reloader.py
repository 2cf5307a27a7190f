"""The dev reloader's change detection (scripts/devreload/watch.py)."""

import os

import pytest
from devreload.settings import REBUILD_PATTERNS, Settings
from devreload.watch import REBUILD, RESTART, FileFilter, Tree


@pytest.fixture
def tree(tmp_path):
    settings = Settings()
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "views.py").write_text("A = 1\n")
    watched = Tree(
        [str(tmp_path)],
        FileFilter(settings.include, settings.exclude, REBUILD_PATTERNS),
        interval=0.1,
        cpu_budget_percent=1.0,
    )
    watched.scan()
    return watched


def bump(path):
    """A later mtime, as a real edit would give (file systems may be coarse)."""
    stat = os.stat(path)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("views.py", RESTART),
        (".env", RESTART),
        ("pyproject.toml", RESTART),
        ("requirements.txt", REBUILD),
        ("Dockerfile", REBUILD),
        ("index.html", None),
        ("style.css", None),
        (".views.py.swp", None),
        ("views.py~", None),
        (".#views.py", None),
        ("views.py___jb_tmp___", None),
        ("4913", None),
    ],
)
def test_file_kinds(name, kind):
    settings = Settings()
    file_filter = FileFilter(settings.include, settings.exclude, REBUILD_PATTERNS)
    assert file_filter.kind(f"/app/{name}") == kind


def test_requirements_directory_needs_a_rebuild():
    settings = Settings()
    file_filter = FileFilter(settings.include, settings.exclude, REBUILD_PATTERNS)
    assert file_filter.kind("/app/requirements/base.txt") == REBUILD


def test_nothing_changed(tree):
    assert tree.scan() == set()
    assert tree.poll_fast() == set()


def test_in_place_edit(tree, tmp_path):
    views = tmp_path / "pkg" / "views.py"
    views.write_text("A = 2\n")
    bump(views)
    assert tree.scan() == {str(views)}


def test_save_by_rename_is_seen_by_the_directory_poll(tree, tmp_path):
    views = tmp_path / "pkg" / "views.py"
    temporary = tmp_path / "pkg" / "views.py.tmp"
    temporary.write_text("A = 3\n")
    os.replace(temporary, views)
    bump(views.parent)
    assert tree.poll_dirs([str(views.parent)]) == {str(views)}


def test_new_and_deleted_files(tree, tmp_path):
    new = tmp_path / "pkg" / "new.py"
    new.write_text("")
    bump(new.parent)
    assert tree.poll_dirs([str(new.parent)]) == {str(new)}
    new.unlink()
    bump(new.parent)
    assert tree.poll_dirs([str(new.parent)]) == {str(new)}


def test_ignored_directories_are_never_walked(tree, tmp_path):
    for ignored in ("__pycache__", ".git", "node_modules", ".venv"):
        (tmp_path / ignored).mkdir()
        (tmp_path / ignored / "x.py").write_text("")
    assert tree.scan() == set()
    assert not any("node_modules" in path for path in tree.files)


def test_recently_changed_files_are_polled_first(tree, tmp_path):
    views = str(tmp_path / "pkg" / "views.py")
    assert views not in tree.hot_files()
    bump(views)
    tree.scan()
    assert tree.hot_files()[0] == views


def test_imported_modules_are_hot(tree, tmp_path):
    views = str(tmp_path / "pkg" / "views.py")
    tree.set_imported([views, "/elsewhere/module.py"])
    assert views in tree.hot_files()
    assert "/elsewhere/module.py" not in tree.hot_files()


def test_polling_backs_off_to_stay_in_its_cpu_budget(tree):
    hot = tree.tiers["hot"]
    hot.ran(started=0.0, cost=0.01)  # a slow file system: 10 ms a pass
    assert hot.interval == pytest.approx(0.01 / hot.cpu_share)
    assert hot.interval > 0.1
