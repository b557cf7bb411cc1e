#!/usr/bin/env bash
# watch_bench.sh: the packet path of `portwarden watch` on the test range (issue #14):
#   1. idle: watch on the drop host for 3 s, no traffic: its resident set (binary, libraries,
#      the 8 MiB receive ring, the source table) before any packet;
#   2. flood: 1 000 000 TCP SYNs from 1 000 000 distinct spoofed IPv6 sources (spoof_sender,
#      from the range's router namespace straight onto the drop host's link, as fast as it
#      goes) while watch runs on the drop host (which answers nothing): frames seen, ring drops,
#      sources tracked and evicted, alerts (want 0), CPU seconds, maximum RSS (want: no growth
#      over idle; the table is the documented bound, allocated at start);
#   3. full scan: `portwarden scan -sS -p-` from the scanner namespace against the plain host
#      while watch runs there: the scan's rate, frames watch saw, ring drops (want 0), alerts.
# The packet rate watch classifies on one core is frames / (user + system CPU seconds): its
# packet loop is one thread. Ratios are indicative on a loaded machine; rerun on a quiet one.
#
#   bench/watch_bench.sh PORTWARDEN SPOOF_SENDER RANGE-TRUTH
#   e.g. sudo bash tests/range/range.sh up --name wb1 --truth /tmp/wb1.tsv --listen build/tests/range/pw_listen
#        sudo bench/watch_bench.sh build/portwarden build/bench/spoof_sender /tmp/wb1.tsv
#        sudo bash tests/range/range.sh down --name wb1
# Needs root, GNU time (/usr/bin/time). Sends only inside the range's namespaces.
set -euo pipefail
pw=$(realpath "${1:?usage: watch_bench.sh PORTWARDEN SPOOF_SENDER RANGE-TRUTH}")
sender=$(realpath "${2:?usage: watch_bench.sh PORTWARDEN SPOOF_SENDER RANGE-TRUTH}")
truth=${3:?usage: watch_bench.sh PORTWARDEN SPOOF_SENDER RANGE-TRUTH}
count=${PW_FLOOD_COUNT:-1000000}
meta() { sed -n "s/^# $1 *//p" "$truth" | head -1; }
scan_ns=$(meta scanner_ns=)
router_ns=$(meta router_ns=)
plain_ns=$(meta "host_ns plain")
drop_ns=$(meta "host_ns drop")
plain=$(meta "host plain" | cut -d' ' -f1)
drop6=$(meta "host drop" | cut -d' ' -f2)
[ -n "$scan_ns" ] && [ -n "$router_ns" ] && [ -n "$drop_ns" ] && [ -n "$drop6" ] || { echo "$truth: not a range truth file"; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# watch_for NAME NETNS SECONDS: watch in the background under GNU time; its stderr in $tmp/NAME.err.
watch_for() {
  /usr/bin/time -f "TIME %e %U %S %M" -o "$tmp/$1.time" "$pw" watch --netns "$2" --duration "$3" --json \
    >"$tmp/$1.json" 2>"$tmp/$1.err" &
  echo $! >"$tmp/$1.pid"
  until grep -q watching "$tmp/$1.err" 2>/dev/null; do sleep 0.1; done
}
# report NAME: the watch summary and its CPU and memory.
report() {
  wait "$(cat "$tmp/$1.pid")" || true
  local summary elapsed user sys rss frames
  summary=$(grep '^portwarden watch: [0-9]' "$tmp/$1.err")
  read -r _ elapsed user sys rss < <(tail -1 "$tmp/$1.time")
  frames=$(echo "$summary" | sed -n 's/^portwarden watch: \([0-9]*\) frames.*/\1/p')
  echo "$1: $summary"
  echo "$1: watch CPU ${user} s user + ${sys} s system, max RSS ${rss} kB, alerts $(grep -c '"event":"scan"' "$tmp/$1.json" || true)"
  awk -v f="$frames" -v u="$user" -v s="$sys" -v n="$1" \
    'BEGIN { if (u + s > 0) printf "%s: %.0f frames per CPU second (one thread)\n", n, f / (u + s) }'
}

echo "== idle"
watch_for idle "$drop_ns" 3
report idle
grep -o 'up to .*bytes' "$tmp/idle.err"

echo "== flood: $count spoofed sources"
dev=$(ip netns exec "$router_ns" ip -6 route get "$drop6" | sed -n 's/.* dev \([^ ]*\).*/\1/p' | head -1)
mac=$(ip netns exec "$drop_ns" cat /sys/class/net/eth0/address)
watch_for flood "$drop_ns" 25
ip netns exec "$router_ns" "$sender" --iface "$dev" --dst-mac "$mac" --dst "$drop6" --dport 81 --count "$count" --seconds 20
report flood

echo "== full scan: portwarden scan -sS -p- $plain"
watch_for scan "$plain_ns" 8
start=$(date +%s.%N)
ip netns exec "$scan_ns" timeout 60 "$pw" scan -sS -p- "$plain" >"$tmp/scan.txt" 2>&1 || true
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" 'BEGIN { printf "scan: 65535 ports in %.2f s (%.0f ports/s, with its start)\n", e - s, 65535 / (e - s) }'
grep -E '^portwarden done' "$tmp/scan.txt" || true
report scan
