#!/usr/bin/env bash
# Refresh the README's picture of the browser debugger (docs/debugger.png):
# the browser test takes it, on a freshly generated project, once the
# console evaluated an expression in the failing view's frame.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBUGGER_SCREENSHOT="$PWD/docs/debugger.png"
bash scripts/test.sh -q -p no:randomly \
  "tests/docker/test_browser.py::test_the_console_takes_the_pin_from_the_log_and_evaluates_in_the_frame"
echo "updated ${DEBUGGER_SCREENSHOT#"$PWD/"}"
