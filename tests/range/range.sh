#!/usr/bin/env bash
# portwarden test range: a small routed network of Linux network namespaces to scan.
#
#   range.sh up     [--name PREFIX] [--state DIR] [--truth FILE] [--listen PATH] [--replace]
#   range.sh down   [--name PREFIX] [--state DIR]
#   range.sh status [--name PREFIX] [--state DIR]
#   range.sh icmp-ratelimit on|off|MS [--name PREFIX] [--state DIR]
#
#   --name PREFIX  names every namespace PREFIX-<role> (default pw<PID of this shell>, so
#                  parallel runs do not collide). [a-z0-9], starts with a letter, <= 9 chars.
#   --state DIR    state directory (default /run/portwarden-range/PREFIX). `up` records in it
#                  every namespace and process it makes; `down` removes exactly those.
#   --truth FILE   where `up` writes the ground-truth TSV (default DIR/truth.tsv); the
#                  host-discovery truth goes next to it, FILE minus .tsv plus .discovery.tsv.
#   --listen PATH  the pw_listen binary (default: env PW_LISTEN, else pw_listen on PATH).
#   --replace      if STATE already records a range (say, a test run that was interrupted
#                  before range_down), tear exactly that down first instead of failing.
#   icmp-ratelimit on   restores the kernel's ICMP error rate limits as `up` found them (the
#                  defaults; on kernel 6.x net.ipv4.icmp_ratelimit=1000 ms, net.ipv6.icmp.
#                  ratelimit=100 ms, icmp_msgs_per_sec=1000, icmp_msgs_burst=50) in the router
#                  and every target namespace; `off` sets the per-destination limits to 0 and
#                  the global budget (icmp_msgs_per_sec/burst) to 1000000, i.e. no limit.
#                  Prints what it set (read back), one line per namespace. (PREFIX-disc is
#                  left alone: its limits are always off.)
#   icmp-ratelimit MS   (1-1000) still a per-destination limit, but one ICMP error every MS
#                  ms (v4 and v6) instead of the default's 1000 ms (v4); the global budget as
#                  `up` found it. A rate-limited UDP scan of a v4 host then waits 1/10 as long
#                  at MS=100 (tests/integration/raw_scan_test.py's sU-rl100 cases).
#
# Topology (all addresses live only inside namespaces made here; nothing touches the host's
# own network namespace, and every link joins two namespaces made here):
#
#   PREFIX-scan  198.18.0.2/24  fd00:0:0:100::2/64 --- PREFIX-rtr 198.18.0.1 fd00:0:0:100::1
#   PREFIX-rtr   forwards v4+v6, one veth per subnet:
#     PREFIX-plain 198.18.1.10 fd00:0:0:1::10  no firewall: listeners on PLAIN_TCP, all
#                                               other TCP ports closed (kernel RST); UDP echo
#                                               on PLAIN_UDP, all other UDP ports closed
#                                               (kernel ICMP port-unreachable)
#     PREFIX-fw    198.18.2.10 fd00:0:0:2::10  nftables `inet` table (see FW_* below)
#     PREFIX-drop  198.18.3.10 fd00:0:0:3::10  nftables input policy drop (drops everything;
#                                               the router has permanent ARP/ND entries for
#                                               it, since it would not answer ND either)
#     PREFIX-sweep 198.18.4.0/24 fd00:0:0:4::/120  the sweep block, TCP port 80 only (see
#                                               SWEEP_* below): "open" addresses live in
#                                               PREFIX-sweep (listener on 80), "closed" ones
#                                               on the router's side of the link (nothing
#                                               listens there: kernel RST), "absent" ones are
#                                               dropped by the router (blackhole routes).
#   The silent block 198.19.0.0/16 (and fd00:0:0:5::/64) is routed by the router to
#   PREFIX-drop, whose nftables prerouting chain drops it: a sweep of it gets no answer at
#   all, yet every probe really leaves the scanner (for send-rate and memory benchmarks).
#     PREFIX-rtr2  198.18.7.2 fd00:0:0:7::2    a second router (transit 198.18.7.0/24,
#                                               fd00:0:0:7::/64), in front of:
#       PREFIX-disc  198.18.8.2 fd00:0:0:8::2  the discovery block 198.18.5.0/24 and
#                                               fd00:0:0:50::/64 (16 addresses ::0-::f):
#                                               one address per host, nftables per address
#                                               (see DISC_* below); 2 routers from the scanner
#     PREFIX-lossy 198.18.9.1 .5 .10, fd00:0:0:9::1 ::5 ::10 (router .254 / ::fe): listeners as
#                                               the plain host; packets to and from .N (::N)
#                                               are dropped at random, N % each way (nftables
#                                               numgen in PREFIX-lossy; see LOSSY_* below)
#     PREFIX-bneck 198.18.10.10 fd00:0:0:10::10  listeners as the plain host, behind a real
#                                               bottleneck: tc tbf on the router's veth toward
#                                               it (see BNECK_* below), which drops when its
#                                               queue is full
#   PREFIX-scan also has a second link, eth1 198.18.6.2/24 fd00:0:0:6::2/64, to
#     PREFIX-lan   the LAN 198.18.6.0/28, fd00:0:0:6::/124 (see LAN_* below): hosts on the
#                  scanner's own link, for ARP / ND ping (0 routers). The scanner's default
#                  routes stay via eth0 (the router); eth1 only adds its connected routes.
#
# Discovery truth: a second TSV next to the truth, <truth without .tsv>.discovery.tsv (its
# path is in the truth header `# discovery_truth=` and in STATE/info), one line per address
# of the discovery block (256 v4 + 16 v6) and of the LAN (16 + 16):
#   address<TAB>up|down<TAB>reasons<TAB>hops<TAB>behaviour<TAB>udp_ping
# reasons: the nmap --reason words a default `nmap -sn` (root: ICMP echo, TCP SYN 443, TCP ACK
# 80, ICMP timestamp; ARP / ND on the local link) may report, comma-separated when several
# probes get an answer (nmap reports the first reply, which is racy); no-response when down.
# udp_ping: what `nmap -sn -PU` (UDP to a closed port -> ICMP port-unreachable) says.
#
# Ground truth: one line per (address, proto, port) for all 65535 TCP and all 65535 UDP
# ports of every host address (v4 and v6):  address<TAB>proto<TAB>port<TAB>state<TAB>reason.
# TCP lines use the words a TCP SYN scan (nmap -sS --reason) must use: open syn-ack, closed
# reset, filtered no-response, filtered port-unreach, filtered admin-prohibited. UDP lines
# use the words of nmap -sU --reason: open udp-response, closed port-unreach, open|filtered
# no-response, filtered admin-prohibited. Plus TCP port 80 of each of the 256 addresses of
# the sweep block (v4 and v6): open syn-ack, closed reset, filtered no-response. It is
# computed from the port lists below (the same variables that configure listeners and
# firewall rules), never from a scan. A header of `# key=value`, `# host ROLE V4 V6`,
# `# sweep ...` and `# silent ...` lines tells tests the namespaces.
#
# ICMP rate limits: `up` leaves the kernel defaults alone (net.ipv4.icmp_ratelimit=1000 ms per
# destination with a burst of 6, net.ipv4.icmp_msgs_per_sec/burst, net.ipv6.icmp.ratelimit).
# For TCP only TWO ports answer with an ICMP error (8080 port-unreachable and 8081
# admin-prohibited on the firewalled host): each is one message per probe, so a TCP scan stays
# within the burst and the truth holds even though the rate limit is in force. UDP is another
# matter: every closed UDP port answers with an ICMP error, so with the limit on a host sends
# about one per second (v4) after the burst of 6; a UDP scan has to wait for them (or the
# tests switch the limit off with `icmp-ratelimit off`). The truth states what each port
# does, not what a hurried scanner sees.
#
# Safety: packets go only between namespaces made here (198.18.0.0/15, fd00::/8). The only
# processes started are one pw_listen per host namespace; their PIDs (and start times, to
# guard against PID reuse) are recorded, and `down` signals only those. `up` that fails
# tears down what it made. `down` is idempotent.
set -euo pipefail

# ---------------------------------------------------------------------------------------
# Range configuration: ports (shared by setup and truth).
PLAIN_TCP="1,22,80,443,5432,8080,31337,65535"
PLAIN_UDP="53,161"                # UDP echo                   -> open udp-response
FW_TCP="22,80,443,8080,8081,8082,11000"   # listeners behind the firewall
FW_ACCEPT="22,80"                 # tcp dport accept           -> open syn-ack
FW_DROP="443,10000-11999"         # tcp dport drop             -> filtered no-response
FW_REJECT_PORT="8080"             # reject (icmp/icmpv6 port-unreachable) -> filtered port-unreach
FW_REJECT_ADMIN="8081"            # reject with icmpx admin-prohibited    -> filtered admin-prohibited
FW_REJECT_RST="8082"              # reject with tcp reset      -> closed reset (forged RST)
# UDP behind the firewall (the TCP rules above match TCP only): every other UDP port reaches
# the stack and is closed (kernel ICMP port-unreachable -> closed port-unreach).
FW_UDP="53,161"                   # UDP echo listeners
FW_UDP_DROP="161"                 # udp dport drop             -> open|filtered no-response
FW_UDP_REJECT_ADMIN="137"         # udp reject with icmpx admin-prohibited -> filtered admin-prohibited
                                  # (53: accepted by the policy -> open udp-response)
DROP_TCP="22,80"                  # listeners on the drop-everything host (never reached)
# The lossy hosts (PREFIX-lossy, plain host's listeners): address 198.18.9.N / fd00:0:0:9::N
# loses N % of the packets to it and N % of those from it, at random (nftables `numgen random
# mod 1000 < 10*N drop` in PREFIX-lossy's prerouting and output hooks; ND is never dropped).
LOSSY_PCTS="1 5 10"
LOSSY_NET4=198.18.9;  LOSSY_NET6=fd00:0:0:9:
# The bottleneck host (PREFIX-bneck, plain host's listeners): the router's veth toward it has
# a token-bucket qdisc (tc tbf) of BNECK_RATE, queue BNECK_LATENCY deep: probes beyond the rate
# wait in the queue (RTT grows) and are dropped once it is full. Its counters: `tc -s qdisc
# show dev h10` in PREFIX-rtr.
BNECK_V4=198.18.10.10; BNECK_V6=fd00:0:0:10::10
BNECK_RATE=4mbit; BNECK_BURST=4kb; BNECK_LATENCY=50ms

SCAN_V4=198.18.0.2;  SCAN_V6=fd00:0:0:100::2
RTR_V4=198.18.0.1;   RTR_V6=fd00:0:0:100::1
PLAIN_V4=198.18.1.10; PLAIN_V6=fd00:0:0:1::10
FW_V4=198.18.2.10;    FW_V6=fd00:0:0:2::10
DROP_V4=198.18.3.10;  DROP_V6=fd00:0:0:3::10

# The sweep block: address N (0..255) is 198.18.4.N and fd00:0:0:4::<N in hex>.
#   N = 1 (the router's own address on the link) and N % 4 == 1: "closed" (the address is on
#     the router, nothing listens on 80 there: kernel RST)       -> closed reset
#   N % 4 == 2 or 3 (N <= 254): "open" (in PREFIX-sweep, listener on 80) -> open syn-ack
#   N % 4 == 0, and N = 255: "absent" (the router drops it: no host, no ARP, no ICMP)
#                                                                -> filtered no-response
#   (N = 0 is the v6 subnet-router anycast address of the router and N = 255 the v4
#   broadcast: no host, no answer.)
SWEEP_NET4=198.18.4;  SWEEP_NET6=fd00:0:0:4:
SWEEP_PORT=80
SILENT_V4=198.19.0.0/16; SILENT_V6=fd00:0:0:5::/64

# The discovery block (host discovery, issue #4): address N is 198.18.5.N (N = 0..255) and
# fd00:0:0:50::<N in hex> (N = 0..15 only), all in PREFIX-disc behind the second router
# PREFIX-rtr2: the scanner reaches it through 2 routers (TTL / hop limit - 2). Its behaviour
# is chosen by N % 12 (disc_kind), each made by nftables in PREFIX-disc (disc_ruleset):
#    0, 9  absent          no such host: PREFIX-rtr2 drops it (forward chain): no ICMP error
#    1     icmp-only       ICMP echo + timestamp answered (v6: echo); all TCP / UDP dropped
#    2     rst-only        ICMP dropped; TCP reaches the stack, closed ports: RST (443: nft
#                          `reject with tcp reset`, since the 443 listener is on every
#                          address); UDP dropped
#    3     silent          the address exists (on PREFIX-disc) but everything is dropped
#    4     echo-only       only ICMP echo answered
#    5     synack-443      ICMP and UDP dropped; TCP reaches the stack: the listener on 443
#                          answers SYN-ACK, ACK to 80 gets a RST
#    6     udp-only        only UDP reaches the stack: a closed port -> ICMP port-unreachable
#    7     timestamp-only  only ICMP timestamp answered (v6 has none: down)
#    8     ack80-only      only TCP port 80 (ACK -> RST); SYN 443 and ICMP dropped
#   10     all             no filter: echo, timestamp, SYN-ACK on 443, RST on 80, UDP unreach
#   11     syn443-only     only TCP port 443 (listener: SYN-ACK)
#   N = 0 and N = 255 are absent too. PREFIX-disc's ICMP error rate limits are off (so every
#   udp-only / all host answers a UDP ping however many are pinged at once); `icmp-ratelimit`
#   leaves PREFIX-disc alone.
DISC_NET4=198.18.5;   DISC_NET6=fd00:0:0:50:
DISC_V6_COUNT=16                  # v6 addresses N = 0..15
DISC_SYN_PORT=443; DISC_ACK_PORT=80   # nmap's default TCP ping ports (-PS443 -PA80)
TRANSIT_V4=198.18.7;  TRANSIT_V6=fd00:0:0:7:   # PREFIX-rtr .1 -- PREFIX-rtr2 .2
DLINK_V4=198.18.8;    DLINK_V6=fd00:0:0:8:     # PREFIX-rtr2 .1 -- PREFIX-disc .2
DISC_HOPS=2
# The LAN: PREFIX-scan's eth1 (198.18.6.2/24, fd00:0:0:6::2/64) -- PREFIX-lan's eth0. Address
# N = 0..15 is 198.18.6.N and fd00:0:0:6::<N in hex> (lan_kind):
#   N = 2          scanner         the scanner's own address (nmap: localhost-response)
#   N % 4 == 1     lan-up          in PREFIX-lan: answers ARP / ND and IP
#   N % 4 == 3     lan-ipdrop      in PREFIX-lan, nftables drops all IP to it (ND excepted):
#                                  still up for nmap, whose ARP / ND ping it answers
#   other N        absent          nowhere: no ARP / ND reply
LAN_NET4=198.18.6;    LAN_NET6=fd00:0:0:6:
LAN_SCAN_N=2; LAN_COUNT=16

PROG=range.sh
log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() { # [exit-code]
  sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit "${1:-2}"
}

# ---------------------------------------------------------------------------------------
# Arguments.
[[ $# -ge 1 ]] || usage
CMD=$1; shift
case "$CMD" in -h|--help|help) usage 0 ;; esac
PREFIX="pw$$"
STATE=""
STATE_GIVEN=""
TRUTH=""
LISTEN="${PW_LISTEN:-}"
REPLACE=0
RL_MODE=""
if [[ $CMD == icmp-ratelimit ]]; then
  [[ $# -ge 1 ]] || usage
  RL_MODE=$1; shift
  case "$RL_MODE" in
    on|off) ;;
    [1-9]|[1-9][0-9]|[1-9][0-9][0-9]|1000) ;;
    *) log "icmp-ratelimit wants on, off or milliseconds 1-1000, not '$RL_MODE'"; usage ;;
  esac
fi
while [[ $# -gt 0 ]]; do
  case "$1" in
    --name)   [[ $# -ge 2 ]] || usage; PREFIX=$2; shift 2 ;;
    --state)  [[ $# -ge 2 ]] || usage; STATE=$2; STATE_GIVEN=1; shift 2 ;;
    --truth)  [[ $# -ge 2 ]] || usage; TRUTH=$2; shift 2 ;;
    --listen) [[ $# -ge 2 ]] || usage; LISTEN=$2; shift 2 ;;
    --replace) REPLACE=1; shift ;;
    -h|--help) usage 0 ;;
    *) log "unknown argument: $1"; usage ;;
  esac
done
case "$CMD" in up|down|status|icmp-ratelimit) ;; *) log "unknown command: $CMD"; usage ;; esac
[[ $PREFIX =~ ^[a-z][a-z0-9]{0,8}$ ]] ||
  die "--name must be [a-z][a-z0-9]{0,8} (namespace names PREFIX-plain stay <= 15 chars): '$PREFIX'"
[[ -n $STATE ]] || STATE="/run/portwarden-range/$PREFIX"
STATE=$(realpath -m -- "$STATE")
[[ -z $TRUTH ]] || TRUTH=$(realpath -m -- "$TRUTH")
PROG="range.sh[$PREFIX]"

NS_SCAN="$PREFIX-scan"; NS_RTR="$PREFIX-rtr"
NS_PLAIN="$PREFIX-plain"; NS_FW="$PREFIX-fw"; NS_DROP="$PREFIX-drop"; NS_SWEEP="$PREFIX-sweep"
NS_RTR2="$PREFIX-rtr2"; NS_DISC="$PREFIX-disc"; NS_LAN="$PREFIX-lan"
NS_LOSSY="$PREFIX-lossy"; NS_BNECK="$PREFIX-bneck"

require_root() {
  if [[ $(id -u) -ne 0 ]]; then
    if [[ ${CI:-} == true ]]; then
      die "must run as root to create network namespaces (CI=true: the range is required, failing)"
    fi
    die "must run as root to create network namespaces (run the range tests as root, e.g. sudo ctest -L 'range|integration')"
  fi
}

# ---------------------------------------------------------------------------------------
# State: STATE/netns (one name a line, in creation order), STATE/pids ("pid starttime ns
# name"), STATE/listen (the listener binary), STATE/files (files made outside STATE),
# STATE/dirs (directories made outside STATE), STATE/info (key=value), STATE/ready.

proc_starttime() { # pid -> field 22 of /proc/pid/stat (clock ticks since boot)
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }            # drop "pid (comm) "
  # shellcheck disable=SC2086
  set -- $stat                 # now $1 is field 3 (state); field 22 is $20
  printf '%s\n' "${20}"
}

ns_exists() { [[ -e /run/netns/$1 ]]; }

# True if pid is alive and is the same process that was recorded: same start time, and its
# command line names the listener binary recorded in STATE/listen.
pid_matches() { # pid starttime
  local now what=pw_listen
  now=$(proc_starttime "$1") || return 1
  [[ $now == "$2" ]] || return 1
  [[ -s $STATE/listen ]] && what=$(<"$STATE/listen")
  grep -qaF -- "$what" "/proc/$1/cmdline" 2>/dev/null
}

teardown() {
  local rc=0 pid start ns name _
  [[ -d $STATE ]] || { log "no state at $STATE: nothing to tear down"; return 0; }
  if [[ -f $STATE/pids ]]; then
    while read -r pid start ns name; do
      [[ -n ${pid:-} ]] || continue
      if pid_matches "$pid" "$start"; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do pid_matches "$pid" "$start" || break; sleep 0.1; done
        if pid_matches "$pid" "$start"; then
          log "pid $pid ($name in $ns) ignored SIGTERM; sending SIGKILL"
          kill -KILL "$pid" 2>/dev/null || true
        fi
        log "stopped pw_listen $name (pid $pid)"
      fi
    done <"$STATE/pids"
  fi
  if [[ -f $STATE/netns ]]; then
    # Reverse creation order.
    while read -r ns; do
      [[ -n $ns ]] || continue
      if ns_exists "$ns"; then
        if ip netns del "$ns"; then log "deleted netns $ns"; else log "could not delete netns $ns"; rc=1; fi
      fi
    done < <(tac "$STATE/netns")
  fi
  if [[ -f $STATE/files ]]; then
    while read -r f; do [[ -n $f ]] && rm -f -- "$f"; done <"$STATE/files"
  fi
  if [[ -f $STATE/dirs ]]; then
    while read -r f; do
      if [[ -n $f ]]; then rmdir -- "$f" 2>/dev/null || true; fi
    done <"$STATE/dirs"
  fi
  if [[ $rc -eq 0 ]]; then
    rm -f -- "$STATE"/netns "$STATE"/pids "$STATE"/files "$STATE"/dirs "$STATE"/listen "$STATE"/info "$STATE"/ready \
      "$STATE"/truth.tsv "$STATE"/*.log "$STATE"/*.pid "$STATE"/*.pid.tmp "$STATE"/*.nft \
      "$STATE"/*.ip "$STATE"/icmp_defaults "$STATE"/truth.discovery.tsv
    rmdir -- "$STATE" 2>/dev/null || log "state dir $STATE not empty; left in place"
  fi
  return "$rc"
}

# ---------------------------------------------------------------------------------------
# Building blocks for `up`.

add_ns() { # name
  ip netns add "$1" || die "cannot create netns $1 (already exists? run: $0 down --name $PREFIX)"
  echo "$1" >>"$STATE/netns"
  local -a nsx=(ip netns exec "$1")
  "${nsx[@]}" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 \
    net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0 \
    net.ipv6.conf.all.autoconf=0 net.ipv6.conf.default.autoconf=0 >/dev/null
  ip -n "$1" link set lo up
}

# veth between the router (end named $2) and namespace $1 (end named eth0), created inside
# the router namespace with its peer placed directly into $1: no interface ever exists in
# the host's namespace.
link_to_router() { # ns router-end-name router-v4/len router-v6/len host-v4/len host-v6/len
  local ns=$1 rend=$2
  ip -n "$NS_RTR" link add "$rend" type veth peer name eth0 netns "$ns"
  ip -n "$NS_RTR" addr add "$3" dev "$rend"
  ip -n "$NS_RTR" -6 addr add "$4" dev "$rend" nodad
  ip -n "$ns" addr add "$5" dev eth0
  ip -n "$ns" -6 addr add "$6" dev eth0 nodad
  ip -n "$NS_RTR" link set "$rend" up
  ip -n "$ns" link set eth0 up
}

# Writes the nft ruleset for the firewalled host from the FW_* lists.
fw_ruleset() {
  local b='{ ' e=' }'
  cat <<EOF
table inet portwarden_fw {
  chain input {
    type filter hook input priority filter; policy accept;
    tcp dport ${b}${FW_ACCEPT}${e} accept
    tcp dport ${b}${FW_DROP}${e} drop
    tcp dport ${b}${FW_REJECT_PORT}${e} reject
    tcp dport ${b}${FW_REJECT_ADMIN}${e} reject with icmpx type admin-prohibited
    tcp dport ${b}${FW_REJECT_RST}${e} reject with tcp reset
    udp dport ${b}${FW_UDP_DROP}${e} drop
    udp dport ${b}${FW_UDP_REJECT_ADMIN}${e} reject with icmpx type admin-prohibited
  }
}
EOF
}

# The drop host: drops everything addressed to it (input), and everything routed to it for
# the silent block (prerouting, before the kernel looks for a route: it does not forward).
drop_ruleset() {
  cat <<EOF
table inet portwarden_drop {
  chain input {
    type filter hook input priority filter; policy drop;
  }
  chain prerouting {
    type filter hook prerouting priority raw; policy accept;
    ip daddr $SILENT_V4 drop
    ip6 daddr $SILENT_V6 drop
  }
}
EOF
}

# The lossy hosts' random drops, both ways (see LOSSY_* above).
lossy_ruleset() {
  local pct hook addr
  echo "table inet portwarden_loss {"
  for hook in prerouting:daddr output:saddr; do
    echo "  chain ${hook%%:*} {"
    echo "    type filter hook ${hook%%:*} priority raw; policy accept;"
    echo "    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept"
    for pct in $LOSSY_PCTS; do
      for addr in "ip ${hook#*:} $LOSSY_NET4.$pct" "ip6 ${hook#*:} ${LOSSY_NET6}:$pct"; do
        echo "    $addr numgen random mod 1000 < $((pct * 10)) drop"
      done
    done
    echo "  }"
  done
  echo "}"
}

# Sweep block: what address N (0..255) is: open | closed | absent (see SWEEP_* above).
sweep_kind() { # N
  local n=$1
  if (( n == 1 )); then echo closed
  elif (( n == 0 || n == 255 )); then echo absent
  else case $(( n % 4 )) in 0) echo absent ;; 1) echo closed ;; *) echo open ;; esac
  fi
}
sweep_v4() { echo "$SWEEP_NET4.$1"; }
sweep_v6() { # canonical form (RFC 5952): N = 0 is fd00:0:0:4::, not fd00:0:0:4::0
  if (( $1 == 0 )); then echo "${SWEEP_NET6}:"; else printf '%s:%x\n' "$SWEEP_NET6" "$1"; fi
}
# The numbers N of one kind, as ranges ("2-3,6-7,...").
sweep_list() { # kind
  local n lo=-1 prev=-1 out=""
  for n in $(seq 0 256); do
    if (( n <= 255 )) && [[ $(sweep_kind "$n") == "$1" ]]; then
      if (( lo < 0 )); then lo=$n; fi
      prev=$n
      continue
    fi
    if (( lo >= 0 )); then
      if (( lo == prev )); then out+="${out:+,}$lo"; else out+="${out:+,}$lo-$prev"; fi
      lo=-1
    fi
  done
  echo "$out"
}

# ---------------------------------------------------------------------------------------
# The discovery block and the LAN (see DISC_* and LAN_* at the top).

disc_kind() { # N -> behaviour of 198.18.5.N / fd00:0:0:50::<N hex>
  local n=$1
  if (( n == 0 || n == 255 )); then echo absent; return; fi
  case $(( n % 12 )) in
    0|9) echo absent ;;         1) echo icmp-only ;;       2) echo rst-only ;;
    3) echo silent ;;           4) echo echo-only ;;       5) echo synack-443 ;;
    6) echo udp-only ;;         7) echo timestamp-only ;;  8) echo ack80-only ;;
    10) echo all ;;             11) echo syn443-only ;;
  esac
}
disc_v4() { echo "$DISC_NET4.$1"; }
disc_v6() { if (( $1 == 0 )); then echo "${DISC_NET6}:"; else printf '%s:%x\n' "$DISC_NET6" "$1"; fi; }
# The addresses (v4 and v6) of one kind, comma-separated (for nft sets).
disc_addrs() { # kind 4|6
  local n out="" max=255
  [[ $2 == 6 ]] && max=$(( DISC_V6_COUNT - 1 ))
  for n in $(seq 0 "$max"); do
    [[ $(disc_kind "$n") == "$1" ]] && out+="${out:+, }$("disc_v$2" "$n")"
  done
  echo "$out"
}
# What nmap says about a discovery-block host of a kind: status, reasons, udp_ping.
# nmap -sn's default probes, in the order it sends them: ICMP echo, TCP SYN 443, TCP ACK 80,
# ICMP timestamp (v4 only; ICMPv6 has no timestamp).
disc_truth() { # kind 4|6
  local r
  case $1 in
    icmp-only)      if [[ $2 == 4 ]]; then r=echo-reply,timestamp-reply; else r=echo-reply; fi ;;
    echo-only)      r=echo-reply ;;
    timestamp-only) if [[ $2 == 4 ]]; then r=timestamp-reply; else r=""; fi ;;
    all)            if [[ $2 == 4 ]]; then r=echo-reply,syn-ack,reset,timestamp-reply
                    else r=echo-reply,syn-ack,reset; fi ;;
    rst-only)       r=reset ;;
    synack-443)     r=syn-ack,reset ;;
    ack80-only)     r=reset ;;
    syn443-only)    r=syn-ack ;;
    *)              r="" ;;      # udp-only, silent, absent
  esac
  local udp=down
  case $1 in udp-only|all) udp=up ;; esac
  if [[ -n $r ]]; then printf 'up\t%s\t%s\n' "$r" "$udp"; else printf 'down\tno-response\t%s\n' "$udp"; fi
}

lan_kind() { # N (0..15)
  local n=$1
  if (( n == LAN_SCAN_N )); then echo scanner
  else case $(( n % 4 )) in 1) echo lan-up ;; 3) echo lan-ipdrop ;; *) echo absent ;; esac
  fi
}
lan_v4() { echo "$LAN_NET4.$1"; }
lan_v6() { if (( $1 == 0 )); then echo "${LAN_NET6}:"; else printf '%s:%x\n' "$LAN_NET6" "$1"; fi; }

nft_set() { # name type elements
  if [[ -n $3 ]]; then echo "  set $1 { type $2; elements = { $3 } }"; else echo "  set $1 { type $2; }"; fi
}

ND_TYPES="nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, nd-redirect"

# PREFIX-disc: per-address allow rules, then everything else addressed to the block is dropped
# (silent hosts, and whatever a host's kind does not answer). ND (ICMPv6 133-137) is always
# accepted first (the link to PREFIX-rtr2 needs it; no rule below could match it anyway).
disc_ruleset() {
  local k t
  echo "table inet portwarden_disc {"
  for k in icmp-only echo-only timestamp-only rst-only synack-443 ack80-only syn443-only udp-only all; do
    t=${k//-/_}
    nft_set "${t}_v4" ipv4_addr "$(disc_addrs "$k" 4)"
    nft_set "${t}_v6" ipv6_addr "$(disc_addrs "$k" 6)"
  done
  cat <<EOT
  chain input {
    type filter hook input priority filter; policy accept;
    icmpv6 type { $ND_TYPES } accept
    ip daddr @icmp_only_v4 icmp type { echo-request, timestamp-request } accept
    ip6 daddr @icmp_only_v6 icmpv6 type echo-request accept
    ip daddr @echo_only_v4 icmp type echo-request accept
    ip6 daddr @echo_only_v6 icmpv6 type echo-request accept
    ip daddr @timestamp_only_v4 icmp type timestamp-request accept
    ip daddr @rst_only_v4 tcp dport $DISC_SYN_PORT reject with tcp reset
    ip6 daddr @rst_only_v6 tcp dport $DISC_SYN_PORT reject with tcp reset
    ip daddr @rst_only_v4 meta l4proto tcp accept
    ip6 daddr @rst_only_v6 meta l4proto tcp accept
    ip daddr @synack_443_v4 meta l4proto tcp accept
    ip6 daddr @synack_443_v6 meta l4proto tcp accept
    ip daddr @ack80_only_v4 tcp dport $DISC_ACK_PORT accept
    ip6 daddr @ack80_only_v6 tcp dport $DISC_ACK_PORT accept
    ip daddr @syn443_only_v4 tcp dport $DISC_SYN_PORT accept
    ip6 daddr @syn443_only_v6 tcp dport $DISC_SYN_PORT accept
    ip daddr @udp_only_v4 meta l4proto udp accept
    ip6 daddr @udp_only_v6 meta l4proto udp accept
    ip daddr @all_v4 accept
    ip6 daddr @all_v6 accept
    ip daddr $DISC_NET4.0/24 drop
    ip6 daddr ${DISC_NET6}:/64 drop
  }
}
EOT
}

# PREFIX-rtr2 forwards only the block's present addresses (every kind but absent): an absent
# one is dropped here, so nothing resolves it and no ICMP host-unreachable comes back.
rtr2_ruleset() {
  local n v4="" v6=""
  for n in $(seq 0 255); do
    [[ $(disc_kind "$n") == absent ]] && continue
    v4+="${v4:+, }$(disc_v4 "$n")"
    (( n < DISC_V6_COUNT )) && v6+="${v6:+, }$(disc_v6 "$n")"
  done
  echo "table inet portwarden_rtr2 {"
  nft_set present4 ipv4_addr "$v4"
  nft_set present6 ipv6_addr "$v6"
  cat <<EOT
  chain forward {
    type filter hook forward priority filter; policy accept;
    ip daddr $DISC_NET4.0/24 ip daddr != @present4 drop
    ip6 daddr ${DISC_NET6}:/64 ip6 daddr != @present6 drop
  }
}
EOT
}

# PREFIX-lan: the lan-ipdrop addresses drop all IP (ARP is not IP; ND is accepted first).
lan_ruleset() {
  local n v4="" v6=""
  for n in $(seq 0 $(( LAN_COUNT - 1 ))); do
    [[ $(lan_kind "$n") == lan-ipdrop ]] || continue
    v4+="${v4:+, }$(lan_v4 "$n")"; v6+="${v6:+, }$(lan_v6 "$n")"
  done
  echo "table inet portwarden_lan {"
  nft_set ipdrop4 ipv4_addr "$v4"
  nft_set ipdrop6 ipv6_addr "$v6"
  cat <<EOT
  chain input {
    type filter hook input priority filter; policy accept;
    icmpv6 type { $ND_TYPES } accept
    ip daddr @ipdrop4 drop
    ip6 daddr @ipdrop6 drop
  }
}
EOT
}

# veth with end $2 in namespace $1 and end $4 in namespace $3, made inside $1 with its peer
# placed directly into $3 (no interface ever exists in the host's namespace); both up.
link_pair() { # ns-a end-a ns-b end-b
  ip -n "$1" link add "$2" type veth peer name "$4" netns "$3"
  ip -n "$1" link set "$2" up
  ip -n "$3" link set "$4" up
}

# The second router and the discovery block:
#   PREFIX-rtr r2 198.18.7.1 -- eth0 198.18.7.2 PREFIX-rtr2 eth1 198.18.8.1 -- eth0 198.18.8.2
#   PREFIX-disc (+ every present block address, /32 and /128, on its eth0).
setup_discovery() {
  local n k db="$STATE/disc-ns.ip"
  ip netns exec "$NS_RTR2" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
    net.ipv4.ip_early_demux=0 >/dev/null
  link_pair "$NS_RTR" r2 "$NS_RTR2" eth0
  ip -n "$NS_RTR" addr add "$TRANSIT_V4.1/24" dev r2
  ip -n "$NS_RTR" -6 addr add "${TRANSIT_V6}:1/64" dev r2 nodad
  ip -n "$NS_RTR2" addr add "$TRANSIT_V4.2/24" dev eth0
  ip -n "$NS_RTR2" -6 addr add "${TRANSIT_V6}:2/64" dev eth0 nodad
  link_pair "$NS_RTR2" eth1 "$NS_DISC" eth0
  ip -n "$NS_RTR2" addr add "$DLINK_V4.1/24" dev eth1
  ip -n "$NS_RTR2" -6 addr add "${DLINK_V6}:1/64" dev eth1 nodad
  {
    echo "addr add $DLINK_V4.2/24 dev eth0"
    echo "addr add ${DLINK_V6}:2/64 dev eth0 nodad"
    for n in $(seq 0 255); do
      k=$(disc_kind "$n")
      [[ $k == absent ]] && continue
      echo "addr add $(disc_v4 "$n")/32 dev eth0"
      (( n < DISC_V6_COUNT )) && echo "addr add $(disc_v6 "$n")/128 dev eth0 nodad"
    done
  } >"$db"
  ip -n "$NS_DISC" -batch "$db"
  # Routes: rtr -> rtr2 -> disc for the block (and the rtr2-disc link); back by default routes.
  ip -n "$NS_RTR" route add "$DISC_NET4.0/24" via "$TRANSIT_V4.2" dev r2
  ip -n "$NS_RTR" route add "$DLINK_V4.0/24" via "$TRANSIT_V4.2" dev r2
  ip -n "$NS_RTR" -6 route add "${DISC_NET6}:/64" via "${TRANSIT_V6}:2" dev r2
  ip -n "$NS_RTR" -6 route add "${DLINK_V6}:/64" via "${TRANSIT_V6}:2" dev r2
  ip -n "$NS_RTR2" route add default via "$TRANSIT_V4.1"
  ip -n "$NS_RTR2" -6 route add default via "${TRANSIT_V6}:1"
  ip -n "$NS_RTR2" route add "$DISC_NET4.0/24" via "$DLINK_V4.2" dev eth1
  ip -n "$NS_RTR2" -6 route add "${DISC_NET6}:/64" via "${DLINK_V6}:2" dev eth1
  ip -n "$NS_DISC" route add default via "$DLINK_V4.1"
  ip -n "$NS_DISC" -6 route add default via "${DLINK_V6}:1"
  # No ICMP error rate limit in PREFIX-disc: the udp-only and all hosts each answer a UDP ping
  # with a port-unreachable, and the kernel's limit is per destination (the scanner) and
  # global (50 burst): with many hosts pinged at once most would be dropped.
  ip netns exec "$NS_DISC" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 \
    net.ipv4.icmp_msgs_per_sec=1000000 net.ipv4.icmp_msgs_burst=1000000 >/dev/null
}

# The LAN: a second veth from PREFIX-scan (eth1) to PREFIX-lan (eth0). The scanner's existing
# routes (its default routes via eth0) must not change: eth1 only adds connected routes.
setup_lan() {
  local n k lb="$STATE/lan-ns.ip" before after
  before=$( { ip -n "$NS_SCAN" -4 route show; ip -n "$NS_SCAN" -6 route show; } | sort)
  link_pair "$NS_SCAN" eth1 "$NS_LAN" eth0
  ip -n "$NS_SCAN" addr add "$(lan_v4 "$LAN_SCAN_N")/24" dev eth1
  ip -n "$NS_SCAN" -6 addr add "$(lan_v6 "$LAN_SCAN_N")/64" dev eth1 nodad
  : >"$lb"
  for n in $(seq 0 $(( LAN_COUNT - 1 ))); do
    k=$(lan_kind "$n")
    [[ $k == lan-up || $k == lan-ipdrop ]] || continue
    echo "addr add $(lan_v4 "$n")/24 dev eth0" >>"$lb"
    echo "addr add $(lan_v6 "$n")/64 dev eth0 nodad" >>"$lb"
  done
  ip -n "$NS_LAN" -batch "$lb"
  after=$( { ip -n "$NS_SCAN" -4 route show; ip -n "$NS_SCAN" -6 route show; } | sort)
  local lost
  lost=$(comm -23 <(echo "$before") <(echo "$after"))
  [[ -z $lost ]] || die "adding eth1 to $NS_SCAN changed its routes; lost: $lost"
  [[ $(ip -n "$NS_SCAN" route show default) == *"dev eth0"* &&
     $(ip -n "$NS_SCAN" -6 route show default) == *"dev eth0"* ]] ||
    die "$NS_SCAN's default routes are not via eth0 any more"
}

# Discovery truth: address, up|down, reasons, hops, behaviour, udp_ping (see the header).
write_disc_truth() { # file
  local out=$1 tmp="$1.tmp.$$" n k fam t st rs udp
  {
    echo "# portwarden test range host-discovery truth (generated by tests/range/range.sh from its configuration)"
    echo "# columns: address<TAB>status<TAB>reasons<TAB>hops<TAB>behaviour<TAB>udp_ping"
    echo "# status/reasons: nmap -sn as root (ICMP echo, TCP SYN $DISC_SYN_PORT, TCP ACK $DISC_ACK_PORT, ICMP timestamp (v4); ARP/ND on the local link),"
    echo "#   reasons = the acceptable nmap --reason words, comma-separated (nmap reports the first reply: racy); no-response when down"
    echo "# hops: routers between the scanner and the host (nmap's reason_ttl = 64 - hops for IP replies)"
    echo "# udp_ping: nmap -sn -PU (UDP to a closed port; port-unreach proves it up; on the LAN ARP/ND is used whatever -P says)"
    echo "# prefix=$PREFIX"
    echo "# scanner_ns=$NS_SCAN"
    echo "# router2_ns=$NS_RTR2"
    echo "# disc_ns=$NS_DISC"
    echo "# lan_ns=$NS_LAN"
    echo "# block_v4=$DISC_NET4.0/24"
    echo "# block_v6=${DISC_NET6}:/$(( 128 - $(awk -v c="$DISC_V6_COUNT" 'BEGIN { print int(log(c) / log(2) + 0.5) }') ))"
    echo "# lan_v4=$LAN_NET4.0/$(( 32 - $(awk -v c="$LAN_COUNT" 'BEGIN { print int(log(c) / log(2) + 0.5) }') ))"
    echo "# lan_v6=${LAN_NET6}:/$(( 128 - $(awk -v c="$LAN_COUNT" 'BEGIN { print int(log(c) / log(2) + 0.5) }') ))"
    echo "# scanner_lan $(lan_v4 "$LAN_SCAN_N") $(lan_v6 "$LAN_SCAN_N") (eth1)"
    echo "# block: address N is $DISC_NET4.N (0-255) and ${DISC_NET6}:<N in hex> (0-$(( DISC_V6_COUNT - 1 ))), behaviour by N % 12, behind $NS_RTR and $NS_RTR2"
    for k in absent icmp-only rst-only silent echo-only synack-443 udp-only timestamp-only ack80-only all syn443-only; do
      echo "# block $k v4: $(disc_addrs "$k" 4 | sed "s/$DISC_NET4\.//g; s/ //g")"
    done
    for fam in 4 6; do
      local max=255
      [[ $fam == 6 ]] && max=$(( DISC_V6_COUNT - 1 ))
      for n in $(seq 0 "$max"); do
        k=$(disc_kind "$n")
        IFS=$'\t' read -r st rs udp < <(disc_truth "$k" "$fam")
        printf '%s\t%s\t%s\t%d\t%s\t%s\n' "$("disc_v$fam" "$n")" "$st" "$rs" "$DISC_HOPS" "$k" "$udp"
      done
    done
    for fam in 4 6; do
      for n in $(seq 0 $(( LAN_COUNT - 1 ))); do
        k=$(lan_kind "$n")
        case $k in
          scanner) t="up	localhost-response" ;;
          absent) t="down	no-response" ;;
          *) if [[ $fam == 4 ]]; then t="up	arp-response"; else t="up	nd-response"; fi ;;
        esac
        printf '%s\t%s\t0\t%s\t%s\n' "$("lan_v$fam" "$n")" "$t" "$k" "${t%%	*}"
      done
    done
  } >"$tmp"
  mv -f -- "$tmp" "$out"
}

# <truth>.tsv -> <truth>.discovery.tsv (any other name: + .discovery.tsv).
disc_truth_path() { echo "${1%.tsv}.discovery.tsv"; }

# Ports listening (TCP or UDP) in a namespace, one a line.
listening_ports() { # ns t|u
  ip netns exec "$1" ss -Hn -l"$2" 2>/dev/null | awk '{ n = split($4, a, ":"); print a[n] }' | sort -un
}

expand_ports() { # "1,5-7" -> one port a line
  awk -v spec="$1" 'BEGIN { n = split(spec, it, ","); for (i = 1; i <= n; i++) {
    if (it[i] == "") continue
    if (split(it[i], r, "-") == 2) { for (p = r[1] + 0; p <= r[2] + 0; p++) print p } else print it[i] + 0 } }'
}

start_listener() { # ns name tcp-ports udp-ports
  local ns=$1 name=$2 tcp=$3 udp=$4 pidfile="$STATE/$2.pid" logf="$STATE/$2.log" _ pid start
  local -a args=()
  [[ -n $tcp ]] && args+=(--tcp "$tcp")
  [[ -n $udp ]] && args+=(--udp "$udp")
  rm -f -- "$pidfile"
  # setsid: the listener outlives this script and is not in ctest's process group; its
  # output goes to a log so no pipe of the caller stays open.
  setsid ip netns exec "$ns" "$LISTEN" "${args[@]}" --pidfile "$pidfile" \
    </dev/null >"$logf" 2>&1 &
  local launcher=$!
  # Record the launcher at once (setsid and ip exec in place, so normally it *is* the
  # listener): an interrupted `up` can then still stop it.
  if start=$(proc_starttime "$launcher"); then echo "$launcher $start $ns $name" >>"$STATE/pids"; fi
  for _ in $(seq 1 100); do          # bounded: 10 s
    [[ -s $pidfile ]] && break
    if ! kill -0 "$launcher" 2>/dev/null && [[ ! -s $pidfile ]]; then
      wait "$launcher" 2>/dev/null || true
      die "pw_listen for $name in $ns failed: $(tail -n 1 "$logf" 2>/dev/null)"
    fi
    sleep 0.1
  done
  [[ -s $pidfile ]] || die "pw_listen for $name in $ns did not start within 10 s: $(tail -n 1 "$logf")"
  pid=$(<"$pidfile")
  if [[ $pid != "$launcher" ]]; then
    start=$(proc_starttime "$pid") || die "pw_listen for $name (pid $pid) exited: $(tail -n 1 "$logf")"
    echo "$pid $start $ns $name" >>"$STATE/pids"
  fi
  # Ready only when the kernel lists every port as listening inside the namespace.
  local want_t want_u have_t have_u
  want_t=$(expand_ports "$tcp" | sort -un); want_u=$(expand_ports "$udp" | sort -un)
  for _ in $(seq 1 100); do          # bounded: 10 s
    have_t=$(listening_ports "$ns" t); have_u=$(listening_ports "$ns" u)
    if [[ -z $(comm -23 <(echo "$want_t") <(echo "$have_t")) &&
          -z $(comm -23 <(echo "$want_u") <(echo "$have_u")) ]]; then
      log "pw_listen $name (pid $pid) listening in $ns: tcp $tcp${udp:+ udp $udp}"
      return 0
    fi
    sleep 0.1
  done
  die "ports of $name in $ns not listening after 10 s (ss): missing tcp $(comm -23 <(echo "$want_t") <(echo "$have_t") | tr '\n' ' ')"
}

# Bounded reachability check from the scanner namespace: a TCP connect (bash /dev/tcp) to a
# port that is open on the host, at most 5 tries of at most 2 s each.
check_reachable() { # addr port
  local _
  for _ in 1 2 3 4 5; do
    # shellcheck disable=SC2016
    if timeout 2 ip netns exec "$NS_SCAN" bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  die "$1 port $2 not reachable from $NS_SCAN"
}

# Truth for one host address: 65535 lines. Rules are applied in nft rule order; "listen"
# decides open/closed where the packet reaches the stack.
# awk: mark(spec, arr) sets arr[p] for every port of a list like "22,80,10000-11999".
AWK_MARK='
    function mark(spec, arr,   n, it, i, r, p) {
      n = split(spec, it, ",")
      for (i = 1; i <= n; i++) {
        if (it[i] == "") continue
        if (split(it[i], r, "-") == 2) { for (p = r[1] + 0; p <= r[2] + 0; p++) arr[p] = 1 }
        else arr[it[i] + 0] = 1
      }
    }'
truth_lines() { # addr policy(accept|drop) listen accept drop rej_port rej_admin rej_rst
  awk -v addr="$1" -v policy="$2" -v listen="$3" -v acc="$4" -v drp="$5" \
      -v rport="$6" -v radmin="$7" -v rrst="$8" "$AWK_MARK"'
    BEGIN {
      mark(listen, L); mark(acc, A); mark(drp, D); mark(rport, RP); mark(radmin, RA); mark(rrst, RR)
      for (p = 1; p <= 65535; p++) {
        if (policy == "drop")  { s = "filtered\tno-response" }
        else if (p in A)       { s = (p in L) ? "open\tsyn-ack" : "closed\treset" }
        else if (p in D)       { s = "filtered\tno-response" }
        else if (p in RP)      { s = "filtered\tport-unreach" }
        else if (p in RA)      { s = "filtered\tadmin-prohibited" }
        else if (p in RR)      { s = "closed\treset" }
        else                   { s = (p in L) ? "open\tsyn-ack" : "closed\treset" }
        printf "%s\ttcp\t%d\t%s\n", addr, p, s
      }
    }'
}

# UDP truth for one host address: 65535 lines in nmap -sU words. Rules in nft rule order
# (the firewalled host's UDP rules); "listen" (UDP echo) decides open/closed where the
# datagram reaches the stack: an echo answers (open udp-response), a closed port makes the
# kernel send ICMP port-unreachable (closed port-unreach).
truth_udp_lines() { # addr policy(accept|drop) listen drop rej_admin
  awk -v addr="$1" -v policy="$2" -v listen="$3" -v drp="$4" -v radmin="$5" "$AWK_MARK"'
    BEGIN {
      mark(listen, L); mark(drp, D); mark(radmin, RA)
      for (p = 1; p <= 65535; p++) {
        if (policy == "drop")  { s = "open|filtered\tno-response" }
        else if (p in D)       { s = "open|filtered\tno-response" }
        else if (p in RA)      { s = "filtered\tadmin-prohibited" }
        else                   { s = (p in L) ? "open\tudp-response" : "closed\tport-unreach" }
        printf "%s\tudp\t%d\t%s\n", addr, p, s
      }
    }'
}

# Truth of the sweep block: TCP port SWEEP_PORT of each of its 256 addresses, v4 then v6.
truth_sweep_lines() {
  local fam n s
  for fam in 4 6; do
    for n in $(seq 0 255); do
      case $(sweep_kind "$n") in
        open) s="open	syn-ack" ;;
        closed) s="closed	reset" ;;
        *) s="filtered	no-response" ;;
      esac
      printf '%s\ttcp\t%d\t%s\n' "$("sweep_v$fam" "$n")" "$SWEEP_PORT" "$s"
    done
  done
}

lossy_addrs() { local pct; for pct in $LOSSY_PCTS; do echo "$LOSSY_NET4.$pct ${LOSSY_NET6}:$pct"; done; }

# The lossy namespace (three addresses on one link, router .254 / ::fe) and the bottleneck
# host behind tbf on the router's h10.
setup_lossy_and_bottleneck() {
  local pct
  ip -n "$NS_RTR" link add h9 type veth peer name eth0 netns "$NS_LOSSY"
  ip -n "$NS_RTR" addr add "$LOSSY_NET4.254/24" dev h9
  ip -n "$NS_RTR" -6 addr add "${LOSSY_NET6}:fe/64" dev h9 nodad
  for pct in $LOSSY_PCTS; do
    ip -n "$NS_LOSSY" addr add "$LOSSY_NET4.$pct/24" dev eth0
    ip -n "$NS_LOSSY" -6 addr add "${LOSSY_NET6}:$pct/64" dev eth0 nodad
  done
  ip -n "$NS_RTR" link set h9 up
  ip -n "$NS_LOSSY" link set eth0 up
  ip -n "$NS_LOSSY" route add default via "$LOSSY_NET4.254"
  ip -n "$NS_LOSSY" -6 route add default via "${LOSSY_NET6}:fe"
  lossy_ruleset >"$STATE/lossy.nft"
  ip netns exec "$NS_LOSSY" nft -f "$STATE/lossy.nft"
  link_to_router "$NS_BNECK" h10 198.18.10.1/24 fd00:0:0:10::1/64 "$BNECK_V4/24" "$BNECK_V6/64"
  ip -n "$NS_BNECK" route add default via 198.18.10.1
  ip -n "$NS_BNECK" -6 route add default via fd00:0:0:10::1
  tc -n "$NS_RTR" qdisc add dev h10 root tbf rate "$BNECK_RATE" burst "$BNECK_BURST" latency "$BNECK_LATENCY"
}

write_truth() { # file
  local out=$1 tmp="$1.tmp.$$" dir
  dir=$(dirname -- "$out")
  local d=$dir
  local -a made=()
  while [[ ! -d $d ]]; do made+=("$d"); d=$(dirname -- "$d"); done
  mkdir -p -- "$dir"
  # Directories made here, deepest first: down removes them if they are empty.
  [[ ${#made[@]} -eq 0 ]] || printf '%s\n' "${made[@]}" >>"$STATE/dirs"
  {
    echo "# portwarden test range ground truth (generated by tests/range/range.sh from its configuration)"
    echo "# columns: address<TAB>proto<TAB>port<TAB>state<TAB>reason  (nmap vocabulary: tcp lines as a TCP SYN scan -sS, udp lines as a UDP scan -sU)"
    echo "# prefix=$PREFIX"
    echo "# state_dir=$STATE"
    echo "# discovery_truth=$(disc_truth_path "$out")"
    echo "# scanner_ns=$NS_SCAN"
    echo "# router_ns=$NS_RTR"
    echo "# sweep_ns=$NS_SWEEP"
    echo "# scanner $SCAN_V4 $SCAN_V6"
    echo "# router $RTR_V4 $RTR_V6"
    echo "# host plain $PLAIN_V4 $PLAIN_V6"
    echo "# host firewalled $FW_V4 $FW_V6"
    echo "# host drop $DROP_V4 $DROP_V6"
    local pct
    for pct in $LOSSY_PCTS; do echo "# host lossy$pct $LOSSY_NET4.$pct ${LOSSY_NET6}:$pct"; done
    echo "# host bottleneck $BNECK_V4 $BNECK_V6"
    echo "# host_ns plain $NS_PLAIN"
    echo "# host_ns firewalled $NS_FW"
    echo "# host_ns drop $NS_DROP"
    echo "# plain tcp_listen=$PLAIN_TCP udp_echo=$PLAIN_UDP"
    echo "# firewalled tcp_listen=$FW_TCP accept=$FW_ACCEPT drop=$FW_DROP reject_port_unreach=$FW_REJECT_PORT reject_admin_prohibited=$FW_REJECT_ADMIN reject_tcp_reset=$FW_REJECT_RST"
    echo "# firewalled udp_echo=$FW_UDP udp_drop=$FW_UDP_DROP udp_reject_admin_prohibited=$FW_UDP_REJECT_ADMIN (other udp: closed port-unreach)"
    echo "# drop tcp_listen=$DROP_TCP input_policy=drop"
    echo "# lossy tcp_listen=$PLAIN_TCP udp_echo=$PLAIN_UDP loss_each_way_pct=$LOSSY_PCTS (tcp truth only)"
    echo "# bottleneck tcp_listen=$PLAIN_TCP udp_echo=$PLAIN_UDP tbf rate=$BNECK_RATE burst=$BNECK_BURST latency=$BNECK_LATENCY router_dev=h10 (tcp truth only)"
    echo "# host_ns lossy $NS_LOSSY"
    echo "# host_ns bottleneck $NS_BNECK"
    echo "# sweep net $SWEEP_NET4.0/24 ${SWEEP_NET6}:/120"
    echo "# sweep port $SWEEP_PORT"
    echo "# sweep open $(sweep_list open)"
    echo "# sweep closed $(sweep_list closed)"
    echo "# sweep absent $(sweep_list absent)"
    echo "# sweep (address N is $SWEEP_NET4.N and ${SWEEP_NET6}:<N in hex>; open: listener, closed: kernel RST, absent: dropped by the router)"
    echo "# silent $SILENT_V4 $SILENT_V6 (routed to the drop host, dropped by its nftables: never answers)"
    local a
    for a in $PLAIN_V4 $PLAIN_V6; do truth_lines "$a" accept "$PLAIN_TCP" "" "" "" "" ""; done
    for a in $FW_V4 $FW_V6; do
      truth_lines "$a" accept "$FW_TCP" "$FW_ACCEPT" "$FW_DROP" "$FW_REJECT_PORT" "$FW_REJECT_ADMIN" "$FW_REJECT_RST"
    done
    for a in $DROP_V4 $DROP_V6; do truth_lines "$a" drop "$DROP_TCP" "" "" "" "" ""; done
    for a in $(lossy_addrs) $BNECK_V4 $BNECK_V6; do truth_lines "$a" accept "$PLAIN_TCP" "" "" "" "" ""; done
    for a in $PLAIN_V4 $PLAIN_V6; do truth_udp_lines "$a" accept "$PLAIN_UDP" "" ""; done
    for a in $FW_V4 $FW_V6; do truth_udp_lines "$a" accept "$FW_UDP" "$FW_UDP_DROP" "$FW_UDP_REJECT_ADMIN"; done
    for a in $DROP_V4 $DROP_V6; do truth_udp_lines "$a" drop "" "" ""; done
    truth_sweep_lines
  } >"$tmp"
  mv -f -- "$tmp" "$out"
}

# The sweep block (see SWEEP_* at the top): veth h4 (router) -- eth0 (PREFIX-sweep). The
# router holds .1 and the closed addresses, PREFIX-sweep the open ones (a listener on
# SWEEP_PORT answers on all of them); the absent ones exist nowhere and the router drops them
# (blackhole routes), so it never resolves them (no ARP/ND failure, no ICMP host-unreachable).
setup_sweep() {
  local n k rb="$STATE/sweep-rtr.ip" sb="$STATE/sweep-ns.ip"
  ip -n "$NS_RTR" link add h4 type veth peer name eth0 netns "$NS_SWEEP"
  {
    echo "addr add $SWEEP_NET4.1/24 dev h4"
    echo "addr add ${SWEEP_NET6}:1/64 dev h4 nodad"
  } >"$rb"
  : >"$sb"
  for n in $(seq 2 254); do
    k=$(sweep_kind "$n")
    if [[ $k == closed ]]; then
      echo "addr add $(sweep_v4 "$n")/32 dev h4" >>"$rb"
      echo "addr add $(sweep_v6 "$n")/128 dev h4 nodad" >>"$rb"
    elif [[ $k == open ]]; then
      echo "addr add $(sweep_v4 "$n")/24 dev eth0" >>"$sb"
      echo "addr add $(sweep_v6 "$n")/64 dev eth0 nodad" >>"$sb"
    fi
  done
  # The absent ones: blackhole routes, which drop them silently in the routing lookup the
  # router makes anyway (an nftables forward rule would run for every packet it forwards, a
  # scan's included, on the scanner's own CPUs). N = 255 is the router's v4 broadcast and the
  # v6 N = 0 its subnet-router anycast address: local, never forwarded.
  for n in $(seq 0 255); do
    [[ $(sweep_kind "$n") == absent ]] || continue
    (( n == 255 )) || echo "route add blackhole $(sweep_v4 "$n")/32" >>"$rb"
    (( n == 0 )) || echo "route add blackhole $(sweep_v6 "$n")/128" >>"$rb"
  done
  ip -n "$NS_RTR" -batch "$rb"
  ip -n "$NS_SWEEP" -batch "$sb"
  ip -n "$NS_RTR" link set h4 up
  ip -n "$NS_SWEEP" link set eth0 up
  ip -n "$NS_SWEEP" route add default via "$SWEEP_NET4.1"
  ip -n "$NS_SWEEP" -6 route add default via "${SWEEP_NET6}:1"
}

ICMP_KEYS=(net.ipv4.icmp_ratelimit net.ipv6.icmp.ratelimit net.ipv4.icmp_msgs_per_sec net.ipv4.icmp_msgs_burst)

# `icmp-ratelimit on|off|MS`: in the router and every target namespace of the range.
do_icmp_ratelimit() {
  require_root
  [[ -f $STATE/ready && -f $STATE/netns ]] || die "range '$PREFIX' is not up (no $STATE/ready)"
  local -a kv=() nss=()
  local ns k line
  if [[ $RL_MODE == off ]]; then
    kv=(net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0
        net.ipv4.icmp_msgs_per_sec=1000000 net.ipv4.icmp_msgs_burst=1000000)
  elif [[ -s $STATE/icmp_defaults ]]; then
    mapfile -t kv <"$STATE/icmp_defaults"
  else
    kv=(net.ipv4.icmp_ratelimit=1000 net.ipv6.icmp.ratelimit=1000
        net.ipv4.icmp_msgs_per_sec=1000 net.ipv4.icmp_msgs_burst=50)
  fi
  if [[ $RL_MODE =~ ^[0-9]+$ ]]; then
    # The defaults with the two per-destination intervals replaced (set last, so they win).
    kv+=(net.ipv4.icmp_ratelimit="$RL_MODE" net.ipv6.icmp.ratelimit="$RL_MODE")
  fi
  while read -r ns; do
    # Not the scanner; not PREFIX-disc, whose limits stay off (setup_discovery).
    [[ -n $ns && $ns != "$NS_SCAN" && $ns != "$NS_DISC" ]] && nss+=("$ns")
  done <"$STATE/netns"
  for ns in "${nss[@]}"; do
    ns_exists "$ns" || die "netns $ns is missing"
    ip netns exec "$ns" sysctl -qw "${kv[@]}" >/dev/null || die "sysctl failed in $ns"
    line=""
    for k in "${ICMP_KEYS[@]}"; do line+=" $k=$(ip netns exec "$ns" sysctl -n "$k")"; done
    echo "icmp-ratelimit $RL_MODE: $ns:$line"
  done
}

UP_DONE=0
on_exit_up() {
  local rc=$?
  if [[ $UP_DONE -ne 1 ]]; then
    log "up failed (exit $rc); tearing down what was made"
    teardown || true
  fi
  exit "$rc"
}

# ---------------------------------------------------------------------------------------
# Responder block (issue #13 item 5, "who really answered"): a forger and a port-spoofer.
#   PREFIX-fgd  198.18.11.10 fd00:0:0:11::10  listeners as the plain host; the ROUTER's
#               forward chain (table inet pw_forge) answers SYNs to FORGE_TCP on it with
#               `reject with tcp reset`: a RST sent by the router, with the router's TTL (64,
#               0 hops) where the host's own replies arrive with 63 (1 hop). Every other port
#               is the plain host's (kernel RST or listener).
#   PREFIX-spf  198.18.12.10 fd00:0:0:12::10  a port-spoofer: its prerouting nat redirects
#               every TCP port to one listener (SPOOF_LISTEN), so every port answers SYN-ACK,
#               all alike.
# Written to <truth without .tsv>.responder.tsv: `forged ADDRESS PORTS` and `spoofer ADDRESS`
# lines (the main truth does not list these hosts).
FORGE_TCP="22,1000-1009,40000"    # the router forges RSTs for these (22 is open on the host)
FGD_V4=198.18.11.10; FGD_V6=fd00:0:0:11::10
SPF_V4=198.18.12.10; SPF_V6=fd00:0:0:12::10
SPOOF_LISTEN=7
NS_FGD="$PREFIX-fgd"; NS_SPF="$PREFIX-spf"

forge_ruleset() {
  cat <<EOF
table inet pw_forge {
  chain forward {
    type filter hook forward priority 0; policy accept;
    ip daddr $FGD_V4 tcp dport { $FORGE_TCP } tcp flags & (syn | ack) == syn reject with tcp reset
    ip6 daddr $FGD_V6 tcp dport { $FORGE_TCP } tcp flags & (syn | ack) == syn reject with tcp reset
  }
}
EOF
}

spoof_ruleset() {
  cat <<EOF
table inet pw_spoof {
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    tcp dport != $SPOOF_LISTEN redirect to :$SPOOF_LISTEN
  }
}
EOF
}

setup_responder_block() {
  add_ns "$NS_FGD"; add_ns "$NS_SPF"
  link_to_router "$NS_FGD" h11 198.18.11.1/24 fd00:0:0:11::1/64 "$FGD_V4/24" "$FGD_V6/64"
  link_to_router "$NS_SPF" h12 198.18.12.1/24 fd00:0:0:12::1/64 "$SPF_V4/24" "$SPF_V6/64"
  local n
  for n in 11:"$NS_FGD" 12:"$NS_SPF"; do
    ip -n "${n#*:}" route add default via "198.18.${n%%:*}.1"
    ip -n "${n#*:}" -6 route add default via "fd00:0:0:${n%%:*}::1"
  done
  forge_ruleset >"$STATE/forge.nft"
  ip netns exec "$NS_RTR" nft -f "$STATE/forge.nft"
  spoof_ruleset >"$STATE/spoof.nft"
  ip netns exec "$NS_SPF" nft -f "$STATE/spoof.nft"
  start_listener "$NS_FGD" forged "$PLAIN_TCP" ""
  start_listener "$NS_SPF" spoofer "$SPOOF_LISTEN" ""
  check_reachable "$FGD_V4" 80; check_reachable "$FGD_V6" 80
  check_reachable "$SPF_V4" 4242; check_reachable "$SPF_V6" 4242
}

write_responder_truth() { # file
  {
    echo "# responder truth: forged ADDRESS PORTS (RSTs the router forges); spoofer ADDRESS"
    echo "# forged_ns=$NS_FGD spoofer_ns=$NS_SPF"
    echo "forged $FGD_V4 $FORGE_TCP"; echo "forged $FGD_V6 $FORGE_TCP"
    echo "spoofer $SPF_V4"; echo "spoofer $SPF_V6"
  } >"$1"
}
# End of the responder block.
# ---------------------------------------------------------------------------------------

do_up() {
  require_root
  local t
  for t in ip nft tc ss setsid timeout awk tac comm; do
    command -v "$t" >/dev/null || die "missing tool: $t"
  done
  if [[ -z $LISTEN ]]; then LISTEN=$(command -v pw_listen || true); fi
  [[ -n $LISTEN && -x $LISTEN ]] ||
    die "pw_listen not found (build target pw_listen; pass --listen PATH or env PW_LISTEN): '${LISTEN}'"
  LISTEN=$(readlink -f -- "$LISTEN")
  [[ -n $TRUTH ]] || TRUTH="$STATE/truth.tsv"
  if [[ $REPLACE -eq 1 && ( -e $STATE/netns || -e $STATE/pids ) ]]; then
    log "--replace: tearing down the range recorded in $STATE first"
    teardown || die "could not tear down the old range recorded in $STATE"
  fi
  if [[ -e $STATE/netns || -e $STATE/pids ]]; then
    die "range '$PREFIX' already has state in $STATE (run: $0 down --name $PREFIX${STATE_GIVEN:+ --state $STATE})"
  fi
  mkdir -p -- "$STATE"
  : >"$STATE/netns"; : >"$STATE/pids"; : >"$STATE/files"
  trap on_exit_up EXIT
  trap 'exit 130' INT TERM HUP

  log "creating namespaces"
  for t in "$NS_SCAN" "$NS_RTR" "$NS_PLAIN" "$NS_FW" "$NS_DROP" "$NS_SWEEP" \
           "$NS_RTR2" "$NS_DISC" "$NS_LAN" "$NS_LOSSY" "$NS_BNECK"; do
    add_ns "$t"
  done
  # The routers only forward: no early demux (a socket lookup per packet before routing, which
  # ip-sysctl.rst says to turn off for pure routing). Every packet of every scan crosses the
  # router twice, and on this machine its work shares the scanner's CPUs, unlike a real router.
  ip netns exec "$NS_RTR" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
    net.ipv4.ip_early_demux=0 >/dev/null

  log "creating links"
  link_to_router "$NS_SCAN"  s0 "$RTR_V4/24"    "$RTR_V6/64"          "$SCAN_V4/24"  "$SCAN_V6/64"
  link_to_router "$NS_PLAIN" h1 198.18.1.1/24   fd00:0:0:1::1/64      "$PLAIN_V4/24" "$PLAIN_V6/64"
  link_to_router "$NS_FW"    h2 198.18.2.1/24   fd00:0:0:2::1/64      "$FW_V4/24"    "$FW_V6/64"
  link_to_router "$NS_DROP"  h3 198.18.3.1/24   fd00:0:0:3::1/64      "$DROP_V4/24"  "$DROP_V6/64"
  ip -n "$NS_SCAN" route add default via "$RTR_V4"
  ip -n "$NS_SCAN" -6 route add default via "$RTR_V6"
  local n
  for n in 1:"$NS_PLAIN" 2:"$NS_FW" 3:"$NS_DROP"; do
    ip -n "${n#*:}" route add default via "198.18.${n%%:*}.1"
    ip -n "${n#*:}" -6 route add default via "fd00:0:0:${n%%:*}::1"
  done
  # The drop host answers no ARP/ND (its input policy drops ND, so v6 resolution would fail
  # and the router would send address-unreachable): give the router permanent entries.
  local mac
  mac=$(ip -n "$NS_DROP" link show eth0 | awk '/link\/ether/ { print $2 }')
  [[ -n $mac ]] || die "cannot read MAC of eth0 in $NS_DROP"
  ip -n "$NS_RTR" neigh replace "$DROP_V4" lladdr "$mac" dev h3 nud permanent
  ip -n "$NS_RTR" -6 neigh replace "$DROP_V6" lladdr "$mac" dev h3 nud permanent
  # The silent block goes to the drop host, which drops it (drop_ruleset).
  ip -n "$NS_RTR" route add "$SILENT_V4" via "$DROP_V4" dev h3
  ip -n "$NS_RTR" -6 route add "$SILENT_V6" via "$DROP_V6" dev h3

  log "creating the sweep block"
  setup_sweep
  log "creating the discovery block (behind $NS_RTR2) and the LAN"
  setup_discovery
  setup_lan
  log "creating the lossy hosts and the bottleneck host"
  setup_lossy_and_bottleneck

  log "loading firewalls"
  fw_ruleset >"$STATE/firewalled.nft"
  ip netns exec "$NS_FW" nft -f "$STATE/firewalled.nft"
  drop_ruleset >"$STATE/drop.nft"
  ip netns exec "$NS_DROP" nft -f "$STATE/drop.nft"
  rtr2_ruleset >"$STATE/router2.nft"
  ip netns exec "$NS_RTR2" nft -f "$STATE/router2.nft"
  disc_ruleset >"$STATE/disc.nft"
  ip netns exec "$NS_DISC" nft -f "$STATE/disc.nft"
  lan_ruleset >"$STATE/lan.nft"
  ip netns exec "$NS_LAN" nft -f "$STATE/lan.nft"

  echo "$LISTEN" >"$STATE/listen"
  log "starting listeners ($LISTEN)"
  start_listener "$NS_PLAIN" plain "$PLAIN_TCP" "$PLAIN_UDP"
  start_listener "$NS_FW" firewalled "$FW_TCP" "$FW_UDP"
  start_listener "$NS_DROP" drop "$DROP_TCP" ""
  start_listener "$NS_SWEEP" sweep "$SWEEP_PORT" ""
  start_listener "$NS_LOSSY" lossy "$PLAIN_TCP" "$PLAIN_UDP"
  start_listener "$NS_BNECK" bottleneck "$PLAIN_TCP" "$PLAIN_UDP"
  # On every address of PREFIX-disc (dual-stack wildcard); disc_ruleset decides who reaches it.
  start_listener "$NS_DISC" disc "$DISC_SYN_PORT" ""
  log "creating the responder block (a forger on the router, a port-spoofer)"
  setup_responder_block

  log "checking reachability"
  for t in "$PLAIN_V4" "$PLAIN_V6" "$FW_V4" "$FW_V6"; do check_reachable "$t" 22; done
  for t in $(lossy_addrs) "$BNECK_V4" "$BNECK_V6"; do check_reachable "$t" 22; done
  check_reachable "$(sweep_v4 2)" "$SWEEP_PORT"; check_reachable "$(sweep_v6 2)" "$SWEEP_PORT"
  # Through both routers: a synack-443 host of the discovery block (N = 5).
  check_reachable "$(disc_v4 5)" "$DISC_SYN_PORT"; check_reachable "$(disc_v6 5)" "$DISC_SYN_PORT"

  # The ICMP rate limits as the kernel made them (restored by `icmp-ratelimit on`).
  for t in "${ICMP_KEYS[@]}"; do
    echo "$t=$(ip netns exec "$NS_PLAIN" sysctl -n "$t")"
  done >"$STATE/icmp_defaults"

  local disc_truth
  disc_truth=$(disc_truth_path "$TRUTH")
  log "writing truth to $TRUTH and the discovery truth to $disc_truth"
  if [[ $TRUTH != "$STATE/truth.tsv" ]]; then echo "$TRUTH" >>"$STATE/files"; fi
  if [[ $disc_truth != "$STATE/truth.discovery.tsv" ]]; then echo "$disc_truth" >>"$STATE/files"; fi
  write_truth "$TRUTH"
  write_disc_truth "$disc_truth"
  write_responder_truth "${TRUTH%.tsv}.responder.tsv"
  echo "${TRUTH%.tsv}.responder.tsv" >>"$STATE/files"  # removed by down, wherever it is
  {
    echo "prefix=$PREFIX"
    echo "scanner_ns=$NS_SCAN"
    echo "router_ns=$NS_RTR"
    echo "plain_ns=$NS_PLAIN"
    echo "firewalled_ns=$NS_FW"
    echo "drop_ns=$NS_DROP"
    echo "sweep_ns=$NS_SWEEP"
    echo "router2_ns=$NS_RTR2"
    echo "disc_ns=$NS_DISC"
    echo "lan_ns=$NS_LAN"
    echo "lossy_ns=$NS_LOSSY"
    echo "bottleneck_ns=$NS_BNECK"
    echo "truth=$TRUTH"
    echo "discovery_truth=$disc_truth"
    echo "responder_truth=${TRUTH%.tsv}.responder.tsv"
    echo "forged_ns=$NS_FGD"
    echo "spoofer_ns=$NS_SPF"
    echo "listen=$LISTEN"
  } >"$STATE/info"
  date -u +%FT%TZ >"$STATE/ready"
  UP_DONE=1
  trap - EXIT INT TERM HUP
  log "range '$PREFIX' is up: scan from 'ip netns exec $NS_SCAN ...'; truth in $TRUTH, discovery truth in $disc_truth; state in $STATE"
}

do_down() {
  require_root
  teardown || die "teardown incomplete (see above); state kept in $STATE"
  log "range '$PREFIX' is down"
}

do_status() {
  if [[ ! -d $STATE ]]; then echo "range '$PREFIX': down (no state at $STATE)"; exit 3; fi
  local bad=0 ns pid start nsn name
  echo "range '$PREFIX': state $STATE$( [[ -f $STATE/ready ]] && echo ", ready since $(<"$STATE/ready")")"
  [[ -f $STATE/info ]] && sed 's/^/  /' "$STATE/info"
  while read -r ns; do
    [[ -n $ns ]] || continue
    if ns_exists "$ns"; then echo "  netns $ns: present"
    else echo "  netns $ns: MISSING"; bad=1; fi
  done <"$STATE/netns"
  while read -r pid start nsn name; do
    [[ -n ${pid:-} ]] || continue
    if pid_matches "$pid" "$start"; then echo "  pw_listen $name (pid $pid in $nsn): running"
    else echo "  pw_listen $name (pid $pid in $nsn): NOT RUNNING"; bad=1; fi
  done <"$STATE/pids"
  [[ -f $STATE/ready ]] || { echo "  not ready (up incomplete)"; bad=1; }
  exit "$bad"
}

case "$CMD" in
  up) do_up ;;
  down) do_down ;;
  status) do_status ;;
  icmp-ratelimit) do_icmp_ratelimit ;;
esac
