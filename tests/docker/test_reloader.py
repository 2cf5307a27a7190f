"""The dev reloader, change by change, in every mode a user can pick.

Each mode runs the same tests on a real bind mount, where native file
events arrive (test_reloader_no_events.py covers mounts where they don't):
`auto` (the default: events and polling), `poll` and `native`. Reloads are
counted in the dev server's log; served content is read over HTTP.
"""

from __future__ import annotations

import shutil
import time
import uuid

import pytest

from tests.docker.stack import (
    PROBE_VIEW,
    Load,
    answers_ok,
    cpu_by_process,
    cpu_spent,
    get,
    install_in_dev,
    reloads,
    saves_served,
    serves,
    shows_error_until_fixed,
    starts,
    wait_for,
    wait_until_quiet,
    wait_until_reloads,
    write_by_rename,
    write_in_place,
    write_many,
)

MODES = ["auto", "poll", "native"]
# Longer than every polling tier but the full scan takes to notice a change.
QUIET_SECONDS = 1.5
# A library outside the project, imported through an editable install.
SIBLING_LIBRARY = "sibling_library"


@pytest.fixture(scope="module", params=MODES)
def dev(request, new_stack):
    stack = new_stack(project_name="Reloader Shop")
    sibling = stack.project.parent / "sibling"
    (sibling / SIBLING_LIBRARY).mkdir(parents=True)
    (sibling / SIBLING_LIBRARY / "__init__.py").write_text("VALUE = 'first'\n")
    stack.add_override(
        "services:\n  dev:\n"
        f"    environment:\n      RELOADER_MODE: {request.param}\n"
        "    volumes:\n      - ../sibling:/opt/sibling\n"
    )
    with stack.running("up --build --detach dev"):
        wait_for(lambda: answers_ok(stack.url("dev", "/healthz")))
        assert f"reloader: {request.param}," in stack.logs("dev")
        yield stack


@pytest.fixture
def package(dev):
    """The app's package directory; views.py restored after the test."""
    views = dev.path(f"{dev.slug}/views.py")
    original = views.read_text()
    yield dev.path(dev.slug)
    if views.read_text() != original:
        write_in_place(views, original)
    wait_until_quiet(dev)


def assert_no_reload(dev, before: int) -> None:
    time.sleep(QUIET_SECONDS)
    assert reloads(dev) == before, dev.logs("dev")[-2000:]


@pytest.mark.parametrize("write", [write_in_place, write_by_rename])
def test_an_edit_is_served(dev, package, write):
    marker = uuid.uuid4().hex
    views = package / "views.py"
    write(views, views.read_text() + PROBE_VIEW.format(marker=marker))
    serves(dev, "/probe", marker)


def test_the_first_save_after_a_start_is_served(dev, package):
    """Saved as soon as the restarted dev server answers, while it preloads
    (how fast: scripts/benchmark.sh startup)."""
    before = dev.logs("dev").count("Preloaded ")
    dev.compose("restart", "dev")
    wait_for(lambda: answers_ok(dev.url("dev", "/healthz")), pause=0.02)
    marker = uuid.uuid4().hex
    views = package / "views.py"
    write_in_place(views, views.read_text() + PROBE_VIEW.format(marker=marker))
    serves(dev, "/probe", marker)
    wait_for(lambda: dev.logs("dev").count("Preloaded ") > before, timeout=10)


def test_a_new_file_and_a_deleted_file_reload(dev, package):
    before = reloads(dev)
    new_module = package / f"new_{uuid.uuid4().hex[:8]}.py"
    new_module.write_text("VALUE = 1\n")
    before = wait_until_reloads(dev, before)
    new_module.unlink()
    wait_until_reloads(dev, before)


IN_TEMPLATE_BLOCK = "{% endblock %}"


@pytest.mark.parametrize(
    ("relative", "url", "edit"),
    [
        (
            "templates/index.html",
            "/",
            lambda text, marker: text.replace(
                IN_TEMPLATE_BLOCK, f"<p>{marker}</p>{IN_TEMPLATE_BLOCK}"
            ),
        ),
        (
            "static/style.css",
            "/static/style.css",
            lambda text, marker: text + f"/* {marker} */\n",
        ),
    ],
    ids=["template", "static file"],
)
def test_a_change_flask_reloads_itself_needs_no_restart(
    dev, package, relative, url, edit
):
    changed = package / relative
    original = changed.read_text()
    marker = uuid.uuid4().hex
    before = reloads(dev)
    try:
        changed.write_text(edit(original, marker))
        serves(dev, url, marker)
        assert_no_reload(dev, before)
    finally:
        changed.write_text(original)


def test_a_dotenv_change_restarts_from_scratch_with_the_new_value(dev, package):
    name = f"Renamed {uuid.uuid4().hex[:8]}"
    env_file = dev.path(".env")
    original = env_file.read_text()
    try:
        env_file.write_text(original + f"FLASK_PROJECT_NAME={name}\n")
        serves(dev, "/", name)
        assert ".env changed: restarting the dev server from scratch" in dev.logs("dev")
    finally:
        env_file.write_text(original)
    serves(dev, "/", "Reloader Shop")


def test_a_dependency_change_asks_for_a_rebuild(dev, package):
    lock = dev.path("uv.lock")
    original = lock.read_text()
    before = reloads(dev)
    try:
        lock.write_text(original + "# a new dependency\n")
        wait_for(lambda: "uv.lock changed" in dev.logs("dev"), timeout=10)
        assert "rebuilds the image" in dev.logs("dev")
        assert_no_reload(dev, before)
    finally:
        lock.write_text(original)


EDITOR_TEMP_FILES = [
    ".views.py.swp", "views.py~", "4913", ".#views.py", "views.py___jb_tmp___",
    "#views.py#", "views.tmp",
]  # fmt: skip


def test_editor_temp_files_do_not_reload(dev, package):
    before = reloads(dev)
    temps = [package / name for name in EDITOR_TEMP_FILES]
    for temp in temps:
        temp.write_text("x = 1\n")
    try:
        assert_no_reload(dev, before)
    finally:
        for temp in temps:
            temp.unlink()


def test_activity_in_ignored_directories_does_not_reload(dev, package):
    """An install into an in-project virtualenv (named .venv, or anything
    else with a pyvenv.cfg), `npm install`, `git gc`, bytecode caches."""
    before = reloads(dev)
    work = {
        ".venv/lib/python3.13/site-packages/installed": 300,
        "node_modules/some-package": 300,
        ".git/objects/pack": 50,
        f"{dev.slug}/__pycache__": 20,
        "build": 50,
    }
    for directory, files in work.items():
        write_many(dev.path(directory), 1, files)
    venv = dev.path("env")  # `python -m venv env`, then an install
    venv.mkdir()
    (venv / "pyvenv.cfg").write_text("home = /usr/local/bin\n")
    write_many(venv / "lib" / "python3.13" / "site-packages", 3, 100)
    try:
        assert_no_reload(dev, before)
    finally:
        for top in {directory.split("/")[0] for directory in work} | {"env"}:
            if top != dev.slug:
                shutil.rmtree(dev.path(top))
        shutil.rmtree(dev.path(f"{dev.slug}/__pycache__"))
    assert_no_reload(dev, before)


def test_a_burst_of_changes_gives_one_restart(dev, package):
    before = reloads(dev)
    burst = package / f"burst_{uuid.uuid4().hex[:8]}"
    burst.mkdir()
    (burst / "__init__.py").write_text("")
    for index in range(20):  # like a `git checkout`, spread over ~0.2 s
        (burst / f"module_{index}.py").write_text(f"VALUE = {index}\n")
        time.sleep(0.01)
    after = wait_until_reloads(dev, before)
    time.sleep(QUIET_SECONDS)
    assert reloads(dev) == after == before + 1
    shutil.rmtree(burst)
    wait_until_reloads(dev, after)


BULK_WRITES = {
    "10,000 files in 100 directories": (100, 100),
    "2,000 files in one directory": (1, 2000),
}


@pytest.mark.parametrize(
    ("directories", "files"), BULK_WRITES.values(), ids=BULK_WRITES.keys()
)
def test_a_bulk_write_gives_few_reloads_then_quiet(dev, package, directories, files):
    before = reloads(dev)
    bulk = package / f"bulk_{uuid.uuid4().hex[:8]}"
    try:
        write_many(bulk, directories, files)
        after = wait_until_quiet(dev)
        assert 1 <= after - before <= 3
        # No lasting cost: back within the polling's CPU budget (1% of a
        # core, the whole tree walked a slice at a time), with a margin.
        cpu_before = cpu_by_process(dev)
        time.sleep(10)
        cpu_after = cpu_by_process(dev)
        assert cpu_spent(cpu_before, cpu_after) / 10 < 0.02, (cpu_before, cpu_after)
        marker = uuid.uuid4().hex
        views = package / "views.py"
        write_in_place(views, views.read_text() + PROBE_VIEW.format(marker=marker))
        serves(dev, "/probe", marker)
    finally:
        shutil.rmtree(bulk)


def test_a_symlinked_directory_is_followed(dev, package):
    """A link inside the project to a directory outside it (mounted at
    /opt/sibling), and a link back up that must not loop."""
    outside = dev.project.parent / "sibling" / f"linked_{uuid.uuid4().hex[:6]}"
    outside.mkdir()
    (outside / "helpers.py").write_text("VALUE = 1\n")
    (package / "linked").symlink_to(f"/opt/sibling/{outside.name}")
    (package / "loop").symlink_to("..")
    try:
        before = wait_until_quiet(dev)
        (outside / "helpers.py").write_text("VALUE = 2\n")
        wait_until_reloads(dev, before)
    finally:
        (package / "linked").unlink()
        (package / "loop").unlink()
        shutil.rmtree(outside)


def test_an_editable_library_outside_the_project_is_watched(dev, package):
    """Its modules are not the interpreter's: never preloaded, always watched."""
    # What `pip install -e` leaves in site-packages: a path to the sources.
    pth = "__editable__.sibling_library-0.1.pth"
    restarts = dev.logs("dev").count("Installed packages changed")
    install_in_dev(dev, pth, "/opt/sibling\n")
    changed = lambda: dev.logs("dev").count("Installed packages changed")  # noqa: E731
    wait_for(lambda: changed() > restarts, timeout=10)
    views = package / "views.py"
    probe = f"\n\n@bp.get('/probe')\ndef probe():\n    return {SIBLING_LIBRARY}.VALUE\n"
    write_in_place(views, f"import {SIBLING_LIBRARY}\n" + views.read_text() + probe)
    serves(dev, "/probe", "first", whole=True)
    library = dev.project.parent / "sibling" / SIBLING_LIBRARY / "__init__.py"

    def saved_and_served() -> bool:
        # The server reports its imports as it starts: until then the first
        # save may go unwatched, so save again until it is served.
        library.write_text(f"VALUE = 'second'\n# {uuid.uuid4().hex}\n")
        return get(dev.url("dev", "/probe"), timeout=5).text == "second"

    try:
        wait_for(saved_and_served, timeout=15, pause=0.5)
    finally:
        library.write_text("VALUE = 'first'\n")
        restarts = changed()
        install_in_dev(dev, pth, None)  # the image as it was, for the next tests
        wait_for(lambda: changed() > restarts, timeout=10)


def test_no_request_fails_during_reloads(dev, package):
    with Load(dev.url("dev", "/")).running() as load:
        saves_served(dev, package / "views.py", 5)
    assert load.failures == []
    assert len(load.answers) > 50


def test_an_import_error_is_shown_and_a_fix_recovers(dev, package):
    page = shows_error_until_fixed(
        dev, package / "views.py", "import no_such_module_here\n"
    )
    assert "ModuleNotFoundError" in page
    assert "Werkzeug Debugger" in page


def test_changed_packages_restart_the_server_from_scratch(dev, package):
    for content in ("VALUE = 1\n", None):  # installed, then removed: each restarts
        before = starts(dev)
        install_in_dev(dev, "just_installed.py", content)
        wait_for(lambda before=before: starts(dev) > before, 30)
        assert "Installed packages changed: restarting" in dev.logs("dev")
        wait_for(lambda: answers_ok(dev.url("dev", "/")), timeout=30)
