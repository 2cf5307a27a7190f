#!/usr/bin/env bash
# Build a stand-in for the official rabbitmq:MAJOR image from Debian's
# package, where no registry can be reached: the same name, entrypoint
# (drops to the rabbitmq user), command (rabbitmq-server), environment
# (RABBITMQ_DEFAULT_USER and RABBITMQ_DEFAULT_PASS, which the server itself
# reads), data directory (/var/lib/rabbitmq, a volume; the node is named
# after the container's hostname), defaults (conf.d/10-defaults.conf: TCP on
# 5672, logs to the console), ports, and rabbitmq-diagnostics on PATH.
#
# Usage (as root): build.sh IMAGE SUITE
#   build.sh rabbitmq:4 trixie
set -euo pipefail
cd "$(dirname "$0")"

image="$1"
suite="$2"
major="${image#rabbitmq:}"
log_file="${STAND_IN_LOG:-/tmp/stand-in-rabbitmq-${major}.log}"

# shellcheck source=../rootfs.sh
. ../rootfs.sh
make_rootfs "$suite" "rabbitmq-server" "$log_file"
found="$(chroot "$rootfs" dpkg-query -W -f '${Version}' rabbitmq-server)"
if [ "${found%%.*}" != "$major" ]; then
  echo "Debian $suite has rabbitmq-server $found, not $major.x" >&2
  exit 1
fi
install -m 755 docker-entrypoint.sh "$rootfs/usr/local/bin/docker-entrypoint.sh"
mkdir -p "$rootfs/etc/rabbitmq/conf.d"
printf '%s\n' 'loopback_users.guest = false' 'listeners.tcp.default = 5672' \
  >"$rootfs/etc/rabbitmq/conf.d/10-defaults.conf"
rm -f "$rootfs/etc/rabbitmq/rabbitmq-env.conf"
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
  "$rootfs"/var/lib/rabbitmq/*
tar -C "$rootfs" -c . | docker import \
  -c "ENV PATH=/usr/lib/rabbitmq/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  -c 'ENV RABBITMQ_DATA_DIR=/var/lib/rabbitmq HOME=/var/lib/rabbitmq RABBITMQ_LOGS=- LANG=C.UTF-8' \
  -c 'ENTRYPOINT ["docker-entrypoint.sh"]' -c 'CMD ["rabbitmq-server"]' \
  -c 'VOLUME /var/lib/rabbitmq' -c 'EXPOSE 4369 5671 5672 15691 15692 25672' \
  - "$image" >/dev/null
