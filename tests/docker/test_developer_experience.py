"""Host-owned files and the deploy section."""

from __future__ import annotations

import os
import subprocess

import yaml

from tests.docker.stack import (
    answers_ok,
    stand_in_user,
    wait_for,
)

DEV_UP = "up --build --detach dev"


def test_files_created_in_dev_belong_to_the_host_user(new_stack):
    stack = new_stack()
    uid, gid = stand_in_user(stack.project)
    stack.set_env(HOST_UID=str(uid), HOST_GID=str(gid))
    with stack.running(DEV_UP):
        wait_for(lambda: answers_ok(stack.url("dev", "/healthz")))
        stack.compose(
            "exec", "-T", "dev", "python", "-c",
            "open('/app/created-in-dev.db', 'w').write('data')",
        )  # fmt: skip
        created = stack.path("created-in-dev.db").stat()
        assert (created.st_uid, created.st_gid) == (uid, gid)
        assert (
            "main.index" in stack.compose("exec", "-T", "dev", "flask", "routes").stdout
        )


def test_the_generator_writes_the_users_ids(new_stack):
    env = new_stack().path(".env").read_text().splitlines()
    assert f"HOST_UID={os.getuid()}" in env
    assert f"HOST_GID={os.getgid()}" in env


def test_deploy_section_is_accepted_by_docker_stack_config(new_stack, tmp_path):
    stack = new_stack()
    compose = yaml.safe_load(stack.path("docker-compose.yml").read_text())
    deploy = compose["services"]["prod"]["deploy"]
    stack_file = tmp_path / "stack.yml"
    stack_file.write_text(
        yaml.safe_dump(
            {"version": "3.9", "services": {"prod": {"image": "app", "deploy": deploy}}}
        )
    )
    result = subprocess.run(
        ["docker", "stack", "config", "-c", str(stack_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout)["services"]["prod"]["deploy"]["replicas"] == 1
