#!/usr/bin/env bash
# Privileges of raw scans, checked in a fresh network namespace (unshare -n: loopback, plus a
# veth pair whose far end silently drops 198.18.9.0/24), so nothing can leave the machine:
#   1. as nobody without capabilities: the default scan is a connect scan (with a one-line note
#      saying why), and -sS is refused with exit 2 and a message naming CAP_NET_RAW and setcap;
#   2. as nobody running a copy of the binary with only `setcap cap_net_raw+ep`: the default is a
#      SYN scan, and -sS / -sU over IPv4 and IPv6 loopback give the right states and reasons;
#   3. started as root, a raw scan runs as uid/gid 65534 with every capability set empty and
#      no_new_privs set (read from /proc/PID/status while it scans), and still exits 130 on Ctrl-C;
#   in 2 and 3, every thread (/proc/PID/task/*/status) has CapPrm/CapEff/CapAmb empty and
#   NoNewPrivs 1 mid-scan (the receive and signal threads too, not only the main thread).
set -uo pipefail
pw=${1:?usage: privileges_test.sh PORTWARDEN}
if [ "$(id -u)" -ne 0 ]; then
  echo "FAIL: needs root (unshare -n, setcap, setpriv); run the tests as root"; exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$(dirname "$0")/../checks.sh" "$tmp/"  # counting checks, for the inner script
chmod 755 "$tmp"
cp "$pw" "$tmp/pw-plain" && cp "$pw" "$tmp/pw-cap" && chmod 755 "$tmp/pw-plain" "$tmp/pw-cap"
setcap cap_net_raw+ep "$tmp/pw-cap" || { echo "FAIL: setcap cap_net_raw+ep failed"; exit 1; }

cat >"$tmp/inner.sh" <<'INNER'
set -uo pipefail
tmp=$1; sandbox=$2
source "$tmp/checks.sh"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
pw=$tmp/pw-plain
source "$sandbox"

# 1. No capability.
as_nobody "$tmp/pw-plain" scan -p 18081 127.0.0.1 >"$tmp/1.out" 2>"$tmp/1.err"; check "unprivileged default scan exits 0" 0 $?
grep -q "connect scan (-sT): raw sockets need CAP_NET_RAW" "$tmp/1.err"; check "note says connect and why" 0 $?
grep -q "18081/tcp open" "$tmp/1.out"; check "unprivileged connect scan finds the listener" 0 $?
as_nobody "$tmp/pw-plain" scan -sS -p 18081 127.0.0.1 >"$tmp/2.out" 2>"$tmp/2.err"; check "-sS without CAP_NET_RAW exits 2" 2 $?
grep -q "CAP_NET_RAW.*setcap cap_net_raw+ep" "$tmp/2.err"; check "-sS refusal names CAP_NET_RAW and setcap" 0 $?
check "-sS refusal is one line" 1 "$(wc -l <"$tmp/2.err")"

# 2. setcap cap_net_raw+ep only.
as_nobody "$tmp/pw-cap" scan --reason -p 18081,18082 127.0.0.1 >"$tmp/3.out" 2>"$tmp/3.err"; check "setcap default scan exits 0" 0 $?
grep -q "SYN scan (-sS): raw sockets are permitted" "$tmp/3.err"; check "note says SYN and why" 0 $?
grep -Eq "18081/tcp +open +unknown +syn-ack" "$tmp/3.out"; check "setcap SYN: open syn-ack" 0 $?
grep -Eq "18082/tcp +closed +unknown +reset" "$tmp/3.out"; check "setcap SYN: closed reset" 0 $?
as_nobody "$tmp/pw-cap" scan -sS --reason -p 18081 ::1 >"$tmp/4.out" 2>&1; check "setcap SYN over IPv6 exits 0" 0 $?
grep -Eq "18081/tcp +closed +unknown +reset" "$tmp/4.out"; check "setcap SYN over IPv6: closed reset (listener is IPv4 only)" 0 $?
as_nobody "$tmp/pw-cap" scan -sU --reason -p 18083 127.0.0.1 >"$tmp/5.out" 2>&1; check "setcap UDP exits 0" 0 $?
grep -Eq "18083/udp +closed +unknown +port-unreach" "$tmp/5.out"; check "setcap UDP: closed port-unreach" 0 $?

# Every thread of a scan (main, receive, send, signal watcher, ...), read mid-scan from
# /proc/PID/task/*/status: CapPrm, CapEff, CapAmb empty and NoNewPrivs 1. Prints the bad lines.
thread_privileges() { # PID
  for f in /proc/"$1"/task/*/status; do
    awk -v t="$f" '($1 == "CapPrm:" || $1 == "CapEff:" || $1 == "CapAmb:") && $2 != "0000000000000000" {print t, $0}
                   $1 == "NoNewPrivs:" && $2 != "1" {print t, $0}' "$f"
  done
}
threads() { ls /proc/"$1"/task | wc -l; }

# 2b. setcap: every thread has dropped CAP_NET_RAW and set no_new_privs while the scan runs.
# Its resume point goes to a directory made for it (else it would be spilled into /tmp).
mkdir -m 1777 "$tmp/spill"
setpriv --reuid=65534 --regid=65534 --clear-groups "$tmp/pw-cap" scan -sS -Pn -q -p 1-65535 --max-rate 2000 \
  --no-history --resume-file "$tmp/spill/cap.resume" 198.18.9.2 >/dev/null 2>&1 &  # not as_nobody: $! must be the scan, not a subshell
scan=$!
sleep 1.5
n=$(threads "$scan")
[ "$n" -ge 3 ]; check "the setcap scan runs several threads ($n)" 0 $?
check "setcap scan: no thread keeps a capability or lacks no_new_privs" "" "$(thread_privileges "$scan")"
kill -INT "$scan"; wait "$scan"

# 3. Root drops to nobody with no capabilities once its sockets are open.
# Its resume point is written as nobody: into a directory nobody may write (nothing left in /tmp).
"$tmp/pw-plain" scan -sS -Pn -q -p 1-65535 --max-rate 2000 --resume-file "$tmp/spill/pw.resume" 198.18.9.2 \
  >"$tmp/6.out" 2>"$tmp/6.err" &
scan=$!
sleep 1.5
status=$(cat /proc/$scan/status)
check "raw scan runs as uid 65534" "Uid: 65534 65534 65534 65534" "$(echo "$status" | awk '/^Uid:/ {print "Uid:", $2, $3, $4, $5}')"
check "raw scan runs as gid 65534" "Gid: 65534 65534 65534 65534" "$(echo "$status" | awk '/^Gid:/ {print "Gid:", $2, $3, $4, $5}')"
for cap in CapInh CapPrm CapEff CapAmb; do
  check "raw scan $cap is empty" 0000000000000000 "$(echo "$status" | awk -v c="$cap:" '$1 == c {print $2}')"
done
check "raw scan has no_new_privs" 1 "$(echo "$status" | awk '/^NoNewPrivs:/ {print $2}')"
check "root scan: no thread keeps a capability or lacks no_new_privs" "" "$(thread_privileges "$scan")"
kill -INT "$scan"
wait "$scan"; check "privilege-dropped scan still exits 130 on Ctrl-C" 130 $?
head -1 "$tmp/spill/pw.resume" 2>/dev/null | grep -q "portwarden-resume 1"; check "and writes its resume file as nobody" 0 $?

kill "$listener" 2>/dev/null; wait "$listener" 2>/dev/null
summary "privileges"
INNER
unshare -n bash "$tmp/inner.sh" "$tmp" "$(cd "$(dirname "$0")" && pwd)/sandbox.sh"
