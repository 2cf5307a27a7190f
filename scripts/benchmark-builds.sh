#!/usr/bin/env bash
# Benchmark the generated project's image builds, uv against pip (needs
# Docker; empties the build cache): prints a table, writes
# docs/image-builds.md and .png. Arguments go to the script.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check \
  -r requirements-test.txt -r requirements-bench.txt
exec .venv/bin/python scripts/benchmark_builds.py "$@"
