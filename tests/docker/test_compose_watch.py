"""`docker compose watch dev`: rebuilds on dependency changes; with
compose/watch.yml, sources are synced into the container, no bind mount."""

from __future__ import annotations

import contextlib
import subprocess
import uuid

from tests.docker.stack import PROBE_VIEW, answers_ok, serves, wait_for, write_in_place


@contextlib.contextmanager
def watching(stack, log_path):
    """`docker compose watch dev` in the background, its output in a file."""
    with open(log_path, "w") as log:
        watch = subprocess.Popen(
            stack.compose_argv("watch", "dev"),
            cwd=stack.project,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(lambda: answers_ok(stack.url("dev", "/healthz")), timeout=180)
            yield
        finally:
            try:
                watch.terminate()
                watch.wait(timeout=30)
            finally:
                stack.down()


def replaced(stack, service: str, old: str) -> bool:
    """Whether the service runs a container, and not the `old` one."""
    ids = stack.compose("ps", "-q", service).stdout.split()
    return bool(ids) and not any(old.startswith(i) or i.startswith(old) for i in ids)


def test_watch_syncs_sources_without_a_bind_mount(new_stack, tmp_path):
    stack = new_stack()
    stack.override_files.append(stack.path("compose/watch.yml"))
    log = tmp_path / "watch.log"
    with watching(stack, log):
        mounts = stack.container("dev").attrs["Mounts"]
        assert [m for m in mounts if m["Type"] == "bind"] == []
        views = stack.path(f"{stack.slug}/views.py")
        marker = uuid.uuid4().hex
        write_in_place(views, views.read_text() + PROBE_VIEW.format(marker=marker))
        serves(stack, "/probe", marker)
    assert "Syncing service" in log.read_text()


def test_watch_rebuilds_when_dependencies_change(new_stack, tmp_path):
    stack = new_stack()
    log = tmp_path / "watch.log"
    with watching(stack, log):
        old = stack.container("dev").id
        lock = stack.path("uv.lock")
        lock.write_text(lock.read_text() + "# a new dependency\n")
        wait_for(lambda: "Rebuilding service" in log.read_text(), timeout=60)
        # A new container, from the new image, serving (the old one answered
        # all along until it was replaced).
        wait_for(lambda: replaced(stack, "dev", old), timeout=180)
        wait_for(lambda: answers_ok(stack.url("dev", "/healthz")), timeout=180)
