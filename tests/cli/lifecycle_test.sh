#!/usr/bin/env bash
# What a developer and a scripted user rely on, each checked in a fresh network namespace
# (unshare -n: loopback only, plus a veth pair whose far end silently drops 198.18.9.0/24), so nothing
# can leave the machine:
#   1. the example program examples/wait_for_service (exit 0 open, 1 closed);
#   2. `portwarden probe` / `wait` exit codes: 0 open, 1 closed, 3 filtered/unreachable; -R names;
#   3. Ctrl-C during a scan: exit 130, hosts already finished are in every output file, the
#      unfinished host is flushed as incomplete, the XML is still valid against nmap's DTD.
set -uo pipefail
pw=${1:?usage: lifecycle_test.sh PORTWARDEN WAIT_FOR_SERVICE}
example=${2:?usage: lifecycle_test.sh PORTWARDEN WAIT_FOR_SERVICE}
if [ "$(id -u)" -ne 0 ]; then
  echo "FAIL: needs root for unshare -n (network isolation); run the tests as root"; exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$(dirname "$0")/../checks.sh" "$tmp/"  # counting checks, for the inner script

cat >"$tmp/inner.sh" <<'INNER'
set -uo pipefail
pw=$1; example=$2; tmp=$3; sandbox=$4
source "$tmp/checks.sh"
source "$sandbox"

# 1. The example program.
"$example" 127.0.0.1:18081 2000 >"$tmp/ex.out"; check "example on an open port" 0 $?
"$example" 127.0.0.1:18082 500 >"$tmp/ex.out"; check "example on a closed port" 1 $?
grep -q "nothing listens on port 18082" "$tmp/ex.out"; check "example prints the hint" 0 $?

# 2. probe / wait exit codes.
"$pw" probe 127.0.0.1:18081 >/dev/null; check "probe open" 0 $?
"$pw" probe 127.0.0.1:18082 >/dev/null; check "probe closed" 1 $?
"$pw" probe 198.18.9.2:80 --timeout 200ms --retries 0 >"$tmp/p.out"; check "probe filtered" 3 $?
grep -q "filtered (no-response)" "$tmp/p.out"; check "probe says no-response" 0 $?
"$pw" probe --json [::1]:18082 >"$tmp/p.json"; check "probe closed over IPv6" 1 $?
grep -q '"state":"closed","reason":"conn-refused"' "$tmp/p.json"; check "probe --json" 0 $?
"$pw" wait 127.0.0.1:18081 --timeout 5s -q; check "wait open" 0 $?
"$pw" wait 127.0.0.1:18082 --timeout 600ms -q; check "wait still closed" 1 $?
"$pw" wait 198.18.9.2:80 --timeout 600ms -q; check "wait filtered" 3 $?

# -R: the PTR name of 127.0.0.1 comes from /etc/hosts (no DNS in this namespace).
"$pw" scan -R -p 18081 -oG "$tmp/r.gnmap" -oX "$tmp/r.xml" 127.0.0.1 >"$tmp/r.txt"
grep -q "scan report for localhost (127.0.0.1)" "$tmp/r.txt"; check "-R names the host in normal output" 0 $?
grep -q "Host: 127.0.0.1 (localhost)" "$tmp/r.gnmap"; check "-R names the host in grepable output" 0 $?
grep -q '<hostname name="localhost" type="PTR"/>' "$tmp/r.xml"; check "-R names the host in XML" 0 $?
"$pw" scan -p 18081 127.0.0.1 >"$tmp/n.txt"; grep -q "scan report for 127.0.0.1$" "$tmp/n.txt"; check "no reverse DNS without -R" 0 $?

# 3. Ctrl-C: 127.0.0.1 finishes at once; 198.18.9.2 swallows every probe, so it is unfinished.
"$pw" scan -sT -Pn -p 1-2999,18081 --initial-rtt-timeout 2s -oX "$tmp/int.xml" -oJ "$tmp/int.jsonl" \
  -oG "$tmp/int.gnmap" 127.0.0.1 198.18.9.2 >"$tmp/int.txt" 2>"$tmp/int.err" &
scan=$!
sleep 1.5
kill -INT "$scan"
wait "$scan"; check "interrupted scan exits 130" 130 $?
xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd "$tmp/int.xml" 2>/dev/null; check "XML of an interrupted scan is DTD-valid" 0 $?
grep -q 'errormsg="Interrupted"' "$tmp/int.xml"; check "XML says interrupted" 0 $?
python3 - "$tmp/int.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
ports = [r for r in recs if r["type"] == "port" and r["host"] == "127.0.0.1"]
hosts = {r["host"]: r for r in recs if r["type"] == "host"}
summary = [r for r in recs if r["type"] == "summary"]
assert len(ports) == 3000, f"127.0.0.1 has {len(ports)} port records, want 3000"
assert sum(1 for p in ports if p["state"] == "open" and p["port"] == 18081) == 1, "18081 not open"
assert hosts["127.0.0.1"]["complete"] is True, "127.0.0.1 not complete"
assert hosts["198.18.9.2"]["complete"] is False, "unfinished host not flagged incomplete"
assert summary and summary[0]["interrupted"] is True, "summary does not say interrupted"
PY
check "JSON Lines holds the finished host, the partial one and the summary" 0 $?
grep -q "18081/open/tcp" "$tmp/int.gnmap"; check "grepable holds the finished host" 0 $?
grep -q "18081/tcp open" "$tmp/int.txt"; check "normal output holds the finished host" 0 $?

kill "$listener" 2>/dev/null; wait "$listener" 2>/dev/null
summary "lifecycle"
INNER
unshare -n bash "$tmp/inner.sh" "$pw" "$example" "$tmp" "$(cd "$(dirname "$0")" && pwd)/sandbox.sh"
