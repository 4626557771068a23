#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the Generate-JWK service tests (test/server-postgres.test.ts).
#
#   scripts/pg-test-cluster.sh start   # initdb + pg_ctl start in a temp dir; prints the URL
#   scripts/pg-test-cluster.sh stop    # stops it and removes the directory
#
# It listens on 127.0.0.1 only (port PK_PG_PORT, default 54329), trusts local connections (it holds
# nothing but test data and lives for one run) and runs as a non-root user: as root it runs the
# server as `postgres` (Debian's postgresql package makes that user) through runuser.
# Use: export PLATFORM_KEYGEN_TEST_PG_URL="$(scripts/pg-test-cluster.sh start)"
set -euo pipefail

BIN="${PK_PG_BIN:-/usr/lib/postgresql/15/bin}"
DIR="${PK_PG_DIR:-${TMPDIR:-/tmp}/platform-keygen-pg}"
PORT="${PK_PG_PORT:-54329}"
USER_NAME="${PK_PG_USER:-postgres}"

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$USER_NAME" -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    if [ -f "$DIR/data/postmaster.pid" ]; then
      echo "pg-test-cluster: already running in $DIR (stop it first)" >&2
      exit 1
    fi
    rm -rf "$DIR"
    mkdir -p "$DIR"
    if [ "$(id -u)" = 0 ]; then chown "$USER_NAME" "$DIR"; fi
    as_owner "$BIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --no-locale >"$DIR/initdb.log" 2>&1 || {
      cat "$DIR/initdb.log" >&2
      exit 1
    }
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off" start >/dev/null || {
      cat "$DIR/server.log" >&2
      exit 1
    }
    echo "postgres://postgres@127.0.0.1:$PORT/postgres"
    ;;
  stop)
    if [ -f "$DIR/data/postmaster.pid" ]; then
      as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null
    fi
    rm -rf "$DIR"
    ;;
  *)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
