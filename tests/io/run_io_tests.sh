#!/usr/bin/env bash
# Runs the raw-packet I/O tests (io_tests) inside two network namespaces this script makes and
# always removes (trap EXIT). Nothing touches the host's own network namespace: every link
# joins the two namespaces made here, and every address is in 198.18.0.0/15 or fd00::/8.
#
#   run_io_tests.sh IO_TESTS_BINARY [gtest arguments...]
#
#   pwio-PID-a  pwa0 198.18.200.1/24 fd00:0:0:200::1/64 (MTU 1400) --veth-- pwb0 in pwio-PID-b
#               198.18.200.2/24 fd00:0:0:200::2/64
#               routes: 198.18.201.0/24 via .200.2, fd00:0:0:201::/64 via fd00:0:0:200::2,
#                       198.18.203.0/24 via .200.2 with mtu 1280
#               pwtun0 (tun, raw IP, no process attached until a test opens it)
#                      198.18.202.1/24 fd00:0:0:202::1/64
#               lo up; no default route (so 198.19.99.1 is unroutable)
# Needs root; without it the test fails (it never skips).
set -euo pipefail
bin=${1:?usage: run_io_tests.sh IO_TESTS_BINARY [gtest arguments...]}
shift
if [ "$(id -u)" -ne 0 ]; then
  echo "run_io_tests.sh: the io tests need root (they create network namespaces); run them as root" >&2
  exit 1
fi

ns_a="pwio-$$-a"
ns_b="pwio-$$-b"
made=()      # namespaces this script created (the only ones it removes)
test_pid=""  # the io_tests process, the only process this script starts in the background

cleanup() {
  if [ -n "$test_pid" ] && kill -0 "$test_pid" 2>/dev/null; then
    kill "$test_pid" 2>/dev/null || true
    wait "$test_pid" 2>/dev/null || true
  fi
  for ns in "${made[@]}"; do
    ip netns del "$ns" 2>/dev/null || echo "run_io_tests.sh: could not remove namespace $ns" >&2
  done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for ns in "$ns_a" "$ns_b"; do
  ip netns add "$ns"
  made+=("$ns")
  ip -n "$ns" link set lo up
done

ip -n "$ns_a" link add pwa0 type veth peer name pwb0 netns "$ns_b"
ip -n "$ns_a" link set pwa0 mtu 1400
ip -n "$ns_b" link set pwb0 mtu 1400
ip -n "$ns_a" addr add 198.18.200.1/24 dev pwa0
ip -n "$ns_a" addr add fd00:0:0:200::1/64 dev pwa0 nodad
ip -n "$ns_b" addr add 198.18.200.2/24 dev pwb0
ip -n "$ns_b" addr add fd00:0:0:200::2/64 dev pwb0 nodad
ip -n "$ns_a" link set pwa0 up
ip -n "$ns_b" link set pwb0 up
ip -n "$ns_a" route add 198.18.201.0/24 via 198.18.200.2
ip -n "$ns_a" route add 198.18.203.0/24 via 198.18.200.2 mtu 1280
ip -n "$ns_a" -6 route add fd00:0:0:201::/64 via fd00:0:0:200::2

# IPv6 multicast (hence Neighbour Solicitations) is routed only once link watch has seen the
# veth's carrier and addrconf added `multicast ff00::/8` (about a second): wait for it, bounded.
ready=""
for _ in $(seq 50); do
  if ip -n "$ns_a" -6 route show table local | grep -q '^multicast ff00::/8 dev pwa0' &&
     ip -n "$ns_b" -6 route show table local | grep -q '^multicast ff00::/8 dev pwb0'; then
    ready=yes
    break
  fi
  sleep 0.1
done
[ -n "$ready" ] || echo "run_io_tests.sh: IPv6 multicast routes missing after 5 s" >&2

ip -n "$ns_a" tuntap add dev pwtun0 mode tun
ip -n "$ns_a" addr add 198.18.202.1/24 dev pwtun0
ip -n "$ns_a" addr add fd00:0:0:202::1/64 dev pwtun0 nodad
ip -n "$ns_a" link set pwtun0 up

export PWIO_NETNS_A="$ns_a" PWIO_NETNS_B="$ns_b"
export PWIO_A_IF=pwa0 PWIO_B_IF=pwb0 PWIO_TUN_IF=pwtun0 PWIO_MTU=1400 PWIO_ROUTE_MTU=1280
export PWIO_A_V4=198.18.200.1 PWIO_B_V4=198.18.200.2
export PWIO_A_V6=fd00:0:0:200::1 PWIO_B_V6=fd00:0:0:200::2
PWIO_A_MAC=$(ip netns exec "$ns_a" cat /sys/class/net/pwa0/address)
PWIO_B_MAC=$(ip netns exec "$ns_b" cat /sys/class/net/pwb0/address)
export PWIO_A_MAC PWIO_B_MAC

rc=0
ip netns exec "$ns_a" "$bin" "$@" &
test_pid=$!
wait "$test_pid" || rc=$?
test_pid=""
exit "$rc"
