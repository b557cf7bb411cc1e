#!/usr/bin/env bash
# Raw-engine benchmark: portwarden's raw-packet scans vs nmap, masscan and zmap on the
# project's namespace test range, side by side in one run. Brings its own range up (and down
# again) and prints one table:
#
#   tcp    -sS -p- of the plain and the firewalled host, v4 and v6, vs nmap -n -T4 -sS -p-
#          (ours with --no-history, as the peers store nothing), plus the plain v4 host with the
#          default flags (history and drift confirmation on), interleaved in the same runs
#   drop   -sS -Pn --top-ports 1000 of the drop-everything host vs nmap -n -T4 (same flags)
#   sweep  -sS -Pn -p80 of the sweep block 198.18.4.0/24 vs masscan and vs zmap, counting
#          misses (open addresses not reported open) and false opens against the truth over
#          --sweep-runs runs (the router's neighbour cache is flushed before every run of
#          every tool, so each one meets the same cold ARP)
#   udp    -sU --top-ports 100 of the plain host (v4) with the kernel ICMP rate limit on
#          (vs nmap -T4, and the time the limit itself requires: (closed ports - 6) x 1 s)
#          and off (vs nmap -T4)
#   lossy  -sS -p- of the hosts behind 1 %, 5 % and 10 % random loss each way (v4), ours
#          --runs times vs nmap -n -T4 --slow-runs times, interleaved: medians and how many
#          runs were exact (== truth on all 65535 ports); and ours' -sT -p- (--slow-runs times)
#   bneck  -sS -p- of the host behind the tbf bottleneck (4 Mbit/s), ours vs nmap -T4
#          (--runs each, interleaved): medians, exact runs, and the bottleneck's own drops
#          (tc -s qdisc of the router's h10, before and after each scan) per scanner
#   rate   send rate (packets/s) of ours scanning every port of the drop host (-sS -Pn -p-
#          --max-retries 0 --min-rate 100000000: 65535 probes in one sending phase; a sweep of
#          the silent /16 sends in bursts, one host group at a time) vs ceiling_sender (identical 60-byte
#          SYN frames with AF_PACKET sendmmsg) on the same interface; both measured from the
#          interface's tx_packets counter (sampled every 2 ms) over the sending phase; the
#          results column adds ours' peak rate over 100 ms (the phase's own rate when it is shorter)
#   rss    peak RSS (/usr/bin/time -f %M) of ours on the 65536-host sweep of 198.19.0.0/16
#          (default flags) vs masscan on the same block
#
#   sudo bench/raw_bench.sh [--runs N] [--slow-runs N] [--sweep-runs N] [--rows LIST]
#                           [--portwarden PATH] [--listen PATH] [--ceiling PATH]
#                           [--sweep-rate PPS] [--keep]
#
#   --runs N        runs of each side per fast row (default 3), alternating which goes first;
#                   the table shows medians
#   PW_NMAP_TIMEOUT=S (environment): how long one nmap run may take (default 900 s); a run cut
#                   off says so in the row (nmap needs over 15 min for the 10 % lossy host)
#   --slow-runs N   runs for the rows where one side takes a minute or more (drop: nmap
#                   ~100 s; udp with the rate limit on: ~95 s of ours, ~50 s of nmap; rss;
#                   nmap's runs in the lossy rows)
#                   (default 1)
#   --sweep-runs N  runs of each tool for the sweep rows (default 10)
#   --rows LIST     comma-separated subset of tcp,drop,sweep,disc,udp,lossy,bneck,rate,rss
#                   (default all)
#   --sweep-rate R  masscan --rate and zmap -r for the sweep (default 10000)
#   --keep          keep the work directory (scan outputs) and print its path
#
# Ratios: for times, portwarden / peer (lower is faster); for the send rate, portwarden /
# ceiling (the share of the interface's ceiling ours reaches); for memory, portwarden / peer.
# A row whose portwarden command fails prints "n/a" and "(error: ...)" instead of aborting,
# so the peers' figures are still measured.
#
# Needs root (network namespaces). Every packet stays inside the namespaces the range makes
# (198.18.0.0/15, fd00::/8); every command is wrapped in `timeout`; every loop is bounded.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=3
slow_runs=1
sweep_runs=10
rows="tcp,drop,sweep,disc,udp,lossy,bneck,rate,rss"
pw="$root/build/portwarden"
listen="$root/build/tests/range/pw_listen"
ceiling="$root/build/bench/ceiling_sender"
sweep_rate=10000
keep=0
usage() { sed -n '30,33p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --slow-runs) slow_runs=$2; shift 2 ;;
    --sweep-runs) sweep_runs=$2; shift 2 ;;
    --rows) rows=$2; shift 2 ;;
    --portwarden) pw=$2; shift 2 ;;
    --listen) listen=$2; shift 2 ;;
    --ceiling) ceiling=$2; shift 2 ;;
    --sweep-rate) sweep_rate=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) usage ;;
  esac
done
for n in "$runs" "$slow_runs" "$sweep_runs" "$sweep_rate"; do
  [[ $n =~ ^[1-9][0-9]{0,6}$ ]] || { echo "raw_bench: not a positive number: $n" >&2; exit 2; }
done
[ "$(id -u)" -eq 0 ] || { echo "raw_bench: needs root (network namespaces, raw sockets)" >&2; exit 1; }
for t in ip nmap masscan zmap python3 timeout /usr/bin/time; do
  command -v "$t" >/dev/null || { echo "raw_bench: missing tool $t (scripts/install-deps.sh)" >&2; exit 1; }
done
[ -x "$listen" ] || { echo "raw_bench: no pw_listen at $listen (run scripts/build.sh)" >&2; exit 1; }
want_row() { case ",$rows," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
helper=(/usr/bin/python3 "$root/bench/raw_bench_helper.py")

name="pwr$((RANDOM % 100000))"
work=$(mktemp -d /tmp/raw_bench.XXXXXX)
# Our scans run with --no-history (the peers store nothing), except the row marked "default flags"
# (history and drift confirmation on, as a user runs it): what it stores goes here, not to the user's.
export XDG_DATA_HOME="$work/data"
range_sh=(bash "$root/tests/range/range.sh")
cleanup() {
  "${range_sh[@]}" down --name "$name" >/dev/null 2>&1 || true
  if [ "$keep" -eq 1 ]; then echo "(scan outputs kept in $work)"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
truth="$work/truth.tsv"
"${range_sh[@]}" up --name "$name" --truth "$truth" --listen "$listen" >/dev/null 2>"$work/range.log" ||
  { cat "$work/range.log" >&2; exit 1; }
scan_ns="$name-scan"; rtr_ns="$name-rtr"
host_addr() { awk -v r="$1" -v f="$2" '$1 == "#" && $2 == "host" && $3 == r { print (f == "v4") ? $4 : $5; exit }' "$truth"; }
PLAIN4=$(host_addr plain v4); PLAIN6=$(host_addr plain v6)
FW4=$(host_addr firewalled v4); FW6=$(host_addr firewalled v6)
DROP4=$(host_addr drop v4)
SWEEP4=$(awk '$1 == "#" && $2 == "sweep" && $3 == "net" { print $4; exit }' "$truth")
SILENT4=$(awk '$1 == "#" && $2 == "silent" { print $3; exit }' "$truth")
SCAN4=$(awk '$1 == "#" && $2 == "scanner" { print $3; exit }' "$truth")

# Link-layer facts masscan and zmap need (they do not route by themselves): the scanner's
# interface and MAC, and the MAC of the next hop (the router), from `ip route get` and the
# neighbour table inside the scanner namespace.
# (One datagram to the router first, so the scanner has resolved it.)
# shellcheck disable=SC2016
ip netns exec "$scan_ns" bash -c 'echo > "/dev/udp/$0/9"' "$(ip -n "$scan_ns" route show default | awk '{print $3; exit}')" 2>/dev/null || true
sleep 0.2
read -r GW IFACE < <(ip -n "$scan_ns" route get "${SWEEP4%/*}" | awk '{for (i = 1; i < NF; i++) { if ($i == "via") g = $(i+1); if ($i == "dev") d = $(i+1) } print g, d; exit}')
SMAC=$(ip -n "$scan_ns" link show "$IFACE" | awk '/link\/ether/ { print $2; exit }')
RMAC=$(ip -n "$scan_ns" neigh show "$GW" dev "$IFACE" | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i+1); exit }')
[ -n "$RMAC" ] || { echo "raw_bench: no neighbour entry for the router $GW in $scan_ns" >&2; exit 1; }
RTR_SWEEP_DEV=$(ip -n "$rtr_ns" route get "${SWEEP4%.*}.2" | awk '{for (i = 1; i < NF; i++) if ($i == "dev") { print $(i+1); exit }}')
: >"$work/empty.conf"   # zmap: no config file, no blocklist (its default blocks 198.18.0.0/15)

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f\n", b - a }'; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print ""; else print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
in_ns() { ip netns exec "$scan_ns" "$@"; }

# first_line FILE FALLBACK: the first non-empty line of FILE (at most 90 characters), else FALLBACK.
first_line() {
  local l
  l=$(awk 'NF { print substr($0, 1, 90); exit }' "$1" 2>/dev/null || true)
  echo "${l:-$2}"
}
# run_ours TAG TIMEOUT ARGS...: one portwarden scan in the scanner namespace; outputs
# TAG.jsonl/TAG.xml, appends the wall time to TAG.times. On failure writes TAG.err (one
# line) and returns 1; later runs of the same TAG are skipped once it failed.
run_ours() {
  local tag=$1 to=$2 t0 rc=0 nh=(--no-history); shift 2
  # PW_DEFAULTS=1: the user's default flags, history and drift confirmation on (stored in $work/data).
  [ "${PW_DEFAULTS:-0}" = 1 ] && nh=()
  [ -e "$work/$tag.err" ] && return 1
  if [ ! -x "$pw" ]; then echo "no portwarden binary at $pw" >"$work/$tag.err"; return 1; fi
  t0=$(now)
  timeout "$to" ip netns exec "$scan_ns" "$pw" scan "$@" -q "${nh[@]}" -oJ "$work/$tag.jsonl" \
    -oX "$work/$tag.xml" >/dev/null 2>"$work/$tag.stderr" || rc=$?
  if [ "$rc" -ne 0 ]; then
    first_line "$work/$tag.stderr" "exit $rc$( [ "$rc" -eq 124 ] && echo ": timed out after $to s")" >"$work/$tag.err"
    return 1
  fi
  since "$t0" >>"$work/$tag.times"
}
# run_nmap TAG ARGS...: nmap in the scanner namespace (-oX TAG.xml), time to TAG.times.
run_nmap() {
  local tag=$1 t0 rc=0; shift
  t0=$(now)
  timeout "${PW_NMAP_TIMEOUT:-900}" ip netns exec "$scan_ns" nmap "$@" -oX "$work/$tag.xml" >/dev/null 2>"$work/$tag.stderr" || rc=$?
  if [ "$rc" -eq 124 ]; then echo "nmap did not finish in ${PW_NMAP_TIMEOUT:-900} s; " >"$work/$tag.err"; return 1; fi
  if [ "$rc" -ne 0 ]; then echo "nmap exit $rc: $(first_line "$work/$tag.stderr" "")" >"$work/$tag.err"; return 1; fi
  since "$t0" >>"$work/$tag.times"
}
# masscan 1.3.2 does not exit on an idle interface (its capture blocks until a packet
# arrives, so the end of `--wait` goes unnoticed: "waiting -57-secs"): after its expected end
# a bounded loop sends one datagram every 0.2 s to the plain host's UDP echo (port 53),
# whose answer wakes it, until it has gone. masscan_run TAG SECONDS_EXPECTED ARGS...
masscan_run() {
  local tag=$1 expect=$2 t0 rc=0 mp _; shift 2
  t0=$(now)
  timeout -k 5 -s INT 120 ip netns exec "$scan_ns" /usr/bin/time -f %M -o "$work/$tag.rss" \
    masscan "$@" --adapter "$IFACE" --adapter-ip "$SCAN4" --adapter-mac "$SMAC" \
    --router-mac "$RMAC" -oL "$work/$tag.txt" >/dev/null 2>"$work/$tag.stderr" &
  mp=$!
  sleep "$expect"
  for _ in $(seq 1 500); do
    kill -0 "$mp" 2>/dev/null || break
    # shellcheck disable=SC2016
    in_ns bash -c 'echo wake > "/dev/udp/$0/53"' "$PLAIN4" 2>/dev/null || true
    sleep 0.2
  done
  wait "$mp" || rc=$?
  if [ "$rc" -ne 0 ]; then echo "masscan exit $rc" >"$work/$tag.err"; return 1; fi
  since "$t0" >>"$work/$tag.times"
}
zmap_run() { # TAG ARGS...
  local tag=$1 t0 rc=0; shift
  t0=$(now)
  timeout -k 5 120 ip netns exec "$scan_ns" zmap -C "$work/empty.conf" -b "$work/empty.conf" \
    -i "$IFACE" -S "$SCAN4" -G "$RMAC" --disable-syslog -q -o "$work/$tag.txt" "$@" \
    >/dev/null 2>"$work/$tag.stderr" || rc=$?
  if [ "$rc" -ne 0 ]; then echo "zmap exit $rc: $(first_line "$work/$tag.stderr" "")" >"$work/$tag.err"; return 1; fi
  since "$t0" >>"$work/$tag.times"
}

row() { # label ours peer-name peer-value ratio results
  printf '%-40s %10s  %-16s %10s %7s  %s\n' "$1" "$2" "$3" "$4" "$5" "$6"
}
secs() { [ -n "$1" ] && printf '%.2f s' "$1" || echo "n/a"; }
ratio() { if [ -n "$1" ] && [ -n "$2" ]; then awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; else echo "-"; fi; }
ours_cell() { local m; m=$(median <"$work/$1.times" 2>/dev/null || true); secs "$m"; }
med() { median <"$work/$1.times" 2>/dev/null || true; }
err_note() { [ -e "$work/$1.err" ] && echo "(error: $(cat "$work/$1.err")) "; return 0; }

status=0
row "row" "portwarden" "peer" "" "ratio" "results"

# --- tcp: -sS -p- ------------------------------------------------------------------------
# floor_row NMAP-TAG: the kernel floor of a -p- SYN scan of the plain host on this machine.
# Two ceiling_senders at once (one per CPU) send one bare SYN to each port of the plain host
# (ports 1-32768 and 32769-65535, each from its own source port, as a scan's), so the range
# answers each as it does a scan's: the router forwards every packet twice, the target
# answers a RST (or a SYN-ACK, which our kernel resets). No receive ring, no user-space work
# (the frames are built before the clock starts), no start-up of a scanner: no scan of that
# host can finish faster here. Printed as a time and as its ratio to nmap's.
floor_row() {
  local nt=$1 t0 p1 p2 rc=0 note
  [ -x "$ceiling" ] || { row "floor: 65535 SYNs, 2 senders" "n/a" "" "" "-" "(no ceiling_sender at $ceiling)"; return; }
  : >"$work/floor.times"
  for _ in $(seq 1 "$runs"); do
    t0=$(now)
    ip netns exec "$scan_ns" "$ceiling" --iface "$IFACE" --dst-mac "$RMAC" --src "$SCAN4" --dst "$PLAIN4" \
      --dports 1-32768 --qdisc-bypass >"$work/floor1.out" 2>&1 &
    p1=$!
    ip netns exec "$scan_ns" "$ceiling" --iface "$IFACE" --dst-mac "$RMAC" --src "$SCAN4" --dst "$PLAIN4" \
      --dports 32769-65535 --qdisc-bypass >"$work/floor2.out" 2>&1 &
    p2=$!
    wait "$p1" || rc=$?
    wait "$p2" || rc=$?
    [ "$rc" -eq 0 ] || break
    since "$t0" >>"$work/floor.times"
  done
  if [ "$rc" -ne 0 ]; then
    note="(error: $(first_line "$work/floor1.out" "ceiling_sender failed"))"
  else
    note="no scanner: one SYN to each of the 65535 ports, half from each of 2 ceiling_senders at once: the range's own kernel work; 0.35 x nmap = $(awk -v n="$(med "$nt")" 'BEGIN { printf "%.2f", 0.35 * n }') s"
  fi
  row "floor -p- plain $PLAIN4 (no scanner)" "$(secs "$(med floor)")" "nmap -T4" "$(secs "$(med "$nt")")" \
    "$(ratio "$(med floor)" "$(med "$nt")")" "$note"
}
if want_row tcp; then
  for target in "plain $PLAIN4" "plain $PLAIN6" "firewalled $FW4" "firewalled $FW6"; do
    read -r role addr <<<"$target"
    six_flag=(); case "$addr" in *:*) six_flag=(-6) ;; esac
    tag=tcp-$role-$( [ ${#six_flag[@]} -eq 0 ] && echo v4 || echo v6)
    o="$tag-ours"; n="$tag-nmap"; d="$tag-defaults"; : >"$work/$o.times"; : >"$work/$n.times"; : >"$work/$d.times"
    # The plain v4 host also gets a row with the default flags (history on), in the same interleaving.
    with_defaults=0; [ "$role $addr" = "plain $PLAIN4" ] && with_defaults=1
    for i in $(seq 1 "$runs"); do
      if [ $((i % 2)) -eq 1 ]; then
        run_ours "$o" 300 -sS -p- -n --reason "$addr" || true
        [ "$with_defaults" -eq 1 ] && { PW_DEFAULTS=1 run_ours "$d" 300 -sS -p- -n --reason "$addr" || true; }
        run_nmap "$n" "${six_flag[@]}" -n -T4 -sS -p- --reason "$addr" || true
      else
        run_nmap "$n" "${six_flag[@]}" -n -T4 -sS -p- --reason "$addr" || true
        [ "$with_defaults" -eq 1 ] && { PW_DEFAULTS=1 run_ours "$d" 300 -sS -p- -n --reason "$addr" || true; }
        run_ours "$o" 300 -sS -p- -n --reason "$addr" || true
      fi
    done
    if [ -e "$work/$o.err" ]; then
      res="$(err_note "$o")nmap: $("${helper[@]}" check nmap sS tcp "$work/$n.xml" "$truth" "$addr" || true)"
    else
      res=$("${helper[@]}" compare sS tcp "$work/$o.jsonl" "$work/$n.xml" "$truth" "$addr") || status=1
    fi
    row "-sS -p- $role $addr" "$(ours_cell "$o")" "nmap -T4" "$(secs "$(med "$n")")" \
      "$(ratio "$(med "$o")" "$(med "$n")")" "$res"
    if [ "$with_defaults" -eq 1 ]; then
      if [ -e "$work/$d.err" ]; then res=$(err_note "$d"); else
        res=$("${helper[@]}" compare sS tcp "$work/$d.jsonl" "$work/$n.xml" "$truth" "$addr") || status=1
      fi
      row "-sS -p- plain $addr, default flags" "$(ours_cell "$d")" "nmap -T4" "$(secs "$(med "$n")")" \
        "$(ratio "$(med "$d")" "$(med "$n")")" "history and drift confirmation on; $res"
      floor_row "$n"
    fi
  done
fi

# --- drop: -sS -Pn --top-ports 1000 ------------------------------------------------------
if want_row drop; then
  o=drop-ours; n=drop-nmap; : >"$work/$o.times"; : >"$work/$n.times"
  for i in $(seq 1 "$slow_runs"); do
    run_ours "$o" 300 -sS -Pn --top-ports 1000 -n --reason "$DROP4" || true
    run_nmap "$n" -n -T4 -sS -Pn --top-ports 1000 --reason "$DROP4" || true
  done
  if [ -e "$work/$o.err" ]; then
    res="$(err_note "$o")nmap: $("${helper[@]}" check nmap sS tcp "$work/$n.xml" "$truth" "$DROP4" || true)"
  else
    res="$("${helper[@]}" check ours sS tcp "$work/$o.jsonl" "$truth" "$DROP4" || true); $("${helper[@]}" check nmap sS tcp "$work/$n.xml" "$truth" "$DROP4" || true)"
  fi
  row "-sS -Pn top1000 drop $DROP4" "$(ours_cell "$o")" "nmap -T4" "$(secs "$(med "$n")")" \
    "$(ratio "$(med "$o")" "$(med "$n")")" "$res"
fi

# --- sweep: /24 x port 80 vs masscan and zmap ---------------------------------------------
if want_row sweep; then
  for t in ours masscan zmap; do : >"$work/sweep-$t.times"; echo "0 0 0 0 0" >"$work/sweep-$t.sum"; done
  add_counts() { # tool counts-line
    read -r a b c d e <"$work/sweep-$1.sum"; read -r f g h k l <<<"$2"
    echo "$((a + f)) $((b + g)) $((c + h)) $((d + k)) $((e + l))" >"$work/sweep-$1.sum"
  }
  expect=$(awk -v r="$sweep_rate" 'BEGIN { printf "%.2f", 256 / r + 1 }')
  for i in $(seq 1 "$sweep_runs"); do
    for k in 0 1 2; do
      case $(( (i + k) % 3 )) in
        0) ip -n "$rtr_ns" neigh flush dev "$RTR_SWEEP_DEV"
           if run_ours sweep-ours 120 -sS -Pn -n -p80 --reason "$SWEEP4"; then
             add_counts ours "$("${helper[@]}" sweep "$truth" v4 ours "$work/sweep-ours.jsonl")"
           fi ;;
        1) ip -n "$rtr_ns" neigh flush dev "$RTR_SWEEP_DEV"
           rm -f "$work/sweep-masscan.txt"
           if masscan_run sweep-masscan "$expect" -p80 "$SWEEP4" --rate "$sweep_rate" --wait 1; then
             add_counts masscan "$("${helper[@]}" sweep "$truth" v4 masscan "$work/sweep-masscan.txt")"
           fi ;;
        2) ip -n "$rtr_ns" neigh flush dev "$RTR_SWEEP_DEV"
           if zmap_run sweep-zmap -p 80 -r "$sweep_rate" -c 1 "$SWEEP4"; then
             add_counts zmap "$("${helper[@]}" sweep "$truth" v4 zmap "$work/sweep-zmap.txt")"
           fi ;;
      esac
    done
  done
  counts() { # tool -> "missed/total"
    local f m x t _w; read -r f m x t _w <"$work/sweep-$1.sum"
    if [ "$t" -eq 0 ]; then echo "n/a"; else echo "$m/$t missed, $x false"; fi
  }
  ours_sweep="ours $(counts ours) (wrong state or reason: $(awk '{print $5}' "$work/sweep-ours.sum"))"
  [ -e "$work/sweep-ours.err" ] && ours_sweep="$(err_note sweep-ours)"
  for peer in masscan zmap; do
    row "-sS -p80 sweep $SWEEP4" "$(ours_cell sweep-ours)" "$peer" "$(secs "$(med "sweep-$peer")")" \
      "$(ratio "$(med sweep-ours)" "$(med "sweep-$peer")")" \
      "$sweep_runs runs: $ours_sweep; $peer $(counts "$peer")$( [ -e "$work/sweep-$peer.err" ] && echo " ($(cat "$work/sweep-$peer.err"))")"
  done
fi

# --- disc: host discovery (-sn) of the discovery block, a /24 behind two routers -----------
if want_row disc; then
  dtruth="${truth%.tsv}.discovery.tsv"
  block=$(awk -F= '/^# block_v4=/ { print $2; exit }' "$dtruth" 2>/dev/null || true)
  if [ -z "$block" ]; then
    row "-sn discovery" "n/a" "nmap -T4" "" "-" "(no discovery block in $dtruth)"
  else
    prefix=${block%0/24}
    o=disc-ours; n=disc-nmap; : >"$work/$o.times"; : >"$work/$n.times"
    for i in $(seq 1 "$runs"); do
      if [ $((i % 2)) -eq 1 ]; then
        run_ours "$o" 60 -sn -v -n --reason "$block" || true
        run_nmap "$n" -n -T4 -sn -v --reason "$block" || true
      else
        run_nmap "$n" -n -T4 -sn -v --reason "$block" || true
        run_ours "$o" 60 -sn -v -n --reason "$block" || true
      fi
    done
    disc_res() { # tool xml
      local u d w t
      [ -s "$2" ] || { echo "$1: no XML"; return; }
      read -r u d w t <<<"$("${helper[@]}" disc "$dtruth" "$prefix" "$2")"
      [ "$w" -eq 0 ] || status=1
      echo "$1 $u up, $d down, $w of $t differ from the truth"
    }
    res="$(err_note "$o")$(disc_res ours "$work/$o.xml"); $(disc_res nmap "$work/$n.xml")"
    row "-sn discovery $block" "$(ours_cell "$o")" "nmap -T4" "$(secs "$(med "$n")")" \
      "$(ratio "$(med "$o")" "$(med "$n")")" "$res"
  fi
fi

# --- udp: top 100 of the plain host, ICMP rate limit on and off ---------------------------
if want_row udp; then
  for mode in on off; do
    "${range_sh[@]}" icmp-ratelimit "$mode" --name "$name" >/dev/null
    o=udp-$mode-ours; n=udp-$mode-nmap; : >"$work/$o.times"; : >"$work/$n.times"
    nr=$runs; [ "$mode" = on ] && nr=$slow_runs
    for i in $(seq 1 "$nr"); do
      if [ $((i % 2)) -eq 1 ]; then
        run_ours "$o" 300 -sU --top-ports 100 -n --reason "$PLAIN4" || true
        run_nmap "$n" -n -T4 -sU --top-ports 100 --reason "$PLAIN4" || true
      else
        run_nmap "$n" -n -T4 -sU --top-ports 100 --reason "$PLAIN4" || true
        run_ours "$o" 300 -sU --top-ports 100 -n --reason "$PLAIN4" || true
      fi
    done
    nmap_res=$("${helper[@]}" check nmap sU udp "$work/$n.xml" "$truth" "$PLAIN4" || true)
    if [ -e "$work/$o.err" ]; then
      res="$(err_note "$o")$nmap_res"
      xml="$work/$n.xml"
    else
      res="$("${helper[@]}" check ours sU udp "$work/$o.jsonl" "$truth" "$PLAIN4" || true); $nmap_res"
      xml="$work/$o.xml"
    fi
    if [ "$mode" = on ]; then
      closed=$("${helper[@]}" closed "$truth" "$PLAIN4" udp "$xml")
      res="$res; the limit needs >= $(( closed > 6 ? closed - 6 : 0 )) s ($closed closed ports)"
    fi
    row "-sU top100 plain $PLAIN4 limit $mode" "$(ours_cell "$o")" "nmap -T4" "$(secs "$(med "$n")")" \
      "$(ratio "$(med "$o")" "$(med "$n")")" "$res"
  done
  "${range_sh[@]}" icmp-ratelimit on --name "$name" >/dev/null
fi

# --- lossy: -sS -p- (and -sT -p-) of the hosts behind random loss ------------------------
# exact_runs TAG: "K/N" runs of TAG whose result equalled the truth (TAG.exact: one 0/1 a run).
exact_runs() { awk '{ k += $1 } END { printf "%d/%d", k, NR }' "$work/$1.exact" 2>/dev/null || echo "0/0"; }
# check_run WHO TECH TAG FILE ADDR: appends 1 to TAG.exact when FILE == truth, else 0.
check_run() {
  if "${helper[@]}" check "$1" "$2" tcp "$4" "$truth" "$5" >"$work/$3.check" 2>&1; then echo 1; else echo 0; fi >>"$work/$3.exact"
}
if want_row lossy; then
  for pct in 1 5 10; do
    addr=$(host_addr "lossy$pct" v4)
    o="lossy$pct-ours"; n="lossy$pct-nmap"; t="lossy$pct-ourst"
    for f in "$o" "$n" "$t"; do : >"$work/$f.times"; : >"$work/$f.exact"; done
    for i in $(seq 1 "$runs"); do
      if run_ours "$o" 300 -sS -p- -n --reason "$addr"; then check_run ours sS "$o" "$work/$o.jsonl" "$addr"; fi
      if [ "$i" -le "$slow_runs" ] && run_nmap "$n" -n -T4 -sS -p- --reason "$addr"; then
        check_run nmap sS "$n" "$work/$n.xml" "$addr"
      fi
      if [ "$i" -le "$slow_runs" ] && run_ours "$t" 300 -sT -p- -n --reason "$addr"; then
        check_run ours sT "$t" "$work/$t.jsonl" "$addr"
      fi
    done
    res="$(err_note "$o")ours exact $(exact_runs "$o"), $(err_note "$n")nmap exact $(exact_runs "$n")"
    grep -q 0 "$work/$o.exact" && res="$res (last ours: $(cat "$work/$o.check"))"
    row "-sS -p- lossy $pct % each way $addr" "$(ours_cell "$o")" "nmap -T4" "$(secs "$(med "$n")")" \
      "$(ratio "$(med "$o")" "$(med "$n")")" "$res"
    res="$(err_note "$t")ours exact $(exact_runs "$t")"
    grep -q 0 "$work/$t.exact" && res="$res (last: $(cat "$work/$t.check"))"
    row "-sT -p- lossy $pct % each way $addr" "$(ours_cell "$t")" "" "" "-" "$res"
  done
fi

# --- bneck: -sS -p- of the host behind the tbf bottleneck -------------------------------
# tbf_drops: the bottleneck qdisc's drop counter (router side, h10).
tbf_drops() { tc -n "$rtr_ns" -s qdisc show dev h10 | awk '/dropped/ { gsub(/,/, ""); for (i = 1; i < NF; i++) if ($i == "(dropped") { print $(i+1); exit } }'; }
if want_row bneck; then
  addr=$(host_addr bottleneck v4)
  o=bneck-ours; n=bneck-nmap
  for f in "$o" "$n"; do : >"$work/$f.times"; : >"$work/$f.exact"; : >"$work/$f.drops"; done
  bneck_one() { # ours|nmap
    local d0 tag=bneck-$1
    d0=$(tbf_drops)
    if [ "$1" = ours ]; then
      run_ours "$tag" 300 -sS -p- -n --reason "$addr" && check_run ours sS "$tag" "$work/$tag.jsonl" "$addr"
    else
      run_nmap "$tag" -n -T4 -sS -p- --reason "$addr" && check_run nmap sS "$tag" "$work/$tag.xml" "$addr"
    fi
    echo $(( $(tbf_drops) - d0 )) >>"$work/$tag.drops"
  }
  for i in $(seq 1 "$runs"); do
    if [ $((i % 2)) -eq 1 ]; then bneck_one ours || true; bneck_one nmap || true
    else bneck_one nmap || true; bneck_one ours || true; fi
  done
  res="$(err_note "$o")ours exact $(exact_runs "$o"), nmap exact $(exact_runs "$n"); tbf drops (median) ours $(median <"$work/$o.drops"), nmap $(median <"$work/$n.drops")"
  row "-sS -p- bottleneck 4 Mbit/s $addr" "$(ours_cell "$o")" "nmap -T4" "$(secs "$(med "$n")")" \
    "$(ratio "$(med "$o")" "$(med "$n")")" "$res"
fi

# --- rate: send rate on the silent /16 vs the ceiling sender ------------------------------
# sample_run TAG CMD...: runs CMD with the scanner interface's tx_packets sampled; appends
# the sending-phase rate (packets/s) to TAG.rates.
sample_run() {
  local tag=$1 sp rc=0; shift
  # Started directly (not through a shell function), so $! is the sampler itself.
  ip netns exec "$scan_ns" "${helper[@]}" sample "$IFACE" "$work/$tag.samples" 400 &
  sp=$!
  sleep 0.3
  "$@" || rc=$?
  sleep 0.3
  kill -TERM "$sp" 2>/dev/null || true
  wait "$sp" 2>/dev/null || true
  [ "$rc" -eq 0 ] || return "$rc"
  "${helper[@]}" rate "$work/$tag.samples" >"$work/$tag.rate"
  awk '{ print $3 }' "$work/$tag.rate" >>"$work/$tag.rates"
  awk '{ print $4 }' "$work/$tag.rate" >>"$work/$tag.peaks"
}
if want_row rate; then
  : >"$work/rate-ours.rates"; : >"$work/rate-ceiling.rates"; : >"$work/rate-ours.times"
  : >"$work/rate-ours.peaks"; : >"$work/rate-ceiling.peaks"
  cdst="$DROP4"
  for i in $(seq 1 "$runs"); do
    # Every port of the drop host, windows ignored (--min-rate): one continuous sending phase.
    # (A sweep of the silent /16 sends in bursts, one host group at a time: see the rss row.)
    sample_run rate-ours run_ours rate-ours 300 -sS -Pn -n -p- --max-retries 0 --min-rate 100000000 "$DROP4" || true
    if [ -x "$ceiling" ]; then
      sample_run rate-ceiling timeout 30 ip netns exec "$scan_ns" "$ceiling" --iface "$IFACE" \
        --dst-mac "$RMAC" --src "$SCAN4" --dst "$cdst" --seconds 3 >"$work/ceiling.out" 2>&1 ||
        first_line "$work/ceiling.out" "ceiling_sender failed" >"$work/rate-ceiling.err"
    else
      echo "no ceiling_sender at $ceiling (build target ceiling_sender)" >"$work/rate-ceiling.err"
    fi
  done
  o=$(median <"$work/rate-ours.rates"); c=$(median <"$work/rate-ceiling.rates")
  res="$(err_note rate-ours)$(err_note rate-ceiling)"
  [ -e "$work/rate-ours.err" ] ||
    res="${res}ours: 65535 probes, wall $(secs "$(med rate-ours)"), peak over 100 ms $(median <"$work/rate-ours.peaks") pps; "
  res="${res}ceiling: identical 60-byte SYNs, sendmmsg x64, 3 s"
  row "send rate -sS -p- $DROP4" "$( [ -n "$o" ] && echo "$o pps" || echo n/a)" "ceiling_sender" \
    "$( [ -n "$c" ] && echo "$c pps" || echo n/a)" "$(ratio "$o" "$c")" "$res"
fi

# --- rss: peak memory on the 65536-host sweep ----------------------------------------------
if want_row rss; then
  : >"$work/rss-ours.kb"; : >"$work/rss-masscan.kb"; : >"$work/rss-ours.times"; : >"$work/rss-masscan.times"
  for i in $(seq 1 "$slow_runs"); do
    if [ -x "$pw" ] && [ ! -e "$work/rss-ours.err" ]; then
      rc=0
      timeout 300 ip netns exec "$scan_ns" /usr/bin/time -f %M -o "$work/rss-ours.time" "$pw" scan \
        -sS -Pn -n -p80 -q --no-history -oJ "$work/rss-ours.jsonl" "$SILENT4" >/dev/null 2>"$work/rss-ours.stderr" || rc=$?
      if [ "$rc" -eq 0 ]; then tail -n 1 "$work/rss-ours.time" >>"$work/rss-ours.kb"
      else first_line "$work/rss-ours.stderr" "exit $rc" >"$work/rss-ours.err"; fi
    elif [ ! -x "$pw" ]; then echo "no portwarden binary at $pw" >"$work/rss-ours.err"; fi
    if masscan_run rss-masscan 2 -p80 "$SILENT4" --rate 100000 --wait 0; then
      tail -n 1 "$work/rss-masscan.rss" >>"$work/rss-masscan.kb"
    fi
  done
  o=$(median <"$work/rss-ours.kb"); m=$(median <"$work/rss-masscan.kb")
  row "peak RSS -sS -Pn -p80 $SILENT4" "$( [ -n "$o" ] && awk -v k="$o" 'BEGIN { printf "%.1f MB", k / 1024 }' || echo n/a)" \
    "masscan" "$( [ -n "$m" ] && awk -v k="$m" 'BEGIN { printf "%.1f MB", k / 1024 }' || echo n/a)" \
    "$(ratio "$o" "$m")" "$(err_note rss-ours)65536 hosts x 1 port, no answers (masscan --rate 100000)"
fi

echo "(median of $runs runs for tcp/udp-off/rate, $slow_runs for drop/udp-on/rss, $sweep_runs sweeps per tool;" \
  "time ratio = portwarden / peer, lower is faster; rate ratio = portwarden / ceiling)"
exit $status
