"""Data that survives: the database under a load of writes, while it is
restarted, killed, taken down and up, while prod stops and dev reloads.

Each write is a POST answered 201 only once committed; at the end, every
acknowledged note must be in the database, and nothing else than what was
sent.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from dataclasses import dataclass, field

import pytest
import requests

from tests.docker.stack import (
    PROBE_VIEW,
    Load,
    answers_ok,
    dev_supervisor_and_servers,
    get,
    serves,
    wait_for,
    write_in_place,
)
from tests.docker.test_prod import prod_serving

BROKEN_MIGRATION = '''"""A migration that fails."""

from alembic import op

revision = "f0000000bad1"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("SELECT * FROM no_such_table")


def downgrade():
    pass
'''


@dataclass
class Writes(Load):
    """Notes posted from a few threads until stopped; what came back."""

    sent: set[str] = field(default_factory=set)
    acknowledged: set[str] = field(default_factory=set)
    failures: list[tuple[float, str]] = field(default_factory=list)  # (seconds, what)
    successes: list[float] = field(default_factory=list)  # when each came back
    pause = 0.02

    def once(self) -> None:
        text = uuid.uuid4().hex
        self.sent.add(text)
        started = time.monotonic()
        try:
            response = requests.post(self.url, json={"text": text}, timeout=15)
        except requests.RequestException as error:
            self.failures.append((time.monotonic() - started, repr(error)))
            return
        if response.status_code == 201 and response.json()["text"] == text:
            self.acknowledged.add(text)
            self.successes.append(time.monotonic())
        else:
            what = f"{response.status_code} {response.text}"
            self.failures.append((time.monotonic() - started, what))


def stored(stack, service: str = "db") -> set[str]:
    """The texts of every note in the database, read with psql."""
    query = 'psql -At -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "SELECT text FROM notes"'
    result = stack.compose("exec", "-T", service, "sh", "-c", query)
    return set(result.stdout.split())


def server_messages(stack) -> str:
    """What the dev server logged, but for its access log lines."""
    lines = stack.logs("dev").splitlines()
    return "\n".join(line for line in lines if '" 201 ' not in line)[-6000:]


def ready(stack, service: str = "db") -> bool:
    check = ("exec", "-T", service, "pg_isready", "-q")
    return stack.compose(*check, check=False).returncode == 0


@pytest.fixture(scope="module")
def dev(new_stack):
    """One dev stack for the dev tests: each checks only its own notes, and
    the one that deletes the volume runs last."""
    stack = new_stack(project_name="Data Shop")
    with stack.running("up --build --detach dev"):
        wait_for(lambda: answers_ok(stack.url("dev", "/healthz")), timeout=120)
        yield stack


def test_a_restarted_database_means_fast_503s_then_recovery(dev):
    writes = Writes(dev.url("dev", "/notes"))
    with writes.running():
        time.sleep(1)
        dev.compose("restart", "db")
        back = wait_for(lambda: ready(dev) and time.monotonic(), timeout=60, pause=0.05)
        recovered = wait_for(
            lambda: [t for t in writes.successes if t > back], timeout=10, pause=0.05
        )
        time.sleep(1)
    assert writes.failures, "the restart went unnoticed: nothing was tested"
    for seconds, what in writes.failures:
        # A clean refusal: no hang, no traceback (and, if not, what dev said).
        assert what.startswith("503 "), f"{what}\n{server_messages(dev)}"
        assert "Traceback" not in what
        assert seconds < 3
    assert recovered[0] - back < 2, "no recovery within 2 s of the database being back"
    assert writes.acknowledged <= stored(dev)


def test_a_killed_database_loses_no_acknowledged_write(dev):
    writes = Writes(dev.url("dev", "/notes"))
    with writes.running():
        time.sleep(1)
        subprocess.run(
            ["docker", "kill", "-s", "KILL", dev.container("db").id], check=True
        )
        time.sleep(0.5)
        dev.compose("up", "--detach", "db")
        wait_for(lambda: ready(dev), timeout=60)
        time.sleep(1)
    assert len(writes.acknowledged) > 20
    assert writes.acknowledged <= stored(dev)


def test_dev_reloads_during_writes_fail_no_request_and_share_no_connection(dev):
    views = dev.path(f"{dev.slug}/views.py")
    original = views.read_text()
    with Writes(dev.url("dev", "/notes")).running() as writes:
        for _ in range(5):
            marker = uuid.uuid4().hex
            write_in_place(views, original + PROBE_VIEW.format(marker=marker))
            serves(dev, "/probe", marker)
    write_in_place(views, original)
    assert writes.failures == []
    assert len(writes.acknowledged) > 20
    assert writes.acknowledged <= stored(dev)
    # The supervisor preloaded SQLAlchemy and psycopg, and holds only its
    # listening socket: no database connection for forked servers to share.
    supervisor, _ = dev_supervisor_and_servers(dev)
    assert supervisor["sockets"] == 1  # its listening socket, no connection
    assert "Preloaded" in dev.logs("dev")


def test_backup_and_restore_round_trip(dev):
    for text in ("first", "second"):
        requests.post(dev.url("dev", "/notes"), json={"text": text}, timeout=10)
    env = {**os.environ, "COMPOSE_PROJECT_NAME": dev.name}
    backup = subprocess.run(
        ["scripts/db-backup.sh"], cwd=dev.project, env=env,
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    dump = dev.project / backup.stdout.strip()
    assert dump.parent.name == "backups" and dump.stat().st_size > 0
    saved = stored(dev)
    assert {"first", "second"} <= saved
    delete = 'psql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "DELETE FROM notes"'
    dev.compose("exec", "-T", "db", "sh", "-c", delete)
    assert stored(dev) == set()
    subprocess.run(
        ["scripts/db-restore.sh", str(dump)], cwd=dev.project, env=env,
        capture_output=True, check=True,
    )  # fmt: skip
    assert stored(dev) == saved
    assert "second" in get(dev.url("dev", "/notes")).text


def test_tests_use_their_own_database_never_the_dev_one(dev):
    requests.post(dev.url("dev", "/notes"), json={"text": "mine"}, timeout=10)
    before = stored(dev)
    result = dev.compose("run", "--rm", "-T", "dev", "pytest", "-q", "tests/database")
    assert " passed" in result.stdout
    assert "mine" in before
    assert stored(dev) == before
    databases = (
        'psql -At -U "$POSTGRES_USER" -d postgres -c "SELECT datname FROM pg_database"'
    )
    names = dev.compose("exec", "-T", "db", "sh", "-c", databases).stdout.split()
    assert f"{dev.slug}_test" in names


def test_data_survives_down_and_up_and_only_down_v_removes_it(dev):
    with Writes(dev.url("dev", "/notes")).running() as writes:
        time.sleep(1)
    dev.compose("--profile", "*", "down")
    dev.compose("up", "--detach", "dev")
    wait_for(lambda: answers_ok(dev.url("dev", "/healthz")), timeout=60)
    assert writes.acknowledged and writes.acknowledged <= stored(dev)
    dev.compose("--profile", "*", "down", "--volumes")
    dev.compose("up", "--detach", "dev")
    wait_for(lambda: answers_ok(dev.url("dev", "/healthz")), timeout=60)
    assert stored(dev) == set()


@pytest.fixture(scope="module")
def prod(new_stack):
    stack = new_stack(project_name="Data Shop")
    with prod_serving(stack):
        yield stack


def env_value(stack, name: str) -> str:
    lines = stack.path(".env").read_text().splitlines()
    return next(line.split("=", 1)[1] for line in lines if line.startswith(f"{name}="))


def test_no_credential_in_the_image_or_the_logs(prod):
    password = env_value(prod, "POSTGRES_PASSWORD")
    assert len(password) >= 32
    # An outage too, so that what the app logs about errors is seen.
    prod.compose("--profile", "prod", "stop", "prod-db")
    assert get(prod.url("prod", "/notes")).status_code == 503
    prod.compose("--profile", "prod", "start", "prod-db")
    wait_for(lambda: get(prod.url("prod", "/notes")).status_code == 200, timeout=60)
    logs = "".join(map(prod.logs, ("prod", "migrate", "prod-db")))
    assert "GET /notes" in logs
    assert password not in logs
    image = b"".join(prod.container("prod").image.save(named=False))
    assert password.encode() not in image


def test_prod_stopped_during_writes_leaves_no_half_written_data(prod):
    writes = Writes(prod.url("prod", "/notes"))
    with writes.running(threads=4):
        time.sleep(1)
        prod.compose("--profile", "prod", "stop", "prod")
        time.sleep(0.5)
    notes = stored(prod, "prod-db")
    assert len(writes.acknowledged) > 20
    assert writes.acknowledged <= notes  # every answered write is there
    assert notes <= writes.sent  # and only whole notes that were sent


def test_a_failing_migration_stops_prod_before_it_serves(new_stack):
    stack = new_stack(project_name="Data Shop")
    versions = stack.path("migrations/versions")
    (head,) = [p.name.split("_")[0] for p in versions.glob("*.py")]
    (versions / "f0000000bad1_broken.py").write_text(BROKEN_MIGRATION.format(head=head))
    try:
        up = stack.compose(
            "--profile", "prod", "up", "--build", "--detach", "prod", check=False
        )
        assert up.returncode != 0
        assert "migrate" in up.stderr
        assert "no_such_table" in stack.logs("migrate")
        assert not answers_ok(stack.url("prod", "/healthz"))
        assert (
            stack.compose("--profile", "prod", "ps", "-q", "prod").stdout.strip() == ""
        )
    finally:
        stack.down()
