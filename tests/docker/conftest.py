"""Docker tests: generated projects run by a real engine through Compose.

Each stack is a freshly generated project with its own Compose project name
and free host ports written into its .env, so stacks never collide. Stacks
are torn down after their tests, also when a test or the start-up fails.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import pytest

from tests.conftest import generate_project
from tests.docker.browser import browser_problem, start_browser
from tests.docker.stack import (
    STACK_PREFIX,
    Stack,
    answers_ok,
    engine_problem,
    reloads,
    starts,
    wait_for,
    write_in_place,
)

HOW_TO_GET_AN_ENGINE = (
    "start Docker (with the Compose v2 plugin), or run scripts/setup-docker.sh "
    "as root on a bare Debian/Ubuntu machine"
)


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.docker)


def missing(problem: str, *, on_the_host: bool = False) -> None:
    """Skip, or with CI set fail: CI must run everything. A tool needed on the
    host (FUSE, Chromium) is skipped in the toolbox, which runs in a container
    (FLASK_TEMPLATE_TOOLBOX, set by docker-compose.yml)."""
    if on_the_host and os.environ.get("FLASK_TEMPLATE_TOOLBOX"):
        pytest.skip(f"{problem}: in the toolbox, run on the host")
    if os.environ.get("CI"):
        pytest.fail(f"CI is set and {problem}")
    pytest.skip(problem)


@pytest.fixture(scope="session")
def docker_client() -> docker.DockerClient:
    problem = engine_problem()
    if problem:
        missing(f"{problem}: {HOW_TO_GET_AN_ENGINE}")
    return docker.from_env()


@pytest.fixture
def browser():
    """A headless Chromium, fresh for each test (no cookie carried over)."""
    problem = browser_problem()
    if problem:
        missing(f"{problem}: run scripts/setup-docker.sh", on_the_host=True)
    driver = start_browser()
    yield driver
    driver.quit()


@pytest.fixture(autouse=True)
def _require_engine(docker_client):
    """Every Docker test fails (CI) or skips (elsewhere) without an engine."""


@pytest.fixture(scope="session")
def new_stack(tmp_path_factory, docker_client) -> Iterator[Callable[..., Stack]]:
    """Generate a project and wrap it in a Stack (not started).

    At the end of the session, what a stack left behind is taken down (a
    `docker compose run` or `build` outside `Stack.running` makes networks
    and volumes too), and the images the stacks built are removed.
    """
    stacks: list[Stack] = []

    def _new_stack(**context: str) -> Stack:
        out = tmp_path_factory.mktemp("stack")
        stacks.append(Stack(generate_project(out, **context)))
        return stacks[-1]

    yield _new_stack
    for stack in stacks:
        if stack.leftovers():
            stack.down()
    for image in docker_client.images.list():
        if any(tag.startswith(STACK_PREFIX) for tag in image.tags):
            with contextlib.suppress(docker.errors.APIError):
                docker_client.images.remove(image.id, force=True)


@pytest.fixture
def views(dev):
    """views.py of the module's `dev` stack; restored after the test, once the
    dev server reloaded for the restored code and serves it."""
    path = dev.path(f"{dev.slug}/views.py")
    original = path.read_text()
    yield path
    if path.read_text() != original:
        # A reload, or a restart from scratch (a test that changed packages).
        def served_anew() -> int:
            return reloads(dev) + starts(dev)

        before = served_anew()
        write_in_place(path, original)
        wait_for(lambda: served_anew() > before, timeout=30)
    wait_for(lambda: answers_ok(dev.url("dev", "/")), timeout=30)
