#!/usr/bin/env bash
# Output is never lost or cut in silence (issue #16, item 4). Each part runs in a fresh network
# and mount namespace (unshare -n -m: loopback only, private mounts), so nothing leaves the machine
# and the small file system made here is seen by this test only:
#   1. -oX/-oJ/-oN/-oG to /dev/full, and stdout to /dev/full: the file (or standard output) and
#      the error are named on stderr, exit 1;
#   2. a file system that fills mid-scan (64 KiB tmpfs, -oJ of a -p- scan): named, exit 1;
#   3. a scan that cannot start (no route) leaves an existing -oX file as it was, and creates
#      no new file;
#   4. Ctrl-C 8-66 ms after start, 30 times: every time a clean exit (0, or 130 saying so) and an
#      XML file that xmllint reads (the stop signals are blocked before any thread starts);
#   5. `-oJ - | head -3` with -oX FILE: no death by SIGPIPE; the scan stops, says so in one line,
#      exits 1, and the XML file is closed and well-formed;
#   6. a host name with control characters (a private /etc/hosts, -R) is escaped on the
#      terminal and in -oN/-oG.
set -uo pipefail
pw=$(realpath "${1:?usage: output_test.sh PATH-TO-portwarden}")
if [ "$(id -u)" -ne 0 ] || ! unshare -n -m true 2>/dev/null; then
  echo "FAIL: needs root for unshare -n -m (network isolation, a private tmpfs)"; exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$(dirname "$0")/../checks.sh" "$tmp/"  # counting checks, for the inner script

cat >"$tmp/inner.sh" <<'INNER'
set -uo pipefail
pw=$1; tmp=$2
source "$tmp/checks.sh"
ip link set lo up
db=(--db "$tmp/history.db")
# An interrupted raw scan, started as root, writes its resume point as nobody: where it may.
mkdir -p "$tmp/spill" && chmod 1777 "$tmp/spill" && chmod 0711 "$tmp"
export TMPDIR=$tmp/spill
cd "$tmp" || exit 1

# 1. /dev/full.
for flag in -oX -oJ -oN -oG; do
  "$pw" scan -sT -p 1-100 "${db[@]}" "$flag" /dev/full 127.0.0.1 >/dev/null 2>"$tmp/full.err"
  check "$flag /dev/full exits 1" 1 $?
  grep -q "cannot write '/dev/full': No space left on device" "$tmp/full.err"
  check "$flag /dev/full is named with its error" 0 $?
done
"$pw" scan -sT -p 1-100 "${db[@]}" 127.0.0.1 >/dev/full 2>"$tmp/full.err"
check "stdout to /dev/full exits 1" 1 $?
grep -q "cannot write standard output: No space left on device" "$tmp/full.err"
check "stdout to /dev/full is said" 0 $?
"$pw" history "${db[@]}" >/dev/full 2>"$tmp/full.err"
check "history to /dev/full exits 1" 1 $?
grep -q "cannot write standard output" "$tmp/full.err"; check "history to /dev/full is said" 0 $?

# 2. A file system that fills mid-scan: -p- JSON Lines is ~6 MB, the tmpfs 64 KiB.
mkdir -p "$tmp/small"
mount -t tmpfs -o size=64k pwtest "$tmp/small"
"$pw" scan -sT -p- "${db[@]}" -oJ "$tmp/small/x.jsonl" -oX "$tmp/ok.xml" 127.0.0.1 >/dev/null 2>"$tmp/fill.err"
check "a filled file system exits 1" 1 $?
grep -q "cannot write '$tmp/small/x.jsonl': No space left on device" "$tmp/fill.err"
check "the file on the filled file system is named" 0 $?
xmllint --noout "$tmp/ok.xml" 2>/dev/null; check "the other output is complete" 0 $?
umount "$tmp/small"

# 3. No route (no address but loopback): the scan cannot start.
printf 'OLD CONTENT\n' >"$tmp/old.xml"
"$pw" scan -sS -p 22 "${db[@]}" -oX "$tmp/old.xml" -oJ "$tmp/new.jsonl" 198.18.0.1 >/dev/null 2>"$tmp/route.err"
code=$?
[ "$code" -ne 0 ]; check "a scan without a route fails (exit $code)" 0 $?
check "the old -oX file is intact" "OLD CONTENT" "$(cat "$tmp/old.xml")"
[ -e "$tmp/new.jsonl" ]; check "no new file is left behind" 1 $?

# 4. Ctrl-C 8-66 ms after start (a raw scan starts the ring set-up and services threads then).
# Job control on: a background command keeps SIGINT's default action (else bash ignores it for
# it). A process interrupted before scan_command blocks the signals dies without opening a
# file: allowed (an older file would be intact), but counted.
set -m
bad=0
written=0
for i in $(seq 8 2 66); do
  rm -f "$tmp/int.xml"
  "$pw" scan -sS -p 1-3000 --max-rate 3000 "${db[@]}" -oX "$tmp/int.xml" 127.0.0.1 >/dev/null 2>"$tmp/int.err" &
  scan=$!
  sleep "0.0$(printf '%02d' "$i")"
  kill -INT "$scan" 2>/dev/null
  wait "$scan"; code=$?
  [ -e "$tmp/int.xml" ] || continue
  written=$((written + 1))
  if ! { [ "$code" -eq 0 ] || { [ "$code" -eq 130 ] && grep -q "interrupted" "$tmp/int.err"; }; } ||
     ! xmllint --noout "$tmp/int.xml" 2>/dev/null; then
    bad=$((bad + 1)); echo "  Ctrl-C after ${i} ms: exit $code; $(head -c 300 "$tmp/int.err")"
  fi
done
set +m
check "Ctrl-C 8-66 ms after start: clean exits and well-formed XML (bad of $written written)" 0 "$bad"
[ "$written" -ge 10 ]; check "at least 10 of 30 interrupted scans had started ($written)" 0 $?

# 5. Standard output's reader goes away: 4096 hosts x 100 ports, head keeps 3 lines (a raw
# scan reports 2621 hosts at a time: it stops after the first group).
for tech in -sT -sS; do
  rm -f "$tmp/pipe.xml"
  "$pw" scan "$tech" -p 1-100 "${db[@]}" -oX "$tmp/pipe.xml" -oJ - 127.0.0.0/20 2>"$tmp/pipe.err" | head -3 >/dev/null
  check "$tech -oJ - | head -3 exits 1 (not killed by SIGPIPE)" 1 "${PIPESTATUS[0]}"
  check "$tech: one line on stderr" 1 "$(grep -vc 'resume point' "$tmp/pipe.err")"
  grep -q "standard output was closed by its reader; scan stopped" "$tmp/pipe.err"
  check "$tech: the reader going away is said" 0 $?
  xmllint --noout "$tmp/pipe.xml" 2>/dev/null; check "$tech: the -oX file is closed and well-formed" 0 $?
  hosts=$(grep -c '<host ' "$tmp/pipe.xml")
  [ "$hosts" -lt 4096 ]; check "$tech: the scan stopped early ($hosts of 4096 hosts)" 0 $?
done

# 6. A name from /etc/hosts (this test's private copy) with an escape sequence, via -R: the
# terminal and the -oN/-oG files show it escaped (\x1B), never the raw byte.
printf '127.0.0.1\tev\033[31mil\n' >"$tmp/hosts"
mount --bind "$tmp/hosts" /etc/hosts
"$pw" scan -sT -R -p 1 "${db[@]}" -oN "$tmp/names.nmap" -oG "$tmp/names.gnmap" 127.0.0.1 >"$tmp/names.out" 2>&1
check "a scan of a host with a hostile name exits 0" 0 $?
check "no raw ESC byte on the terminal or in -oN/-oG" 0 "$(cat "$tmp/names.out" "$tmp/names.nmap" "$tmp/names.gnmap" | grep -c $'\033')"
check "the name is shown escaped on the terminal, in -oN and -oG" 3 \
  "$(grep -lF 'ev\x1B[31mil' "$tmp/names.out" "$tmp/names.nmap" "$tmp/names.gnmap" | wc -l)"
umount /etc/hosts

summary "output"
INNER
unshare -n -m bash "$tmp/inner.sh" "$pw" "$tmp"
