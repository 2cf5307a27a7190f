#!/usr/bin/env bash
# Run the template's test suite in a virtualenv of its own (.venv).
# Arguments go to pytest: scripts/test.sh -k prod -x
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-test.txt
exec .venv/bin/python -m pytest "$@"
