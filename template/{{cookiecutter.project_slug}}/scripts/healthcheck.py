"""Container healthcheck: exit 0 when the health endpoint answers 200, or,
given a file, when the file was touched within the last 30 seconds (the
worker touches one while it runs: worker.py).

Standard library only, so it runs in the prod image (no curl there).
Usage: python scripts/healthcheck.py http://127.0.0.1:8000/healthz
       python scripts/healthcheck.py /tmp/worker-alive
"""

import os
import sys
import time
import urllib.request

# The worker touches its file every 10 s (worker.py: ALIVE_EVERY_SECONDS).
FRESH_SECONDS = 30


def answers(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310
            return 0 if response.status == 200 else 1
    except OSError as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1


def fresh(path: str) -> int:
    try:
        age = time.time() - os.stat(path).st_mtime
    except OSError as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1
    if age > FRESH_SECONDS:
        print(f"unhealthy: {path} last touched {age:.0f} s ago", file=sys.stderr)
        return 1
    return 0


def main(target: str) -> int:
    return fresh(target) if target.startswith("/") else answers(target)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
