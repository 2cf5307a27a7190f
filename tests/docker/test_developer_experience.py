"""Host-owned files, attaching a debugger, and the deploy section."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import uuid

import yaml

from tests.docker.stack import (
    PROBE_VIEW,
    answers_ok,
    serves,
    stand_in_user,
    wait_for,
    write_in_place,
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


def dap_initialize(port: int) -> dict:
    """Send a Debug Adapter Protocol `initialize` request; return the response."""
    request = json.dumps(
        {
            "seq": 1,
            "type": "request",
            "command": "initialize",
            "arguments": {"adapterID": "debugpy", "clientID": "template-tests"},
        }
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"Content-Length: %d\r\n\r\n" % len(request) + request)
        buffer = b""
        while True:
            while b"\r\n\r\n" not in buffer:
                chunk = sock.recv(65536)
                assert chunk, "the debug adapter closed the connection"
                buffer += chunk
            header, buffer = buffer.split(b"\r\n\r\n", 1)
            length = int(header.split(b":")[1])
            while len(buffer) < length:
                buffer += sock.recv(65536)
            message, buffer = json.loads(buffer[:length]), buffer[length:]
            if message.get("type") == "response":
                return message


def test_debugpy_holds_nothing_and_attaches_again_after_a_reload(new_stack):
    stack = new_stack()
    stack.set_env(DEBUGPY="1")
    with stack.running(DEV_UP):
        # The app answers before any editor attaches: no waiting unless asked.
        wait_for(lambda: answers_ok(stack.url("dev", "/healthz")), timeout=30)
        assert "Waiting for a debugger" not in stack.logs("dev")

        response = wait_for(lambda: dap_initialize(stack.debugpy_port), timeout=30)
        assert response["command"] == "initialize"
        assert response["success"] is True

        views = stack.path(f"{stack.slug}/views.py")
        marker = uuid.uuid4().hex
        write_in_place(views, views.read_text() + PROBE_VIEW.format(marker=marker))
        serves(stack, "/probe", marker)
        response = wait_for(lambda: dap_initialize(stack.debugpy_port), timeout=30)
        assert response["success"] is True


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
