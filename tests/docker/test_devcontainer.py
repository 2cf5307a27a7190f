"""The dev container opens for real, with the reference devcontainer CLI."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import uuid

import docker
import pytest

from tests.docker.stack import answers_ok, wait_for

DEVCONTAINER_CLI = "@devcontainers/cli@0.89"


@pytest.fixture(scope="module")
def devcontainer_cli(tmp_path_factory):
    if shutil.which("npm") is None:
        message = "npm is needed to install the devcontainer CLI"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    prefix = tmp_path_factory.mktemp("devcontainer-cli")
    subprocess.run(
        ["npm", "install", "--silent", "--prefix", str(prefix), DEVCONTAINER_CLI],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return str(prefix / "node_modules" / ".bin" / "devcontainer")


def test_devcontainer_up_opens_the_dev_service(
    new_stack, devcontainer_cli, docker_client
):
    # A name of its own: the CLI names its images after the project folder.
    stack = new_stack(project_name=f"Devcontainer Probe {uuid.uuid4().hex[:8]}")
    workspace = ["--workspace-folder", str(stack.project)]
    try:
        up = subprocess.run(
            [devcontainer_cli, "up", *workspace],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-3000:]
        result = json.loads(up.stdout.strip().splitlines()[-1])
        assert result["outcome"] == "success"
        assert result["remoteWorkspaceFolder"] == "/app"

        probe = subprocess.run(
            [devcontainer_cli, "exec", *workspace, "python", "-c",
             "import sys, flask; print(sys.prefix)"],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert probe.returncode == 0, probe.stderr
        assert probe.stdout.strip().splitlines()[-1] == "/opt/venv"
        wait_for(lambda: answers_ok(stack.url("dev", "/healthz")))
    finally:
        # The CLI names the Compose project after the folder, as Compose does.
        subprocess.run(
            ["docker", "compose", "--profile", "*", "down", "--volumes", "-t", "5"],
            cwd=stack.project,
            capture_output=True,
            check=False,
        )
        # Its images: the project folder's `<slug>-dev` and the CLI's vsc-...,
        # often one image under both names: untag each name.
        mine = (f"vsc-{stack.slug}-", f"{stack.slug}-")
        for image in docker_client.images.list():
            for tag in image.tags:
                if tag.startswith(mine):
                    with contextlib.suppress(docker.errors.APIError):
                        docker_client.images.remove(tag, force=True)
