#!/usr/bin/env bash
# -sn of a mostly silent /16 (issue #15): the range's silent block 198.19.0.0/16 (routed to
# PREFIX-drop, dropped: 65536 addresses that never answer) plus the plain, firewalled and
# drop-everything hosts (two up, one down), ours vs a baseline binary (and nmap -sn -T4 with
# --nmap), runs interleaved. Prints each run's seconds, peak RSS and probes sent, the medians,
# the load average, and whether each run was exact (every live host up, every other down).
#
#   bench/sn16_bench.sh [--runs N] [--name PREFIX] [--lossy] [--nmap] OURS [BASELINE]
#
# --lossy adds the lossy hosts 198.18.9.1, .5, .10 (1, 5, 10 % loss each way; all up): loss the
# sweep must see, keeping its retries. Run as root. Brings its own range up (tests/range/range.sh
# up --name PREFIX, default sn16b) and down.
set -euo pipefail
runs=3
name=sn16b
lossy=0
with_nmap=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --name) name=$2; shift 2 ;;
    --lossy) lossy=1; shift ;;
    --nmap) with_nmap=1; shift ;;
    *) break ;;
  esac
done
[[ $# -ge 1 ]] || { sed -n '2,12p' "$0"; exit 2; }
bins=("$@")
[[ $with_nmap == 1 ]] && bins+=(nmap)
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
listen=${PW_LISTEN:-$(dirname "$(realpath "$1")")/tests/range/pw_listen}
cleanup() { bash "$here/tests/range/range.sh" down --name "$name" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
bash "$here/tests/range/range.sh" up --name "$name" --replace --truth "$work/truth.tsv" --listen "$listen" >/dev/null 2>&1
targets=(198.19.0.0/16 198.18.1.10 198.18.2.10 198.18.3.10)
want_up="198.18.1.10 198.18.2.10"
if [[ $lossy == 1 ]]; then
  targets+=(198.18.9.1 198.18.9.5 198.18.9.10)
  want_up="198.18.1.10 198.18.2.10 198.18.9.1 198.18.9.10 198.18.9.5"
fi
want_down=$((65536 + 1))
for i in $(seq 1 "$runs"); do
  for b in "${!bins[@]}"; do
    out="$work/run-$b-$i"
    if [[ ${bins[$b]} == nmap ]]; then
      /usr/bin/time -f "%e %M" -o "$work/time" ip netns exec "$name-scan" nmap -sn -T4 -n "${targets[@]}" \
        -oX "$out.xml" >/dev/null 2>&1 || true
      read -r up down < <(python3 -c 'import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
up = sorted(h.find("address").get("addr") for h in r.iter("host") if h.find("status").get("state") == "up")
print(",".join(up), r.find("runstats/hosts").get("down"))' "$out.xml" 2>/dev/null || echo "- -")
      up="${up//,/ } "
      probes=-
    else
      /usr/bin/time -f "%e %M" -o "$work/time" ip netns exec "$name-scan" "${bins[$b]}" scan -sn -n --no-history -v \
        "${targets[@]}" -oJ "$out.json" >"$out.txt" 2>&1 || true
      up=$(grep '"type":"host"' "$out.json" | grep '"status":"up"' | grep -o '"host":"[^"]*"' | cut -d'"' -f4 |
           sort | tr '\n' ' ')
      down=$(grep -c '"status":"down"' "$out.json" || true)
      probes=$(grep -o 'probes sent [0-9]*' "$out.txt" | head -1 | grep -o '[0-9]*' || echo '?')
    fi
    read -r secs rss <"$work/time"
    exact=no
    [[ "$up" == "$want_up " && $down == "$want_down" ]] && exact=yes
    echo "$b $secs" >>"$work/secs"
    printf '%s run %d: %6.2f s, %6d KB, probes %s, exact %s (load %s)\n' "${bins[$b]}" "$i" "$secs" "$rss" \
      "$probes" "$exact" "$(cut -d' ' -f1 /proc/loadavg)"
  done
done
for b in "${!bins[@]}"; do
  med=$(awk -v b="$b" '$1 == b { print $2 }' "$work/secs" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  echo "median ${bins[$b]}: $med s"
done
