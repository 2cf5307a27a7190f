"""The editor's debugger (DEBUGPY=1): one attach survives every save.

An editor, played by a small DAP client (tests/docker/dap.py) configured as
.vscode/launch.json is, attaches once to the published port; each reload
is offered to it as a child session, which gets the editor's breakpoints
before the new server runs.
"""

from __future__ import annotations

import concurrent.futures
import json
import uuid

import pytest

from tests.docker.dap import CAPABILITIES, Connection, Editor, Session
from tests.docker.stack import (
    PROBE_VIEW,
    answers_ok,
    dev_supervisor_and_servers,
    get,
    save_and_wait_for_reload,
    serves,
    stand_in_user,
    wait_for,
    write_in_place,
)

DEV_UP = "up --build --detach dev"


def launch_configuration(stack) -> dict:
    """The project's own attach configuration, pointed at the test's port and
    directory (VS Code fills in ${workspaceFolder})."""
    launch = json.loads(stack.path(".vscode/launch.json").read_text())
    configuration = dict(launch["configurations"][0])
    configuration["connect"] = {"host": "127.0.0.1", "port": stack.debugpy_port}
    configuration["pathMappings"] = [
        {**mapping, "localRoot": str(stack.project)}
        for mapping in configuration["pathMappings"]
    ]
    return configuration


def line_of(path, text: str) -> int:
    return path.read_text().splitlines().index(text) + 1


@pytest.fixture(scope="module")
def debugged(new_stack):
    """A dev stack with DEBUGPY=1, run as a non-root host user."""
    stack = new_stack(project_name="Debug Shop")
    uid, gid = stand_in_user(stack.project)
    stack.set_env(DEBUGPY="1", HOST_UID=str(uid), HOST_GID=str(gid))
    with stack.running(DEV_UP):
        wait_for(lambda: answers_ok(stack.url("dev", "/healthz")), timeout=120)
        yield stack


def test_the_debugger_port_is_published_on_loopback_only(debugged):
    ports = debugged.container("dev").attrs["NetworkSettings"]["Ports"]["5678/tcp"]
    assert {binding["HostIp"] for binding in ports} == {"127.0.0.1"}
    # The banner names the host's port (DEBUGPY_PORT), and what to change.
    log = debugged.logs("dev")
    assert f"debugpy listening on 127.0.0.1:{debugged.debugpy_port}:" in log
    assert f"set its port to {debugged.debugpy_port} (DEBUGPY_PORT" in log


def test_an_editor_that_takes_no_child_session_is_told_why_nothing_serves(
    debugged,
):
    """Without `startDebugging`, a new server waits for the editor forever:
    the log says why; once the editor is gone, the next save serves, and the
    server left waiting ends."""
    stack = debugged
    views = stack.path(f"{stack.slug}/views.py")
    original = views.read_text()
    plain = Session(
        Connection("127.0.0.1", stack.debugpy_port),
        launch_configuration(stack),
        breakpoints={},
        capabilities={**CAPABILITIES, "supportsStartDebuggingRequest": False},
    )
    plain.start()
    write_in_place(views, original + PROBE_VIEW.format(marker=uuid.uuid4().hex))
    wait_for(lambda: "The new server waits for the debugger" in stack.logs("dev"))
    plain.connection.call("disconnect")
    plain.connection.close()
    marker = uuid.uuid4().hex
    write_in_place(views, original + PROBE_VIEW.format(marker=marker))
    serves(stack, "/probe", marker)
    # The server left waiting ended with its SIGTERM: only the new one runs.
    wait_for(lambda: len(dev_supervisor_and_servers(stack)[1]) == 1, timeout=10)
    write_in_place(views, original)


def test_one_attach_stops_at_a_breakpoint_after_every_save(debugged):
    stack = debugged
    views = stack.path(f"{stack.slug}/views.py")
    original = views.read_text()
    # Saved before any editor attached: the server does not wait for one.
    first = uuid.uuid4().hex
    write_in_place(views, original + PROBE_VIEW.format(marker=first))
    serves(stack, "/probe", first)
    assert "Waiting for a debugger" not in stack.logs("dev")

    editor = Editor("127.0.0.1", stack.debugpy_port, launch_configuration(stack))
    try:
        editor.attach()
        editor.next_child()  # the server running when the editor attached
        line = line_of(views, f"    return {first!r}")
        editor.set_breakpoints(str(views), [line])
        with concurrent.futures.ThreadPoolExecutor() as pool:
            for _ in range(3):
                marker = uuid.uuid4().hex
                text = original + PROBE_VIEW.format(marker=marker)
                save_and_wait_for_reload(stack, views, text)
                child = editor.next_child()  # offered, with the breakpoint
                page = pool.submit(get, stack.url("dev", "/probe"), timeout=60)
                thread, frame = child.stopped_at()
                assert (frame["source"]["path"], frame["line"]) == (str(views), line)
                assert not page.done()  # held at the breakpoint
                child.connection.call("continue", threadId=thread)
                assert page.result().text == marker
        assert len(editor.sessions) == 5  # one attach, four servers offered
    finally:
        editor.close()


def test_debugpy_wait_holds_the_first_server_until_an_editor_attaches(new_stack):
    stack = new_stack()
    stack.set_env(DEBUGPY="1", DEBUGPY_WAIT="1")
    with stack.running(DEV_UP):
        wait_for(lambda: "Waiting for a debugger" in stack.logs("dev"), timeout=120)
        assert not answers_ok(stack.url("dev", "/healthz"))
        editor = Editor("127.0.0.1", stack.debugpy_port, launch_configuration(stack))
        try:
            editor.attach()
            editor.next_child()
            wait_for(lambda: answers_ok(stack.url("dev", "/healthz")), timeout=30)
        finally:
            editor.close()
