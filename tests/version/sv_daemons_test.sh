#!/usr/bin/env bash
# -sV against real daemons, compared with nmap -sV on the same ports:
#   tests/version/sv_daemons_test.sh PORTWARDEN_BINARY
# A network namespace of its own (pwsv<pid>), 198.18.77.2 on its loopback; inside it
# OpenSSH's sshd (22, a host key made here), python3's http.server (80), dnsmasq (53, TCP too),
# PostgreSQL (5432, a throwaway initdb). Both scanners run inside the namespace; for every port
# name, product, version, extrainfo, ostype, method and CPEs must be the same; -oX must validate against nmap's DTD. Prints the
# table and the time ratio. Every daemon is stopped by its PID and the namespace deleted on exit.
# Needs root; without it: skip (77), unless CI=true (then a failure). ~15 s (nmap -sV's wait).
set -euo pipefail
pw=$(realpath "$1")
skip() {
  echo "sv_daemons: $*" >&2
  if [ "${CI:-}" = "true" ]; then echo "sv_daemons: CI=true: failure, not a skip" >&2; exit 1; fi
  exit 77
}
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespace)"
for tool in nmap sshd dnsmasq xmllint python3; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || skip "$tool is not installed (scripts/install-deps.sh)"
done
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r | head -n 1)
[ -n "$pgbin" ] && [ -x "$pgbin/postgres" ] || skip "PostgreSQL is not installed"

ns=pwsv$$
addr=198.18.77.2
tmp=$(mktemp -d /tmp/pw-sv.XXXXXX)
pids=()
cleanup() {
  local rc=$?
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -f "$tmp/pgsock/data/postmaster.pid" ]; then kill -INT "$(head -n 1 "$tmp/pgsock/data/postmaster.pid")" 2>/dev/null || true; fi
  sleep 0.3
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
in_ns() { ip netns exec "$ns" "$@"; }
# Daemons start as `ip netns exec ... &` (not through in_ns): `ip` execs the daemon, so $! is
# the daemon's own PID.

ip netns add "$ns"
in_ns ip link set lo up
in_ns ip addr add "$addr/32" dev lo

# sshd: its own config and host key; privilege separation needs /run/sshd.
mkdir -p /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$tmp/hostkey"
cat >"$tmp/sshd_config" <<CONF
ListenAddress $addr:22
HostKey $tmp/hostkey
PidFile $tmp/sshd.pid
UsePAM no
CONF
ip netns exec "$ns" /usr/sbin/sshd -D -f "$tmp/sshd_config" -E "$tmp/sshd.log" &
pids+=($!)
# HTTP
mkdir -p "$tmp/www" && echo hello >"$tmp/www/index.html"
ip netns exec "$ns" python3 -m http.server 80 --bind "$addr" --directory "$tmp/www" >"$tmp/http.log" 2>&1 &
pids+=($!)
# DNS (dnsmasq answers on TCP 53 too)
ip netns exec "$ns" dnsmasq -k --conf-file=/dev/null --listen-address="$addr" --bind-interfaces --no-resolv --no-hosts \
  --pid-file="$tmp/dnsmasq.pid" --user=root --log-facility="$tmp/dnsmasq.log" &
pids+=($!)
# PostgreSQL, as the postgres (or nobody) user
owner=postgres; id -u "$owner" >/dev/null 2>&1 || owner=nobody
chmod 755 "$tmp"
mkdir -p "$tmp/pgsock" && chown "$owner" "$tmp/pgsock"
runuser -u "$owner" -- "$pgbin/initdb" -D "$tmp/pgsock/data" -U pw -A trust --no-sync >"$tmp/initdb.log" 2>&1 || {
  cat "$tmp/initdb.log" >&2; exit 1; }
ip netns exec "$ns" runuser -u "$owner" -- "$pgbin/postgres" -D "$tmp/pgsock/data" -k "$tmp/pgsock" -p 5432 -c listen_addresses="$addr" \
  -c fsync=off >"$tmp/pg.log" 2>&1 &
pids+=($!)

ports=22,53,80,5432
for _ in $(seq 1 100); do
  open=$(in_ns "$pw" scan -sT -Pn -q -p "$ports" --open --no-history -oJ - "$addr" | grep -c '"state":"open"' || true)
  [ "$open" = 4 ] && break
  sleep 0.1
done
[ "$open" = 4 ] || { echo "sv_daemons: the daemons did not all start ($open of 4 open)" >&2; cat "$tmp"/*.log >&2; exit 1; }

t0=$(date +%s.%N)
in_ns "$pw" scan -sT -Pn -q -sV -p "$ports" --no-history -oX "$tmp/pw.xml" -oN "$tmp/pw.nmap" -oJ "$tmp/pw.jsonl" "$addr"
t1=$(date +%s.%N)
in_ns nmap -sT -Pn -sV -p "$ports" -oX "$tmp/nmap.xml" "$addr" >/dev/null
t2=$(date +%s.%N)

xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd "$tmp/pw.xml"
cat "$tmp/pw.nmap"
python3 - "$tmp/pw.xml" "$tmp/nmap.xml" "$tmp/pw.jsonl" "$t0" "$t1" "$t2" <<'PY'
import json, sys, xml.etree.ElementTree as ET
def services(path):
    out = {}
    for port in ET.parse(path).getroot().iter("port"):
        s = port.find("service")
        out[port.get("portid")] = {k: (s.get(k, "") if s is not None else "") for k in
                                   ("name", "product", "version", "extrainfo", "ostype", "method")}
        out[port.get("portid")]["cpe"] = [c.text for c in s.iter("cpe")] if s is not None else []
    return out
pw, nm = services(sys.argv[1]), services(sys.argv[2])
js = {str(r["port"]): r.get("service", {}) for r in map(json.loads, open(sys.argv[3])) if r["type"] == "port"}
t0, t1, t2 = map(float, sys.argv[4:7])
print(f"{'port':<6}{'field':<10}{'portwarden':<36}{'nmap':<36}")
bad = 0
for port in sorted(nm, key=int):
    for f in ("name", "product", "version", "extrainfo", "ostype", "method", "cpe"):
        a, b = pw[port][f], nm[port][f]
        mark = "" if a == b else "  <-- differs"
        if a != b:
            bad += 1
        print(f"{port:<6}{f:<10}{str(a):<36}{str(b):<36}{mark}")
    if not nm[port]["product"]:
        print(f"sv_daemons: nmap named no product on {port}"); bad += 1
    if js.get(port, {}).get("product", "") != pw[port]["product"]:
        print(f"sv_daemons: -oJ and -oX differ on {port}"); bad += 1
print(f"time: portwarden -sV {t1 - t0:.2f} s, nmap -sV {t2 - t1:.2f} s, ratio {(t1 - t0) / (t2 - t1):.2f}")
sys.exit(1 if bad else 0)
PY
