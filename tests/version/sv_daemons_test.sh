#!/usr/bin/env bash
# -sV against real daemons, compared with nmap -sV on the same ports:
#   tests/version/sv_daemons_test.sh PORTWARDEN_BINARY
# A network namespace of its own (pwsv<pid>), 198.18.77.2 on its loopback; inside it
# OpenSSH's sshd (22, a host key made here), python3's http.server (80) and the same inside TLS
# (443, a self-signed certificate: the ssl tunnel), dnsmasq (53 TCP and UDP; a second one on
# 5300/udp, which the UDP scan leaves open|filtered and -sV's DNS probe opens), PostgreSQL
# (5432, a throwaway initdb), a banner service nothing recognises (7777: the service
# fingerprint). portwarden runs -sT -sV and -sU -sV at once, nmap one -sT -sU -sV, all inside
# the namespace; for every port state, reason, name, product, version, extrainfo, ostype,
# tunnel, method and CPEs must be the same, and the fingerprints' responses; -oX must validate
# against nmap's DTD. Prints the table and the time ratio. Every daemon is stopped by its PID
# and the namespace deleted on exit. Needs root; without it: skip (77), unless CI=true (then a
# failure). ~40 s (nmap -sV's waits: the NULL probe's 6 s twice on 443).
set -euo pipefail
pw=$(realpath "$1")
name=sv_daemons
. "$(dirname "$0")/common.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespace)"
for tool in nmap sshd dnsmasq xmllint python3 openssl; do
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
set_traps
in_ns() { ip netns exec "$ns" "$@"; }
# Daemons start as `ip netns exec ... &` (not through in_ns): `ip` execs the daemon, so $! is
# the daemon's own PID.

ns_up

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
# HTTPS: the same server inside TLS
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 2 -subj /CN=pw-test \
  >"$tmp/openssl.log" 2>&1
here=$(dirname "$(realpath "$0")")
ip netns exec "$ns" python3 "$here/tls_http_server.py" "$addr" 443 "$tmp/cert.pem" "$tmp/key.pem" "$tmp/www" \
  >"$tmp/https.log" 2>&1 &
pids+=($!)
# an unknown service: its fingerprint
ip netns exec "$ns" python3 "$here/banner_server.py" "$addr" 7777 >"$tmp/banner.log" 2>&1 &
pids+=($!)
# DNS (dnsmasq answers on TCP 53 too); a second one on 5300/udp
ip netns exec "$ns" dnsmasq -k --conf-file=/dev/null --listen-address="$addr" --bind-interfaces --no-resolv --no-hosts \
  --pid-file="$tmp/dnsmasq.pid" --user=root --log-facility="$tmp/dnsmasq.log" &
pids+=($!)
ip netns exec "$ns" dnsmasq -k --conf-file=/dev/null --listen-address="$addr" --port=5300 --bind-interfaces --no-resolv \
  --no-hosts --pid-file="$tmp/dnsmasq2.pid" --user=root --log-facility="$tmp/dnsmasq2.log" &
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

tcp=22,53,80,443,5432,7777
udp=53,5300
for _ in $(seq 1 100); do
  open=$(in_ns "$pw" scan -sT -Pn -q -p "$tcp" --open --no-history -oJ - "$addr" | grep -c '"state":"open"' || true)
  [ "$open" = 6 ] && break
  sleep 0.1
done
[ "$open" = 6 ] || { echo "sv_daemons: the daemons did not all start ($open of 6 open)" >&2; cat "$tmp"/*.log >&2; exit 1; }

# portwarden: one -sT and one -sU run at once (one run does one technique); nmap: one run.
t0=$(date +%s.%N)
in_ns "$pw" scan -sU -Pn -q -sV -p "$udp" --no-history -oX "$tmp/pw-udp.xml" -oJ "$tmp/pw-udp.jsonl" "$addr" &
udp_scan=$!
in_ns "$pw" scan -sT -Pn -q -sV -p "$tcp" --no-history -oX "$tmp/pw.xml" -oN "$tmp/pw.nmap" -oJ "$tmp/pw.jsonl" "$addr"
wait "$udp_scan"
t1=$(date +%s.%N)
in_ns nmap -sT -sU -Pn -sV -p "T:$tcp,U:$udp" -oX "$tmp/nmap.xml" "$addr" >/dev/null
t2=$(date +%s.%N)

xmllint --noout --dtdvalid /usr/share/nmap/nmap.dtd "$tmp/pw.xml" "$tmp/pw-udp.xml"
cat "$tmp/pw.nmap"
python3 "$here/compare_sv.py" "$tmp/nmap.xml" "$t0" "$t1" "$t2" "$tmp/pw.xml" "$tmp/pw-udp.xml" -- \
  "$tmp/pw.jsonl" "$tmp/pw-udp.jsonl"
