"""Docker tests: generated projects run by a real engine through Compose.

Each stack is a freshly generated project with its own Compose project name
and free host ports written into its .env, so stacks never collide. Stacks
are torn down after their tests, also when a test or the start-up fails.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import pytest
import requests
from pytest_docker.plugin import DockerComposeExecutor, Services, get_docker_services

from tests.conftest import generate_project

STACK_PREFIX = "tpltest-"
HOW_TO_GET_AN_ENGINE = (
    "start Docker (with the Compose v2 plugin), or run scripts/setup-docker.sh "
    "as root on a bare Debian/Ubuntu machine"
)


def engine_problem() -> str | None:
    try:
        docker.from_env().ping()
    except Exception as error:  # noqa: BLE001 - any failure means no engine
        return f"no Docker engine answers ({error.__class__.__name__})"
    version = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, check=False
    )
    if version.returncode != 0:
        return "the Docker Compose v2 plugin is missing"
    return None


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.docker)


@pytest.fixture(scope="session")
def docker_client() -> docker.DockerClient:
    problem = engine_problem()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set and {problem}: {HOW_TO_GET_AN_ENGINE}")
        pytest.skip(f"{problem}: {HOW_TO_GET_AN_ENGINE}")
    return docker.from_env()


@pytest.fixture(autouse=True)
def _require_engine(docker_client):
    """Every Docker test fails (CI) or skips (elsewhere) without an engine."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Stack:
    """A generated project and its Compose project, driven like a user would."""

    def __init__(self, project: Path) -> None:
        self.project = project
        self.slug = project.name
        self.name = f"{STACK_PREFIX}{uuid.uuid4().hex[:10]}"
        self.dev_port = free_port()
        self.prod_port = free_port()
        self.override_files: list[Path] = []
        self.set_env(DEV_PORT=str(self.dev_port), PROD_PORT=str(self.prod_port))

    # -- files -------------------------------------------------------------
    def path(self, relative: str) -> Path:
        return self.project / relative

    def set_env(self, **values: str) -> None:
        """Add or replace lines of the project's .env."""
        env_file = self.path(".env")
        lines = env_file.read_text().splitlines() if env_file.exists() else []
        lines = [ln for ln in lines if ln.split("=", 1)[0] not in values]
        lines += [f"{key}={value}" for key, value in values.items()]
        env_file.write_text("\n".join(lines) + "\n")

    def unset_env(self, *names: str) -> None:
        env_file = self.path(".env")
        lines = env_file.read_text().splitlines()
        kept = [ln for ln in lines if ln.split("=", 1)[0] not in names]
        env_file.write_text("\n".join(kept) + "\n")

    def add_override(self, yaml_text: str) -> None:
        """A Compose file merged over docker-compose.yml (like compose.override.yml)."""
        override = self.path(f"test-override-{len(self.override_files)}.yml")
        override.write_text(yaml_text)
        self.override_files.append(override)

    # -- compose -----------------------------------------------------------
    @property
    def compose_files(self) -> list[str]:
        return [str(self.path("docker-compose.yml")), *map(str, self.override_files)]

    def executor(self) -> DockerComposeExecutor:
        return DockerComposeExecutor("docker compose", self.compose_files, self.name)

    def compose(self, *args: str, check: bool = True, timeout: float = 600):
        files = [arg for f in self.compose_files for arg in ("-f", f)]
        return subprocess.run(
            ["docker", "compose", *files, "-p", self.name, *args],
            cwd=self.project,
            capture_output=True,
            text=True,
            check=check,
            timeout=timeout,
        )

    @contextlib.contextmanager
    def running(self, setup: str) -> Iterator[Services]:
        """`docker compose <setup>`, then `down` whatever happens."""
        try:
            with get_docker_services(
                "docker compose",
                self.compose_files,
                self.name,
                [setup],
                ["down --volumes --remove-orphans --timeout 5"],
            ) as services:
                yield services
        finally:
            # get_docker_services cleans up only when set-up succeeded.
            self.compose("down", "--volumes", "--remove-orphans", "--timeout", "5",
                         check=False)

    def logs(self, service: str) -> str:
        return self.compose("logs", "--no-color", service, check=False).stdout

    def services_running(self) -> set[str]:
        out = self.compose("ps", "--all", "--format", "{{.Service}}").stdout
        return set(out.split())

    def container(self, service: str):
        container_id = self.compose("ps", "--all", "-q", service).stdout.strip()
        return docker.from_env().containers.get(container_id)

    def url(self, service: str, path: str = "/") -> str:
        port = self.dev_port if service == "dev" else self.prod_port
        return f"http://127.0.0.1:{port}{path}"


def wait_for(
    check: Callable[[], object], timeout: float = 60, pause: float = 0.1
) -> object:
    """Return check()'s first truthy value; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
        except (requests.RequestException, OSError) as error:
            last_error = error
            result = None
        if result:
            return result
        time.sleep(pause)
    raise AssertionError(f"not true after {timeout}s (last error: {last_error})")


def get(url: str, **kwargs) -> requests.Response:
    kwargs.setdefault("timeout", 10)
    return requests.get(url, **kwargs)


@pytest.fixture(scope="session")
def new_stack(tmp_path_factory, docker_client) -> Iterator[Callable[..., Stack]]:
    """Generate a project and wrap it in a Stack (not started).

    At the end of the session, the images the stacks built are removed.
    """

    def _new_stack(**context: str) -> Stack:
        out = tmp_path_factory.mktemp("stack")
        return Stack(generate_project(out, **context))

    yield _new_stack
    for image in docker_client.images.list():
        if any(tag.startswith(STACK_PREFIX) for tag in image.tags):
            with contextlib.suppress(docker.errors.APIError):
                docker_client.images.remove(image.id, force=True)
