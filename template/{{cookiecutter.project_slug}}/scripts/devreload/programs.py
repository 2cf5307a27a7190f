"""What the supervisor runs in the processes it forks: the dev server here;
with worker=celery, the Celery worker too (worker.py). The loop around
them is the same: watch, fork a fresh process on a save, retire the old
one gently."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import serve
from .process import FINAL_STOP_SECONDS, RETIRED_SECONDS
from .settings import Settings


@dataclass(frozen=True)
class Program:
    name: str  # in the log: "The server exited"
    service: str  # its Compose service, for the log's advice
    # run(sock_fd, report_fd, parent_fd, settings, failure) in the child.
    run: Callable[..., int]
    listens: bool  # owns a socket, kept open across reloads and execs
    restarts: bool  # started again when it ends (not only at the next save)
    retired_seconds: float  # a retired process still there this long is killed
    final_stop_seconds: float  # and this long when the supervisor stops
    headline: Callable[[Settings], str]  # how the banner starts


SERVER = Program(
    name="server",
    service="dev",
    run=serve.run,
    listens=True,
    restarts=False,  # its error page says why it ended, until a save
    retired_seconds=RETIRED_SECONDS,
    final_stop_seconds=FINAL_STOP_SECONDS,
    headline=lambda settings: f"Serving on {settings.url} (debug mode",
)
