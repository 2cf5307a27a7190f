"""Which imported modules are watched, which are preloaded, and whether a
process that preloaded them is still safe to fork.

A module is installed when its file lies in the interpreter's own
directories: the standard library and site-packages, as sysconfig and site
name them. Those change only with an install (the supervisor then starts
from scratch), so the supervisor imports them once and every forked server
shares them. Every other module (the project's, an editable install, a
PYTHONPATH directory) is watched and imported afresh by each server.
Deciding by "outside the project" instead would never watch an editable
sibling library, and would take an in-project virtualenv for project code.
"""

from __future__ import annotations

import functools
import importlib
import os
import site
import sys
import sysconfig
import threading
from collections.abc import Iterable, Mapping


@functools.cache
def installed_dirs() -> tuple[str, ...]:
    """The interpreter's library directories, each ending with a separator
    (found once, in the supervisor: every forked process has them)."""
    paths = sysconfig.get_paths()
    dirs = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")}
    dirs.update(site.getsitepackages() if hasattr(site, "getsitepackages") else ())
    if site.ENABLE_USER_SITE:
        dirs.add(site.getusersitepackages())
    both = {os.path.abspath(d) for d in dirs} | {os.path.realpath(d) for d in dirs}
    return tuple(sorted(os.path.join(d, "") for d in both))


def is_installed(path: str, dirs: tuple[str, ...]) -> bool:
    return path.startswith(dirs) or os.path.realpath(path).startswith(dirs)


def split_modules(
    modules: Mapping[str, object], dirs: tuple[str, ...]
) -> tuple[list[str], list[str]]:
    """(files to watch, names of installed modules) of imported modules."""
    watched, installed = [], []
    for name, module in list(modules.items()):
        path = getattr(module, "__file__", None)
        if not isinstance(path, str):
            continue  # built in, or a namespace package
        path = os.path.abspath(path)
        if is_installed(path, dirs):
            installed.append(name)
        else:
            watched.append(path)
    return watched, installed


def preload(
    names: Iterable[str], own_sockets: set[int], own_threads: set[int] = frozenset()
) -> tuple[int, str | None]:
    """Import modules, one at a time, checking after each that forking is
    still safe: (how many were imported, why forking stopped being safe)."""
    missing = sorted(set(names) - set(sys.modules))
    for name in missing:
        try:
            importlib.import_module(name)
        except (Exception, SystemExit):  # noqa: BLE001, S112 - the server shows it
            continue
        hazard = fork_hazards(own_sockets, own_threads)
        if hazard:
            return (
                0,
                f"importing {name} left {hazard}, which forked servers would share",
            )
    return len(missing), None


def loaded_files() -> set[str]:
    """The files of the modules this process imported."""
    modules = list(sys.modules.values())
    paths = (getattr(module, "__file__", None) for module in modules)
    return {os.path.abspath(path) for path in paths if isinstance(path, str)}


def fork_hazards(
    own_sockets: set[int], own_threads: set[int] = frozenset()
) -> str | None:
    """What a forked child would share with this process and every other
    child: threads (Python's, and those started in C: BLAS and OpenMP
    pools, gRPC) and open sockets (database connections); None if nothing.
    The process's own are not counted: its listening socket and, with
    DEBUGPY=1, the debugger's threads and connection (debugpy makes them
    anew in each forked child).
    """
    found = []
    threads = _thread_count(own_threads)
    if threads:
        found.append(f"{threads} thread{'s' if threads > 1 else ''} running")
    sockets = len(open_sockets() - own_sockets)
    if sockets:
        found.append(f"{sockets} socket{'s' if sockets > 1 else ''} open")
    return " and ".join(found) or None


def thread_ids() -> set[int]:
    """The OS ids of this process's threads (empty without /proc)."""
    try:
        return {int(tid) for tid in os.listdir("/proc/self/task")}
    except OSError:
        return set()


def _thread_count(own: set[int]) -> int:
    """Threads besides the calling one and `own`: every OS thread."""
    tids = thread_ids()
    if not tids:
        return threading.active_count() - 1  # no /proc: Python's threads only
    return len(tids - own - {threading.get_native_id()})


def open_sockets() -> set[int]:
    """The descriptors of this process's open sockets."""
    try:
        fds = os.listdir("/proc/self/fd")
    except OSError:
        return set()
    sockets = set()
    for fd in fds:
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                sockets.add(int(fd))
        except OSError:
            continue  # closed meanwhile (the listing's own descriptor)
    return sockets
