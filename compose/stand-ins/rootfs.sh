# Sourced by the stand-ins' build scripts: a minimal Debian root filesystem.
# usage: make_rootfs SUITE PACKAGES LOG_FILE; sets $rootfs, removed at exit.
make_rootfs() {
  local suite="$1" packages="$2" log_file="$3" script
  rootfs="$(mktemp -d)"
  trap 'rm -rf "$rootfs"' EXIT
  # Suites newer than this machine's debootstrap use sid's script.
  script="/usr/share/debootstrap/scripts/$suite"
  [ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid
  debootstrap --variant=minbase --include="$packages" \
    "$suite" "$rootfs" http://deb.debian.org/debian "$script" >"$log_file" 2>&1 || {
    tail -n 30 "$log_file" >&2
    exit 1
  }
}
