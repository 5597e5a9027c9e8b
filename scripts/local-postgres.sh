#!/usr/bin/env bash
# Makes the machine's PostgreSQL 15 cluster usable by the tests and by `./quantserve up` with a PostgreSQL URL:
# starts cluster 15/main when it is down and creates the role quantserve (password quantserve, may create databases).
# Needs root (or the postgres user); does nothing harmful when run again.
set -euo pipefail
if ! command -v pg_lsclusters >/dev/null; then
  echo "local-postgres: PostgreSQL is not installed here" >&2; exit 1
fi
if ! pg_lsclusters -h 15 main 2>/dev/null | grep -q online; then
  pg_ctlcluster 15 main start
fi
as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else su postgres -c "$(printf '%q ' "$@")"; fi; }
for _ in $(seq 1 30); do as_postgres psql -Atqc 'select 1' >/dev/null 2>&1 && break; sleep 0.5; done
as_postgres psql -v ON_ERROR_STOP=1 -Atqc "DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'quantserve') THEN
    CREATE ROLE quantserve LOGIN CREATEDB PASSWORD 'quantserve';
  END IF;
END \$\$;"
as_postgres psql -Atqc "SELECT 1 FROM pg_database WHERE datname = 'quantserve'" | grep -q 1 \
  || as_postgres createdb -O quantserve quantserve
