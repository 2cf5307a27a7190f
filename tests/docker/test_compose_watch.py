"""`docker compose watch dev`: sources synced into the container, no bind mount."""

from __future__ import annotations

import subprocess
import uuid

from tests.docker.stack import answers_ok, wait_for
from tests.docker.test_dev import PROBE_VIEW, write_in_place
from tests.docker.test_reloader import serves


def test_compose_watch_serves_an_edit(new_stack):
    stack = new_stack()
    stack.override_files.append(stack.path("compose/watch.yml"))
    files = [arg for f in stack.compose_files for arg in ("-f", f)]
    watch = subprocess.Popen(
        ["docker", "compose", *files, "-p", stack.name, "watch", "dev"],
        cwd=stack.project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(lambda: answers_ok(stack.url("dev", "/healthz")), timeout=180)
        mounts = stack.container("dev").attrs["Mounts"]
        assert [m for m in mounts if m["Type"] == "bind"] == []

        views = stack.path(f"{stack.slug}/views.py")
        marker = uuid.uuid4().hex
        write_in_place(views, views.read_text() + PROBE_VIEW.format(marker=marker))
        serves(stack, "/probe", marker)
    finally:
        watch.terminate()
        output, _ = watch.communicate(timeout=30)
        stack.down()
    assert "Syncing service" in output
