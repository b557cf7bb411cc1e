#!/usr/bin/env bash
# portwarden test range: a small routed network of Linux network namespaces to scan.
#
#   range.sh up     [--name PREFIX] [--state DIR] [--truth FILE] [--listen PATH] [--replace]
#   range.sh down   [--name PREFIX] [--state DIR]
#   range.sh status [--name PREFIX] [--state DIR]
#
#   --name PREFIX  names every namespace PREFIX-<role> (default pw<PID of this shell>, so
#                  parallel runs do not collide). [a-z0-9], starts with a letter, <= 9 chars.
#   --state DIR    state directory (default /run/portwarden-range/PREFIX). `up` records in it
#                  every namespace and process it makes; `down` removes exactly those.
#   --truth FILE   where `up` writes the ground-truth TSV (default DIR/truth.tsv).
#   --listen PATH  the pw_listen binary (default: env PW_LISTEN, else pw_listen on PATH).
#   --replace      if STATE already records a range (say, a test run that was interrupted
#                  before range_down), tear exactly that down first instead of failing.
#
# Topology (all addresses live only inside namespaces made here; nothing touches the host's
# own network namespace, and every link joins two namespaces made here):
#
#   PREFIX-scan  198.18.0.2/24  fd00:0:0:100::2/64 --- PREFIX-rtr 198.18.0.1 fd00:0:0:100::1
#   PREFIX-rtr   forwards v4+v6, one veth per subnet:
#     PREFIX-plain 198.18.1.10 fd00:0:0:1::10  no firewall: listeners on PLAIN_TCP, all
#                                               other TCP ports closed (kernel RST)
#     PREFIX-fw    198.18.2.10 fd00:0:0:2::10  nftables `inet` table (see FW_* below)
#     PREFIX-drop  198.18.3.10 fd00:0:0:3::10  nftables input policy drop (drops everything;
#                                               the router has permanent ARP/ND entries for
#                                               it, since it would not answer ND either)
#
# Ground truth: one line per (address, proto, port) for all 65535 TCP ports of every host
# address (v4 and v6):  address<TAB>proto<TAB>port<TAB>state<TAB>reason  in the words a TCP
# SYN scan (nmap -sS --reason) must use: open syn-ack, closed reset, filtered no-response,
# filtered port-unreach, filtered admin-prohibited. It is computed from the port lists below
# (the same variables that configure listeners and firewall rules), never from a scan.
# A header of `# key=value` and `# host ROLE V4 V6` lines tells tests the namespaces.
#
# ICMP rate limits: the kernel defaults are left alone (net.ipv4.icmp_ratelimit=1000 ms per
# destination with a burst of 6, net.ipv4.icmp_msgs_per_sec/burst, net.ipv6.icmp.ratelimit).
# That is why only TWO ports answer with an ICMP error (8080 port-unreachable and 8081
# admin-prohibited on the firewalled host): each is one message per probe, so a scan stays
# within the burst and the truth holds even though the rate limit is in force.
#
# Safety: packets go only between namespaces made here (198.18.0.0/15, fd00::/8). The only
# processes started are one pw_listen per host namespace; their PIDs (and start times, to
# guard against PID reuse) are recorded, and `down` signals only those. `up` that fails
# tears down what it made. `down` is idempotent.
set -euo pipefail

# ---------------------------------------------------------------------------------------
# Range configuration: ports (shared by setup and truth).
PLAIN_TCP="1,22,80,443,5432,8080,31337,65535"
PLAIN_UDP="53,161"                # UDP echo (not part of the TCP truth)
FW_TCP="22,80,443,8080,8081,8082,11000"   # listeners behind the firewall
FW_ACCEPT="22,80"                 # tcp dport accept           -> open syn-ack
FW_DROP="443,10000-11999"         # tcp dport drop             -> filtered no-response
FW_REJECT_PORT="8080"             # reject (icmp/icmpv6 port-unreachable) -> filtered port-unreach
FW_REJECT_ADMIN="8081"            # reject with icmpx admin-prohibited    -> filtered admin-prohibited
FW_REJECT_RST="8082"              # reject with tcp reset      -> closed reset (forged RST)
DROP_TCP="22,80"                  # listeners on the drop-everything host (never reached)

SCAN_V4=198.18.0.2;  SCAN_V6=fd00:0:0:100::2
RTR_V4=198.18.0.1;   RTR_V6=fd00:0:0:100::1
PLAIN_V4=198.18.1.10; PLAIN_V6=fd00:0:0:1::10
FW_V4=198.18.2.10;    FW_V6=fd00:0:0:2::10
DROP_V4=198.18.3.10;  DROP_V6=fd00:0:0:3::10

PROG=range.sh
log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() { # [exit-code]
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
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
case "$CMD" in up|down|status) ;; *) log "unknown command: $CMD"; usage ;; esac
[[ $PREFIX =~ ^[a-z][a-z0-9]{0,8}$ ]] ||
  die "--name must be [a-z][a-z0-9]{0,8} (namespace names PREFIX-plain stay <= 15 chars): '$PREFIX'"
[[ -n $STATE ]] || STATE="/run/portwarden-range/$PREFIX"
STATE=$(realpath -m -- "$STATE")
[[ -z $TRUTH ]] || TRUTH=$(realpath -m -- "$TRUTH")
PROG="range.sh[$PREFIX]"

NS_SCAN="$PREFIX-scan"; NS_RTR="$PREFIX-rtr"
NS_PLAIN="$PREFIX-plain"; NS_FW="$PREFIX-fw"; NS_DROP="$PREFIX-drop"

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
      "$STATE"/truth.tsv "$STATE"/*.log "$STATE"/*.pid "$STATE"/*.pid.tmp "$STATE"/*.nft
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
  }
}
EOF
}

drop_ruleset() {
  cat <<EOF
table inet portwarden_drop {
  chain input {
    type filter hook input priority filter; policy drop;
  }
}
EOF
}

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
truth_lines() { # addr policy(accept|drop) listen accept drop rej_port rej_admin rej_rst
  awk -v addr="$1" -v policy="$2" -v listen="$3" -v acc="$4" -v drp="$5" \
      -v rport="$6" -v radmin="$7" -v rrst="$8" '
    function mark(spec, arr,   n, it, i, r, p) {
      n = split(spec, it, ",")
      for (i = 1; i <= n; i++) {
        if (it[i] == "") continue
        if (split(it[i], r, "-") == 2) { for (p = r[1] + 0; p <= r[2] + 0; p++) arr[p] = 1 }
        else arr[it[i] + 0] = 1
      }
    }
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
    echo "# columns: address<TAB>proto<TAB>port<TAB>state<TAB>reason  (TCP SYN scan, nmap vocabulary)"
    echo "# prefix=$PREFIX"
    echo "# state_dir=$STATE"
    echo "# scanner_ns=$NS_SCAN"
    echo "# router_ns=$NS_RTR"
    echo "# scanner $SCAN_V4 $SCAN_V6"
    echo "# router $RTR_V4 $RTR_V6"
    echo "# host plain $PLAIN_V4 $PLAIN_V6"
    echo "# host firewalled $FW_V4 $FW_V6"
    echo "# host drop $DROP_V4 $DROP_V6"
    echo "# host_ns plain $NS_PLAIN"
    echo "# host_ns firewalled $NS_FW"
    echo "# host_ns drop $NS_DROP"
    echo "# plain tcp_listen=$PLAIN_TCP udp_echo=$PLAIN_UDP (udp is not in this truth)"
    echo "# firewalled tcp_listen=$FW_TCP accept=$FW_ACCEPT drop=$FW_DROP reject_port_unreach=$FW_REJECT_PORT reject_admin_prohibited=$FW_REJECT_ADMIN reject_tcp_reset=$FW_REJECT_RST"
    echo "# drop tcp_listen=$DROP_TCP input_policy=drop"
    local a
    for a in $PLAIN_V4 $PLAIN_V6; do truth_lines "$a" accept "$PLAIN_TCP" "" "" "" "" ""; done
    for a in $FW_V4 $FW_V6; do
      truth_lines "$a" accept "$FW_TCP" "$FW_ACCEPT" "$FW_DROP" "$FW_REJECT_PORT" "$FW_REJECT_ADMIN" "$FW_REJECT_RST"
    done
    for a in $DROP_V4 $DROP_V6; do truth_lines "$a" drop "$DROP_TCP" "" "" "" "" ""; done
  } >"$tmp"
  mv -f -- "$tmp" "$out"
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

do_up() {
  require_root
  local t
  for t in ip nft ss setsid timeout awk tac comm; do
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
  for t in "$NS_SCAN" "$NS_RTR" "$NS_PLAIN" "$NS_FW" "$NS_DROP"; do add_ns "$t"; done
  ip netns exec "$NS_RTR" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 >/dev/null

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

  log "loading firewalls"
  fw_ruleset >"$STATE/firewalled.nft"
  ip netns exec "$NS_FW" nft -f "$STATE/firewalled.nft"
  drop_ruleset >"$STATE/drop.nft"
  ip netns exec "$NS_DROP" nft -f "$STATE/drop.nft"

  echo "$LISTEN" >"$STATE/listen"
  log "starting listeners ($LISTEN)"
  start_listener "$NS_PLAIN" plain "$PLAIN_TCP" "$PLAIN_UDP"
  start_listener "$NS_FW" firewalled "$FW_TCP" ""
  start_listener "$NS_DROP" drop "$DROP_TCP" ""

  log "checking reachability"
  for t in "$PLAIN_V4" "$PLAIN_V6" "$FW_V4" "$FW_V6"; do check_reachable "$t" 22; done

  log "writing truth to $TRUTH"
  if [[ $TRUTH != "$STATE/truth.tsv" ]]; then echo "$TRUTH" >>"$STATE/files"; fi
  write_truth "$TRUTH"
  {
    echo "prefix=$PREFIX"
    echo "scanner_ns=$NS_SCAN"
    echo "router_ns=$NS_RTR"
    echo "plain_ns=$NS_PLAIN"
    echo "firewalled_ns=$NS_FW"
    echo "drop_ns=$NS_DROP"
    echo "truth=$TRUTH"
    echo "listen=$LISTEN"
  } >"$STATE/info"
  date -u +%FT%TZ >"$STATE/ready"
  UP_DONE=1
  trap - EXIT INT TERM HUP
  log "range '$PREFIX' is up: scan from 'ip netns exec $NS_SCAN ...'; truth in $TRUTH; state in $STATE"
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
esac
