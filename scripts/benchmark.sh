#!/usr/bin/env bash
# Benchmark the dev-server reloaders (needs Docker): prints a table, writes
# docs/reloader-benchmark.md and .png. Arguments go to the script:
# scripts/benchmark.sh --edits 30
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check \
  -r requirements-test.txt -r requirements-bench.txt
exec .venv/bin/python scripts/benchmark_reloaders.py "$@"
