#!/usr/bin/env bash
# PostgreSQL write rate of concurrent shards (issue #18): 1, 4 and 8 shards of one named scan
# written at once, each on its own connection, as `scan --scan-id NAME --shard I/N` writes them.
#   bench/history_shard_bench.sh BUILD_DIR [HOSTS] [PORTS]      (default 2000 hosts x 1000 ports)
# Against $PW_HISTORY_PG_URL when set (a real server: the figures that matter); otherwise it
# starts the tests' throwaway server (tests/history/pg_server.sh: Unix socket only, fsync=off,
# synchronous_commit=off, so commits cost less than on a durable server) and says so.
# Prints one line per run (history_shard_writer's figures) and the SQLite rate for comparison.
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR [HOSTS] [PORTS]}
hosts=${2:-2000}
ports=${3:-1000}
here=$(cd "$(dirname "$0")" && pwd)
writer=$build/bench/history_shard_writer
[ -x "$writer" ] || { echo "$writer: not built (cmake --build $build --target history_shard_writer)" >&2; exit 2; }
if [ -z "${PW_HISTORY_PG_URL:-}" ]; then
  echo "history_shard_bench: no PW_HISTORY_PG_URL: the tests' throwaway server (fsync off)" >&2
  exec bash "$here/../tests/history/pg_server.sh" bash "$0" "$@"
fi
echo "# $(date -u +%FT%TZ) $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); $hosts hosts x $ports ports, 1 in 50 open"
for shards in 1 4 8; do
  printf 'postgresql %s\n' "$("$writer" "$PW_HISTORY_PG_URL" "$shards" "$hosts" "$ports")"
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for shards in 1 4; do
  printf 'sqlite     %s\n' "$("$writer" "sqlite:$tmp/h.db" "$shards" "$hosts" "$ports")"
done
