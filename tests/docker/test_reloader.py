"""The dev reloader in polling mode, change by change, on a real bind mount.

Polling is forced (RELOADER_MODE=poll): native events reach containers on
this machine and would hide a polling bug. Reloads are counted in the dev
server's log; served content is read over HTTP.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

import pytest
import requests

from tests.docker.stack import answers_ok, get, serves, wait_for
from tests.docker.test_dev import PROBE_VIEW, write_by_rename, write_in_place

RELOADED = ", reloading"
# Longer than every polling tier but the full scan takes to notice a change.
QUIET_SECONDS = 1.5


@pytest.fixture(scope="module")
def dev(new_stack):
    stack = new_stack(project_name="Reloader Shop")
    stack.add_override(
        "services:\n  dev:\n    environment:\n      RELOADER_MODE: poll\n"
    )
    with stack.running("up --build --detach dev"):
        wait_for(lambda: answers_ok(stack.url("dev", "/healthz")))
        yield stack


@pytest.fixture
def package(dev):
    """The app's package directory; views.py restored after the test."""
    views = dev.path(f"{dev.slug}/views.py")
    original = views.read_text()
    yield dev.path(dev.slug)
    if views.read_text() != original:
        before = reloads(dev)
        write_in_place(views, original)
        wait_until_reloads(dev, before)


def reloads(dev) -> int:
    return dev.logs("dev").count(RELOADED)


def wait_until_reloads(dev, before: int, timeout: float = 10) -> int:
    return wait_for(lambda: (n := reloads(dev)) > before and n, timeout)


def assert_no_reload(dev, before: int) -> None:
    time.sleep(QUIET_SECONDS)
    assert reloads(dev) == before, dev.logs("dev")[-2000:]


@pytest.mark.parametrize("write", [write_in_place, write_by_rename])
def test_an_edit_is_served(dev, package, write):
    marker = uuid.uuid4().hex
    views = package / "views.py"
    write(views, views.read_text() + PROBE_VIEW.format(marker=marker))
    serves(dev, "/probe", marker)


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
        assert reloads(dev) == before
    finally:
        changed.write_text(original)


def test_a_dotenv_change_restarts_with_the_new_value(dev, package):
    name = f"Renamed {uuid.uuid4().hex[:8]}"
    env_file = dev.path(".env")
    original = env_file.read_text()
    try:
        env_file.write_text(original + f"FLASK_PROJECT_NAME={name}\n")
        serves(dev, "/", name)
    finally:
        env_file.write_text(original)
    serves(dev, "/", "Reloader Shop")


def test_a_dependency_change_asks_for_a_rebuild(dev, package):
    requirements = dev.path("requirements/base.txt")
    original = requirements.read_text()
    before = reloads(dev)
    try:
        requirements.write_text(original + "# a new dependency\n")
        wait_for(lambda: "rebuild the image" in dev.logs("dev"), timeout=10)
        assert_no_reload(dev, before)
    finally:
        requirements.write_text(original)


@pytest.mark.parametrize(
    "name",
    [".views.py.swp", "views.py~", "4913", ".#views.py", "views.py___jb_tmp___",
     "#views.py#", "views.tmp"],
)  # fmt: skip
def test_editor_temp_files_do_not_reload(dev, package, name):
    before = reloads(dev)
    temp = package / name
    temp.write_text("x = 1\n")
    try:
        assert_no_reload(dev, before)
    finally:
        temp.unlink()


def test_changes_in_ignored_directories_do_not_reload(dev, package):
    before = reloads(dev)
    cache = package / "__pycache__" / "stale.py"
    cache.parent.mkdir(exist_ok=True)
    cache.write_text("x = 1\n")
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
    for path in sorted(burst.iterdir()):
        path.unlink()
    burst.rmdir()
    wait_until_reloads(dev, after)


def test_no_request_fails_during_reloads(dev, package):
    failures: list[str] = []
    answered = 0
    stop = threading.Event()

    def hammer():
        nonlocal answered
        while not stop.is_set():
            try:
                response = requests.get(dev.url("dev", "/"), timeout=10)
                if response.status_code != 200:
                    failures.append(str(response.status_code))
                answered += 1
            except requests.RequestException as error:
                failures.append(repr(error))

    clients = [threading.Thread(target=hammer) for _ in range(4)]
    for client in clients:
        client.start()
    views = package / "views.py"
    original = views.read_text()
    try:
        for _ in range(5):
            marker = uuid.uuid4().hex
            write_in_place(views, original + PROBE_VIEW.format(marker=marker))
            serves(dev, "/probe", marker)
    finally:
        stop.set()
        for client in clients:
            client.join()
    assert failures == []
    assert answered > 50


def test_an_import_error_is_shown_and_a_fix_recovers(dev, package):
    views = package / "views.py"
    original = views.read_text()
    write_in_place(views, "import no_such_module_here\n" + original)
    page = wait_for(
        lambda: (r := get(dev.url("dev"))).status_code == 500 and r.text, timeout=10
    )
    assert "ModuleNotFoundError" in page
    assert "Werkzeug Debugger" in page
    marker = uuid.uuid4().hex
    write_in_place(views, original + PROBE_VIEW.format(marker=marker))
    serves(dev, "/probe", marker)


def test_changed_packages_restart_the_server_from_scratch(dev, package):
    site_packages = (
        "import os, sysconfig; "
        "os.makedirs(sysconfig.get_paths()['purelib'] + '/just_installed')"
    )
    dev.compose("exec", "-T", "dev", "python", "-c", site_packages)
    wait_for(lambda: "restarting the dev server from scratch" in dev.logs("dev"), 30)
    wait_for(lambda: answers_ok(dev.url("dev", "/healthz")), timeout=30)
    assert os.environ.get("CI") is None or answers_ok(dev.url("dev", "/"))
