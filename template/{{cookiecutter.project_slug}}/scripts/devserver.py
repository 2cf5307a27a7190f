"""Development server: Flask's debug server with a fast, trustworthy reloader.

`flask run --debug` reloads on inotify events, which do not cross into
containers from Docker Desktop, WSL2 or network shares (and its watchdog
mode misses every change with watchdog 7). This server uses file events
where they arrive and polls all the same, cheaply, and reloads in
milliseconds: see scripts/devreload/.

Settings, in compose/dev.env (defaults in brackets):
  RELOADER_MODE        auto, poll or native [auto]: auto uses native file
                       events where they arrive and polls all the same
  RELOADER_INTERVAL    seconds between polls of the files likely to change [0.1]
  RELOADER_CPU_BUDGET  percent of one core the polling may use [1.0]
  RELOADER_INCLUDE     more file patterns that restart, comma-separated
  RELOADER_EXCLUDE     more file or directory name patterns to skip
  RELOADER_PATHS       more directories to watch, colon-separated
  RELOADER_PRELOAD     1: import the installed modules the app uses once, so
                       that a reload imports only the project's own [1]; 0
                       if a library misbehaves when imported before a fork
  LIVE_RELOAD          1: open pages follow saves (devreload/livereload.py);
                       0: off [1]
  DEV_BEFORE_SERVING   a flask command run before the first server, e.g.
                       `db upgrade`; if it fails, the dev server ends
  DEV_HOST             the address to listen on [0.0.0.0, in the container;
                       use 127.0.0.1 outside Docker]
  DEV_CONTAINER_PORT   the port to listen on [5000]
  DEV_URL              where you open it, for the banner [set by Compose]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from devreload.settings import Settings
from devreload.supervisor import Supervisor, load_environment, log, set_by_compose


def main() -> int:
    root = Path.cwd()
    # Before anything else, as `flask run` does: the settings, and every
    # library imported from now on, see the values from .env.
    environment = load_environment(root)
    for name in set_by_compose(root, environment):
        log(
            f"{name} in .env is not what the container has: Docker Compose set "
            "it when it made the container, and it wins. `docker compose up dev` "
            "makes the container anew with it"
        )
    if os.environ.get("WERKZEUG_DEBUG_PIN", "").strip().lower() == "off":
        log(
            "Refusing to start: WERKZEUG_DEBUG_PIN=off would give the debugger's "
            "Python console to anyone who reaches the port. Remove it; the PIN "
            "is printed in this log at each start."
        )
        return 2
    return Supervisor(Settings.from_environ(root), environment).run()


if __name__ == "__main__":
    sys.exit(main())
