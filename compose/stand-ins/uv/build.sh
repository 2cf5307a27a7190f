#!/usr/bin/env bash
# Build a stand-in for uv's official image, ghcr.io/astral-sh/uv:VERSION,
# where no registry can be reached. Like the official image it is `FROM
# scratch` with the two statically linked binaries, /uv and /uvx, WORKDIR
# /io and /uv as the entrypoint. They come from uv's musllinux wheel on PyPI
# (the same static musl builds as the image's), for this machine's
# architecture, checked against the sha256 that PyPI's simple index gives.
# PIP_INDEX_URL, if set, replaces PyPI.
#
# Usage: build.sh IMAGE
#   build.sh ghcr.io/astral-sh/uv:0.13.8
set -euo pipefail

image="$1"
version="${image##*:}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 - "$version" "$work" <<'PY'
import hashlib, io, json, os, platform, sys, urllib.request, zipfile

version, work = sys.argv[1:]
index = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple").rstrip("/")
request = urllib.request.Request(
    f"{index}/uv/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
)
with urllib.request.urlopen(request, timeout=60) as response:
    files = json.load(response)["files"]
ending = f"_{platform.machine()}.whl"
wheels = [
    file for file in files
    if file["filename"].startswith(f"uv-{version}-")
    and "musllinux" in file["filename"] and file["filename"].endswith(ending)
]
if not wheels:
    sys.exit(f"no uv {version} musllinux wheel for {platform.machine()} on {index}")
wheel = wheels[0]
with urllib.request.urlopen(wheel["url"], timeout=300) as response:
    data = response.read()
expected = wheel.get("hashes", {}).get("sha256")
if not expected or hashlib.sha256(data).hexdigest() != expected:
    sys.exit(f"{wheel['filename']}: no sha256 from the index, or not its sha256")
with zipfile.ZipFile(io.BytesIO(data)) as archive:
    for name in ("uv", "uvx"):
        path = os.path.join(work, name)
        with open(path, "wb") as file:
            file.write(archive.read(f"uv-{version}.data/scripts/{name}"))
        os.chmod(path, 0o755)
PY

printf '%s\n' 'FROM scratch' 'COPY uv uvx /' 'WORKDIR /io' 'ENTRYPOINT ["/uv"]' \
  >"$work/Dockerfile"
# The legacy builder (no buildx here), as for postgres; its output only if
# it fails.
if ! output="$(DOCKER_BUILDKIT=0 docker build -q -t "$image" "$work" 2>&1)"; then
  printf '%s\n' "$output" >&2
  exit 1
fi
