#!/usr/bin/env bash
# The demo: installs what is missing, builds, and runs the main job.
#  - As root: brings up the namespace test range (tests/range/range.sh), SYN-scans every TCP port
#    of its plain, firewalled and drop-everything hosts over IPv4 and IPv6 with reasons, UDP-scans
#    the plain host's top 100 UDP ports, probes two
#    ports the way an application developer would, and tears the range down again.
#  - Without root (nothing can be installed then, so the dependencies must already be there):
#    starts three listeners on 127.0.0.1 and scans 127.0.0.1.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/install-deps.sh
bash scripts/build.sh >/dev/null
pw="$root/build/portwarden"

if [ "$(id -u)" -ne 0 ]; then
  echo "== not root: scanning listeners started on 127.0.0.1 (the namespace range needs root)"
  python3 -c '
import signal, socket
held = []
for port in (18022, 18080, 15432):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(64)
    held.append(s)
signal.pause()' &
  listener=$!
  trap 'kill "$listener" 2>/dev/null || true' EXIT
  sleep 0.5
  echo "\$ portwarden scan -sT -p 1-20000 --reason 127.0.0.1"
  "$pw" scan -sT -p 1-20000 --reason 127.0.0.1
  echo "\$ portwarden probe 127.0.0.1:15433"
  "$pw" probe 127.0.0.1:15433 || true
  exit 0
fi

name=pwdemo
work=$(mktemp -d)
cleanup() { bash tests/range/range.sh down --name "$name" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM
bash tests/range/range.sh down --name "$name" >/dev/null 2>&1 || true
echo "== bringing up the test range (network namespaces; nothing leaves this machine)"
if ! bash tests/range/range.sh up --name "$name" --truth "$work/truth.tsv" \
  --listen "$root/build/tests/range/pw_listen" >"$work/range.log" 2>&1; then
  cat "$work/range.log" >&2
  exit 1
fi
cat <<TXT
   scanner 198.18.0.2 -> router -> plain host      198.18.1.10  fd00:0:0:1::10  (listeners; every other port closed)
                                -> firewalled host 198.18.2.10  fd00:0:0:2::10  (nftables: accept, drop, reject, admin-prohibited, tcp reset)
                                -> drop host       198.18.3.10  fd00:0:0:3::10  (drops everything)
TXT
in_range() { ip netns exec "$name-scan" "$@"; }
echo
echo "\$ portwarden scan -sS -p- --reason 198.18.1.10 198.18.2.10 198.18.3.10 fd00:0:0:1::10 fd00:0:0:2::10"
in_range "$pw" scan -sS -p- --reason 198.18.1.10 198.18.2.10 198.18.3.10 fd00:0:0:1::10 fd00:0:0:2::10
echo "\$ portwarden scan -sU --top-ports 100 --reason -v fd00:0:0:1::10   # exact under the ICMP rate limit"
in_range "$pw" scan -sU --top-ports 100 --reason -v fd00:0:0:1::10
echo "\$ portwarden probe 198.18.1.10:5433"
in_range "$pw" probe 198.18.1.10:5433 || true
echo "\$ portwarden probe 198.18.2.10:8081"
in_range "$pw" probe 198.18.2.10:8081 || true
