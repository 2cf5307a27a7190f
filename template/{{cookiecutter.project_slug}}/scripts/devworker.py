"""Development worker: the app's Celery worker, reloaded at each save.

The dev server's reloader (scripts/devreload/), with the same settings
(RELOADER_* in compose/dev.env) and the same rules for what a save
reloads: a save forks a fresh worker, with the installed modules already
imported, within a fraction of a second. The old worker takes no new job
and finishes the one it runs, then goes (killed after a minute: its job
goes back to the queue). Arguments are the `celery worker` command's:

    python scripts/devworker.py --loglevel INFO --concurrency 2
"""

from __future__ import annotations

import sys
from pathlib import Path

from devreload.settings import Settings
from devreload.supervisor import Supervisor, load_environment
from devreload.worker import WORKER


def main() -> int:
    # Before anything else, as the dev server does: .env's values.
    environment = load_environment(Path.cwd())
    settings = Settings.from_environ(Path.cwd())
    return Supervisor(settings, environment, program=WORKER).run()


if __name__ == "__main__":
    sys.exit(main())
