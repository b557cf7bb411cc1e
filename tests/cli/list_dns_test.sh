#!/usr/bin/env bash
# -sL -R: reverse DNS of the listed targets (as nmap -sL), bounded; -n wins over -R. Every DNS
# query stays in a network namespace of this test's own: `ip netns exec` puts the test's
# /etc/netns/NS/resolv.conf and hosts in place of the machine's, and the resolver named there is
# a dnsmasq started in the namespace (on its loopback, 127.0.0.1:53), or a socket of the test's
# that reads every query and answers none (127.0.0.2:53).
#   1. names from dnsmasq's PTR records (-oN, -oX type="PTR", -oJ "ptr"), and from the hosts file;
#   2. a PTR name with control characters reaches no output raw;
#   3. -n -R and plain -sL send no query (dnsmasq's query log);
#   4. a dead resolver (packets vanish): a /22 lists all 1024 hosts in seconds, the lookups are
#      given up after 64 unanswered in a row, and one line says how many were not looked up.
# Root; fails under CI=true (and everywhere else) without it or without dnsmasq. ~6 s.
set -uo pipefail
pw=$(realpath "${1:?usage: list_dns_test.sh PATH-TO-portwarden}")
if [ "$(id -u)" -ne 0 ]; then echo "FAIL: needs root (ip netns)"; exit 1; fi
command -v dnsmasq >/dev/null || { echo "FAIL: dnsmasq is not installed (scripts/install-deps.sh)"; exit 1; }
ns="pwdns$$"
tmp=$(mktemp -d)
dnspid=""
silentpid=""
cleanup() {
  for pid in $dnspid $silentpid; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  ip netns del "$ns" 2>/dev/null
  rm -rf "/etc/netns/$ns" "$tmp"
  rmdir /etc/netns 2>/dev/null  # only if no other namespace has files there
}
trap cleanup EXIT
ip netns add "$ns" || { echo "FAIL: ip netns add $ns"; exit 1; }
mkdir -p "/etc/netns/$ns"
in_ns() { ip netns exec "$ns" "$@"; }
in_ns ip link set lo up
printf '127.0.0.1 localhost\n198.18.54.7 fromhosts.test\n' >"/etc/netns/$ns/hosts"
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"/etc/netns/$ns/resolv.conf"

pass=0; fail=0
check() { # description expected actual
  if [ "$2" = "$3" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1: expected '$2', got '$3'"; fi
}
cd "$tmp" || exit 1
printf '198.18.54.1 one.pw.test\n198.18.54.2 two.pw.test\n' >ptr.hosts
# Started by `ip netns exec` itself (not through in_ns): $! is then the resolver's own pid.
ip netns exec "$ns" dnsmasq --keep-in-foreground --no-resolv --no-hosts --addn-hosts="$tmp/ptr.hosts" \
  --ptr-record='3.54.18.198.in-addr.arpa,bad\027[31mname.pw.test' \
  --listen-address=127.0.0.1 --bind-interfaces --log-queries --log-facility="$tmp/dnsmasq.log" \
  --pid-file= --user=root 2>dnsmasq.err &
dnspid=$!
for _ in $(seq 50); do grep -q 'started' dnsmasq.log 2>/dev/null && break; sleep 0.1; done
queries() { grep -c 'query\[PTR\]' dnsmasq.log; }

# 1. Names from the resolver and from the hosts file.
in_ns "$pw" scan -sL -R -oX list.xml -oJ list.jsonl 198.18.54.0-7 >list.txt 2>list.err
check "-sL -R exit" 0 $?
check "-sL -R: 8 hosts listed" 8 "$(grep -c '^portwarden scan report for ' list.txt)"
check "-sL -R: PTR name (normal)" 1 "$(grep -c '^portwarden scan report for one\.pw\.test (198\.18\.54\.1)$' list.txt)"
check "-sL -R: PTR name (XML)" 1 "$(grep -c '<hostname name="two.pw.test" type="PTR"/>' list.xml)"
check "-sL -R: PTR name (JSON)" 1 "$(grep -c '"ptr":"one.pw.test"' list.jsonl)"
check "-sL -R: name from the hosts file" 1 "$(grep -c 'report for fromhosts\.test (198\.18\.54\.7)' list.txt)"
check "-sL -R: the resolver was asked (8 PTR queries at most)" 1 "$(q=$(queries); [ "$q" -ge 6 ] && [ "$q" -le 8 ] && echo 1)"
# 2. No control character from the resolver reaches an output.
check "-sL -R: no ESC in any output" 0 "$(cat list.txt list.xml list.jsonl | grep -c $'\x1b')"
# 3. -n wins; plain -sL asks nothing.
before=$(queries)
in_ns "$pw" scan -sL -R -n 198.18.54.0-7 >n.txt 2>&1
in_ns "$pw" scan -sL 198.18.54.0-7 >plain.txt 2>&1
check "-sL -n -R and -sL send no query" "$before" "$(queries)"
check "-sL -n -R: no name" 0 "$(grep -c 'pw\.test' n.txt plain.txt | awk -F: '{s+=$2} END {print s}')"

# 4. A dead resolver: a socket that takes every query and answers none.
ip netns exec "$ns" python3 -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.2", 53))
open(sys.argv[1], "w").close()
while True: s.recv(4096)' silent.ready &
silentpid=$!
for _ in $(seq 50); do [ -e silent.ready ] && break; sleep 0.1; done
printf 'nameserver 127.0.0.2\noptions timeout:1 attempts:1\n' >"/etc/netns/$ns/resolv.conf"
start=$(date +%s%N)
in_ns "$pw" scan -sL -R 198.18.56.0/22 >dead.txt 2>dead.err
check "dead resolver: exit" 0 $?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "dead resolver: 1024 hosts listed" 1024 "$(grep -c '^portwarden scan report for ' dead.txt)"
check "dead resolver: done in < 15 s (took ${ms} ms)" 1 "$([ "$ms" -lt 15000 ] && echo 1)"
check "dead resolver: the give-up line" 1 "$(grep -cE '^portwarden: reverse DNS: the resolver left [0-9]+ lookups unanswered, the last ones in a row; [0-9]+ addresses were not looked up$' dead.err)"
echo "dead resolver: /22 in ${ms} ms; $(cat dead.err)"

echo "list_dns: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
