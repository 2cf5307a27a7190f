#!/usr/bin/env bash
# Entry point of the toolbox's `new` service: generate a project in /out with
# cookiecutter, then hand it to whoever owns /out on the host (the container
# runs as root). With arguments (key=value), no questions are asked.
set -euo pipefail

owner="$(stat -c %u /out):$(stat -c %g /out)"
# The project's .env gets the host user's ids, not root's (post_gen_project.py).
export HOST_UID="${owner%:*}" HOST_GID="${owner#*:}"

before="$(mktemp)"
ls -A /out >"$before"
if [ "$#" -gt 0 ]; then
  cookiecutter --no-input --output-dir /out /template "$@"
else
  cookiecutter --output-dir /out /template
fi
ls -A /out | grep -vxF -f "$before" | while read -r created; do
  chown -R "$owner" "/out/$created"
  echo "Created $created (owned by $owner)"
done
