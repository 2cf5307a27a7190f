#!/usr/bin/env bash
# Restore a backup made by scripts/db-backup.sh, replacing what the database
# holds now, in one transaction (all or nothing).
#   scripts/db-restore.sh FILE
# The dev database; DB_SERVICE=prod-db for prod's (stop prod first).
set -euo pipefail
cd "$(dirname "$0")/.."

file="${1:?usage: scripts/db-restore.sh FILE}"
service="${DB_SERVICE:-db}"
docker compose exec -T "$service" sh -c \
  'pg_restore --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" --clean --if-exists --no-owner --single-transaction' \
  <"$file"
echo "restored $file"
