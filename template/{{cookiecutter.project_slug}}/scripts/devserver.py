"""Development server: Flask's debug server with a fast polling reloader.

`flask run --debug` reloads on inotify events, which do not cross into
containers from Docker Desktop, WSL2 or network shares (and its watchdog
mode misses every change with watchdog 7). This server polls instead,
cheaply, and reloads in milliseconds: see scripts/devreload/.

Settings, in compose/dev.env (defaults in brackets):
  RELOADER_MODE        auto, poll or native [auto]: auto uses native file
                       events where they arrive and polls all the same
  RELOADER_INTERVAL    seconds between polls of the files likely to change [0.1]
  RELOADER_CPU_BUDGET  percent of one core the polling may use [1.0]
  RELOADER_INCLUDE     more file patterns that restart, comma-separated
  RELOADER_EXCLUDE     more file or directory name patterns to skip
  RELOADER_PATHS       more directories to watch, colon-separated
  RELOADER_PRELOAD     1: import the app's third-party modules once, so that
                       a reload re-imports only the project's own [1]; 0 if
                       a library misbehaves when imported before a fork
  DEV_HOST             the address to listen on [0.0.0.0, in the container;
                       use 127.0.0.1 outside Docker]
  DEV_CONTAINER_PORT   the port to listen on [5000]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from devreload.settings import Settings
from devreload.supervisor import Supervisor, log


def main() -> int:
    if os.environ.get("WERKZEUG_DEBUG_PIN", "").strip().lower() == "off":
        log(
            "Refusing to start: WERKZEUG_DEBUG_PIN=off would give the debugger's "
            "Python console to anyone who reaches the port. Remove it; the PIN "
            "is printed in this log at each start."
        )
        return 2
    return Supervisor(Settings.from_environ(Path.cwd())).run()


if __name__ == "__main__":
    sys.exit(main())
