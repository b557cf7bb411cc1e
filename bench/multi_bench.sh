#!/usr/bin/env bash
# -sS -sU in one run vs the two separate runs (-sS, then -sU) on the test range, and nmap's
# -sS -sU, for the plain (ICMP rate limit on, kernel default) and firewalled hosts, v4 and v6.
#
#   bench/multi_bench.sh PORTWARDEN TRUTH [RUNS] [TCP_SPEC] [UDP_SPEC]
#
# TRUTH is the truth file of a range that is up (tests/range/range.sh up --name P --truth F);
# its scanner namespace runs every scan. RUNS (default 3) repetitions; the median wall time
# of each is printed, one line per host and family:
#   host family  combined  sS  sU  sS+sU  nmap-combined   (seconds)
# Defaults: TCP 1-1000, UDP 1-20 (every closed UDP port costs ~1 s on v4 under the kernel's
# ICMP limit, so the UDP list sets the time). Every scan is bounded by `timeout 300`.
set -euo pipefail
pw=${1:?usage: multi_bench.sh PORTWARDEN TRUTH [RUNS] [TCP_SPEC] [UDP_SPEC]}
truth=${2:?usage: multi_bench.sh PORTWARDEN TRUTH [RUNS] [TCP_SPEC] [UDP_SPEC]}
runs=${3:-3}
tcp=${4:-1-1000}
udp=${5:-1-20}
ns=$(sed -n 's/^# scanner_ns=//p' "$truth")
[ -n "$ns" ] || { echo "multi_bench: $truth has no scanner_ns line (range up?)" >&2; exit 2; }

# Median wall time (s) of RUNS runs of the command.
median() {
  local times=()
  for _ in $(seq "$runs"); do
    local t0 t1
    t0=$(date +%s.%N)
    ip netns exec "$ns" timeout 300 "$@" >/dev/null 2>&1 || { echo "multi_bench: failed: $*" >&2; exit 1; }
    t1=$(date +%s.%N)
    times+=("$(echo "$t1 - $t0" | bc)")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}

printf '%-11s %-6s %9s %9s %9s %9s %9s\n' host family combined sS sU sS+sU nmap
for role in plain firewalled; do
  read -r v4 v6 < <(awk -v r="$role" '$1 == "#" && $2 == "host" && $3 == r {print $4, $5}' "$truth")
  for fam in v4 v6; do
    addr=$v4; six=()
    if [ "$fam" = v6 ]; then addr=$v6; six=(-6); fi
    common=(-n --no-history "${six[@]}")
    c=$(median "$pw" scan -sS -sU -p "T:$tcp,U:$udp" "${common[@]}" "$addr")
    s=$(median "$pw" scan -sS -p "$tcp" "${common[@]}" "$addr")
    u=$(median "$pw" scan -sU -p "$udp" "${common[@]}" "$addr")
    n=$(median nmap -n "${six[@]}" -T4 -sS -sU -p "T:$tcp,U:$udp" "$addr")
    printf '%-11s %-6s %9.2f %9.2f %9.2f %9.2f %9.2f\n' "$role" "$fam" "$c" "$s" "$u" "$(echo "$s + $u" | bc)" "$n"
  done
done
