"""The generated project's CI workflow, its jobs' steps run here for real.

GitHub Actions itself can't run here; its `run:` steps are plain shell and
Docker, which can. (The lint job's ruff is covered by test_generation.)
"""

from __future__ import annotations

import os
import subprocess

import pytest
import yaml

from tests.conftest import DATABASES


def run_job(project, job: dict, env: dict) -> None:
    """Each `run:` step in order; `if: always()` steps run even after a failure."""
    failure = None
    for step in job["steps"]:
        if "run" not in step or (failure and step.get("if") != "always()"):
            continue
        result = subprocess.run(
            ["bash", "-eo", "pipefail", "-c", step["run"]],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        if result.returncode != 0 and failure is None:
            failure = (
                f"step {step.get('name')!r} failed:\n{result.stdout}{result.stderr}"
            )
    assert failure is None, failure


@pytest.mark.parametrize("database", DATABASES)
@pytest.mark.parametrize("job_name", ["test", "prod", "audit"])
def test_ci_job_passes(new_stack, job_name, database):
    stack = new_stack(database=database)
    stack.path(".env").unlink()  # as in a fresh clone: .env is never committed
    workflow = yaml.safe_load(stack.path(".github/workflows/ci.yml").read_text())
    env = {
        **os.environ,
        "COMPOSE_PROJECT_NAME": stack.name,
        # .env is gone: the stack's free ports come from the environment.
        "PROD_PORT": str(stack.prod_port),
        "DEV_PORT": str(stack.dev_port),
        "DB_PORT": str(stack.db_port),
    }
    try:
        run_job(stack.project, workflow["jobs"][job_name], env)
    finally:
        stack.down()
