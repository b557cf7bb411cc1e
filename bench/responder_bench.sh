#!/usr/bin/env bash
# Cost of the responder analysis ("who really answered", on by default in raw scans): the same
# `-sS -p- -Pn -n -T4` scan with and without --no-responder-analysis, interleaved (which goes
# first alternates), wall-clock time of the whole command; prints each run and the medians.
#
#   sudo bench/responder_bench.sh [--runs N] [--name PREFIX] [--portwarden PATH] [--listen PATH]
#                                 [--targets "ADDR ..."]
#
#   --runs N       runs of each side (default 9)
#   --name PREFIX  use the range already up under PREFIX (else one is brought up as rspb<PID>
#                  and taken down at the end)
#   --targets      what to scan (default: the plain host, 198.18.1.10, 65535 ports: its RSTs are
#                  the analysis' bulk; add the forged host 198.18.11.10 for one with findings)
# Packets go only inside the range's namespaces (198.18.0.0/15).
set -euo pipefail
HERE=$(cd -- "$(dirname -- "$0")" && pwd)
RUNS=9; NAME=""; PW="$HERE/../build/portwarden"; LISTEN="$HERE/../build/tests/range/pw_listen"
TARGETS="198.18.1.10"
while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --name) NAME=$2; shift 2 ;;
    --portwarden) PW=$2; shift 2 ;;
    --listen) LISTEN=$2; shift 2 ;;
    --targets) TARGETS=$2; shift 2 ;;
    *) echo "responder_bench.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "responder_bench.sh: --runs must be a positive number" >&2; exit 2; }
if [[ -z $NAME ]]; then
  NAME="rspb$$"; NAME=${NAME:0:9}
  "$HERE/../tests/range/range.sh" up --name "$NAME" --listen "$LISTEN" >/dev/null
  trap '"$HERE/../tests/range/range.sh" down --name "$NAME" >/dev/null' EXIT
fi
NS="$NAME-scan"
# shellcheck disable=SC2086
one() { # extra-flag... -> seconds
  local t0 t1
  t0=$(date +%s%N)
  timeout 300 ip netns exec "$NS" "$PW" scan -sS -p- -Pn -n -T4 --no-history -q -oJ /dev/null "$@" $TARGETS >/dev/null
  t1=$(date +%s%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }'
}
on=(); off=()
for ((i = 0; i < RUNS; i++)); do
  if ((i % 2 == 0)); then
    on+=("$(one)"); off+=("$(one --no-responder-analysis)")
  else
    off+=("$(one --no-responder-analysis)"); on+=("$(one)")
  fi
  printf 'run %d: with %.3f s, without %.3f s\n' "$((i + 1))" "${on[-1]}" "${off[-1]}"
done
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
m_on=$(median "${on[@]}"); m_off=$(median "${off[@]}")
printf 'median of %d: with the analysis %.3f s, without %.3f s: cost %+.1f %%\n' "$RUNS" "$m_on" "$m_off" \
  "$(awk -v a="$m_on" -v b="$m_off" 'BEGIN { print (a - b) / b * 100 }')"
