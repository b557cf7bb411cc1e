#!/usr/bin/env bash
# -sV results in the history: a port's version change shows in `history --versions-since` and
# in the port's timeline.
#   tests/version/sv_history_test.sh PORTWARDEN_BINARY
# A namespace of its own (pwsvh<pid>), 198.18.79.2 on its loopback; a banner service on 2222
# says "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", is scanned with -sV into a fresh database,
# then is replaced by one saying OpenSSH_9.3p1 and scanned again. ~3 s. Root; without it: skip
# (77), unless CI=true (then a failure). The servers are stopped by PID, the namespace deleted.
set -euo pipefail
pw=$(realpath "$1")
name=sv_history
. "$(dirname "$0")/common.sh"
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespace)"
[ -f /usr/share/nmap/nmap-service-probes ] || skip "nmap's probes are not installed (scripts/install-deps.sh)"
ns=pwsvh$$
addr=198.18.79.2
tmp=$(mktemp -d /tmp/pw-svh.XXXXXX)
server=
cleanup() {
  local rc=$?
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$tmp"
  exit "$rc"
}
set_traps
ns_up

scan_with() {
  [ -n "$server" ] && { kill "$server"; wait "$server" 2>/dev/null || true; }
  ip netns exec "$ns" python3 "$(dirname "$(realpath "$0")")/banner_server.py" "$addr" 2222 "$1" &
  server=$!
  for _ in $(seq 1 50); do
    ip netns exec "$ns" "$pw" scan -sT -Pn -q -p 2222 --open --no-history -oJ - "$addr" | grep -c '"state":"open"' >/dev/null && break
    sleep 0.1
  done
  ip netns exec "$ns" "$pw" scan -sT -Pn -q -sV -p 2222 --db "$tmp/h.db" -oN - "$addr" | grep '^2222/tcp'
}
scan_with "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"
scan_with "SSH-2.0-OpenSSH_9.3p1 Debian-1"

changes=$("$pw" history --db "$tmp/h.db" --versions-since 2000-01-01)
echo "$changes"
expected="2222/tcp on $addr: OpenSSH 9.2p1 Debian 2+deb12u3 → 9.3p1 Debian 1 (scan @1 → @2, "
[[ "$changes" == "$expected"* ]] || { echo "sv_history: expected '$expected...'" >&2; exit 1; }
[ "$(echo "$changes" | wc -l)" = 1 ] || { echo "sv_history: one change expected" >&2; exit 1; }
timeline=$("$pw" history --db "$tmp/h.db" "$addr" 2222)
echo "$timeline"
grep -q "^  service (-sV): OpenSSH 9.3p1 Debian 1$" <<<"$timeline"
grep -q "^  @2  .*  ssh  OpenSSH 9.2p1 Debian 2+deb12u3 → 9.3p1 Debian 1$" <<<"$timeline"
# nothing changed since tomorrow
[ -z "$("$pw" history --db "$tmp/h.db" --versions-since "$(date -u -d tomorrow +%F)")" ]
echo "sv_history: ok"
