#!/usr/bin/env bash
# nmap habits and the -oJ contract (issue #17 items 1-2). Runs in a fresh network namespace
# (unshare -n: loopback only), so every packet stays on this test's lo:
#   1. --top-ports 1000/100 and -F equal nmap's own top ports, TCP and UDP: nmap's
#      <scaninfo services=...> with every target excluded (nmap sends nothing) against ours;
#   2. -sL lists the targets (unknown, user-set) and sends nothing (lo's tx counter);
#   3. -vv/-v2/-d/-d2 reach the XML <verbose>/<debugging> levels;
#   4. --stats-every prints Stats: lines; --max-hostgroup 2 -d runs 5 hosts in 3 groups (-sT, -sS);
#      --packet-trace shows the SYNs sent and the RSTs received, and -sT's connect() calls
#      (nmap's CONN lines) against a listener of the test's;
#   5. --append-output keeps the earlier run's file content;
#   6. --open filters -oJ; --jsonl-open writes open ports in naabu's shape;
#   7. every -oJ record of several scans (-sT, -sS, -sU, -sn, -sL, --open) is valid against
#      schema/portwarden-jsonl.schema.json, every --jsonl-open line against its schema, and a
#      file with an unknown schema version is refused (exit 2).
# Root (unshare); fails under CI=true without it or without nmap/python3-jsonschema. ~5 s.
set -uo pipefail
pw=$(realpath "${1:?usage: nmap_habits_test.sh PATH-TO-portwarden SCHEMA-DIR}")
schema=$(realpath "${2:?usage: nmap_habits_test.sh PATH-TO-portwarden SCHEMA-DIR}")
if [ "$(id -u)" -ne 0 ] || ! unshare -n true 2>/dev/null; then
  echo "FAIL: needs root for unshare -n (network isolation)"; exit 1
fi
for need in nmap python3; do
  command -v "$need" >/dev/null || { echo "FAIL: $need is not installed (scripts/install-deps.sh)"; exit 1; }
done
python3 -c 'import jsonschema' 2>/dev/null || { echo "FAIL: python3-jsonschema is not installed"; exit 1; }
[ -r /usr/share/nmap/nmap-services ] || { echo "FAIL: /usr/share/nmap/nmap-services is missing"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$(dirname "$0")/../checks.sh" "$tmp/"  # counting checks, for the inner script

cat >"$tmp/inner.sh" <<'INNER'
set -uo pipefail
pw=$1; tmp=$2; schema=$3
source "$tmp/checks.sh"
ip link set lo up
cd "$tmp" || exit 1
common=(--no-history -n -Pn --max-retries 1)

# 1. Top ports against nmap's own (nmap prints its scaninfo, then finds no target to scan).
services() { grep -o ' services="[^"]*"' | head -1; }
for t in -sT -sU; do
  for n in "--top-ports 1000" "--top-ports 100" "-F" "--top-ports 5000"; do
    # shellcheck disable=SC2086
    theirs=$(nmap -n -Pn -oX - $t $n 127.0.0.1 --exclude 127.0.0.1 2>/dev/null | services)
    # shellcheck disable=SC2086
    ours=$("$pw" scan $t $n "${common[@]}" -q -oX - 127.0.0.1 2>/dev/null | services)
    check "$t $n: nmap's port set (${#theirs} characters)" "$theirs" "$ours"
  done
done

# 2. -sL: the targets, no packet.
before=$(cat /sys/class/net/lo/statistics/tx_packets)
"$pw" scan -sL -oX list.xml -oJ list.jsonl 127.0.0.1-3 >list.txt 2>list.err
check "-sL exit" 0 $?
after=$(cat /sys/class/net/lo/statistics/tx_packets)
check "-sL sends nothing (lo tx packets)" "$before" "$after"
check "-sL lists 3 hosts" 3 "$(grep -c 'scan report for 127.0.0.' list.txt)"
check "-sL XML status" 3 "$(grep -c '<status state="unknown" reason="user-set"' list.xml)"
check "-sL no scaninfo" 0 "$(grep -c '<scaninfo' list.xml)"

# 3. Verbosity and debugging levels.
for f in "-vv 2 0" "-v2 2 0" "-v3 3 0" "-d 1 1" "-dd 2 2" "-d2 2 2"; do
  set -- $f
  got=$("$pw" scan "$1" -sL -oX - 127.0.0.1 | grep -oE '<(verbose|debugging) level="[0-9]"' | grep -oE '[0-9]' | tr -d '\n')
  check "$1: verbose and debugging levels" "$2$3" "$got"
done

# 4. --stats-every and host groups.
"$pw" scan -sT -p 1-100 --scan-delay 10ms --stats-every 200ms "${common[@]}" -q -oX /dev/null 127.0.0.1 \
  >/dev/null 2>stats.err
lines=$(grep -c '^Stats: .* elapsed; .* ports, about .*% done' stats.err)
[ "$lines" -ge 2 ] && lines=2+
check "--stats-every 200ms over a 1 s scan: Stats: lines" "2+" "$lines"
for t in -sT -sS; do
  "$pw" scan "$t" -p 1-20 -d --max-hostgroup 2 "${common[@]}" -q -oX /dev/null 127.0.0.1-5 >/dev/null 2>group.err
  check "$t --max-hostgroup 2: 5 hosts in 3 groups" 1 "$(grep -c '5 host(s) in 3 host group(s)' group.err)"
done

# --packet-trace: every probe sent and every reply, one line each.
"$pw" scan -sS -p 22,23 --packet-trace "${common[@]}" -q -oX /dev/null 127.0.0.1 >/dev/null 2>trace.err
check "--packet-trace: 2 SYNs sent" 2 "$(grep -cE '^SENT \([0-9.]+s\) TCP 127\.0\.0\.1:[0-9]+ > 127\.0\.0\.1:2[23] S ttl=64 ' trace.err)"
check "--packet-trace: 2 RSTs received" 2 "$(grep -cE '^RCVD \([0-9.]+s\) TCP 127\.0\.0\.1:2[23] > 127\.0\.0\.1:[0-9]+ RA ' trace.err)"
# --packet-trace -sT: nmap's CONN lines, one when each connect() starts and one when it ends
# (port 22 open: a listener of this test's; 23 closed; ::1 too).
python3 -c 'import socket,sys,time
a = socket.socket(); a.bind(("127.0.0.1", 22)); a.listen()
b = socket.socket(socket.AF_INET6); b.bind(("::1", 22)); b.listen()
open(sys.argv[1], "w").close(); time.sleep(30)' listening &
listener=$!
for _ in $(seq 50); do [ -e listening ] && break; sleep 0.1; done
"$pw" scan -sT -p 22,23 --packet-trace "${common[@]}" -q -oX conn.xml 127.0.0.1 ::1 >/dev/null 2>conn.err
kill "$listener"; wait "$listener" 2>/dev/null
check "-sT --packet-trace: 4 connect() started" 4 "$(grep -cE '^CONN \([0-9.]+s\) TCP localhost > (127\.0\.0\.1|::1):2[23] => Operation now in progress$' conn.err)"
check "-sT --packet-trace: 2 connected (22)" 2 "$(grep -cE '^CONN \([0-9.]+s\) TCP localhost > (127\.0\.0\.1|::1):22 => Connected$' conn.err)"
check "-sT --packet-trace: 2 refused (23)" 2 "$(grep -cE '^CONN \([0-9.]+s\) TCP localhost > (127\.0\.0\.1|::1):23 => Connection refused$' conn.err)"
check "-sT --packet-trace: no other line" 8 "$(wc -l <conn.err)"
check "-sT --packet-trace: the scan's result" 2 "$(grep -c 'portid="22"><state state="open"' conn.xml)"

# 5. --append-output.
"$pw" scan -sT -p 22 "${common[@]}" -q -oN app.nmap -oG app.gnmap 127.0.0.1 >/dev/null
"$pw" scan -sT -p 22 "${common[@]}" -q -oN app.nmap -oG app.gnmap --append-output 127.0.0.1 >/dev/null
check "--append-output: two runs in the -oN file" 2 "$(grep -c '^# portwarden .* scan initiated' app.nmap)"
check "--append-output: two runs in the -oG file" 2 "$(grep -c 'Status: Up' app.gnmap)"
"$pw" scan -sT -p 22 "${common[@]}" -q -oN app.nmap 127.0.0.1 >/dev/null
check "without it the file is replaced" 1 "$(grep -c '^# portwarden .* scan initiated' app.nmap)"

# 6. --open on -oJ, --jsonl-open (a listener on 127.0.0.1:8080).
python3 -c 'import socket,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 8080)); s.listen(); time.sleep(30)' &
listener=$!
for _ in $(seq 50); do (: </dev/tcp/127.0.0.1/8080) 2>/dev/null && break; sleep 0.1; done
for t in -sT -sS; do
  "$pw" scan "$t" -p 8079-8081 "${common[@]}" -q -oJ "all$t.jsonl" 127.0.0.1 >/dev/null
  "$pw" scan "$t" -p 8079-8081 "${common[@]}" -q --open -oJ "open$t.jsonl" --jsonl-open "naabu$t.jsonl" \
    127.0.0.1-2 >/dev/null
  check "$t -oJ: 3 port records" 3 "$(grep -c '"type":"port"' "all$t.jsonl")"
  check "$t --open -oJ: the open port only" '"port":8080,"state":"open"' \
    "$(grep '"type":"port"' "open$t.jsonl" | grep -o '"port":[0-9]*,"state":"[a-z|]*"' | tr -d '\n')"
  check "$t --open -oJ: only the host with an open port" 1 "$(grep -c '"type":"host"' "open$t.jsonl")"
  check "$t --jsonl-open: one line, naabu's fields" 1 \
    "$(grep -cF '{"host":"127.0.0.1","ip":"127.0.0.1","port":8080,"protocol":"tcp","timestamp":"' "naabu$t.jsonl")"
done
"$pw" scan -sU -p 53,161 "${common[@]}" -q -oJ udp.jsonl 127.0.0.1 >/dev/null
"$pw" scan -sS -sU -p T:8079-8081,U:53 "${common[@]}" -q -oJ mixed.jsonl 127.0.0.1 >/dev/null
check "-sS -sU -oJ: scan_types syn/tcp, udp/udp" \
  '"scan_types":[{"type":"syn","protocol":"tcp"},{"type":"udp","protocol":"udp"}]' \
  "$(head -1 mixed.jsonl | grep -o '"scan_types":.*]')"
check "-sS -sU -oJ: 3 tcp and 1 udp port records" "3 1" \
  "$(grep -c '"type":"port".*"proto":"tcp"' mixed.jsonl) $(grep -c '"type":"port".*"proto":"udp"' mixed.jsonl)"
"$pw" scan -sn -q -oJ ping.jsonl --no-history 127.0.0.1-2 >/dev/null
kill "$listener" 2>/dev/null; wait "$listener" 2>/dev/null

# 7. The schema, against every -oJ file above.
python3 - "$schema" ./*.jsonl <<'PY'
import json, sys, jsonschema
schema_dir, files = sys.argv[1], sys.argv[2:]
full = jsonschema.Draft202012Validator(json.load(open(f"{schema_dir}/portwarden-jsonl.schema.json")))
naabu = jsonschema.Draft202012Validator(json.load(open(f"{schema_dir}/portwarden-open-jsonl.schema.json")))
bad = checked = 0
for path in files:
    lines = [json.loads(l) for l in open(path) if l.strip()]
    v = naabu if "naabu" in path else full
    if v is full and (not lines or lines[0].get("type") != "run" or lines[-1].get("type") != "summary"):
        print(f"FAIL: {path}: not run ... summary"); bad += 1
    for n, rec in enumerate(lines, 1):
        checked += 1
        for e in v.iter_errors(rec):
            print(f"FAIL: {path}:{n}: {e.message}"); bad += 1
print(f"schema: {checked} records of {len(files)} files checked, {bad} errors")
sys.exit(1 if bad or checked < 30 else 0)
PY
check "every record valid against its schema" 0 $?
sed 's/"version":1/"version":2/' all-sT.jsonl >v2.jsonl
"$pw" diff v2.jsonl all-sT.jsonl >/dev/null 2>v2.err
check "a file of schema version 2 is refused" "2 1" "$? $(grep -c 'v2.jsonl:1: unsupported JSON Lines schema version' v2.err)"

summary "nmap habits"
INNER
unshare -n bash "$tmp/inner.sh" "$pw" "$tmp" "$schema"
