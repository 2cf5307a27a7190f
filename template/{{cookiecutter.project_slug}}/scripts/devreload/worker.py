"""One worker process: the app's Celery worker, as the dev server has the app.

What `celery worker` does, in a process the supervisor forked (with the
installed modules preloaded): build the app (FLASK_APP, debug on, as the
dev server does) and run the worker of its Celery app (its
`extensions["celery"]`, worker.py in the package). An error while
importing the app is logged, and the process waits for the save that fixes
it.

Stopping is Celery's warm shutdown, on SIGTERM (a reload, `docker compose
stop`) or when the supervisor is gone: no new job is taken, the running
one finishes. One still running when the process is killed (after
RETIRED_SECONDS, or FINAL_STOP_SECONDS when the dev worker stops) is not
acknowledged: the broker gives it to the next worker.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

from .programs import Program
from .serve import import_app, log_error, report_modules
from .settings import Settings

# Longer than a server's: a job is often longer than a request.
RETIRED_SECONDS = 60.0
# Below the dev-worker service's stop_grace_period (10 s, compose/celery.yml).
FINAL_STOP_SECONDS = 8.0
# Celery's worker, with what a dev worker needs no time for: no gossip or
# mingle with other workers (there are none), no event heartbeats.
ARGUMENTS = ["worker", "--without-gossip", "--without-mingle", "--without-heartbeat"]


def stop_when_orphaned(parent_fd: int) -> None:
    """The supervisor's end of the pipe closes when it goes (even killed):
    then stop, as on SIGTERM."""
    while os.read(parent_fd, 1):
        pass
    os.kill(os.getpid(), signal.SIGTERM)


def run(
    _sock_fd: int | None,
    report_fd: int,
    parent_fd: int,
    _settings: Settings,
    failure: str | None = None,
) -> int:
    """Run the worker (or, given a `failure`, say it and wait for a save)."""
    celery_app = None
    # What the app imports, as it does (then, each second, what the worker
    # imports): the supervisor preloads the installed modules among them.
    loaded = report_modules(report_fd, threading.Event())
    if failure:
        print(failure, file=sys.stderr, flush=True)
    else:
        try:
            app = import_app()
        except Exception as error:  # noqa: BLE001 - the next save may fix it
            log_error(error)
        else:
            celery_app = app.extensions.get("celery")
            if celery_app is None:
                print(
                    "The app has no Celery app (app.extensions['celery']): its "
                    "factory calls worker.init_app(app) in a project made with "
                    "worker=celery.",
                    file=sys.stderr,
                    flush=True,
                )
    loaded.set()
    if celery_app is None:
        while os.read(parent_fd, 1):  # until stopped, or the supervisor goes
            pass
        return 1
    threading.Thread(target=stop_when_orphaned, args=(parent_fd,), daemon=True).start()
    # A name of its own: a retired worker may still hold its name's queue
    # (remote control) while this one starts.
    name = f"--hostname=dev{os.getpid()}@%h"
    celery_app.worker_main([*ARGUMENTS, name, *sys.argv[1:]])
    return 0


WORKER = Program(
    name="worker",
    service="dev-worker",
    run=run,
    listens=False,
    restarts=True,  # killed mid-job, it comes back and runs the job again
    retired_seconds=RETIRED_SECONDS,
    final_stop_seconds=FINAL_STOP_SECONDS,
    headline=lambda settings: "Running the Celery worker (the app in debug mode",
)
