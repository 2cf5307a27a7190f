"""Native file events, for the supervisor: one changed path per line.

Run by the supervisor as `python -m devreload.events ROOT...` in its own
process (the supervisor must stay single-threaded). It uses watchdog's
native observer (inotify on Linux) and filters nothing: the supervisor
checks each path against its own rules and its record of signatures.
It ends when the supervisor closes its standard input.
"""

from __future__ import annotations

import sys

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

# Events that can mean a change of content (not opening or reading a file).
CHANGE_EVENTS = ("modified", "created", "deleted", "moved", "closed")


class PrintPaths(FileSystemEventHandler):
    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in CHANGE_EVENTS:
            return
        for path in (event.src_path, event.dest_path):
            if path:
                print(path, flush=True)


def main(roots: list[str]) -> int:
    observer = Observer()
    handler = PrintPaths()
    try:
        for root in roots:
            observer.schedule(handler, root, recursive=True)
        observer.start()
    except OSError as error:  # e.g. the inotify watch limit
        print(f" * Native file events unavailable ({error})", file=sys.stderr)
        return 1
    try:
        sys.stdin.read()  # until the supervisor goes away
    finally:
        observer.stop()
        observer.join()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
