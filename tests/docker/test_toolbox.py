"""The toolbox (Dockerfile and docker-compose.yml at the root): only Docker needed."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import REPO_ROOT
from tests.docker.stack import stand_in_user

TOOLBOX = ["docker", "compose", "-f", str(REPO_ROOT / "docker-compose.yml")]


@pytest.fixture(scope="module", autouse=True)
def _toolbox_down():
    """`run --rm` removes containers but leaves the project's network."""
    yield
    subprocess.run([*TOOLBOX, "down"], capture_output=True, check=False)


def toolbox(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*TOOLBOX, "run", "--rm", "-T", *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )  # fmt: skip


def test_new_generates_a_project_owned_by_the_user(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    uid, gid = stand_in_user(out)
    result = toolbox("new", 'project_name=Toolbox "Shop"', env={"OUTPUT_DIR": str(out)})
    assert result.returncode == 0, result.stdout + result.stderr
    project = out / "toolbox_shop"
    for path in [project, project / ".env", project / "toolbox_shop" / "views.py"]:
        assert (path.stat().st_uid, path.stat().st_gid) == (uid, gid)
    env = (project / ".env").read_text().splitlines()
    assert f"HOST_UID={uid}" in env
    assert f"HOST_GID={gid}" in env
    assert f"cd {out}/toolbox_shop\n" in result.stdout  # the host's path


def test_new_rejects_bad_input_and_writes_nothing(tmp_path):
    result = toolbox("new", "project_slug=../x", env={"OUTPUT_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "Invalid project_slug" in result.stdout + result.stderr
    assert list(tmp_path.iterdir()) == []


def test_test_runs_the_template_suite_against_the_engine():
    result = toolbox(
        "test", "-q", "-p", "no:cacheprovider",
        "tests/test_inputs.py", "tests/docker/test_compose_config.py",
        env={"CI": "true"},  # fail, not skip, if the engine were out of reach
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout
    assert "skipped" not in result.stdout
