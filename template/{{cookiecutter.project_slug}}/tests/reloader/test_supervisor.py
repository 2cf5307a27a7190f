"""The supervisor's decisions, with fake watchers and servers (supervisor.py)."""

import os
import socket
import sys
import time

import pytest
from devreload import modules
from devreload.modules import fork_hazards
from devreload.process import LineReader
from devreload.settings import Settings
from devreload.supervisor import StartOver, Supervisor, set_by_compose
from devreload.watchers import Watchers

from .helpers import write


class FakeServer:
    """Stands for a forked server: records starts, exits when told."""

    def __init__(self, serve, keep_fds, retired_seconds=None):
        read_end, self.write_end = os.pipe()
        self.reports = LineReader(read_end)
        self.status = None
        self.ended = False
        self.told = []

    def tell(self, message):
        self.told.append(message)
        return True

    def start(self):
        self.started_at = time.monotonic()
        STARTED.append(self)

    def stop(self):
        self.reports.close()

    def reaped(self):
        if self.ended:
            self.status = 1
        return self.ended

    def kill_at(self):
        return None

    def kill_if_overdue(self):
        pass

    def stop_and_wait(self, timeout=None):
        self.stop()


STARTED: list[FakeServer] = []


class FakeWatcher:
    """Reports the given changes, one set per look."""

    name = "fake"

    def __init__(self, *looks):
        self.looks = list(looks)

    def fileno(self):
        return None

    def next_due(self):
        return None

    def changes(self):
        return self.looks.pop(0) if self.looks else set()

    look_again = lambda self, burst, last=False: self.changes()  # noqa: E731


# A thread started as C libraries do, outside `threading`; it ends when
# END is released.
STARTS_A_THREAD = """
import _thread

END = _thread.allocate_lock()
END.acquire()
_thread.start_new_thread(END.acquire, ())
"""


@pytest.fixture
def supervisor(root):
    STARTED.clear()
    watched = Supervisor(Settings(paths=(root,)), new_server=FakeServer)
    watched.sock = socket.socket()
    yield watched
    watched.sock.close()


def test_a_burst_of_changes_gives_one_reload(supervisor, root):
    files = [write(root / "pkg" / f"m{index}.py") for index in range(4)]
    looks = [{files[1]}, {files[2]}, set(), {files[3]}]
    supervisor.watchers = Watchers([FakeWatcher(*looks)])
    changed = supervisor.settle({files[0]})
    assert changed == set(files[:3])  # the last one came after a quiet time
    supervisor.reload(changed)
    assert len(STARTED) == 1


def test_a_template_or_stylesheet_change_is_told_to_the_server_not_reloaded(
    supervisor, root
):
    supervisor.start_server()
    changed = {
        write(root / "pkg" / "static" / "a.css"),
        write(root / "pkg" / "templates" / "t.html"),
    }
    supervisor.reload(changed)
    assert len(STARTED) == 1
    assert STARTED[0].told == [{"changed": sorted(changed)}]


def test_a_code_change_reloads_and_tells_nothing_more(supervisor, root):
    supervisor.start_server()
    template = write(root / "pkg" / "templates" / "t.html")
    supervisor.reload({write(root / "pkg" / "views.py"), template})
    assert len(STARTED) == 2
    assert STARTED[0].told == STARTED[1].told == []  # the new server is the news


def test_with_live_reload_off_a_template_change_is_nothing(root):
    settings = Settings(paths=(root,), live_reload=False)
    supervisor = Supervisor(settings, new_server=FakeServer)
    STARTED.clear()
    supervisor.start_server()
    supervisor.reload({write(root / "pkg" / "templates" / "t.html")})
    assert STARTED[0].told == []


@pytest.mark.parametrize("name", [".env", ".flaskenv"])
def test_an_environment_file_change_starts_over(supervisor, root, name):
    with pytest.raises(StartOver, match=f"{name} changed"):
        supervisor.reload({write(root / name, "A=1\n")})


def test_a_change_of_the_reloaders_own_code_starts_over(supervisor, root):
    own = write(root / "scripts" / "devreload" / "x.py")
    supervisor.own_files = {own}
    with pytest.raises(StartOver, match="scripts/devreload/x.py changed"):
        supervisor.reload({own})


def test_installed_packages_changing_starts_over_and_tries_preload_again(supervisor):
    with pytest.raises(StartOver) as start_over:
        supervisor.reload({supervisor.packages})
    assert start_over.value.preload_off == ""


def test_a_dependency_change_asks_for_a_rebuild_without_reloading(
    supervisor, root, capsys
):
    supervisor.reload({write(root / "uv.lock", "version = 1\n")})
    assert "rebuilds the image" in capsys.readouterr().err
    assert STARTED == []


def test_a_server_that_ends_is_replaced_by_one_that_explains(supervisor):
    supervisor.start_server()
    STARTED[-1].ended = True
    supervisor.collect_servers()
    assert len(STARTED) == 2
    assert supervisor.failure
    STARTED[-1].ended = True  # the explaining one ends too: no loop
    supervisor.collect_servers()
    supervisor.collect_servers()
    assert len(STARTED) == 2


def test_a_server_showing_an_error_page_that_dies_later_comes_back(supervisor):
    supervisor.start_server(failure="The app is broken")
    STARTED[-1].started_at -= 60  # it served the page for a minute
    STARTED[-1].ended = True  # then was killed
    supervisor.collect_servers()
    assert len(STARTED) == 2
    assert supervisor.failure == "The app is broken"


def test_preloading_stops_at_the_first_module_that_makes_forking_unsafe(
    supervisor, root, monkeypatch
):
    write(root / "starts_a_thread.py", STARTS_A_THREAD)
    monkeypatch.syspath_prepend(str(root))
    try:
        with pytest.raises(StartOver) as start_over:
            supervisor.preload(["starts_a_thread"], loaded=True)
    finally:
        sys.modules["starts_a_thread"].END.release()
    assert start_over.value.preload_off.startswith(
        "importing starts_a_thread left 1 thread running"
    )
    deadline = time.monotonic() + 5
    while "thread" in (fork_hazards(set()) or ""):  # until that thread ends
        assert time.monotonic() < deadline, "the library's thread never ended"
        time.sleep(0.01)


def test_preloaded_modules_count_as_the_supervisors_own(supervisor, root, monkeypatch):
    module = write(root / "harmless_module.py", "VALUE = 1\n")
    monkeypatch.syspath_prepend(str(root))
    # This process may hold other tests' sockets (a database's): not ours.
    monkeypatch.setattr(modules, "fork_hazards", lambda *_owned: None)
    supervisor.preload(["harmless_module"], loaded=True)
    assert module in supervisor.own_files


def test_values_in_dotenv_that_compose_set_otherwise_are_named(tmp_path):
    (tmp_path / ".env").write_text("DEBUGPY=1\nDEV_PORT=5001\nSAME=1\n")
    environment = {"DEBUGPY": "0", "SAME": "1", "HOME": "/home/me"}
    assert set_by_compose(tmp_path, environment) == ["DEBUGPY"]
    assert set_by_compose(tmp_path / "nowhere", environment) == []


# Commands that print nothing: pytest's captured output is on descriptors
# a forked process closes.
AN_APP_WITH_COMMANDS = """
import pathlib
from flask import Flask

app = Flask(__name__)
app.cli.command("mark")(lambda: pathlib.Path("marked").write_text("yes"))
app.cli.command("fail")(lambda: exit(3))
"""


@pytest.mark.parametrize(
    ("command", "status"), [("mark", 0), ("fail", 3)], ids=["succeeds", "fails"]
)
def test_a_command_before_serving_runs_once_and_a_failure_ends_the_dev_server(
    tmp_path, monkeypatch, capfd, command, status
):
    write(tmp_path / "an_app.py", AN_APP_WITH_COMMANDS)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLASK_APP", "an_app.py")
    supervisor = Supervisor(Settings(paths=(tmp_path,), before_serving=(command,)))
    with supervisor.selector, supervisor.signals_on_the_selector():
        if status:
            with pytest.raises(SystemExit) as ended:
                supervisor.run_before_serving()
            assert ended.value.code == status
            said = capfd.readouterr().err
            assert "`flask fail` failed (exit code 3)" in said
        else:
            supervisor.run_before_serving()
            assert (tmp_path / "marked").read_text() == "yes"
