#!/usr/bin/env bash
# Back up the database into backups/, as a pg_dump custom-format file.
#   scripts/db-backup.sh [FILE]        default: backups/<UTC time>.dump
# The dev database; DB_SERVICE=prod-db for prod's. It must be running.
set -euo pipefail
cd "$(dirname "$0")/.."

service="${DB_SERVICE:-db}"
file="${1:-backups/$(date -u +%Y%m%dT%H%M%SZ).dump}"
mkdir -p "$(dirname "$file")"
# Written aside, then renamed: a failed dump never looks like a backup, and
# leaves nothing behind.
trap 'rm -f "$file.partial"' EXIT
if ! docker compose exec -T "$service" sh -c \
  'pg_dump --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" --format=custom' \
  >"$file.partial"; then
  echo "Backup failed: is the $service service running? (docker compose ps $service)" >&2
  exit 1
fi
mv "$file.partial" "$file"
echo "$file"
