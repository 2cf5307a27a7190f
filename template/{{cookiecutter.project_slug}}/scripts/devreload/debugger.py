"""The editor's debugger (DEBUGPY=1): attach once, for the whole session.

debugpy listens in the supervisor, before any server is forked. It follows
each fork, and offers every new server to the attached editor as a child
session, with the editor's breakpoints (VS Code lists it under the dev
server). While an editor is attached, a new server runs once the editor
has configured it, so a breakpoint set before a save is hit after it;
without one, servers run at once. An editor that does not take child
sessions leaves the new server waiting: the supervisor says so.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable

from .settings import env_flag

DEFAULT_PORT = 5678
# The adapter of the process this one replaced (a restart from scratch)
# may hold the port for a moment.
LISTEN_SECONDS = 10.0


def listen(host: str, log: Callable[[str], None]) -> bool:
    """Let an editor attach, if DEBUGPY=1; whether it is on."""
    if not env_flag("DEBUGPY", False):
        return False
    # The app's code is not frozen; only the standard library's breakpoints
    # would need -Xfrozen_modules=off: no warning at every start.
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    import debugpy

    port = int(os.environ.get("DEBUGPY_CONTAINER_PORT") or DEFAULT_PORT)
    deadline = time.monotonic() + LISTEN_SECONDS
    while True:
        try:
            debugpy.listen((host, port))
            break
        except RuntimeError as error:
            if time.monotonic() > deadline:  # serve all the same
                log(
                    f"debugpy could not listen on port {port} ({error}): serving "
                    "without it. Disconnect your editor, then save .env to retry"
                )
                return False
            time.sleep(0.1)
    # A new server waits inside os.fork() until the editor took it: a save
    # meanwhile stops it with SIGTERM, which must end it then too.
    os.register_at_fork(after_in_child=stop_signals_by_default)
    where = os.environ.get("DEBUGPY_URL") or f"port {port}"
    log(
        f"debugpy listening on {where}: attach once, each reload is offered "
        "to your editor as a child session"
    )
    if where.rsplit(":", 1)[-1] != str(DEFAULT_PORT):
        log(
            f".vscode/launch.json attaches to port {DEFAULT_PORT}: set its port "
            f"to {where.rsplit(':', 1)[-1]} (DEBUGPY_PORT in .env)"
        )
    return True


def stop_signals_by_default() -> None:
    signal.set_wakeup_fd(-1)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, signal.SIG_DFL)


def execve(path: str, argv: list[str], environment: dict[str, str]) -> None:
    """os.execve as Python has it: debugpy replaces it with one that runs the
    new program under the editor's session, whereas the dev server, started
    afresh, listens again itself."""
    getattr(os, "original_execve", os.execve)(path, argv, environment)


def should_wait() -> bool:
    """DEBUGPY_WAIT=1: no server before an editor attached."""
    return env_flag("DEBUGPY_WAIT", False)


def attached() -> bool:
    debugpy = sys.modules.get("debugpy")
    return bool(debugpy and debugpy.is_client_connected())
