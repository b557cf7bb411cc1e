#!/usr/bin/env bash
# Runs COMMAND... against a throwaway PostgreSQL server:
#   tests/history/pg_server.sh COMMAND [ARGS...]
# initdb into a fresh temporary directory (as the `postgres` system user, or `nobody`, when run
# as root), a server that listens on no TCP port at all, only on a Unix socket inside that
# directory, a database `pwtest`, then COMMAND with PW_HISTORY_PG_URL set to it. On exit, however
# it ends, the server is stopped by its PID and the directory removed.
# Exit: COMMAND's status; 77 (skip) when no server can be started, unless CI=true (then 1).
set -euo pipefail

no_server() {
  echo "pg_server: $*" >&2
  if [ "${CI:-}" = "true" ]; then
    echo "pg_server: CI=true, so this is a failure, not a skip" >&2
    exit 1
  fi
  echo "pg_server: skipping the PostgreSQL history tests" >&2
  exit 77
}

[ "$#" -ge 1 ] || { echo "usage: $0 COMMAND [ARGS...]" >&2; exit 2; }
bindir=""
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  if [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then bindir=$d; break; fi
done
[ -n "$bindir" ] || no_server "no PostgreSQL server found (/usr/lib/postgresql/*/bin; Debian package postgresql)"

tmp=$(mktemp -d /tmp/pw-pg.XXXXXX)
pid=""      # the postmaster itself (runuser may stand between us and it)
starter=""
as_owner=()
cleanup() {
  local rc=$?
  if [ -z "$pid" ] && [ -f "$tmp/data/postmaster.pid" ]; then
    pid=$(head -n 1 "$tmp/data/postmaster.pid")
  fi
  [ -n "$pid" ] || pid=$starter
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -INT "$pid" 2>/dev/null || true       # fast shutdown
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "$(id -u)" -eq 0 ]; then
  # The server refuses to run as root.
  owner=postgres
  id -u "$owner" >/dev/null 2>&1 || owner=nobody
  chown "$owner" "$tmp"
  as_owner=(runuser -u "$owner" --)
fi

log=$tmp/server.log
if ! "${as_owner[@]}" "$bindir/initdb" -D "$tmp/data" -U pw -A trust -E UTF8 --locale=C \
     --no-sync >"$tmp/initdb.log" 2>&1; then
  cat "$tmp/initdb.log" >&2
  no_server "initdb failed"
fi
# No TCP at all (listen_addresses empty): only the socket in $tmp, reachable by this user.
"${as_owner[@]}" "$bindir/postgres" -D "$tmp/data" -k "$tmp" -p 5432 -c listen_addresses= \
  -c fsync=off -c synchronous_commit=off -c full_page_writes=off >"$log" 2>&1 &
starter=$!
for _ in $(seq 1 100); do
  if "$bindir/pg_isready" -q -h "$tmp" -p 5432 -U pw; then break; fi
  kill -0 "$starter" 2>/dev/null || break
  sleep 0.1
done
if ! "$bindir/pg_isready" -q -h "$tmp" -p 5432 -U pw; then
  cat "$log" >&2
  no_server "the server did not start"
fi
pid=$(head -n 1 "$tmp/data/postmaster.pid")
"$bindir/createdb" -h "$tmp" -p 5432 -U pw pwtest || no_server "createdb failed"

export PW_HISTORY_PG_URL="postgresql:///pwtest?host=$tmp&port=5432&user=pw"
echo "pg_server: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') (pid $pid) at $PW_HISTORY_PG_URL" >&2
set +e
"$@"
rc=$?
set -e
exit "$rc"
