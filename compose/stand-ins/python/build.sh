#!/usr/bin/env bash
# Build a stand-in for the official python:X-slim image from Debian packages,
# where no registry can be reached: Debian's python3 of the given suite, with
# the official image's name, `python` on PATH and this machine's CA bundle.
# Differences: Python is /usr/bin/python3 (official: /usr/local/bin), and
# Debian's pip is "externally managed" (use a virtualenv).
#
# Usage (as root): build.sh IMAGE SUITE
#   build.sh python:3.13-slim trixie
#   build.sh python:3.14-slim forky
set -euo pipefail

image="$1"
suite="$2"
want="${image#python:}"
want="${want%-slim}"
log_file="${STAND_IN_LOG:-/tmp/stand-in-${want}.log}"

# shellcheck source=../rootfs.sh
. "$(dirname "$0")/../rootfs.sh"
make_rootfs "$suite" python3,python3-venv,ca-certificates "$log_file"
got="$(chroot "$rootfs" python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [ "$got" != "$want" ]; then
  echo "Debian $suite has Python $got, not $want: pick another suite" >&2
  exit 1
fi
# Trust the same CAs as this machine, so that pip and uv reach PyPI.
cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
ln -sf python3 "$rootfs/usr/bin/python"
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | docker import \
  -c 'ENV LANG=C.UTF-8' -c 'CMD ["python3"]' - "$image" >/dev/null
