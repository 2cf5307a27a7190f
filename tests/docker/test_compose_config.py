"""`docker compose config` accepts every generated project and selects services."""

from __future__ import annotations

import os
import subprocess

import pytest
import yaml

from tests.conftest import OPTIONS
from tests.test_generation import NASTY_NAMES


@pytest.mark.parametrize("name", NASTY_NAMES[:6])
def test_compose_config_is_valid(new_stack, name):
    stack = new_stack(project_name=name)
    stack.compose("config", "--quiet")
    stack.compose("--profile", "prod", "config", "--quiet")
    # COMPOSE_PROFILES=dev in .env: plain commands see dev; --profile prod replaces it.
    dev_only = stack.compose("config", "--services").stdout.split()
    assert set(dev_only) == stack.services("dev") == {"dev", "db"}
    prod_only = stack.compose("--profile", "prod", "config", "--services")
    assert set(prod_only.stdout.split()) == stack.services("prod")
    assert "dev" not in prod_only.stdout.split()


def test_migrate_runs_prods_image_built_once(new_stack):
    stack = new_stack()
    config = yaml.safe_load(stack.compose("--profile", "prod", "config").stdout)
    prod, migrate = config["services"]["prod"], config["services"]["migrate"]
    assert "build" not in migrate and migrate["pull_policy"] == "never"
    assert migrate["image"] == prod["image"] == f"{stack.name}-prod"


@pytest.mark.parametrize(("database", "worker"), OPTIONS)
def test_every_service_running_prods_image_has_the_one_lock_down(
    new_stack, database, worker
):
    """prod, migrate with a database and prod-worker with a worker extend
    compose/lockdown.yml: each has exactly its lock-down and reads .env;
    every other prod-side service is a database or a broker."""
    stack = new_stack(database=database, worker=worker)
    config = yaml.safe_load(stack.compose("--profile", "prod", "config").stdout)
    services = config["services"]
    prod_side = {n for n, s in services.items() if s["image"] == f"{stack.name}-prod"}
    assert prod_side == {"prod"} | (stack.services("prod") - {"prod-db", "prod-broker"})
    assert set(services) - prod_side <= {"prod-db", "prod-broker"}
    lockdown = yaml.safe_load(stack.path("compose/lockdown.yml").read_text())
    locked = lockdown["services"]["prod-app"]
    secret_key = stack.env_value("SECRET_KEY")
    for name in prod_side:
        for key in ("read_only", "cap_drop", "security_opt", "tmpfs"):
            assert services[name][key] == locked[key], (name, key)
        assert services[name]["environment"]["SECRET_KEY"] == secret_key, name


def test_python_image_is_overridable(new_stack):
    stack = new_stack(python_version="3.12")
    # Unset, the Dockerfile's own base image (where Dependabot updates it).
    assert "PYTHON_IMAGE:" not in stack.compose("config").stdout
    assert (
        "FROM python:3.12-slim AS python-slim" in stack.path("Dockerfile").read_text()
    )
    stack.set_env(PYTHON_IMAGE="registry.example/python:custom")
    config = stack.compose("--profile", "prod", "config").stdout
    assert "PYTHON_IMAGE: registry.example/python:custom" in config


@pytest.mark.parametrize(("database", "worker"), OPTIONS)
def test_the_stack_file_is_what_docker_stack_deploy_reads(new_stack, database, worker):
    stack = new_stack(database=database, worker=worker)
    stack_file = str(stack.path("deploy/stack.yml"))
    unset = subprocess.run(
        ["docker", "stack", "config", "-c", stack_file],
        capture_output=True, text=True, check=False,
        env={k: v for k, v in os.environ.items() if k != "IMAGE"},
    )  # fmt: skip
    assert unset.returncode != 0 and "IMAGE" in unset.stderr  # no default image
    config = subprocess.run(
        ["docker", "stack", "config", "-c", stack_file],
        capture_output=True, text=True, check=True,
        env={**os.environ, "IMAGE": "registry.example.com/shop:1.0"},
    )  # fmt: skip
    app = yaml.safe_load(config.stdout)["services"]["app"]
    deploy = app["deploy"]
    assert deploy["replicas"] >= 2
    assert deploy["update_config"]["order"] == "start-first"
    assert deploy["update_config"]["failure_action"] == "rollback"
    assert deploy["rollback_config"]["order"] == "start-first"
    assert set(deploy["resources"]) == {"limits", "reservations"}
    assert app["read_only"] is True and app["cap_drop"] == ["ALL"]
    secrets = {"secret_key"} | ({"database_url"} if stack.has_database else set())
    secrets |= {"broker_url"} if stack.has_worker else set()
    services = yaml.safe_load(config.stdout)["services"]
    assert set(services) == ({"app", "worker"} if stack.has_worker else {"app"})
    for service in services.values():
        assert {secret["source"] for secret in service["secrets"]} == secrets
        for name in secrets:  # as files, not in the environment
            file = service["environment"][f"{name.upper()}_FILE"]
            assert file == f"/run/secrets/{name}"
            assert name.upper() not in service["environment"]
        assert service["read_only"] is True and service["cap_drop"] == ["ALL"]
    if stack.has_worker:  # a running job gets time to finish
        assert services["worker"]["stop_grace_period"] == "1m0s"
