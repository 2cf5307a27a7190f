"""Container healthcheck: exit 0 when the health endpoint answers 200.

Standard library only, so it runs in the prod image (no curl there).
Usage: python scripts/healthcheck.py http://127.0.0.1:8000/healthz
"""

import sys
import urllib.request


def main(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310
            return 0 if response.status == 200 else 1
    except OSError as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
