"""The generated project's CI workflow, its jobs' steps run here for real.

GitHub Actions itself can't run here; its `run:` steps are plain shell and
Docker, which can. (The lint job's ruff is covered by test_generation.)
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import OPTIONS

OSV_STAND_IN = Path(__file__).with_name("osv_stand_in.py")


def run_job(project, job: dict, env: dict) -> None:
    """Each `run:` step in order; `if: always()` steps run even after a failure."""
    failure = None
    for step in job["steps"]:
        if "run" not in step or (failure and step.get("if") != "always()"):
            continue
        result = subprocess.run(
            ["bash", "-eo", "pipefail", "-c", step["run"]],
            cwd=project,
            env={**env, **step.get("env", {})},
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


def with_osv_stand_in(stack, env: dict, vulnerable: str = "") -> dict:
    """Start the OSV stand-in (osv_stand_in.py) on the project's network, as
    `osv`; the job's environment, pointing pip-audit at it."""
    override = {
        "services": {
            "osv": {
                "image": "python:3.13-slim",
                "command": ["python3", "/osv.py"],
                "environment": {"VULNERABLE": vulnerable},
                "volumes": [f"{OSV_STAND_IN}:/osv.py:ro"],
                "profiles": ["osv"],
            }
        }
    }
    stack.path("test-osv.yml").write_text(yaml.safe_dump(override))
    env = {**env, "COMPOSE_FILE": "docker-compose.yml:test-osv.yml"}
    env["PIP_AUDIT_OSV_URL"] = "http://osv:8080/v1/query"
    subprocess.run(["python3", "scripts/make_env.py"], cwd=stack.project, check=True)
    subprocess.run(
        ["docker", "compose", "--profile", "osv", "up", "--detach", "osv"],
        cwd=stack.project, env=env, check=True, capture_output=True,
    )  # fmt: skip
    return env


def job_environment(stack) -> dict:
    return {
        **os.environ,
        "COMPOSE_PROJECT_NAME": stack.name,
        # .env is gone: the stack's free ports come from the environment.
        "PROD_PORT": str(stack.prod_port),
        "DEV_PORT": str(stack.dev_port),
        "DB_PORT": str(stack.db_port),
    }


JOBS = [(job, *options) for job in ("test", "prod", "audit") for options in OPTIONS]


@pytest.mark.parametrize(("job_name", "database", "worker"), JOBS)
def test_ci_job_passes(new_stack, job_name, database, worker):
    stack = new_stack(database=database, worker=worker)
    stack.path(".env").unlink()  # as in a fresh clone: .env is never committed
    workflow = yaml.safe_load(stack.path(".github/workflows/ci.yml").read_text())
    env = job_environment(stack)
    try:
        if job_name == "audit":  # no vulnerability service is reachable here
            env = with_osv_stand_in(stack, env)
        run_job(stack.project, workflow["jobs"][job_name], env)
    finally:
        stack.down()


def test_the_audit_job_fails_on_a_known_vulnerability(new_stack):
    stack = new_stack()
    stack.path(".env").unlink()
    workflow = yaml.safe_load(stack.path(".github/workflows/ci.yml").read_text())
    try:
        env = with_osv_stand_in(stack, job_environment(stack), vulnerable="flask")
        with pytest.raises(AssertionError, match="PYSEC-0000-STAND-IN"):
            run_job(stack.project, workflow["jobs"]["audit"], env)
    finally:
        stack.down()
