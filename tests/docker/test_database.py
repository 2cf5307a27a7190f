"""Data that survives: the database under a load of writes, while it is
restarted, killed, taken down and up, while prod stops and dev reloads.

Each write is a POST answered 201 only once committed; at the end, every
acknowledged note must be in the database, and nothing else than what was
sent.
"""

from __future__ import annotations

import concurrent.futures
import os
import shlex
import subprocess
import time
import uuid

import pytest
import requests

from tests.docker.stack import (
    answers_ok,
    dev_supervisor_and_servers,
    get,
    reloads,
    saves_served,
    wait_for,
    wait_until_reloads,
    write_in_place,
)
from tests.docker.test_prod import prod_serving
from tests.docker.traffic import OK, Traffic, ask, explain, send_and_hang_up

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


def sql(stack, service: str, query: str) -> list[str]:
    """The rows of a query, run with psql in the database's container."""
    psql = 'psql -At -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "$0"'
    return stack.compose("exec", "-T", service, "sh", "-c", psql, query).stdout.split()


def stored(stack, service: str = "db") -> set[str]:
    """The texts of every note in the database."""
    return set(sql(stack, service, "SELECT text FROM notes"))


def stored_twice(stack, service: str) -> list[str]:
    """The texts of notes stored more than once (a retried write duplicated)."""
    query = "SELECT text FROM notes GROUP BY text HAVING count(*) > 1"
    return sql(stack, service, query)


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
    with Traffic(dev.url("dev", "/notes")).running() as traffic:
        time.sleep(1)
        dev.compose("restart", "db")
        back = wait_for(lambda: ready(dev) and time.monotonic(), timeout=60, pause=0.05)
        recovered = wait_for(lambda: traffic.good_after(back), timeout=10, pause=0.05)
        time.sleep(1)
    refused = [answer for answer in traffic.answers if answer.kind not in OK]
    assert refused, "the restart went unnoticed: nothing was tested"
    for answer in refused:
        # A clean refusal: no hang, no traceback (and, if not, what dev said).
        assert answer.kind == "503", explain(dev, "dev", answer)
        assert answer.headers.get("Retry-After") == "2"
        assert b"Traceback" not in answer.body
        assert answer.seconds < 5, explain(dev, "dev", answer)
    assert recovered < 2, "no recovery within 2 s of the database being back"
    assert traffic.acknowledged <= stored(dev)


def test_a_killed_database_loses_no_acknowledged_write(dev):
    with Traffic(dev.url("dev", "/notes")).running() as traffic:
        wait_for(lambda: len(traffic.acknowledged) > 20, timeout=30)
        subprocess.run(
            ["docker", "kill", "-s", "KILL", dev.container("db").id], check=True
        )
        time.sleep(0.5)
        dev.compose("up", "--detach", "db")
        wait_for(lambda: ready(dev), timeout=60)
        time.sleep(1)
    assert len(traffic.acknowledged) > 20
    assert traffic.acknowledged <= stored(dev)


def test_dev_reloads_during_writes_fail_no_request_and_share_no_connection(dev):
    views = dev.path(f"{dev.slug}/views.py")
    original = views.read_text()
    with Traffic(dev.url("dev", "/notes")).running(writers=4) as traffic:
        # Writing before the first save and after the last, however slow
        # the machine: the reloads fall in the middle of the writes.
        wait_for(lambda: len(traffic.acknowledged) > 10, timeout=30)
        saves_served(dev, views, 5)
        during = len(traffic.acknowledged)
        wait_for(lambda: len(traffic.acknowledged) > during + 10, timeout=30)
    write_in_place(views, original)
    for answer in traffic.answers:
        assert answer.kind in OK, explain(dev, "dev", answer)
    assert traffic.acknowledged <= stored(dev)
    # The supervisor preloaded SQLAlchemy and psycopg, and holds only its
    # listening socket: no database connection for forked servers to share.
    supervisor, _ = dev_supervisor_and_servers(dev)
    assert supervisor["sockets"] == 1  # its listening socket, no connection
    assert "Preloaded" in dev.logs("dev")


def test_a_migration_made_the_readme_way_passes_the_projects_lint(dev):
    models = dev.path(f"{dev.slug}/models.py")
    original = models.read_text()
    versions = dev.path("migrations/versions")
    before = set(versions.glob("*.py"))
    tag = "    tag: Mapped[str | None] = mapped_column(String(50))\n"
    write_in_place(models, original + tag)
    try:
        made = dev.compose(
            "exec", "-T", "dev", "flask", "db", "migrate", "-m", "Add a tag to notes"
        )
        (new,) = set(versions.glob("*.py")) - before
        assert "op.add_column" in new.read_text()
        assert "autogenerate plugin" not in made.stdout + made.stderr  # no noise
        for lint in (["ruff", "check", "."], ["ruff", "format", "--check", "."]):
            result = dev.compose("exec", "-T", "dev", *lint, check=False)
            assert result.returncode == 0, result.stdout + result.stderr
    finally:
        # Served again before the next test: the model with `tag` would
        # write a column that no table has.
        reloaded = reloads(dev)
        write_in_place(models, original)
        for path in set(versions.glob("*.py")) - before:
            path.unlink()
        wait_until_reloads(dev, reloaded)
        wait_for(lambda: answers_ok(dev.url("dev", "/notes")), timeout=30)


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
    # A backup of a database that is not running fails, says why, leaves nothing.
    failed = subprocess.run(
        ["scripts/db-backup.sh", "backups/failed.dump"], cwd=dev.project,
        env={**env, "DB_SERVICE": "no-such-service"}, capture_output=True, text=True,
    )  # fmt: skip
    assert failed.returncode != 0
    assert "Backup failed: is the no-such-service service running?" in failed.stderr
    assert sorted(p.name for p in dump.parent.iterdir()) == [dump.name]


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


# -- faults at the database's edge, in dev and in prod ------------------------
# The database service of each side.
DATABASE_OF = {"dev": "db", "prod": "prod-db"}
# Closes every connection but its own, every 0.1 s (as a failover, an admin
# or a fast shutdown does); prints how many it closed each time.
KILL_CONNECTIONS = """
end=$(( $(date +%s) + {seconds} ))
while [ "$(date +%s)" -lt "$end" ]; do
  psql -qAt -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "
    SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
    WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'
    AND application_name <> 'psql'"
  sleep 0.1
done
"""


@pytest.fixture(params=["dev", "prod"])
def side(request):
    """The dev or the prod stack of this module, with its name."""
    return request.param, request.getfixturevalue(request.param)


def figures(what: str, name: str, traffic: Traffic, **more: float) -> None:
    """The outcome counts, for the record (pytest -s shows them)."""
    extra = " ".join(f"{key}={value:.2f}" for key, value in more.items())
    print(f"\n[{name}] {what}: {traffic.counts()} {extra}")


def test_connections_killed_by_the_database_cut_no_answer_and_lose_no_write(side):
    name, stack = side
    database = DATABASE_OF[name]
    with Traffic(stack.url(name, "/notes"), retry=True).running() as traffic:
        time.sleep(1)
        kills = stack.compose(
            "exec", "-T", database, "sh", "-c", KILL_CONNECTIONS.format(seconds=15)
        )
        time.sleep(1)
    killed = sum(map(int, kills.stdout.split()))
    figures("connections killed every 0.1 s for 15 s", name, traffic, killed=killed)
    assert killed > 20, "no connection was killed: nothing was tested"
    for answer in traffic.answers:
        # Whole answers only: no cut body, no dropped connection, no 500.
        assert answer.kind in (*OK, "503"), explain(stack, name, answer)
    assert len(traffic.acknowledged) > 20
    assert traffic.acknowledged <= stored(stack, database)
    assert stored_twice(stack, database) == []  # retried with the same key


def test_a_cut_network_fails_fast_and_recovers_by_itself(side):
    name, stack = side
    database = stack.container(DATABASE_OF[name])
    network = f"{stack.name}_default"
    aliases = database.attrs["NetworkSettings"]["Networks"][network]["Aliases"]
    with Traffic(stack.url(name, "/notes")).running() as traffic:
        time.sleep(1)
        disconnect = ["docker", "network", "disconnect", network, database.id]
        subprocess.run(disconnect, check=True)
        cut = time.monotonic()
        time.sleep(5)
        readiness = ask(stack.url(name, "/readyz"))
        time.sleep(cut + 10 - time.monotonic())
        reconnect = ["docker", "network", "connect", *[f"--alias={a}" for a in aliases]]
        subprocess.run([*reconnect, network, database.id], check=True)
        back = time.monotonic()
        time.sleep(6)
    during = traffic.started_between(cut, back)
    assert during, "no request during the cut: nothing was tested"
    for answer in during:
        assert answer.kind in (*OK, "503"), explain(stack, name, answer)
        assert answer.seconds < 8, explain(stack, name, answer)
        if answer.kind == "503":
            assert answer.headers.get("Retry-After") == "2"
    recovered = traffic.good_after(back) or float("inf")
    slowest = max(answer.seconds for answer in during)
    figures("network cut for 10 s", name, traffic, slowest=slowest, recovered=recovered)
    assert traffic.counts().get("503"), "the cut went unnoticed: nothing was tested"
    assert readiness.kind == "503" and readiness.seconds < 8, readiness
    assert recovered < 5, "no good answer within 5 s of the network's return"
    assert traffic.acknowledged <= stored(stack, DATABASE_OF[name])


def test_a_retried_write_is_stored_once(side):
    name, stack = side
    url = stack.url(name, "/notes")

    def post(text: str, key: str):
        return ask(url, "POST", {"text": text}, {"Idempotency-Key": key})

    text = uuid.uuid4().hex
    first, again = post(text, f"a-{text}"), post(text, f"a-{text}")
    other = post(text, f"b-{text}")
    assert first.kind == again.kind == other.kind == "201"
    assert again.json() == first.json()
    assert other.json()["id"] != first.json()["id"]
    # The client never saw the answer: its retry finds the stored note.
    lost = uuid.uuid4().hex
    send_and_hang_up(url, {"text": lost}, {"Idempotency-Key": f"k-{lost}"})
    retry = post(lost, f"k-{lost}")
    assert retry.kind == "201"
    ids = sql(stack, DATABASE_OF[name], f"SELECT id FROM notes WHERE text = '{lost}'")
    assert ids == [str(retry.json()["id"])]
    # Retries that race each other: still one note per key.
    texts = [uuid.uuid4().hex for _ in range(20)]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda t: post(t, f"r-{t}"), texts * 2))
    assert {answer.kind for answer in answers} == {"201"}
    assert set(texts) <= stored(stack, DATABASE_OF[name])
    assert stored_twice(stack, DATABASE_OF[name]) == [text]  # the two keys above


def test_data_survives_down_and_up_and_only_down_v_removes_it(dev):
    with Traffic(dev.url("dev", "/notes")).running() as traffic:
        wait_for(lambda: len(traffic.acknowledged) > 20, timeout=30)
    dev.compose("--profile", "*", "down")
    dev.compose("up", "--detach", "dev")
    wait_for(lambda: answers_ok(dev.url("dev", "/healthz")), timeout=60)
    assert traffic.acknowledged and traffic.acknowledged <= stored(dev)
    dev.compose("--profile", "*", "down", "--volumes")
    dev.compose("up", "--detach", "dev")
    wait_for(lambda: answers_ok(dev.url("dev", "/healthz")), timeout=60)
    assert stored(dev) == set()


@pytest.fixture(scope="module")
def prod(new_stack):
    stack = new_stack(project_name="Data Shop")
    with prod_serving(stack):
        yield stack


def test_no_credential_in_the_image_or_the_logs(prod):
    password = prod.env_value("POSTGRES_PASSWORD")
    assert len(password) >= 32
    # An outage too, so that what the app logs about errors is seen.
    prod.compose("--profile", "prod", "stop", "prod-db")
    assert get(prod.url("prod", "/notes")).status_code == 503
    assert get(prod.url("prod", "/healthz")).status_code == 200  # touches nothing
    prod.compose("--profile", "prod", "start", "prod-db")
    wait_for(lambda: get(prod.url("prod", "/notes")).status_code == 200, timeout=60)
    logs = "".join(map(prod.logs, ("prod", "migrate", "prod-db")))
    assert "GET /notes" in logs
    image = b"".join(prod.container("prod").image.save(named=False))
    for secret in (password, prod.env_value("SECRET_KEY")):
        assert secret not in logs
        assert secret.encode() not in image


def test_the_swarm_files_migration_command_works_as_written(prod):
    """deploy/stack.yml's header says how to migrate before an update: run
    here as written, against prod's database (on its network)."""
    header = prod.path("deploy/stack.yml").read_text().split("\nservices:")[0]
    lines = [line.removeprefix("#").strip() for line in header.splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith("docker run"))
    command = " ".join(line.removesuffix("\\") for line in lines[start : start + 3])
    assert command.endswith("db upgrade")
    user, password, name = (
        prod.env_value(f"POSTGRES_{key}") for key in ("USER", "PASSWORD", "DB")
    )
    url = f"postgresql+psycopg://{user}:{password}@prod-db:5432/{name}"
    image = prod.container("prod").image.id
    network = f"--network {prod.name}_default {image} "
    command = command.replace("'...'", f"'{url}'").replace("IMAGE ", network)
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]


def test_a_cross_site_form_post_is_refused_and_stores_nothing(prod):
    cross_site = {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}
    forged, sent = uuid.uuid4().hex, uuid.uuid4().hex
    url = prod.url("prod", "/notes")
    refused = requests.post(url, data={"text": forged}, headers=cross_site, timeout=10)
    assert refused.status_code == 403
    as_json = ask(url, "POST", {"text": sent}, cross_site)  # JSON: not a form
    assert as_json.kind == "201"
    notes = stored(prod, "prod-db")
    assert sent in notes and forged not in notes


def test_prod_stopped_during_writes_leaves_no_half_written_data(prod):
    before = stored(prod, "prod-db")  # other tests' notes
    with Traffic(prod.url("prod", "/notes")).running(writers=4) as traffic:
        wait_for(lambda: len(traffic.acknowledged) > 20, timeout=30)
        prod.compose("--profile", "prod", "stop", "prod")
        time.sleep(0.5)
    notes = stored(prod, "prod-db") - before
    assert len(traffic.acknowledged) > 20
    assert traffic.acknowledged <= notes  # every answered write is there
    assert notes <= traffic.sent  # and only whole notes that were sent


def test_a_refused_change_is_caught_by_the_readmes_check_and_stops_prod_if_applied(
    prod,
):
    """The README says: a refused .env change stops a running prod, and its
    check command refuses it first, with prod still serving."""
    (check,) = [
        line.strip()
        for line in prod.path("README.md").read_text().splitlines()
        if "run --rm --no-deps prod" in line
    ]
    check_only = check.split(" >/dev/null && ")[0].removeprefix("docker compose ")
    prod.compose("--profile", "prod", "up", "--detach", "prod")
    wait_for(lambda: answers_ok(prod.url("prod", "/healthz")), timeout=60)
    key = prod.env_value("SECRET_KEY")
    prod.set_env(SECRET_KEY="change-me")
    try:
        refused = prod.compose(*shlex.split(check_only), check=False)
        assert refused.returncode != 0
        assert "SECRET_KEY" in refused.stdout + refused.stderr
        assert answers_ok(prod.url("prod", "/healthz"))  # nothing changed
        applied = prod.compose("--profile", "prod", "up", "--detach", check=False)
        assert applied.returncode != 0  # as documented: prod stopped
        assert not answers_ok(prod.url("prod", "/healthz"))
    finally:
        prod.set_env(SECRET_KEY=key)
    prod.compose("--profile", "prod", "up", "--detach", "prod")
    wait_for(lambda: answers_ok(prod.url("prod", "/healthz")), timeout=60)


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
