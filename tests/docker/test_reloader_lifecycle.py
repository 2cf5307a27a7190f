"""The dev server's processes, in the default mode: what they hold, how they
end, and what a user sees when the app itself fails to start."""

from __future__ import annotations

import json
import shutil
import uuid

import pytest

from tests.docker.stack import (
    PROBE_VIEW,
    STAT_FIELDS,
    Load,
    answers_ok,
    dev_supervisor_and_servers,
    get,
    install_in_dev,
    processes,
    reloads,
    saves_served,
    serves,
    shows_error_until_fixed,
    starts,
    wait_for,
    wait_until_quiet,
    wait_until_reloads,
    write_in_place,
)

# Run inside the dev container: start a second dev server on port 5001
# with the given interpreter, kill it with SIGKILL once it serves, and say
# what is left of it a second later.
SECOND_SERVER = (
    STAT_FIELDS
    + """
import json, os, signal, subprocess, sys, time, urllib.request

def answers():
    try:
        url = "http://127.0.0.1:5001/healthz"
        return urllib.request.urlopen(url, timeout=1).status == 200
    except OSError:
        return False

def children(parent):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = stat_fields(pid)
        except OSError:
            continue
        if int(fields[1]) == parent:
            found.append(int(pid))
    return found

def running(pid):
    try:
        return stat_fields(pid)[0] != "Z"
    except OSError:
        return False

log = open("/tmp/second-server.log", "w+")
env = dict(os.environ, DEV_CONTAINER_PORT="5001", DEV_URL="")
command = [sys.argv[1], "scripts/devserver.py"]
supervisor = subprocess.Popen(command, env=env, stderr=log)
deadline = time.monotonic() + 60
while not (answers() and "Preload" in open(log.name).read()):
    assert time.monotonic() < deadline, open(log.name).read()
    time.sleep(0.1)
servers = children(supervisor.pid)
supervisor.send_signal(signal.SIGKILL)
supervisor.wait()
time.sleep(1)
print(json.dumps({
    "servers": servers,
    "left": [pid for pid in servers if running(pid)],
    "answers": answers(),
    "log": open(log.name).read(),
}))
"""
)


@pytest.fixture(scope="module")
def dev(new_stack):
    stack = new_stack(project_name="Lifecycle Shop")
    # Interpreter flags, to see that a restart from scratch keeps them.
    stack.add_override(
        "services:\n  dev:\n"
        '    command: ["python", "-X", "utf8", "scripts/devserver.py"]\n'
    )
    with stack.running("up --build --detach dev"):
        wait_for(lambda: answers_ok(stack.url("dev", "/healthz")))
        yield stack


def in_dev(dev, code: str, *args: str, user: str | None = None) -> str:
    as_user = ("-u", user) if user else ()
    command = ("exec", "-T", *as_user, "dev", "python", "-c", code, *args)
    return dev.compose(*command).stdout


def restart_from_scratch(dev) -> None:
    """Change .env, which restarts the dev server from scratch."""
    before = dev.logs("dev").count("restarting the dev server from scratch")
    env_file = dev.path(".env")
    env_file.write_text(env_file.read_text() + f"# {uuid.uuid4().hex}\n")
    wait_for(
        lambda: dev.logs("dev").count("restarting the dev server from scratch") > before
    )
    wait_for(lambda: answers_ok(dev.url("dev", "/healthz")), timeout=30)


def test_a_killed_supervisor_leaves_no_server_behind(dev):
    second = json.loads(in_dev(dev, SECOND_SERVER, "python"))
    assert second["servers"], second["log"]
    assert second["left"] == []
    assert not second["answers"]


def test_a_restart_from_scratch_leaves_no_zombie_and_keeps_interpreter_flags(dev):
    restart_from_scratch(dev)
    assert [p for p in processes(dev) if p["state"] == "Z"] == []
    supervisor, _ = dev_supervisor_and_servers(dev)
    assert supervisor["argv"][1:] == ["-X", "utf8", "scripts/devserver.py"]


def test_an_in_project_virtualenv_is_ignored_and_keeps_preload_on(dev):
    """A copy of the image's virtualenv inside the project (as `uv sync` or
    `python -m venv .venv` make): its thousands of files cause no reload,
    and a dev server run by its interpreter still preloads its packages."""
    before = wait_until_quiet(dev)
    copy = "import shutil; shutil.copytree('/opt/venv', '/app/.venv', symlinks=True)"
    in_dev(dev, copy, user="0")
    try:
        assert wait_until_quiet(dev) == before
        second = json.loads(in_dev(dev, SECOND_SERVER, "/app/.venv/bin/python"))
        log = second["log"].splitlines()
        banner = next(line for line in log if "Serving on" in line)
        assert "preload on" in banner
        assert "Preloaded" in second["log"]
        watched = int(banner.split(" files watched")[0].rsplit(" ", 1)[1])
        assert watched < 100  # the project's files, not the virtualenv's
    finally:
        shutil.rmtree(dev.path(".venv"))


def test_an_app_that_exits_at_import_shows_why(dev, views):
    exits = 'import sys\nsys.exit("DATABASE_URL is not set")\n'
    page = shows_error_until_fixed(dev, views, exits)
    assert "The app exited while being imported" in page
    assert "DATABASE_URL is not set" in page
    assert "Werkzeug Debugger" in page


def test_a_server_that_dies_is_explained_instead_of_hanging(dev, views):
    page = shows_error_until_fixed(dev, views, "import os\nos._exit(3)\n")
    assert "The server process ended (exit code 3)" in page


FD_VIEW = """

@bp.get("/fds")
def fds():
    import subprocess

    # close_fds=False: every descriptor that is inheritable goes to `ls`.
    command = "ls -l /proc/self/fd"
    listing = subprocess.run(command, shell=True, close_fds=False, capture_output=True)
    return listing.stdout
"""


def test_the_apps_subprocesses_inherit_no_socket(dev, views):
    write_in_place(views, views.read_text() + FD_VIEW)
    listing = wait_for(lambda: (r := get(dev.url("dev", "/fds"))).ok and r.text)
    assert "pipe:" in listing  # the listing itself worked
    assert "socket:" not in listing


FORK_HAZARDS = {
    "a thread started in C": (
        "import _thread, time\n_thread.start_new_thread(time.sleep, (3600,))\n",
        "left 1 thread running",
    ),
    "a socket opened at import": (
        "import socket\nCONNECTION = socket.socketpair()\n",
        "left 2 sockets open",
    ),
}


@pytest.mark.parametrize(
    ("library", "found"), FORK_HAZARDS.values(), ids=FORK_HAZARDS.keys()
)
def test_a_library_unsafe_to_fork_turns_preload_off(dev, views, library, found):
    name = f"unsafe_{uuid.uuid4().hex[:6]}"
    install_in_dev(dev, f"{name}.py", library)
    try:
        marker = uuid.uuid4().hex
        probe = PROBE_VIEW.format(marker=marker)
        write_in_place(views, f"import {name}  # noqa\n{views.read_text()}{probe}")
        reason = f"importing {name} {found}"
        wait_for(lambda: f"Preloading off: {reason}" in dev.logs("dev"), 30)
        serves(dev, "/probe", marker)
        assert f"preload off: {reason}" in dev.logs("dev")  # the new banner
        again = uuid.uuid4().hex
        write_in_place(views, views.read_text().replace(marker, again))
        serves(dev, "/probe", again)
    finally:
        started = starts(dev)
        install_in_dev(dev, f"{name}.py", None)  # a restart from scratch
        wait_for(lambda: starts(dev) > started, timeout=30)


def live_servers(dev) -> int:
    return len(dev_supervisor_and_servers(dev)[1])


def test_reloads_under_a_steady_reader_leave_no_retired_server_behind(dev, views):
    """Each retired server gets its pipe's end and SIGTERM at once: with a
    reader always in flight, some used to hang forever in between."""
    with Load(dev.url("dev", "/")).running() as load:
        saves_served(dev, views, 40)
    assert load.answers and load.failures == []
    wait_for(lambda: live_servers(dev) == 1, timeout=15)


def test_servers_stuck_importing_the_app_end_when_they_are_replaced(dev, views):
    original = views.read_text()
    for number in range(3):
        before = reloads(dev)
        write_in_place(views, f"import time\ntime.sleep(1000)  # {number}\n{original}")
        wait_until_reloads(dev, before)
    marker = uuid.uuid4().hex
    write_in_place(views, original + PROBE_VIEW.format(marker=marker))
    serves(dev, "/probe", marker)
    wait_for(lambda: live_servers(dev) == 1, timeout=5)
