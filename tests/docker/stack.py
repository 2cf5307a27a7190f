"""Driving generated projects with Docker Compose, as a user would."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import docker
import requests
from pytest_docker.plugin import Services, get_docker_services

# Compose project names of the test stacks start with this.
STACK_PREFIX = "tpltest-"
# A view added to views.py to see which code the dev server runs.
PROBE_VIEW = """

@bp.get("/probe")
def probe():
    return {marker!r}
"""
# What the dev server logs at each reload.
RELOADED = ", reloading"


def engine_problem() -> str | None:
    try:
        docker.from_env().ping()
    except Exception as error:  # noqa: BLE001 - any failure means no engine
        return f"no Docker engine answers ({error.__class__.__name__})"
    version = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, check=False
    )
    if version.returncode != 0:
        return "the Docker Compose v2 plugin is missing"
    return None


# Ports handed out in this session. A stack picks its ports when it is made
# but publishes some only later (prod, the debugger), so the kernel, which
# sees them free meanwhile, would hand one out again to the next stack.
_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A port free on 127.0.0.1 and never handed out before in this session."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


class Stack:
    """A generated project and its Compose project, driven like a user would."""

    def __init__(self, project: Path) -> None:
        self.project = project
        self.slug = project.name
        self.name = f"{STACK_PREFIX}{uuid.uuid4().hex[:10]}"
        self.dev_port = free_port()
        self.prod_port = free_port()
        self.debugpy_port = free_port()
        self.db_port = free_port()
        self.override_files: list[Path] = []
        self.set_env(
            DEV_PORT=str(self.dev_port),
            PROD_PORT=str(self.prod_port),
            DEBUGPY_PORT=str(self.debugpy_port),
            DB_PORT=str(self.db_port),
        )

    @property
    def has_database(self) -> bool:
        """Whether the project was generated with a database (database=postgres)."""
        return (self.project / self.slug / "database.py").is_file()

    @property
    def has_worker(self) -> bool:
        """Whether the project was generated with a worker (worker=celery)."""
        return (self.project / self.slug / "worker.py").is_file()

    def services(self, *names: str) -> set[str]:
        """`names`, with the database and worker services that come with
        them, if any."""
        databases = {"dev": {"db"}, "prod": {"prod-db", "migrate"}}
        workers = {
            "dev": {"dev-worker", "broker"},
            "prod": {"prod-worker", "prod-broker"},
        }
        found = set(names)
        for name in names:
            found |= databases.get(name, set()) if self.has_database else set()
            found |= workers.get(name, set()) if self.has_worker else set()
        return found

    # -- files -------------------------------------------------------------
    def path(self, relative: str) -> Path:
        return self.project / relative

    def set_env(self, **values: str) -> None:
        """Add or replace lines of the project's .env."""
        self._edit_env(values, [f"{key}={value}" for key, value in values.items()])

    def env_value(self, name: str) -> str:
        """A value of the project's .env."""
        lines = self.path(".env").read_text().splitlines()
        return next(
            line.split("=", 1)[1] for line in lines if line.startswith(f"{name}=")
        )

    def unset_env(self, *names: str) -> None:
        self._edit_env(names, [])

    def _edit_env(self, names, new_lines: list[str]) -> None:
        env_file = self.path(".env")
        lines = env_file.read_text().splitlines() if env_file.exists() else []
        kept = [line for line in lines if line.split("=", 1)[0] not in names]
        env_file.write_text("\n".join(kept + new_lines) + "\n")

    def append(self, relative: str, text: str) -> None:
        """Add `text` at the end of a project file."""
        path = self.path(relative)
        path.write_text(path.read_text() + text)

    def add_override(self, yaml_text: str) -> None:
        """A Compose file merged over docker-compose.yml (like compose.override.yml)."""
        override = self.path(f"test-override-{len(self.override_files)}.yml")
        override.write_text(yaml_text)
        self.override_files.append(override)

    # -- compose -----------------------------------------------------------
    @property
    def compose_files(self) -> list[str]:
        return [str(self.path("docker-compose.yml")), *map(str, self.override_files)]

    def compose_argv(self, *args: str) -> list[str]:
        """The `docker compose` command line for this stack."""
        files = [arg for f in self.compose_files for arg in ("-f", f)]
        return ["docker", "compose", *files, "-p", self.name, *args]

    def compose(self, *args: str, check: bool = True, timeout: float = 600):
        result = subprocess.run(
            self.compose_argv(*args),
            cwd=self.project,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
        if check and result.returncode:
            raise AssertionError(  # with what Compose said, not only its code
                f"docker compose {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stderr[-4000:]}{result.stdout[-2000:]}"
            )
        return result

    @contextlib.contextmanager
    def running(self, setup: str) -> Iterator[Services]:
        """`docker compose <setup>`, then `down` whatever happens."""
        try:
            with get_docker_services(
                "docker compose", self.compose_files, self.name, [setup], []
            ) as services:
                yield services
        finally:
            self.down()

    def down(self) -> None:
        # Every profile: a plain `down` would leave the prod container (and
        # the network it holds) behind, as COMPOSE_PROFILES=dev in .env.
        self.compose(
            "--profile", "*", "down", "--volumes", "--remove-orphans", "--timeout", "5"
        )

    def leftovers(self) -> list[str]:
        """Containers, networks and volumes of this Compose project still on
        the engine."""
        client = docker.from_env()
        label = {"label": f"com.docker.compose.project={self.name}"}
        containers = client.containers.list(all=True, filters=label)
        networks = client.networks.list(filters=label)
        volumes = client.volumes.list(filters=label)
        return [c.name for c in containers + networks + volumes]

    def logs(self, service: str) -> str:
        return self.compose("logs", "--no-color", service, check=False).stdout

    def services_running(self) -> set[str]:
        out = self.compose("ps", "--all", "--format", "{{.Service}}").stdout
        return set(out.split())

    def container(self, service: str):
        container_id = self.compose("ps", "--all", "-q", service).stdout.strip()
        return docker.from_env().containers.get(container_id)

    def url(self, service: str, path: str = "/") -> str:
        port = self.dev_port if service == "dev" else self.prod_port
        return f"http://127.0.0.1:{port}{path}"


@dataclass
class Load:
    """GETs from a few threads until stopped: the bodies of the 200s, and
    the rest (errors, other statuses)."""

    url: str
    answers: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    pause = 0.01  # between two requests of a thread

    def once(self) -> None:
        try:
            response = requests.get(self.url, timeout=10)
        except requests.RequestException as error:
            self.failures.append(repr(error))
        else:
            if response.status_code == 200:
                self.answers.append(response.text)
            else:
                self.failures.append(f"{response.status_code} {response.text}")

    @contextlib.contextmanager
    def running(self, threads: int = 4):
        with clients(self.stop, self.pause, [self.once] * threads):
            yield self


@contextlib.contextmanager
def clients(
    stop: threading.Event, pause: float, requests_: list[Callable[[], None]]
) -> Iterator[None]:
    """A thread for each of `requests_`, made again and again (`pause`
    between two) until the block ends; then `stop` is set and all joined."""

    def loop(once: Callable[[], None]) -> None:
        while not stop.is_set():
            once()
            time.sleep(pause)

    threads = [threading.Thread(target=loop, args=(once,)) for once in requests_]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join()


# For scripts run in containers: a process's /proc/<pid>/stat fields after
# its name (state, parent, ... utime at 11), the one parser of them.
STAT_FIELDS = """
def stat_fields(pid):
    return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
"""
# Every process of a container, as JSON (run inside it): its id, parent,
# state, command line, and how many sockets it holds.
PROCESSES = (
    STAT_FIELDS
    + """
import json, os
found = []
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        state, parent = stat_fields(pid)[:2]
        argv = open(f"/proc/{pid}/cmdline").read().split("\\0")[:-1]
    except OSError:
        continue  # gone meanwhile
    links = []
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        fds = []  # another user's: its sockets are not counted
    for fd in fds:
        try:
            links.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            continue  # closed meanwhile
    sockets = sum(link.startswith("socket:") for link in links)
    found.append(dict(pid=int(pid), parent=int(parent), state=state, argv=argv,
                      sockets=sockets))
print(json.dumps(found))
"""
)
DEV_SERVER = "scripts/devserver.py"


def processes(stack: Stack, service: str = "dev") -> list[dict]:
    """The processes running in the service's container (see PROCESSES)."""
    result = stack.compose("exec", "-T", service, "python", "-c", PROCESSES)
    return json.loads(result.stdout)


def dev_supervisor_and_servers(stack: Stack) -> tuple[dict, list[dict]]:
    """The dev server's supervisor, and the live servers it forked."""
    ours = [
        p
        for p in processes(stack)
        if p["argv"][-1:] == [DEV_SERVER] and "python" in p["argv"][0]  # not init
    ]
    pids = {p["pid"] for p in ours}
    (supervisor,) = [p for p in ours if p["parent"] not in pids]
    servers = [
        p for p in ours if p["parent"] == supervisor["pid"] and p["state"] != "Z"
    ]
    return supervisor, servers


def wait_for(
    check: Callable[[], object], timeout: float = 60, pause: float = 0.1
) -> object:
    """Return check()'s first truthy value; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
        except (requests.RequestException, OSError) as error:
            last_error = error
            result = None
        if result:
            return result
        time.sleep(pause)
    raise AssertionError(f"not true after {timeout}s (last error: {last_error})")


def get(url: str, **kwargs) -> requests.Response:
    kwargs.setdefault("timeout", 10)
    return requests.get(url, **kwargs)


def answers_ok(url: str) -> bool:
    """Whether `url` answers 200 (False when nothing listens)."""
    try:
        return get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def serves(stack: Stack, path: str, expected: str, *, whole: bool = False) -> None:
    """Wait until the dev service answers GET `path` with `expected` in its
    body (or as its whole body)."""

    def answered() -> bool:
        body = get(stack.url("dev", path), timeout=5).text
        return body == expected if whole else expected in body

    wait_for(answered, timeout=10)


def stand_in_user(*paths: Path) -> tuple[int, int]:
    """The host user the tests act as, owning `paths` (recursively).

    Root can't show who owns what, so tests run as root act as 12345:12346,
    as a developer with those ids would be.
    """
    if os.getuid() != 0:
        return os.getuid(), os.getgid()
    uid, gid = 12345, 12346
    for top in paths:
        for path in [top, *top.rglob("*")]:
            os.chown(path, uid, gid, follow_symlinks=False)
    return uid, gid


# -- editing files, as editors and tools do ---------------------------------
def write_in_place(path: Path, text: str) -> None:
    """Overwrite the file's content, keeping its inode (most editors)."""
    with open(path, "r+") as file:
        file.write(text)
        file.truncate()


def write_by_rename(path: Path, text: str) -> None:
    """Write a new file and rename it over the old one (vim, JetBrains)."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


def write_many(top: Path, directories: int, files_per_directory: int) -> None:
    """New modules as fast as Python writes them (a generator, an unpacked
    archive, a checkout of another branch)."""
    for index in range(directories):
        directory = top / f"package_{index}"
        directory.mkdir(parents=True)
        for module in range(files_per_directory):
            (directory / f"module_{module}.py").write_text("VALUE = 1\n")


# -- the dev server, seen from outside ----------------------------------------
def shows_error_until_fixed(stack: Stack, views: Path, breaking: str) -> str:
    """Put `breaking` at the top of views.py: the page the dev server answers
    then (a 500); then undo it, and wait until the fixed code is served."""
    original = views.read_text()
    write_in_place(views, breaking + original)
    page = wait_for(lambda: (r := get(stack.url("dev"))).status_code == 500 and r.text)
    marker = uuid.uuid4().hex
    write_in_place(views, original + PROBE_VIEW.format(marker=marker))
    serves(stack, "/probe", marker)
    return page


def starts(stack: Stack) -> int:
    """How many times the dev server started (its banner), restarts from
    scratch (exec) included."""
    return stack.logs("dev").count(" * Serving on ")


def saves_served(stack: Stack, views: Path, times: int) -> None:
    """Save views.py `times` times, a new probe each time, and wait until
    each one is served (views.py ends with the last probe)."""
    original = views.read_text()
    for _ in range(times):
        marker = uuid.uuid4().hex
        write_in_place(views, original + PROBE_VIEW.format(marker=marker))
        serves(stack, "/probe", marker)


def reloads(stack: Stack) -> int:
    """How many times the dev server reloaded, from its log."""
    return stack.logs("dev").count(RELOADED)


def wait_until_reloads(stack: Stack, before: int, timeout: float = 10) -> int:
    return wait_for(lambda: (n := reloads(stack)) > before and n, timeout)


def save_and_wait_for_reload(stack: Stack, path: Path, text: str) -> None:
    """Write `path` in place; wait until the dev server reloaded for it."""
    before = reloads(stack)
    write_in_place(path, text)
    wait_until_reloads(stack, before)


def wait_until_quiet(stack: Stack, quiet: float = 2.0, timeout: float = 60) -> int:
    """Wait until no reload happened for `quiet` seconds; the reloads so far."""
    deadline = time.monotonic() + timeout
    count, since = reloads(stack), time.monotonic()
    while time.monotonic() - since < quiet:
        assert time.monotonic() < deadline, f"still reloading after {timeout}s"
        time.sleep(0.25)
        if (now := reloads(stack)) != count:
            count, since = now, time.monotonic()
    return count


# The CPU time of the container's main process and its descendants, as
# JSON: {"<pid> <command>": seconds}. Not a healthcheck's nor an `exec`'s
# (their parent is outside the container): one that runs when this does
# would count, and on a busy machine a Python healthcheck is 0.1-0.5 s.
CPU_BY_PROCESS = (
    STAT_FIELDS
    + """
import json, os
parents, found = {}, {}
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        fields = stat_fields(pid)
        argv = open(f"/proc/{pid}/cmdline").read().replace("\\0", " ")
    except OSError:
        continue
    parents[pid] = fields[1]
    ticks = sum(map(int, fields[11:15]))  # utime stime cutime cstime
    found[pid] = (argv.strip()[:60], ticks / os.sysconf("SC_CLK_TCK"))

def of_the_main_process(pid):
    while pid not in ("1", "0"):
        pid = parents.get(pid, "0")
    return pid == "1"

print(json.dumps({
    f"{pid} {argv}": seconds
    for pid, (argv, seconds) in found.items() if of_the_main_process(pid)
}))
"""
)


def cpu_seconds(stack: Stack, service: str = "dev") -> float:
    """CPU time used so far by the service's processes, ended ones included
    (healthchecks and `exec`s left out: they descend from no process of the
    container)."""
    return sum(cpu_by_process(stack, service).values())


def cpu_by_process(stack: Stack, service: str = "dev") -> dict[str, float]:
    """CPU time used so far by each of the service's processes (a process's
    time includes its ended children's)."""
    result = stack.compose("exec", "-T", service, "python", "-c", CPU_BY_PROCESS)
    return json.loads(result.stdout)


def cpu_spent(before: dict[str, float], after: dict[str, float]) -> float:
    """CPU seconds used between two `cpu_by_process`: a process that ended
    meanwhile moved its time into its parent's, so only totals compare."""
    return sum(after.values()) - sum(before.values())


# Writes (text given) or removes a file in the interpreter's site-packages.
SITE_PACKAGES_FILE = """
import pathlib, sys, sysconfig
path = pathlib.Path(sysconfig.get_paths()["purelib"], sys.argv[1])
path.write_text(sys.argv[2]) if len(sys.argv) > 2 else path.unlink()
"""


def install_in_dev(stack: Stack, name: str, text: str | None = None) -> None:
    """Put a file into the dev image's site-packages, or remove it (None),
    as `pip install` would, as root."""
    content = () if text is None else (text,)
    command = ("python", "-c", SITE_PACKAGES_FILE, name, *content)
    stack.compose("exec", "-T", "-u", "0", "dev", *command)
