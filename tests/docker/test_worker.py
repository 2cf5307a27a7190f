"""Background jobs (worker=celery) on the real engine: no job lost, none
run twice, across saves, a killed worker, a restarted or stopped broker and
a stopped prod worker.

Each job is a POST /jobs answered 202 only once the broker holds it; the
example task (jobs.py) counts each delivery in the jobs table (`attempts`)
and stores its result (`words`). The tests read both from the database.
"""

from __future__ import annotations

import re
import threading
import time

import pytest
import requests

from tests.docker.stack import answers_ok, processes, wait_for, write_in_place

RESULT = re.compile(r"job\.words = len\(job\.text\.split\(\)\)( \+ \d+)?")


def boot(stack, services: tuple[str, str]):
    web, worker = services
    wait_for(lambda: answers_ok(stack.url(web, "/healthz")), timeout=120)
    wait_for(lambda: " ready." in stack.logs(worker), timeout=120)
    return stack


@pytest.fixture(scope="module")
def dev(new_stack):
    stack = new_stack(project_name="Job Shop", worker="celery")
    with stack.running("up --build --detach dev"):
        yield boot(stack, ("dev", "dev-worker"))


@pytest.fixture(scope="module")
def prod(new_stack):
    stack = new_stack(project_name="Job Shop", worker="celery")
    with stack.running("--profile prod up --build --detach"):
        yield boot(stack, ("prod", "prod-worker"))


@pytest.fixture(params=["dev", "prod"])
def side(request):
    return request.param, request.getfixturevalue(request.param)


def post_job(stack, side: str, text: str, seconds: float = 0) -> requests.Response:
    return requests.post(
        stack.url(side, "/jobs"), json={"text": text, "seconds": seconds}, timeout=30
    )


def enqueue(stack, side: str, text: str, seconds: float = 0) -> int:
    answer = post_job(stack, side, text, seconds)
    assert answer.status_code == 202, answer.text
    return answer.json()["id"]


def jobs(stack, side: str) -> dict[int, tuple[int, int | None]]:
    """Every job in the database: id -> (attempts, words)."""
    db = "db" if side == "dev" else "prod-db"
    query = "SELECT id, attempts, coalesce(words, -1) FROM jobs"
    out = stack.compose(
        "exec", "-T", db, "psql", "-U", "app", "-d", stack.slug, "-tA", "-F", " ",
        "-c", query,
    ).stdout  # fmt: skip
    rows = (map(int, line.split()) for line in out.splitlines() if line.strip())
    return {
        id_: (attempts, None if words < 0 else words) for id_, attempts, words in rows
    }


def all_done(stack, side: str, ids: set[int]) -> dict[int, tuple[int, int | None]]:
    """Wait until every job of `ids` has its result; their rows."""

    def done():
        rows = {i: row for i, row in jobs(stack, side).items() if i in ids}
        return (
            rows
            if len(rows) == len(ids) and all(w is not None for _, w in rows.values())
            else None
        )

    return wait_for(done, timeout=120, pause=0.2)


def started(stack, side: str, job_id: int) -> None:
    wait_for(lambda: jobs(stack, side)[job_id][0] >= 1, timeout=60)


@pytest.fixture
def jobs_py(dev):
    path = dev.path(f"{dev.slug}/jobs.py")
    original = path.read_text()
    yield path
    write_in_place(path, original)


# -- dev -------------------------------------------------------------------------
def test_up_dev_starts_the_worker_and_its_broker_and_a_job_runs(dev):
    assert dev.services_running() >= {"dev", "dev-worker", "broker", "db"}
    job = enqueue(dev, "dev", "three words here")
    assert all_done(dev, "dev", {job})[job] == (1, 3)


def test_saves_reach_the_worker_and_no_job_is_lost_or_run_twice(dev, jobs_py):
    original = jobs_py.read_text()
    ids: list[int] = []
    stop = threading.Event()

    def send() -> None:
        while len(ids) < 100:  # one job in 5 lasts: some run across a save
            ids.append(
                enqueue(dev, "dev", "one two", seconds=0.5 * (len(ids) % 5 == 0))
            )
            time.sleep(0.03)
        stop.set()

    sender = threading.Thread(target=send)
    sender.start()
    for version in (1, 2, 3):
        time.sleep(0.7)
        write_in_place(
            jobs_py,
            RESULT.sub(f"job.words = len(job.text.split()) + {version}000", original),
        )
    sender.join(timeout=120)
    assert stop.is_set() and len(ids) == 100
    rows = all_done(dev, "dev", set(ids))
    assert {attempts for attempts, _ in rows.values()} == {1}, rows  # none twice
    # The last save's code runs the jobs sent after it.
    later = enqueue(dev, "dev", "x")
    assert all_done(dev, "dev", {later})[later] == (1, 3001)


def test_with_the_broker_down_a_job_is_refused_within_seconds(dev):
    dev.compose("stop", "broker")
    try:
        began = time.monotonic()
        answer = post_job(dev, "dev", "while the broker is down")
        took = time.monotonic() - began
        assert answer.status_code == 503 and "not taken" in answer.json()["error"]
        assert took < 10, f"answered after {took:.1f} s"
        print(f"\n[dev] refused with the broker down in {took:.2f} s")
        assert all(words is not None for _, words in jobs(dev, "dev").values())
    finally:
        dev.compose("start", "broker")
    # Back: the worker reconnects by itself, and jobs are taken again.
    job = wait_for(
        lambda: post_job(dev, "dev", "back").status_code == 202 and True, timeout=60
    )
    assert job
    wait_for(
        lambda: all(w is not None for _, w in jobs(dev, "dev").values()), timeout=120
    )


# -- dev and prod ----------------------------------------------------------------
# Kills, inside a container, every child of its main process: prod's pool
# processes, which run the jobs (as the kernel's out-of-memory killer would
# kill the one that grew), or dev's worker (the supervisor's child).
KILL_CHILDREN_OF = """
import os, sys
for pid in filter(str.isdigit, os.listdir("/proc")):
    with open(f"/proc/{pid}/stat") as stat:
        if int(stat.read().rsplit(")", 1)[1].split()[1]) == int(sys.argv[1]):
            os.kill(int(pid), 9)
"""


def kill_the_worker(stack, side: str) -> None:
    """SIGKILL the processes running the jobs; each side brings them back."""
    if side == "prod":  # celery's main process is the container's first
        service, parent = "prod-worker", 1
    else:  # the dev worker's supervisor, under init
        service = "dev-worker"
        ours = [
            p
            for p in processes(stack, service)
            if "python" in p["argv"][0] and "scripts/devworker.py" in p["argv"]
        ]
        pids = {p["pid"] for p in ours}
        (supervisor,) = [p for p in ours if p["parent"] not in pids]
        parent = supervisor["pid"]
    stack.compose("exec", "-T", service, "python", "-c", KILL_CHILDREN_OF, str(parent))


def test_a_worker_killed_mid_job_runs_it_again_and_loses_no_other(side):
    name, stack = side
    long_job = enqueue(stack, name, "long job", seconds=5)
    started(stack, name, long_job)
    others = {enqueue(stack, name, f"short {i}") for i in range(5)}
    killed_at = time.monotonic()
    kill_the_worker(stack, name)
    rows = all_done(stack, name, others | {long_job})
    again = time.monotonic() - killed_at
    print(f"\n[{name}] the killed job ran again, done {again:.1f} s after the kill")
    assert again < 30  # at once: the 5 s job again, plus the worker's start
    assert rows[long_job] == (2, 2)
    assert {rows[i] for i in others} == {(1, 2)}


# -- prod ------------------------------------------------------------------------
def test_queued_jobs_survive_a_broker_restart(prod):
    prod.compose("stop", "prod-worker")
    try:
        ids = {enqueue(prod, "prod", f"queued {i}") for i in range(20)}
        prod.compose("restart", "prod-broker")
    finally:
        prod.compose("start", "prod-worker")
    rows = all_done(prod, "prod", ids)
    assert {row for row in rows.values()} == {(1, 2)}


def test_stopping_the_prod_worker_mid_job_lets_it_finish(prod):
    job = enqueue(prod, "prod", "finish me first", seconds=3)
    started(prod, "prod", job)
    try:
        prod.compose("stop", "prod-worker")
        assert jobs(prod, "prod")[job] == (1, 3)  # done before the worker went
    finally:
        prod.compose("start", "prod-worker")
    wait_for(lambda: prod.container("prod-worker").status == "running", timeout=60)


def test_the_prod_worker_is_locked_down_and_healthy(prod):
    worker = prod.container("prod-worker")
    assert worker.attrs["HostConfig"]["ReadonlyRootfs"] is True
    assert worker.attrs["HostConfig"]["CapDrop"] == ["ALL"]
    uid = prod.compose("exec", "-T", "prod-worker", "id", "-u").stdout.strip()
    assert uid != "0"
    wait_for(
        lambda: (
            prod.container("prod-worker").attrs["State"]["Health"]["Status"]
            == "healthy"
        ),
        timeout=90,
        pause=1,
    )
