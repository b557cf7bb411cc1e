#!/usr/bin/env bash
# `portwarden watch --log -` on firewall log lines the kernel itself wrote (issue #14 item 2,
# the log source end to end): an nftables `log prefix` rule in the range's plain host
# (198.18.1.10, its own table, deleted on exit), the kernel log followed with
# `dmesg --follow-new` (only lines written from now on; our prefix kept with grep), and nmap
# -sS and -sU from the range's scanner namespace against that host. Checks per scan: exactly one
# alert, from the scanner's address, technique syn / udp, raised within 1 s of nmap's start, and that every log line was read as a firewall line.
#
# A namespace's netfilter log lines reach the kernel log only with net.netfilter.nf_log_all_netns=1
# (a machine-wide sysctl): the test sets it and restores the previous value on exit (trap), as
# it deletes its table. Needs root; fails under CI=true without it, else skips (77). ~8 s.
#
#   watch_kernel_log_test.sh PORTWARDEN --truth RANGE-TRUTH
set -uo pipefail
pw=$(realpath "${1:?usage: watch_kernel_log_test.sh PORTWARDEN --truth RANGE-TRUTH}")
[ "${2:-}" = "--truth" ] && truth=${3:?--truth FILE} || { echo "usage: $0 PORTWARDEN --truth FILE"; exit 2; }

if [ "$(id -u)" -ne 0 ]; then
  if [ "${CI:-}" = "true" ]; then echo "FAIL: needs root (nftables in a namespace, the kernel log)"; exit 1; fi
  echo "SKIP: needs root"; exit 77
fi
meta() { sed -n "s/^# $1 *//p" "$truth" | head -1; }
scan_ns=$(meta scanner_ns=)
plain_ns=$(meta "host_ns plain")
scanner=$(meta "scanner " | cut -d' ' -f1)
plain=$(meta "host plain" | cut -d' ' -f1)
if [ -z "$scan_ns" ] || [ -z "$plain_ns" ] || [ -z "$scanner" ] || [ -z "$plain" ]; then
  echo "FAIL: $truth is not a range truth file"; exit 1
fi

tmp=$(mktemp -d)
table=pw_watch_klog
prefix="PWKLOG$$ "
old=$(sysctl -n net.netfilter.nf_log_all_netns) || { echo "FAIL: no net.netfilter.nf_log_all_netns"; exit 1; }
cleanup() {
  sysctl -qw net.netfilter.nf_log_all_netns="$old"
  ip netns exec "$plain_ns" nft delete table inet "$table" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns exec "$plain_ns" nft -f - <<EOF || { echo "FAIL: cannot load the log rule"; exit 1; }
table inet $table {
  chain input {
    type filter hook input priority -10; policy accept;
    iifname != "lo" meta l4proto { tcp, udp } log prefix "$prefix" level info
  }
}
EOF
sysctl -qw net.netfilter.nf_log_all_netns=1 || { echo "FAIL: cannot set nf_log_all_netns"; exit 1; }

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# one_case NAME TECHNIQUE NMAP-ARGS...: follow the kernel log for 3.5 s while nmap runs; watch
# reads until the end of its input (dmesg stopped by timeout). Each alert line is stamped with
# the wall clock when it came out of watch, to time it from nmap's start.
one_case() {
  local name=$1 technique=$2
  shift 2
  local out=$tmp/$name.json err=$tmp/$name.err
  ( timeout 3.5 dmesg --follow-new --nopager | grep --line-buffered -F "$prefix" |
      timeout 10 "$pw" watch --log - --json 2>"$err" |
      while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done >"$out" ) &
  local pipeline=$!
  sleep 0.5  # dmesg follows from now on
  local started=$EPOCHREALTIME
  ip netns exec "$scan_ns" timeout 2.5 nmap -n -Pn -T4 --max-retries 0 "$@" "$plain" >/dev/null 2>&1
  wait "$pipeline"
  local alerts
  alerts=$(grep -c '"event":"scan"' "$out")
  if [ "$alerts" -eq 1 ]; then ok "$name: one alert"; else bad "$name: $alerts alerts: $(cat "$out")"; fi
  python3 - "$out" "$scanner" "$technique" "$name" "$started" <<'EOF' && ok "$name: source, technique, within 1 s" || bad "$name: $(cat "$err")"
import json, sys
path, src, technique, name, started = sys.argv[1:]
stamp, alert = next((float(t), e) for t, e in ((line.split(" ", 1)[0], json.loads(line.split(" ", 1)[1]))
                                             for line in open(path)) if e["event"] == "scan")
after = stamp - float(started)
problems = []
if alert["src"] != src: problems.append(f"src {alert['src']}")
if alert["technique"] != technique: problems.append(f"technique {alert['technique']}")
if after >= 1.0: problems.append(f"alert {after:.3f} s after nmap's start")
print(f"{name}: {alert['technique']} from {alert['src']} decided by {alert['decided_by']} after "
      f"{alert['probes']} logged probes, {after:.3f} s after nmap's start")
if problems:
    sys.exit("problems: " + ", ".join(problems))
EOF
  if grep -qE '^portwarden watch: ([0-9]+) lines, \1 firewall log lines, 0 skipped' "$err"; then ok "$name: every kernel line parsed"
  else bad "$name: $(grep 'portwarden watch:' "$err")"; fi
}

one_case syn syn -sS -p 1-200
one_case udp udp -sU -p 1-100

echo "watch_kernel_log: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
