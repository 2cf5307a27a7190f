"""The dev worker's supervisor (scripts/devworker.py): the dev server's,
with the worker's program (devreload/worker.py)."""

import sys
import time

import pytest
from devreload import worker
from devreload.process import ServerProcess
from devreload.settings import Settings
from devreload.supervisor import Supervisor
from devreload.worker import WORKER

from .test_supervisor import STARTED, FakeServer


@pytest.fixture
def worker_supervisor(root):
    """The dev worker's supervisor (scripts/devworker.py): no socket."""
    STARTED.clear()
    return Supervisor(Settings(paths=(root,)), new_server=FakeServer, program=WORKER)


def test_a_worker_that_dies_after_running_is_started_again(worker_supervisor):
    worker_supervisor.start_server()
    STARTED[-1].started_at -= 60  # it ran jobs for a minute
    STARTED[-1].ended = True  # then was killed (out of memory...)
    worker_supervisor.collect_servers()
    assert len(STARTED) == 2
    assert worker_supervisor.failure is None  # a worker, not an explanation


def test_a_worker_that_dies_as_it_starts_waits_for_a_save(worker_supervisor, capsys):
    worker_supervisor.start_server()
    STARTED[-1].ended = True  # at once: starting it again would loop
    worker_supervisor.collect_servers()
    assert len(STARTED) == 2
    assert "docker compose logs dev-worker" in worker_supervisor.failure
    assert "The worker exited (code 1); save a file" in capsys.readouterr().err


def test_a_worker_whose_app_fails_to_import_says_why_and_waits(tmp_path, monkeypatch):
    (tmp_path / "broken_app.py").write_text("raise RuntimeError('broken here')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("FLASK_APP", "broken_app")
    log = tmp_path / "worker.log"

    def work(report_fd: int, parent_fd: int) -> int:
        sys.stderr = open(log, "w", buffering=1)  # noqa: SIM115 - until its exit
        return worker.run(None, report_fd, parent_fd, Settings())

    process = ServerProcess(work, keep_fds=[])
    process.start()
    try:
        deadline = time.monotonic() + 10
        while "broken here" not in read(log) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "RuntimeError: broken here" in read(log)
        assert not process.reaped()  # waiting for the save that fixes it
    finally:
        process.stop_and_wait()
    assert process.status is not None


def read(path) -> str:
    return path.read_text() if path.exists() else ""
