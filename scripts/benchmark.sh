#!/usr/bin/env bash
# The benchmarks (need Docker); each prints a table and writes it, with a
# plot, into docs/:
#   scripts/benchmark.sh [reloaders] [--edits 20 ...]   the dev reloader
#   scripts/benchmark.sh builds [--out docs]            image builds, uv and pip
#                                                       (empties the build cache)
#   scripts/benchmark.sh startup [--runs 5 ...]         `up dev` to serving
#   scripts/benchmark.sh debugger [--edits 20 ...]      reloads with DEBUGPY=1
#   scripts/benchmark.sh worker [--saves 20 ...]        the dev worker's reload
#   scripts/benchmark.sh livereload [--saves 20 ...]    save to screen, in Chromium
set -euo pipefail
cd "$(dirname "$0")/.."

benchmark=reloaders
case "${1:-}" in
  reloaders | builds | startup | debugger | worker | livereload) benchmark="$1"; shift ;;
esac

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check \
  -r requirements-test.txt -r requirements-bench.txt
exec .venv/bin/python "scripts/benchmark_${benchmark}.py" "$@"
