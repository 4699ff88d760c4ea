#!/usr/bin/env bash
# Runs "$@" with a throwaway PostgreSQL server: Debian's postgresql 15, started
# unprivileged in a temp dir, listening on loopback only, on a free port. The
# command sees BILLCOM_TEST_DATABASE_URL (a superuser URL; the server tests create
# one database per test from it). The cluster is stopped and deleted afterwards.
set -euo pipefail
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$PG_BIN/initdb" ]; then
  echo "with-postgres: $PG_BIN/initdb not found (bash scripts/setup.sh installs postgresql)" >&2
  exit 1
fi
tmp=$(mktemp -d /tmp/billcom-pg.XXXXXX)
# PostgreSQL refuses to run as root: use nobody then.
if [ "$(id -u)" -eq 0 ]; then
  chown nobody "$tmp"
  as_pg() { runuser -u nobody -- "$@"; }
else
  as_pg() { "$@"; }
fi
port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
stop() {
  as_pg "$PG_BIN/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap stop EXIT
as_pg "$PG_BIN/initdb" -D "$tmp/data" -A trust -U postgres -E UTF8 --no-sync >"$tmp/initdb.log" 2>&1 ||
  { cat "$tmp/initdb.log" >&2; exit 1; }
# fsync off: a throwaway test cluster (the crash test kills the server, never PostgreSQL).
as_pg "$PG_BIN/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -o \
  "-k $tmp -p $port -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null ||
  { cat "$tmp/server.log" >&2; exit 1; }
echo "with-postgres: PostgreSQL on 127.0.0.1:$port ($tmp)" >&2
BILLCOM_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres" "$@"
