# Sourced by tests/version/*.sh (with $name set; $ns, $addr and cleanup() before their use).
# skip(): says why and exits 77, or fails (exit 1) under CI=true, where every test must run.
skip() {
  echo "$name: $*" >&2
  if [ "${CI:-}" = "true" ]; then echo "$name: CI=true: failure, not a skip" >&2; exit 1; fi
  exit 77
}
# cleanup() runs on every exit, also after Ctrl-C or a kill.
set_traps() {
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}
# The namespace $ns, with $addr on its loopback.
ns_up() {
  ip netns add "$ns"
  ip netns exec "$ns" ip link set lo up
  ip netns exec "$ns" ip addr add "$addr/32" dev lo
}
