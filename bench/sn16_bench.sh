#!/usr/bin/env bash
# -sn of a mostly silent /16 (issue #15: pipelined host groups): the range's silent block
# 198.19.0.0/16 (routed to PREFIX-drop, dropped: 65536 addresses that never answer) plus the
# plain, firewalled and drop-everything hosts (two up, one down), ours vs a baseline binary,
# runs interleaved. Prints each run's seconds and peak RSS, the medians, the load average, and
# whether each run was exact (2 up: 198.18.1.10, 198.18.2.10; 65537 down).
#
#   sudo bench/sn16_bench.sh [--runs N] [--name PREFIX] OURS [BASELINE]
#
# Brings its own range up (tests/range/range.sh up --name PREFIX, default sn16b) and down.
set -euo pipefail
runs=3
name=sn16b
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --name) name=$2; shift 2 ;;
    *) break ;;
  esac
done
[[ $# -ge 1 ]] || { sed -n '2,10p' "$0"; exit 2; }
bins=("$@")
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
listen=${PW_LISTEN:-$(dirname "$(realpath "$1")")/tests/range/pw_listen}
cleanup() { bash "$here/tests/range/range.sh" down --name "$name" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
bash "$here/tests/range/range.sh" up --name "$name" --replace --truth "$work/truth.tsv" --listen "$listen" >/dev/null 2>&1
targets=(198.19.0.0/16 198.18.1.10 198.18.2.10 198.18.3.10)
for i in $(seq 1 "$runs"); do
  for b in "${!bins[@]}"; do
    out="$work/run-$b-$i.json"
    /usr/bin/time -f "%e %M" -o "$work/time" ip netns exec "$name-scan" "${bins[$b]}" scan -sn -n --no-history -q \
      "${targets[@]}" -oJ "$out" >/dev/null 2>&1 || true
    read -r secs rss <"$work/time"
    up=$(grep '"type":"host"' "$out" | grep '"status":"up"' | grep -o '"host":"[^"]*"' | sort | tr '\n' ' ')
    down=$(grep -c '"status":"down"' "$out" || true)
    exact=no
    [[ $up == '"host":"198.18.1.10" "host":"198.18.2.10" ' && $down == 65537 ]] && exact=yes
    echo "$b $secs" >>"$work/secs"
    printf '%s run %d: %6.2f s, %6d KB, exact %s (load %s)\n' "${bins[$b]}" "$i" "$secs" "$rss" "$exact" \
      "$(cut -d' ' -f1 /proc/loadavg)"
  done
done
for b in "${!bins[@]}"; do
  med=$(awk -v b="$b" '$1 == b { print $2 }' "$work/secs" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  echo "median ${bins[$b]}: $med s"
done
