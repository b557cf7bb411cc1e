#!/usr/bin/env bash
# Connect-scan benchmark: portwarden vs nmap on the project's namespace test range, side by side
# in one run. Brings the range up (and down again), scans each host with
#   portwarden scan -sT -p- -n      and      nmap -n -T4 -sT -p-
# RUNS times each (alternating which goes first), and prints median wall times, the ratio
# portwarden/nmap, and whether the results agree port by port (and, where they do not, which
# side matches the range's ground truth).
#
#   sudo bench/connect_bench.sh [--runs N] [--portwarden PATH] [--listen PATH]
#
# Needs root (network namespaces). Every packet stays inside the namespaces the range makes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=3
pw="$root/build/portwarden"
listen="$root/build/tests/range/pw_listen"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --portwarden) pw=$2; shift 2 ;;
    --listen) listen=$2; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--portwarden PATH] [--listen PATH]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "connect_bench: needs root (network namespaces)" >&2; exit 1; }
[ -x "$pw" ] || { echo "connect_bench: no portwarden binary at $pw (run scripts/build.sh)" >&2; exit 1; }

name="pwb$((RANDOM % 100000))"
work=$(mktemp -d)
# Our scans run with --no-history (the peers store nothing); anything stored would go here, not to the user's.
export XDG_DATA_HOME="$work/data"
cleanup() { bash "$root/tests/range/range.sh" down --name "$name" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM
bash "$root/tests/range/range.sh" up --name "$name" --truth "$work/truth.tsv" --listen "$listen" >/dev/null
scan_ns="$name-scan"

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

run_pw() { # address tag
  local t0 t1
  t0=$(now)
  timeout 300 ip netns exec "$scan_ns" "$pw" scan -sT -p- -n -q --no-history -oJ "$work/$2.jsonl" "$1" >/dev/null
  t1=$(now); awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", b - a}'
}
run_nmap() { # address tag
  local t0 t1
  local six=()
  case "$1" in *:*) six=(-6) ;; esac  # nmap 7.93 wants -6 for IPv6 targets
  t0=$(now)
  timeout 600 ip netns exec "$scan_ns" nmap "${six[@]}" -n -T4 -sT -p- --reason -oX "$work/$2.xml" "$1" >/dev/null
  t1=$(now); awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", b - a}'
}

printf '%-26s %12s %12s %7s  %s\n' "target (-sT -p-)" "portwarden" "nmap -T4" "ratio" "results"
status=0
for target in "plain 198.18.1.10" "plain fd00:0:0:1::10" "firewalled 198.18.2.10" "firewalled fd00:0:0:2::10"; do
  read -r role addr <<<"$target"
  : >"$work/pw.times"; : >"$work/nmap.times"
  for i in $(seq 1 "$runs"); do
    if [ $((i % 2)) -eq 1 ]; then
      run_pw "$addr" pw >>"$work/pw.times"; run_nmap "$addr" nmap >>"$work/nmap.times"
    else
      run_nmap "$addr" nmap >>"$work/nmap.times"; run_pw "$addr" pw >>"$work/pw.times"
    fi
  done
  p=$(median <"$work/pw.times"); n=$(median <"$work/nmap.times")
  ratio=$(awk -v a="$p" -v b="$n" 'BEGIN {printf "%.2f", a / b}')
  check=$(/usr/bin/python3 "$root/bench/compare_results.py" "$work/pw.jsonl" "$work/nmap.xml" "$work/truth.tsv" "$addr") || status=1
  printf '%-26s %10.2f s %10.2f s %7s  %s\n' "$role $addr" "$p" "$n" "$ratio" "$check"
done
echo "(median of $runs runs each; ratio = portwarden / nmap, lower is faster)"
exit $status
