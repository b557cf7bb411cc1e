#!/usr/bin/python3
"""`portwarden inventory` against `ss -tulpn` (issue #14 item 1).

    inventory_test.py PORTWARDEN [--netns NAME ...] [--truth RANGE-TRUTH]

Makes its own network namespace (`ip netns add pwinvPID`, a veth pair inside it, one end with
198.18.0.1/24 and fd00::1/64; nothing leaves it), starts listeners inside it from two Python processes
(TCP v4 and v6 wildcard, v6only and dual-stack, specific addresses, loopback, v4-mapped
loopback, sockets bound to the lo and d0 devices, UDP likewise, a socket shared with a forked
child; and, which must NOT be listed, a connected UDP socket and a bound TCP socket that
does not listen), then:
  netns     `inventory --netns NS --json` equals, as a set of (proto, address, bound device,
            port, pids), what `ip netns exec NS ss -Htulpn` lists (parsed here, by the test); bind kinds,
            v6only, device, exposure, command, user and the two owners of the shared socket
            are checked against what the test started;
  root      the same comparison in the test's own namespace (the machine's listeners, read
            only): inventory lies between two ss runs taken before and after it;
  others    each --netns NAME given, and with --truth every namespace of the test range
            (its `# host_ns` and `# scanner_ns=` lines, and every other PREFIX-* namespace),
            compared with ss there (read only); and the range's firewalled host with `--nft`:
            each listener exposed or firewalled as its FW_* port lists say (policy accept);
  policy    --policy with [[may_listen]] rules: exit 0 when every listener is allowed, exit 1
            naming exactly the one left out (text and -oJ FILE);
  firewall  an nftables ruleset loaded into the namespace (accept 7001/tcp, 7002/tcp to fd00::1
            only (the :: listener is exposed on that address, not its link-local one), drop 7004/tcp, reset
            7007/tcp, reject 7101/udp, accept 7300/tcp where nothing listens, policy drop):
            `inventory --netns NS --nft` names each listener exposed/firewalled with its rule,
            loopback stays local-only, 7300/tcp is listed as accepted without a listener;
            `--ruleset FILE` with the same ruleset dumped by `nft -j list ruleset` agrees;
  errors    a missing namespace, a bad name, `nobody` entering the namespace, and `nobody`
            inside it (root's listeners, owners it may not read), a missing policy: exit 2,
            one line on stderr, nothing on stdout.
Kills only the PIDs it started, deletes the namespace. Needs root; without it the test fails
under CI=true and is skipped (exit 77) otherwise. Last line "N passed, N failed".
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

PW = sys.argv[1]
EXTRA_NS = []
FW_TRUTH = {}  # --truth: the range's firewalled host (its namespace and FW_* port lists)
args = sys.argv[2:]
while args:
    if args[0] == "--netns" and len(args) > 1:
        EXTRA_NS.append(args[1])
        args = args[2:]
    elif args[0] == "--truth" and len(args) > 1:
        with open(args[1], encoding="utf-8") as truth:
            for line in truth:
                if not line.startswith("#"):
                    break
                words = line[1:].split()
                if len(words) == 3 and words[0] == "host_ns":
                    EXTRA_NS.append(words[2])
                    if words[1] == "firewalled":
                        FW_TRUTH["ns"] = words[2]
                elif words and words[0] == "firewalled":
                    FW_TRUTH.update(w.split("=", 1) for w in words[1:] if "=" in w)
                elif len(words) == 1 and words[0].startswith("scanner_ns="):
                    EXTRA_NS.append(words[0].split("=", 1)[1])
        if not EXTRA_NS:
            sys.exit(f"{args[1]}: no host_ns or scanner_ns lines: not a range truth file")
        # Every other namespace of the range too (routers, sweep, discovery hosts): PREFIX-*.
        prefix = EXTRA_NS[-1].rsplit("-", 1)[0] + "-"
        EXTRA_NS += sorted(n for n in os.listdir("/run/netns") if n.startswith(prefix) and n not in EXTRA_NS)
        args = args[2:]
    else:
        sys.exit(f"usage: inventory_test.py PORTWARDEN [--netns NAME ...] [--truth FILE] (bad argument {args[0]})")

NS = f"pwinv{os.getpid()}"
passed = 0
failed = 0


def check(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok: {what}")
    else:
        failed += 1
        print(f"FAIL: {what}" + (f"\n    {detail}" if detail else ""))


def run(cmd, timeout=30, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


# The listeners started in the namespace. The first process forks a child that keeps every
# socket (so each has two owners), the second process holds one more socket.
LISTENER_SCRIPT = r"""
import os, socket, sys, time
ready = sys.argv[1]
which = sys.argv[2]
def sock(family, kind, addr, port, v6only=None, device=None, listen=True):
    s = socket.socket(family, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if v6only is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1 if v6only else 0)
    if device:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, device.encode())
    s.bind((addr, port))
    if kind == socket.SOCK_STREAM and listen:
        s.listen(4)
    return s
T, U, A4, A6 = socket.SOCK_STREAM, socket.SOCK_DGRAM, socket.AF_INET, socket.AF_INET6
keep = []
if which == "main":
    keep += [sock(A4, T, "0.0.0.0", 7001), sock(A6, T, "::", 7002, v6only=True),
             sock(A6, T, "::", 7003, v6only=False), sock(A4, T, "198.18.0.1", 7004),
             sock(A4, T, "127.0.0.1", 7005), sock(A6, T, "::1", 7006),
             sock(A6, T, "fd00::1", 7007), sock(A4, T, "0.0.0.0", 7008, device="lo"),
             sock(A6, T, "::", 7009, v6only=True, device="d0"),
             sock(A4, U, "0.0.0.0", 7101), sock(A6, U, "::", 7102, v6only=True),
             sock(A4, U, "127.0.0.1", 7103), sock(A6, U, "::ffff:127.0.0.1", 7104, v6only=False),
             sock(A6, U, "::", 7106, v6only=False)]
    # Not listeners: a TCP socket bound but not listening, a connected UDP socket.
    keep.append(sock(A4, T, "198.18.0.1", 7201, listen=False))
    c = sock(A4, U, "198.18.0.1", 7202)
    c.connect(("198.18.0.1", 7101))
    keep.append(c)
    if os.fork() == 0:
        while True:
            time.sleep(60)
else:
    keep.append(sock(A4, U, "198.18.0.1", 7105))
with open(ready + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(ready + ".tmp", ready)
while True:
    time.sleep(60)
"""

SS_LOCAL = re.compile(r"^(\[[^\]]*\]|[^%\[\]]*?)(?:%([^:]+))?:(\d+)$")
SS_PID = re.compile(r"pid=(\d+)")


def ss_set(ns=None):
    """(proto, address, device, port, pids) of every listener `ss -Htulpn` shows."""
    cmd = (["ip", "netns", "exec", ns] if ns else []) + ["ss", "-Htulpn"]
    r = run(cmd)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: {r.stderr.strip()}")
    out = set()
    for line in r.stdout.splitlines():
        fields = line.split()
        if len(fields) < 6:
            continue
        m = SS_LOCAL.match(fields[4])
        if not m:
            raise RuntimeError(f"cannot parse ss local address {fields[4]!r} in {line!r}")
        addr = m.group(1).strip("[]")
        if addr == "*":
            addr = "::"  # ss: a dual-stack IPv6 wildcard
        pids = frozenset(int(p) for p in SS_PID.findall(" ".join(fields[6:])))
        out.add((fields[0], addr, m.group(2), int(m.group(3)), pids))
    return out


def inventory(ns=None, extra=()):
    cmd = [PW, "inventory", "--json"] + (["--netns", ns] if ns else []) + list(extra)
    r = run(cmd)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr.strip()}")
    return json.loads(r.stdout)


def as_set(doc):
    return {(l["proto"], l["address"], l["device"], l["port"], frozenset(p["pid"] for p in l["processes"]))
            for l in doc["listeners"]}


def compare_with_ss(ns, what):
    before = ss_set(ns)
    ours = as_set(inventory(ns))
    after = ss_set(ns)
    low, high = before & after, before | after  # listeners may come and go on a live system
    ok = low <= ours <= high
    check(ok, f"{what}: inventory equals ss -tulpn ({len(ours)} listeners)",
          f"only in ss: {sorted(low - ours)}; only in inventory: {sorted(ours - high)}")


def setup():
    for cmd in (["ip", "netns", "add", NS],
                ["ip", "-n", NS, "link", "set", "lo", "up"],
                ["ip", "-n", NS, "link", "add", "d0", "type", "veth", "peer", "name", "d1"],
                ["ip", "-n", NS, "link", "set", "d1", "up"],
                ["ip", "-n", NS, "addr", "add", "198.18.0.1/24", "dev", "d0"],
                ["ip", "-n", NS, "addr", "add", "fd00::1/64", "dev", "d0", "nodad"],
                ["ip", "-n", NS, "link", "set", "d0", "up"]):
        r = run(cmd)
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)}: {r.stderr.strip()}")


def start_listeners(tmp):
    procs = []
    for which in ("main", "second"):
        ready = os.path.join(tmp, f"ready-{which}")
        p = subprocess.Popen(["ip", "netns", "exec", NS, "/usr/bin/python3", "-c", LISTENER_SCRIPT, ready, which],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        procs.append(p)
        deadline = time.monotonic() + 20
        while not os.path.exists(ready) and p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if not os.path.exists(ready):
            raise RuntimeError(f"listeners ({which}) did not start: {p.stderr.read() if p.poll() is not None else 'time-out'}")
    return procs


def children_of(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def check_details(doc, main_pid, child_pid, second_pid):
    by_port = {(l["proto"], l["port"]): l for l in doc["listeners"]}
    expect = {  # (proto, port): (address, bind, v6only, device, exposure)
        ("tcp", 7001): ("0.0.0.0", "wildcard", None, None, "unknown"),
        ("tcp", 7002): ("::", "wildcard", True, None, "unknown"),
        ("tcp", 7003): ("::", "wildcard", False, None, "unknown"),
        ("tcp", 7004): ("198.18.0.1", "specific", None, None, "unknown"),
        ("tcp", 7005): ("127.0.0.1", "loopback", None, None, "local-only"),
        # Binding one IPv6 address (not v4-mapped) makes the kernel set IPV6_V6ONLY itself.
        ("tcp", 7006): ("::1", "loopback", True, None, "local-only"),
        ("tcp", 7007): ("fd00::1", "specific", True, None, "unknown"),
        ("tcp", 7008): ("0.0.0.0", "loopback", None, "lo", "local-only"),
        ("tcp", 7009): ("::", "wildcard", True, "d0", "unknown"),  # d0's index means nothing outside NS
        ("udp", 7101): ("0.0.0.0", "wildcard", None, None, "unknown"),
        ("udp", 7102): ("::", "wildcard", True, None, "unknown"),
        ("udp", 7103): ("127.0.0.1", "loopback", None, None, "local-only"),
        ("udp", 7104): ("::ffff:127.0.0.1", "loopback", False, None, "local-only"),
        ("udp", 7105): ("198.18.0.1", "specific", None, None, "unknown"),
        ("udp", 7106): ("::", "wildcard", False, None, "unknown"),
    }
    check(set(by_port) == set(expect), "netns: exactly the started listeners (not the bound TCP, not the connected UDP)",
          f"got {sorted(by_port)}")
    for key, (addr, bind, v6only, device, exposure) in expect.items():
        l = by_port.get(key)
        if l is None:
            continue
        got = (l["address"], l["bind"], l["v6only"], l["device"], l["exposure"])
        check(got == (addr, bind, v6only, device, exposure), f"netns: {key[0]} {key[1]} is {got}",
              f"want {(addr, bind, v6only, device, exposure)}")
        pids = sorted(p["pid"] for p in l["processes"])
        want = [second_pid] if key == ("udp", 7105) else sorted([main_pid, child_pid])
        check(pids == want, f"netns: {key[0]} {key[1]} owners {pids}", f"want {want}")
        check(all(p["command"] == "python3" and p["user"] == "root" and p["uid"] == 0 for p in l["processes"]),
              f"netns: {key[0]} {key[1]} command python3, user root", json.dumps(l["processes"]))


def check_policy(tmp, doc):
    rules = []
    for l in doc["listeners"]:
        if (l["proto"], l["port"]) == ("tcp", 7004):
            continue  # left out: the one violation
        rules.append(f'[[may_listen]]\nport = "{l["port"]}/{l["proto"]}"\nprocess = "python3"\n'
                     f'address = "{l["address"]}"\nbind = "{l["bind"]}"\n')
    full = os.path.join(tmp, "full.toml")
    with open(full, "w") as f:
        f.write("\n".join(rules) + '\n[[may_listen]]\nport = "7004/tcp"\nuser = "root"\n')
    r = run([PW, "inventory", "--netns", NS, "--policy", full])
    check(r.returncode == 0 and "verdict: compliant" in r.stdout, f"policy: every listener allowed -> exit {r.returncode}",
          r.stdout[-300:] + r.stderr)
    partial = os.path.join(tmp, "partial.toml")
    with open(partial, "w") as f:
        f.write("\n".join(rules) + '\n[[may_listen]]\nport = "7004/tcp"\nuser = "nobody"\n')
    out_json = os.path.join(tmp, "inv.json")
    r = run([PW, "inventory", "--netns", NS, "--policy", partial, "-oJ", out_json])
    lines = [l for l in r.stdout.splitlines() if l.startswith("PW006 ")]
    check(r.returncode == 1 and len(lines) == 1 and "198.18.0.1:7004" in lines[0] and "wants user 'nobody'" in lines[0],
          f"policy: one listener left out -> exit {r.returncode}, {lines}", r.stderr)
    with open(out_json) as f:
        j = json.load(f)
    v = j["policy"]["violations"]
    check(j["policy"]["verdict"] == "violations" and len(v) == 1 and v[0]["listener"]["port"] == 7004
          and v[0]["rule"] == "PW006", "policy: -oJ FILE has the one violation", json.dumps(j["policy"])[:300])


RULESET = """table inet pwinv {
    chain input {
        type filter hook input priority 0; policy drop;
        tcp dport 7001 accept
        ip6 daddr fd00::1 tcp dport 7002 accept
        tcp dport 7004 drop
        tcp dport 7007 reject with tcp reset
        udp dport 7101 reject
        tcp dport 7300 accept
    }
}
"""


def check_firewall(tmp):
    path = os.path.join(tmp, "rules.nft")
    with open(path, "w") as f:
        f.write(RULESET)
    r = run(["ip", "netns", "exec", NS, "nft", "-f", path])
    if r.returncode != 0:
        raise RuntimeError(f"nft -f in {NS}: {r.stderr.strip()}")
    doc = inventory(NS, ["--nft"])
    by_port = {(l["proto"], l["port"]): l for l in doc["listeners"]}
    expect = {  # (proto, port): (exposure, a piece of exposure_rule or None)
        ("tcp", 7001): ("exposed", "handle 2: tcp dport 7001 accept"),
        ("tcp", 7002): ("exposed", "daddr fd00::1 tcp dport 7002 accept (on fd00::1; not on fe80::"),
        ("tcp", 7003): ("firewalled", "policy"),
        ("tcp", 7004): ("firewalled", "tcp dport 7004 drop"),
        ("tcp", 7005): ("local-only", None),
        ("tcp", 7006): ("local-only", None),
        ("tcp", 7007): ("firewalled", "tcp dport 7007 reject with tcp reset"),
        ("tcp", 7008): ("local-only", None),
        ("udp", 7101): ("firewalled", "udp dport 7101 reject"),
        ("udp", 7103): ("local-only", None),
        ("udp", 7105): ("firewalled", "policy"),
    }
    for key, (exposure, rule) in expect.items():
        l = by_port.get(key, {})
        got = (l.get("exposure"), l.get("exposure_rule"))
        ok = got[0] == exposure and (got[1] is None if rule is None else rule in (got[1] or ""))
        check(ok, f"firewall: {key[0]} {key[1]} is {got}", f"want {exposure} with {rule!r}")
    # The :: wildcard on 7002 is asked once per address of the namespace (RTM_GETADDR): the rule
    # names fd00::1 only, so it is exposed there and not on the link-local address.
    l7002 = by_port.get(("tcp", 7002), {})
    check(l7002.get("exposed_on") == ["fd00::1"], f"firewall: tcp 7002 exposed_on {l7002.get('exposed_on')}",
          "want ['fd00::1']")
    idle = {(p["proto"], p["family"], p["port"]) for p in doc.get("accepted_without_listener", [])}
    want_idle = {("tcp", "ipv4", 7300), ("tcp", "ipv6", 7300), ("tcp", "ipv6", 7001)}
    check(idle == want_idle, f"firewall: accepted without a listener {sorted(idle)}", f"want {sorted(want_idle)}")
    dump = os.path.join(tmp, "rules.json")
    r = run(["ip", "netns", "exec", NS, "nft", "-j", "list", "ruleset"])
    with open(dump, "w") as f:
        f.write(r.stdout)
    from_file = inventory(NS, ["--ruleset", dump])
    pick = lambda d: [(l["proto"], l["port"], l["exposure"], l["exposure_rule"]) for l in d["listeners"]]
    check(r.returncode == 0 and pick(from_file) == pick(doc)
          and from_file["accepted_without_listener"] == doc["accepted_without_listener"],
          "firewall: --ruleset FILE (nft -j list ruleset in the namespace) gives the same verdicts")
    r = run([PW, "inventory", "--netns", NS, "--nft"])
    line = next((l for l in r.stdout.splitlines() if ":7004 " in l), "")
    check(r.returncode == 0 and "FIREWALL" in r.stdout and "firewalled" in line and "7004 drop" in line
          and "accepted, nothing listens: 7300/tcp ipv4" in r.stdout, "firewall: the text table has the verdicts",
          r.stdout[-600:] + r.stderr)


def ports(text):
    out = set()
    for part in (text or "").split(","):
        if part:
            lo, _, hi = part.partition("-")
            out.update(range(int(lo), int(hi or lo) + 1))
    return out


def check_range_firewall():
    ns = FW_TRUTH["ns"]
    doc = inventory(ns, ["--nft"])
    blocked = {"tcp": set(), "udp": ports(FW_TRUTH.get("udp_drop")) | ports(FW_TRUTH.get("udp_reject_admin_prohibited"))}
    for key in ("drop", "reject_port_unreach", "reject_admin_prohibited", "reject_tcp_reset"):
        blocked["tcp"] |= ports(FW_TRUTH.get(key))
    listening = {"tcp": ports(FW_TRUTH.get("tcp_listen")), "udp": ports(FW_TRUTH.get("udp_echo"))}
    seen = {"tcp": set(), "udp": set()}
    for l in doc["listeners"]:
        if l["bind"] == "loopback" or l["port"] not in listening[l["proto"]]:
            continue
        seen[l["proto"]].add(l["port"])
        want = "firewalled" if l["port"] in blocked[l["proto"]] else "exposed"
        check(l["exposure"] == want and l["exposure_rule"],
              f"range {ns}: {l['proto']} {l['address']}:{l['port']} is {l['exposure']} ({l['exposure_rule']})",
              f"want {want}")
    check(seen == listening, f"range {ns}: every FW_* listener judged", f"seen {seen}, want {listening}")


def check_errors():
    cases = [
        ([PW, "inventory", "--netns", "pw-no-such-ns"], "pw-no-such-ns"),
        ([PW, "inventory", "--netns", "../x"], "../x"),
        (["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", PW, "inventory", "--netns", NS],
         "Operation not permitted"),
        ([PW, "inventory", "--policy", "/nonexistent/p.toml"], "/nonexistent/p.toml"),
        ([PW, "inventory", "--ruleset", "/nonexistent/r.json"], "/nonexistent/r.json"),
        ([PW, "inventory", "--nft", "--iptables"], "exactly one of"),
        # nobody inside the namespace: root's listeners there, whose owners nobody cannot see.
        (["ip", "netns", "exec", NS, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", PW, "inventory"],
         "permission denied"),
    ]
    for cmd, token in cases:
        r = run(cmd)
        err = r.stderr.strip().splitlines()
        check(r.returncode == 2 and len(err) == 1 and token in err[0] and r.stdout == "",
              f"errors: {' '.join(cmd[-3:])} -> exit {r.returncode}, {err}")


def main():
    if os.geteuid() != 0 or run(["ip", "netns", "list"]).returncode != 0:
        msg = "inventory_test.py needs root (ip netns add, entering namespaces)"
        if os.environ.get("CI") == "true":
            print(f"FAIL: {msg}")
            return 1
        print(f"SKIP: {msg}")
        return 77
    procs = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            setup()
            procs = start_listeners(tmp)
            pids = []
            for which in ("main", "second"):
                with open(os.path.join(tmp, f"ready-{which}")) as f:
                    pids.append(int(f.read()))
            children = children_of(pids[0])
            check(len(children) == 1, f"the main listener forked one child {children}")
            compare_with_ss(NS, "netns")
            doc = inventory(NS)
            check(doc["netns"] == NS, "netns: the JSON names the namespace")
            if children:
                check_details(doc, pids[0], children[0], pids[1])
            check_policy(tmp, doc)
            check_firewall(tmp)
            compare_with_ss(None, "root namespace")
            for ns in EXTRA_NS:
                compare_with_ss(ns, f"namespace {ns}")
            if "ns" in FW_TRUTH:
                check_range_firewall()
            check_errors()
    except (RuntimeError, subprocess.TimeoutExpired, OSError, json.JSONDecodeError) as e:
        check(False, "the test ran to its end", str(e))
    finally:
        for p in procs:
            # The listener runs under `ip netns exec`, which execs python in place: p.pid is it.
            for child in children_of(p.pid):
                os.kill(child, signal.SIGTERM)
            p.terminate()
            p.wait(timeout=10)
        run(["ip", "netns", "del", NS])
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
