"""The shipped Swarm stack (deploy/stack.yml) on a real single-node Swarm,
under a steady load of requests: a rolling update to a new version, an
update that fails its healthcheck and is rolled back by itself, scaling up
and down; no failed request throughout.

Swarm's routing mesh needs IPVS, which test machines may lack: the tests
deploy the shipped file with one change, made here, `endpoint_mode: dnsrr`
instead of the published port, behind a small load balancer on the stack's
network (swarm_proxy.py) that publishes its port with `mode: host`.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import yaml

from tests.docker.stack import Load, free_port, wait_for

PROXY = Path(__file__).with_name("swarm_proxy.py")
VERSION_VIEW = """

@bp.get("/version")
def version():
    return {version!r}


@bp.get("/slow")
def slow():
    import time

    time.sleep(0.5)  # in flight when a task is told to stop
    return {version!r}
"""
BROKEN_HEALTH = """

@bp.before_app_request
def fail_health_checks():
    from flask import request

    if request.path == "/healthz":
        return "broken on purpose", 500
"""


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["docker", *args], capture_output=True, text=True, check=check, timeout=300
    )


@pytest.fixture(scope="module")
def swarm():
    """A single-node Swarm: this machine's, or one made (and left) here."""
    state = docker("info", "--format", "{{.Swarm.LocalNodeState}}").stdout.strip()
    made = state == "inactive"
    if made:
        docker("swarm", "init", "--advertise-addr", "127.0.0.1")
    yield
    if made:
        docker("swarm", "leave", "--force")


def stack_file_for_tests(stack, proxy_port: int) -> dict:
    """The shipped stack file, behind the tests' load balancer."""
    config = yaml.safe_load(stack.path("deploy/stack.yml").read_text())
    app = config["services"]["app"]
    del app["ports"]
    app["deploy"]["endpoint_mode"] = "dnsrr"
    config["services"]["proxy"] = {
        "image": "python:3.13-slim",
        "command": ["python3", "/proxy.py"],
        "environment": {"BACKEND": "app", "BACKEND_PORT": "8000"},
        "configs": [{"source": "proxy", "target": "/proxy.py"}],
        "ports": [{"target": 8080, "published": proxy_port, "mode": "host"}],
    }
    config["configs"] = {"proxy": {"file": str(PROXY)}}
    return config


def build_versions(stack, repository: str) -> None:
    """The prod image in three versions: 1, 2, and 3 whose healthcheck fails."""
    views = stack.path(f"{stack.slug}/views.py")
    original = views.read_text()
    for version, extra in [("1", ""), ("2", ""), ("3", BROKEN_HEALTH)]:
        views.write_text(original + VERSION_VIEW.format(version=version) + extra)
        stack.compose("--profile", "prod", "build", "prod")
        docker("tag", f"{stack.name}-prod", f"{repository}:{version}")
    views.write_text(original)


def update_state(service: str) -> str | None:
    out = docker("service", "inspect", service, "--format", "{{json .UpdateStatus}}")
    status = json.loads(out.stdout)
    return status.get("State") if status else None


def running_images(service: str) -> list[str]:
    out = docker(
        "service", "ps", service, "--filter", "desired-state=running",
        "--format", "{{.Image}} {{.CurrentState}}",
    ).stdout  # fmt: skip
    images = [line.split()[0] for line in out.splitlines() if "Running" in line]
    return sorted(image.split("@")[0] for image in images)  # without a digest


def create_secrets(config: dict) -> list[str]:
    """The stack's secrets, as its header says to make them; their names."""
    values = {
        "secret_key": secrets.token_urlsafe(48),
        # Strong, and nowhere: the pages under load never use the database.
        "database_url": "postgresql+psycopg://app:"
        f"{secrets.token_urlsafe(24)}@db.invalid:5432/app",
    }
    names = [config["secrets"][secret]["name"] for secret in values]
    for name, value in zip(names, values.values(), strict=True):
        subprocess.run(
            ["docker", "secret", "create", name, "-"],
            input=value, text=True, check=True, capture_output=True,
        )  # fmt: skip
    return names


@dataclass
class Deployed:
    stack_file: Path
    name: str  # the stack's
    repository: str  # of the image versions
    url: str  # GET /version, through the proxy

    @property
    def service(self) -> str:
        return f"{self.name}_app"

    def deploy(self, version: str) -> None:
        """`IMAGE=...:<version> docker stack deploy`, as the stack file says."""
        subprocess.run(
            ["docker", "stack", "deploy", "--detach=true", "-c", str(self.stack_file),
             self.name],
            env={**os.environ, "IMAGE": f"{self.repository}:{version}"},
            check=True, capture_output=True, text=True,
        )  # fmt: skip

    def removed(self) -> bool:
        label = f"label=com.docker.stack.namespace={self.name}"
        return not docker("ps", "-aq", "--filter", label).stdout.strip()


@pytest.fixture(scope="module")
def deployed(swarm, new_stack, tmp_path_factory):
    """The stack at version 1, two replicas serving through the proxy. Each
    test starts from the version it needs (serving())."""
    stack = new_stack(project_name=f"Swarm {secrets.token_hex(3)}")
    build_versions(stack, stack.name)
    port = free_port()
    config = stack_file_for_tests(stack, port)
    created = create_secrets(config)
    stack_file = tmp_path_factory.mktemp("swarm") / "stack.yml"
    stack_file.write_text(yaml.safe_dump(config))
    target = Deployed(
        stack_file, stack.name, stack.name, f"http://127.0.0.1:{port}/version"
    )
    try:
        target.deploy("1")
        wait_for(lambda: get_text(target.url) == "1", timeout=120)
        wait_for(lambda: len(running_images(target.service)) == 2, timeout=120)
        yield target
    finally:
        docker("stack", "rm", stack.name, check=False)
        wait_for(target.removed, timeout=60)
        for secret in created:
            docker("secret", "rm", secret, check=False)


def get_text(url: str) -> str:
    return requests.get(url, timeout=2).text


def proxy_counts(deployed) -> dict[str, int]:
    """What the load balancer saw so far: connections refused by a task
    (retried on another), requests a task had and lost (never retried)."""
    stats = deployed.url.rsplit("/", 1)[0] + "/__proxy__/stats"
    return requests.get(stats, timeout=5).json()


def assert_no_request_lost(deployed, load: Load, before: dict[str, int]) -> None:
    after = proxy_counts(deployed)
    refused, cut = (after[key] - before[key] for key in ("refused", "cut"))
    print(f"{len(load.answers)} answered, {len(load.failures)} failed; "
          f"at the balancer: {refused} refused and retried, {cut} cut")  # fmt: skip
    assert cut == 0, "requests that reached a task were lost"
    assert load.failures == []


@contextlib.contextmanager
def load_with_slow_requests(deployed):
    """Quick requests from a few threads, and slow ones (0.5 s) from two: a
    task that stops always has some in flight, which it must finish. The
    answers and failures of both, as one Load."""
    slow = Load(deployed.url.replace("/version", "/slow"))
    with Load(deployed.url).running() as load, slow.running(threads=2):
        yield load
    load.answers += slow.answers
    load.failures += slow.failures


def update_under_load(deployed, version: str, outcome: str) -> Load:
    """Deploy `version` under load, until the update ends in `outcome`; no
    request lost on the way."""
    before = proxy_counts(deployed)
    with load_with_slow_requests(deployed) as load:
        started = time.monotonic()
        deployed.deploy(version)
        wait_for(
            lambda: update_state(deployed.service) == outcome,
            timeout=300, pause=0.5,
        )  # fmt: skip
        seconds = time.monotonic() - started
        time.sleep(1)
    print(f"update to {version}, {outcome}: {seconds:.1f} s")
    assert_no_request_lost(deployed, load, before)
    return load


def serving(deployed, version: str) -> None:
    """Start from `version` on both tasks, whatever a test before left."""
    image = f"{deployed.repository}:{version}"
    if running_images(deployed.service) != [image] * 2:
        deployed.deploy(version)
        wait_for(
            lambda: running_images(deployed.service) == [image] * 2,
            timeout=300, pause=0.5,
        )  # fmt: skip
    wait_for(lambda: get_text(deployed.url) == version, timeout=60)


def test_a_rolling_update_fails_no_request(deployed):
    serving(deployed, "1")
    load = update_under_load(deployed, "2", "completed")
    assert running_images(deployed.service) == [f"{deployed.repository}:2"] * 2
    assert {"1", "2"} <= set(load.answers) and load.answers[-1] == "2"


def test_an_update_that_fails_its_healthcheck_is_rolled_back(deployed):
    serving(deployed, "2")
    load = update_under_load(deployed, "3", "rollback_completed")
    assert set(load.answers) == {"2"}  # the failing version got no traffic
    assert running_images(deployed.service) == [f"{deployed.repository}:2"] * 2


def test_scaling_up_and_down_fails_no_request(deployed):
    serving(deployed, "2")
    before = proxy_counts(deployed)
    with load_with_slow_requests(deployed) as load:
        for replicas in (4, 1, 2):
            docker(
                "service", "scale", "--detach=true", f"{deployed.service}={replicas}"
            )
            wait_for(
                lambda n=replicas: len(running_images(deployed.service)) == n,
                timeout=120, pause=0.5,
            )  # fmt: skip
            time.sleep(2)
    print("scaling 2-4-1-2:", end=" ")
    assert_no_request_lost(deployed, load, before)
    assert set(load.answers) == {"2"}
