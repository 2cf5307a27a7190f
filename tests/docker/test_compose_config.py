"""`docker compose config` accepts every generated project and selects services."""

from __future__ import annotations

import pytest

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
