#!/usr/bin/env bash
# Build a stand-in for the official postgres:MAJOR image from Debian's
# packages, where no registry can be reached: the same name, environment
# (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, PGDATA), init directory
# (/docker-entrypoint-initdb.d), port, stop signal and tools (pg_isready,
# psql, pg_dump, pg_restore on PATH).
#
# Usage (as root): build.sh IMAGE SUITE
#   build.sh postgres:18 forky
set -euo pipefail
cd "$(dirname "$0")"

image="$1"
suite="$2"
major="${image#postgres:}"
log_file="${STAND_IN_LOG:-/tmp/stand-in-postgres-${major}.log}"

# Where the official image keeps the data: from 18 on, in a directory of
# the volume at /var/lib/postgresql (pg_upgrade --link works across majors).
if [ "$major" -ge 18 ]; then
  pgdata="/var/lib/postgresql/$major/docker"
else
  pgdata=/var/lib/postgresql/data
fi

# shellcheck source=../rootfs.sh
. ../rootfs.sh
make_rootfs "$suite" "postgresql-$major,ca-certificates" "$log_file"
install -m 755 docker-entrypoint.sh "$rootfs/usr/local/bin/docker-entrypoint.sh"
mkdir -p "$rootfs/docker-entrypoint-initdb.d"
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | docker import \
  -c "ENV PATH=/usr/lib/postgresql/$major/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  -c "ENV PG_MAJOR=$major PGDATA=$pgdata LANG=C.UTF-8" \
  -c 'ENTRYPOINT ["docker-entrypoint.sh"]' -c 'CMD ["postgres"]' -c 'EXPOSE 5432' \
  - "$image-imported" >/dev/null
# docker import takes no STOPSIGNAL: the official image's is SIGINT (a fast
# shutdown); one Dockerfile line on top.
printf 'FROM %s\nSTOPSIGNAL SIGINT\n' "$image-imported" |
  DOCKER_BUILDKIT=0 docker build -q -t "$image" - >/dev/null
docker rmi "$image-imported" >/dev/null
