"""The dev reloader where no file events reach the container.

Docker Desktop (macOS, Windows), WSL2 and network shares deliver no file
events into containers for edits made on the host. A FUSE view of the
project reproduces that on Linux: Compose runs from the view (the bind
mount's source is the view), and the tests edit the directory underneath,
whose events never reach the watches in the container. FUSE's attribute
cache is off, so that what is seen is the reloader, not the cache.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import generate_project
from tests.docker.browser import page_text, until
from tests.docker.conftest import missing
from tests.docker.stack import (
    PROBE_VIEW,
    Stack,
    answers_ok,
    get,
    serves,
    wait_for,
    write_by_rename,
    write_in_place,
)


@pytest.fixture(scope="module")
def project_and_view(tmp_path_factory) -> tuple[Path, Path]:
    """A generated project, and a FUSE view of it."""
    if not shutil.which("bindfs"):
        missing("bindfs is missing (apt-get install bindfs)", on_the_host=True)
    out = tmp_path_factory.mktemp("no-events")
    project = generate_project(out / "project", project_name="No Events Shop")
    view = out / "view" / project.name
    view.mkdir(parents=True)
    subprocess.run(
        ["bindfs", "-o", "allow_other,attr_timeout=0,entry_timeout=0", project, view],
        check=True,
    )
    try:
        yield project, view
    finally:
        subprocess.run(["fusermount", "-u", view], check=False)


def add_probe(project: Path, original: str, write=write_in_place) -> str:
    """Add a probe view to views.py, underneath the view; its marker."""
    marker = uuid.uuid4().hex
    views = project / project.name / "views.py"
    write(views, original + PROBE_VIEW.format(marker=marker))
    return marker


def test_native_events_miss_edits_on_this_mount(project_and_view):
    """The control: in native mode, an edit underneath is never seen."""
    project, view = project_and_view
    stack = Stack(view)
    stack.add_override(
        "services:\n  dev:\n    environment:\n      RELOADER_MODE: native\n"
    )
    with stack.running("up --build --detach dev"):
        wait_for(lambda: answers_ok(stack.url("dev", "/healthz")), timeout=120)
        original = (project / project.name / "views.py").read_text()
        try:
            add_probe(project, original)
            time.sleep(3)
            assert get(stack.url("dev", "/probe")).status_code == 404
        finally:
            write_in_place(project / project.name / "views.py", original)


def test_the_default_mode_serves_every_edit(project_and_view):
    project, view = project_and_view
    stack = Stack(view)
    with stack.running("up --build --detach dev"):
        wait_for(lambda: answers_ok(stack.url("dev", "/healthz")), timeout=120)
        original = (project / project.name / "views.py").read_text()
        try:
            for write in [write_in_place, write_by_rename] * 5:
                serves(stack, "/probe", add_probe(project, original, write))
        finally:
            write_in_place(project / project.name / "views.py", original)


def test_open_pages_follow_edits_with_no_file_events(project_and_view, browser):
    """Live reload rides on the reloader: a code edit and a stylesheet edit
    made underneath reach the open page."""
    project, view = project_and_view
    stack = Stack(view)
    views = project / project.name / "views.py"
    stylesheet = project / project.name / "static" / "style.css"
    originals = {path: path.read_text() for path in (views, stylesheet)}
    with stack.running("up --build --detach dev"):
        wait_for(lambda: answers_ok(stack.url("dev", "/healthz")), timeout=120)
        try:
            serves(stack, "/probe", add_probe(project, originals[views]))
            browser.get(stack.url("dev", "/probe"))
            time.sleep(0.5)  # connected
            marker = add_probe(project, originals[views])
            until(browser, lambda b: page_text(b) == marker)
            browser.get(stack.url("dev", "/"))  # a page with the stylesheet
            time.sleep(0.5)
            browser.execute_script("window.beforeTheChange = true")
            write_in_place(stylesheet, originals[stylesheet] + "body {color: #010203}")
            color = "return getComputedStyle(document.body).color"
            until(browser, lambda b: b.execute_script(color) == "rgb(1, 2, 3)")
            assert browser.execute_script("return window.beforeTheChange") is True
        finally:
            for path, text in originals.items():
                write_in_place(path, text)
