#!/usr/bin/python3
"""Integration test: the range's host-discovery truth against nmap's host discovery.

    discovery_range_test.py TRUTH [--portwarden PATH] [--workdir DIR]
    discovery_range_test.py --up PW_LISTEN [--name PREFIX] [--portwarden PATH] [--workdir DIR]

TRUTH is the ground-truth TSV of a range that is up (`tests/range/range.sh up`); the
discovery truth is the file its `# discovery_truth=` header names (<TRUTH minus .tsv>
.discovery.tsv). With --up the test brings up a range of its own (named --name, default
pwd<PID>; state and truth under the work directory) and tears it down in a `finally`,
whatever happens.

The discovery truth has one line per address of the discovery block (198.18.5.0/24 and 16 v6
addresses, 2 routers away) and of the LAN on the scanner's second link (16 + 16 addresses):
    address  up|down  reasons  hops  behaviour  udp_ping
Cases (each nmap run inside the range's scanner namespace, bounded by `timeout`):
  sn-v4  nmap -n -sn -T4 --reason -v -oX F  <block v4 /24> <LAN v4 /28>
  sn-v6  nmap -6 -n -sn -T4 --reason -v -oX F  <the 32 v6 addresses>
         (nmap cannot mix v4 and v6 targets in one run, hence two runs)
  PU-v4  nmap -n -sn -PU -T4 --reason -v -oX F  <block v4 /24> <LAN v4 /28>
  PU-v6  nmap -6 -n -sn -PU -T4 --reason -v -oX F  <the 32 v6 addresses>
Each asserts, per address: the status equals the truth's (status for -sn, udp_ping for
-PU); an up host's reason is one of the truth's reasons (-sn; several when several probes
are answered: nmap reports the first reply, which is racy) or, for -PU, port-unreach on the
block (the LAN is pinged with ARP / ND whatever -P says: the -sn reasons); a reply that
crossed routers has reason_ttl = 64 - hops (Linux's default TTL / hop limit); nmap reports
no address the truth does not list and every address it lists (-v lists down hosts too).
It prints nmap's wall time for each run and which reasons it gave per behaviour.

With --portwarden, each case also runs ours (`portwarden scan -sn [-PU] -n --reason -oX F`)
and asserts the same of it, plus: ours == nmap on every address where nmap == the truth (status),
ours' XML is valid against nmap.dtd, and for up hosts ours' hop count (<distance> - 1) equals
the truth's routers. Ours takes one interface per run, so the block (behind the routers, eth0)
and the LAN (the scanner's second link, eth1) are two runs whose times add up; down hosts are
in ours' XML without -v.

Not root: fails (as every range test does).
Standard library only (shared code in range_common.py). The last line is "N passed, N failed".
"""
import argparse
import json
import os
import shutil
import sys
import xml.etree.ElementTree as ET
from collections import Counter

from range_common import Case, Truth, norm_addr, run, tail

HERE = os.path.dirname(os.path.abspath(__file__))
RANGE_SH = os.path.join(HERE, "..", "range", "range.sh")
NMAP_TIMEOUT = 120          # each nmap run (`timeout 120`); they take 2-4 s
RANGE_TIMEOUT = 180         # range.sh up / down with --up
DEFAULT_TTL = 64            # Linux: net.ipv4.ip_default_ttl, IPv6 hop limit
NO_TTL_REASONS = {"arp-response", "nd-response", "localhost-response", "no-response"}


class DiscTruth:
    """The discovery truth TSV: rows and header metadata."""

    def __init__(self, path):
        self.path = path
        self.meta = {}
        self.rows = {}      # address -> dict
        self.order = []
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if line.startswith("#"):
                    body = line[1:].strip()
                    if "=" in body and " " not in body:
                        k, v = body.split("=", 1)
                        self.meta[k] = v
                    continue
                if not line.strip():
                    continue
                cols = line.rstrip("\n").split("\t")
                if len(cols) != 6:
                    raise SystemExit(f"{path}:{n}: {len(cols)} columns, expected 6")
                addr, status, reasons, hops, behaviour, udp = cols
                if status not in ("up", "down") or udp not in ("up", "down"):
                    raise SystemExit(f"{path}:{n}: bad status/udp_ping: {line.strip()}")
                a = norm_addr(addr)
                self.rows[a] = {"status": status, "reasons": reasons.split(","),
                                "hops": int(hops), "behaviour": behaviour, "udp": udp}
                self.order.append(a)
        for key in ("scanner_ns", "block_v4", "lan_v4"):
            if key not in self.meta:
                raise SystemExit(f"{path}: no '# {key}=' header line: not a discovery truth")
        self.scanner_ns = self.meta["scanner_ns"]

    def v4(self):
        return [a for a in self.order if ":" not in a]

    def v6(self):
        return [a for a in self.order if ":" in a]


def disc_truth_path(truth_path):
    t = Truth(truth_path)
    if t.meta.get("discovery_truth"):
        return t.meta["discovery_truth"]
    base = truth_path[:-4] if truth_path.endswith(".tsv") else truth_path
    return base + ".discovery.tsv"


def parse_hosts(xml_path, with_distance=False):
    """address -> (state, reason, reason_ttl[, distance]) of every <host> (addresses as given)."""
    out = {}
    root = ET.parse(xml_path).getroot()
    for h in root.iter("host"):
        st = h.find("status")
        d = h.find("distance")
        for a in h.findall("address"):
            if a.get("addrtype") in ("ipv4", "ipv6"):
                rec = (st.get("state"), st.get("reason"), int(st.get("reason_ttl") or 0))
                if with_distance:
                    rec += (int(d.get("value")) if d is not None else None,)
                out[norm_addr(a.get("addr"))] = rec
    return out


def run_nmap(case, ns, workdir, tag, extra, targets, six):
    xml = os.path.join(workdir, f"nmap-{tag}.xml")
    if os.path.exists(xml):
        os.unlink(xml)
    cmd = (["ip", "netns", "exec", ns, "timeout", str(NMAP_TIMEOUT), "nmap"] +
           (["-6"] if six else []) + ["-n", "-sn"] + extra +
           ["-T4", "--reason", "-v", "-oX", xml] + targets)
    shown = cmd if len(targets) <= 4 else cmd[:-len(targets)] + [f"<{len(targets)} addresses>"]
    case.info("nmap: " + " ".join(shown))
    rc, out, err, secs = run(cmd, NMAP_TIMEOUT + 30)
    done = [l.strip() for l in out.splitlines() if l.startswith("Nmap done")]
    case.info(f"nmap took {secs:.2f} s (exit {rc}){': ' + done[0] if done else ''}")
    if rc != 0 or not os.path.isfile(xml):
        case.fail(f"nmap exited {rc}; stderr:\n{tail(err)}")
        return None, secs
    try:
        return parse_hosts(xml), secs
    except ET.ParseError as e:
        case.fail(f"{xml}: not well-formed XML: {e}")
        return None, secs


def run_ours(case, pw, ns, workdir, tag, extra, segments):
    """Ours, one run per segment (interface); address -> (state, reason, ttl, distance)."""
    got, total = {}, 0.0
    for i, targets in enumerate(segments):
        xml = os.path.join(workdir, f"ours-{tag}-{i}.xml")
        if os.path.exists(xml):
            os.unlink(xml)
        cmd = (["ip", "netns", "exec", ns, "timeout", str(NMAP_TIMEOUT), pw, "scan", "-sn"] + extra +
               ["-n", "--reason", "-v", "-q", "-oX", xml] + targets)
        shown = cmd if len(targets) <= 4 else cmd[:-len(targets)] + [f"<{len(targets)} addresses>"]
        case.info("ours: " + " ".join(shown))
        rc, out, err, secs = run(cmd, NMAP_TIMEOUT + 30)
        total += secs
        case.info(f"ours took {secs:.2f} s (exit {rc})")
        if rc != 0 or not os.path.isfile(xml):
            case.fail(f"portwarden exited {rc}; stderr:\n{tail(err)}")
            return None, total
        rc, _, err, _ = run(["xmllint", "--noout", "--dtdvalid", "/usr/share/nmap/nmap.dtd", xml], 60)
        if rc != 0:
            case.fail(f"{os.path.basename(xml)} is not valid against nmap.dtd:\n{tail(err)}")
        try:
            got.update(parse_hosts(xml, with_distance=True))
        except ET.ParseError as e:
            case.fail(f"{xml}: not well-formed XML: {e}")
            return None, total
    return got, total


def expected_routers(ns, router2_ns, six):
    """[first router, second router]: the addresses their time-exceeded errors come from."""
    fam = ["-6"] if six else ["-4"]
    rc, out, _, _ = run(["ip"] + fam + ["-n", ns, "route", "show", "default"], 10)
    words = out.split()
    gw = words[words.index("via") + 1] if "via" in words else None
    rc, out, _, _ = run(["ip"] + fam + ["-n", ns, "-o", "addr", "show", "dev", "eth0", "scope", "global"], 10)
    words = out.split()
    me = words[words.index("inet6" if six else "inet") + 1].split("/")[0] if out else None
    rc, out, _, _ = run(["ip"] + fam + ["-n", router2_ns, "route", "get", me], 10) if me else (1, "", "", 0)
    words = out.split()
    r2 = words[words.index("src") + 1] if "src" in words else None
    return [norm_addr(gw) if gw else None, norm_addr(r2) if r2 else None]


def parse_traces(xml_path):
    """address -> (distance, [(ttl, ipaddr), ...]) of every up host with a <trace>."""
    out = {}
    for h in ET.parse(xml_path).getroot().iter("host"):
        t = h.find("trace")
        if t is None:
            continue
        d = h.find("distance")
        hops = [(int(x.get("ttl")), norm_addr(x.get("ipaddr"))) for x in t.iter("hop")]
        for a in h.findall("address"):
            if a.get("addrtype") in ("ipv4", "ipv6"):
                out[norm_addr(a.get("addr"))] = (int(d.get("value")) if d is not None else None, hops)
    return out


def trace_case(case, pw, truth, ns, workdir, tag, targets, routers, full, nmap_traces=None):
    """ours -sn --traceroute on targets; every hop it names must be the right router; the
    first host of the group (and with `full`, every host) must have the whole path."""
    xml = os.path.join(workdir, f"ours-{tag}.xml")
    cmd = ["ip", "netns", "exec", ns, "timeout", str(NMAP_TIMEOUT), pw, "scan", "-sn", "--traceroute",
           "-n", "-q", "-oX", xml] + targets
    case.info("ours: " + " ".join(cmd))
    rc, out, err, secs = run(cmd, NMAP_TIMEOUT + 30)
    case.info(f"ours took {secs:.2f} s (exit {rc})")
    if rc != 0:
        case.fail(f"portwarden exited {rc}:\n{tail(err)}")
        return
    traces = parse_traces(xml)
    ups = [norm_addr(a) for a in targets if truth.rows[norm_addr(a)]["status"] == "up"]
    bad, complete = [], 0
    for a in ups:
        if a not in traces:
            bad.append(f"{a}: no <trace>")
            continue
        distance, hops = traces[a]
        want = routers + [a]
        if distance != len(want):
            bad.append(f"{a}: <distance> {distance}, want {len(want)}")
        for ttl, ip in hops:
            if ttl < 1 or ttl > len(want) or ip != want[ttl - 1]:
                bad.append(f"{a}: hop {ttl} is {ip}, want {want[ttl - 1] if 0 < ttl <= len(want) else 'none'}")
        if [ip for _, ip in hops] == want:
            complete += 1
        elif full:
            bad.append(f"{a}: path {[ip for _, ip in hops]}, want {want}")
        if nmap_traces and a in nmap_traces:
            for ttl, ip in nmap_traces[a][1]:
                mine = dict(hops).get(ttl)
                if mine is not None and mine != ip:
                    bad.append(f"{a}: hop {ttl} ours {mine}, nmap {ip}")
    if bad:
        case.fail(f"{len(bad)} problem(s) in the traces:")
        for line in bad[:20]:
            print(f"      {line}")
    elif complete == 0 and ups:
        case.fail("no host has its whole path")
    else:
        case.ok(f"every hop of {len(ups)} traced host(s) is the right router; {complete} whole "
                f"path(s) ({' -> '.join(str(r) for r in routers)} -> host); {secs:.2f} s")


def check(case, truth, addrs, got, udp_ping, who="nmap"):
    """Compares `who`'s hosts with the truth for addrs; prints reasons seen per behaviour."""
    want_set = set(addrs)
    extra = sorted(set(got) - want_set)
    if extra:
        case.fail(f"{who} reports {len(extra)} address(es) not in the truth: {extra[:5]}")
    bad = []
    seen = Counter()
    for a in addrs:
        row = truth.rows[a]
        want_status = row["udp"] if udp_ping else row["status"]
        if udp_ping and want_status == "up" and row["hops"] > 0:
            want_reasons = ["port-unreach"]
        elif want_status == "up":
            want_reasons = row["reasons"]
        else:
            want_reasons = ["no-response"]
        if a not in got:
            bad.append(f"{a:22s} {row['behaviour']:15s} missing from {who}'s XML "
                       f"(truth {want_status} {','.join(want_reasons)})")
            continue
        state, reason, ttl = got[a][:3]
        seen[(row["behaviour"], state, reason)] += 1
        problems = []
        if state != want_status:
            problems.append(f"status {state}, truth {want_status}")
        elif reason not in want_reasons:
            problems.append(f"reason {reason}, truth {'|'.join(want_reasons)}")
        if state == "up" and reason not in NO_TTL_REASONS and ttl != DEFAULT_TTL - row["hops"]:
            problems.append(f"reason_ttl {ttl}, expected {DEFAULT_TTL - row['hops']} "
                            f"({row['hops']} router(s))")
        if who != "nmap" and state == "up" and reason != "localhost-response":
            distance = got[a][3]
            if distance != row["hops"] + 1:
                problems.append(f"<distance> {distance}, expected {row['hops'] + 1} "
                                f"({row['hops']} router(s) + 1, as nmap counts)")
        if problems:
            bad.append(f"{a:22s} {row['behaviour']:15s} " + "; ".join(problems))
    if bad:
        case.fail(f"{len(bad)} of {len(addrs)} address(es) differ from the truth:")
        for line in bad[:40]:
            print(f"      {line}")
        if len(bad) > 40:
            print(f"      ... and {len(bad) - 40} more")
    else:
        ups = sum(1 for a in addrs if got[a][0] == "up")
        case.ok(f"all {len(addrs)} addresses agree with the truth ({ups} up, "
                f"{len(addrs) - ups} down; reasons and reason_ttl as expected)")
    for (beh, state, reason), n in sorted(seen.items()):
        print(f"      {n:4d} x {beh:15s} {state:4s} {reason}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("truth", nargs="?", help="the range's truth TSV (range already up)")
    ap.add_argument("--up", metavar="PW_LISTEN",
                    help="bring up a range of its own (pw_listen binary), torn down at the end")
    ap.add_argument("--name", default=f"pwd{os.getpid() % 1000000}",
                    help="namespace prefix of the range --up makes (default pwd<PID>)")
    ap.add_argument("--workdir", default=None, help="where nmap's XML goes (kept)")
    ap.add_argument("--portwarden", default=None, help="also run ours (this binary) on every case")
    args = ap.parse_args()
    if not args.truth and not args.up:
        ap.error("TRUTH or --up PW_LISTEN is required")

    if os.geteuid() != 0:
        print("discovery_range_test: must run as root (network namespaces, raw nmap probes)")
        print("0 passed, 1 failed")
        return 1
    for tool in ("ip", "nmap", "timeout"):
        if shutil.which(tool) is None:
            print(f"discovery_range_test: required tool not found: {tool}")
            print("0 passed, 1 failed")
            return 1

    if args.workdir is None:
        base = os.path.dirname(os.path.abspath(args.truth)) if args.truth else os.getcwd()
        args.workdir = os.path.join(base, "discovery_range")
    args.workdir = os.path.abspath(args.workdir)
    os.makedirs(args.workdir, exist_ok=True)

    own = None
    try:
        if args.up:
            name = args.name
            state = os.path.join(args.workdir, f"state-{name}")
            truth_path = os.path.join(args.workdir, f"truth-{name}.tsv")
            own = ["/bin/bash", RANGE_SH, "--name", name, "--state", state]
            print(f"bringing up range {name} (state {state})", flush=True)
            rc, out, err, secs = run(["/bin/bash", RANGE_SH, "up", "--name", name, "--state",
                                      state, "--truth", truth_path, "--listen", args.up],
                                     RANGE_TIMEOUT)
            if rc != 0:
                print(f"range.sh up failed (exit {rc}) after {secs:.1f} s:\n{tail(err, 15)}")
                print("0 passed, 1 failed")
                return 1
            print(f"range {name} up in {secs:.1f} s", flush=True)
        else:
            truth_path = os.path.abspath(args.truth)
            if not os.path.isfile(truth_path):
                print(f"discovery_range_test: no truth file {truth_path} (is the range up?)")
                print("0 passed, 1 failed")
                return 1
        dpath = disc_truth_path(truth_path)
        if not os.path.isfile(dpath):
            print(f"discovery_range_test: no discovery truth {dpath} (a range from before "
                  f"the discovery block? bring it up again)")
            print("0 passed, 1 failed")
            return 1
        truth = DiscTruth(dpath)
        ns = truth.scanner_ns
        if not os.path.exists(f"/run/netns/{ns}"):
            print(f"discovery_range_test: scanner namespace {ns} does not exist (range down?)")
            print("0 passed, 1 failed")
            return 1
        print(f"discovery truth {dpath}: {len(truth.v4())} v4 + {len(truth.v6())} v6 "
              f"addresses", flush=True)

        v4_targets = [truth.meta["block_v4"], truth.meta["lan_v4"]]
        v6_addrs = truth.v6()
        cases = []
        times = {}
        for tag, extra, six in (("sn-v4", [], False), ("sn-v6", [], True),
                                ("PU-v4", ["-PU"], False), ("PU-v6", ["-PU"], True)):
            addrs = v6_addrs if six else truth.v4()
            targets = v6_addrs if six else v4_targets
            case = Case(tag, f"{len(addrs)} addresses")
            cases.append(case)
            got, secs = run_nmap(case, ns, args.workdir, tag, extra, targets, six)
            times[tag] = secs
            if got is not None:
                check(case, truth, addrs, got, udp_ping=bool(extra))
            if not args.portwarden:
                continue
            ocase = Case(tag + "-ours", f"{len(addrs)} addresses")
            cases.append(ocase)
            if six:
                segments = [[a for a in addrs if truth.rows[a]["hops"] > 0],
                            [a for a in addrs if truth.rows[a]["hops"] == 0]]
            else:
                segments = [[truth.meta["block_v4"]], [truth.meta["lan_v4"]]]
            ours, osecs = run_ours(ocase, args.portwarden, ns, args.workdir, tag, extra, segments)
            times[tag + "-ours"] = osecs
            if ours is None:
                continue
            check(ocase, truth, addrs, ours, udp_ping=bool(extra), who="ours")
            if got is not None:
                differ = [a for a in addrs if a in got and a in ours and got[a][0] != ours[a][0] and
                          got[a][0] == (truth.rows[a]["udp"] if extra else truth.rows[a]["status"])]
                if differ:
                    ocase.fail(f"ours != nmap on {len(differ)} address(es) where nmap == the truth: "
                               f"{differ[:8]}")
                else:
                    ocase.ok("ours == nmap (status) on every address where nmap == the truth")
            print(f"  time [{tag}] ours {osecs:.2f} s, nmap {secs:.2f} s, ratio "
                  f"{osecs / secs if secs else 0:.2f}", flush=True)
        if args.portwarden:
            # --discovery-ignore-rst: a host whose only proof is a RST is down; the others are not.
            c = Case("sn-ignore-rst", "the v4 block")
            cases.append(c)
            xml = os.path.join(args.workdir, "ours-ignore-rst.xml")
            rc, _, err, _ = run(["ip", "netns", "exec", ns, "timeout", str(NMAP_TIMEOUT), args.portwarden, "scan",
                                 "-sn", "--discovery-ignore-rst", "--reason", "-v", "-n", "-q", "-oX", xml,
                                 truth.meta["block_v4"]], NMAP_TIMEOUT + 30)
            if rc != 0:
                c.fail(f"exited {rc}:\n{tail(err)}")
            else:
                got = parse_hosts(xml)
                block = [a for a in truth.v4() if truth.rows[a]["hops"] > 0]
                wrong = []
                for a in block:
                    row = truth.rows[a]
                    want = "up" if row["status"] == "up" and set(row["reasons"]) - {"reset"} else "down"
                    if a not in got or got[a][0] != want or got[a][1] == "reset":
                        wrong.append(f"{a} ({row['behaviour']}): {got.get(a)}, want {want}")
                if wrong:
                    c.fail(f"{len(wrong)} address(es) wrong: {wrong[:6]}")
                else:
                    downs = sum(1 for a in block if got[a][0] == "down")
                    c.ok(f"RST-only hosts are down, the rest as the truth ({downs} down of {len(block)})")
            # -sn interrupted (SIGINT) after its first host group, then --resume from its -oJ output
            # (the resume file cannot be written here: the scan runs as nobody by then, and puts it
            # in $TMPDIR, a directory of the workdir): every address of the block and the silent /16
            # exactly once, the block's up hosts as the truth.
            c = Case("sn-resume", "block + silent /16, interrupted and resumed")
            cases.append(c)
            silent = next((l.split()[2] for l in open(truth_path, encoding="utf-8")
                           if l.startswith("# silent ")), None)
            rfile = os.path.join(args.workdir, "sn.resume")
            parts = [os.path.join(args.workdir, f"ours-resume-{k}.jsonl") for k in (1, 2)]
            for f in [rfile] + parts:
                if os.path.exists(f):
                    os.unlink(f)
            spill = os.path.join(args.workdir, "spill")
            os.makedirs(spill, exist_ok=True)
            os.chmod(spill, 0o1777)
            # Groups of 16384 hosts at 30 000 probes/s: a sweep of one group of 65792 hosts ends in
            # about 2 s on a quiet machine (no retries on a clean path), before any interrupt.
            scan = ["env", f"TMPDIR={spill}", args.portwarden, "scan", "-sn", "-v", "-n", "-q", "--seed", "5",
                    "--max-hostgroup", "16384", "--max-rate", "30000", "--resume-file", rfile]
            targets = [truth.meta["block_v4"], silent]
            # timeout sends SIGINT after 4 s (the first group of 16384 hosts, ~65 600 probes, is done
            # by then; the whole scan needs ~9 s at that rate) and exits 124
            rc1, _, err1, _ = run(["ip", "netns", "exec", ns, "timeout", "-s", "INT", "4"] + scan +
                                  ["-oJ", parts[0]] + targets, 60)
            rc2, _, err2, _ = run(["ip", "netns", "exec", ns, "timeout", "60"] + scan +
                                  ["--resume", parts[0], "-oJ", parts[1]] + targets, 90)
            seen, ups, dups = {}, 0, 0
            for f in parts:
                for line in open(f, encoding="utf-8") if os.path.exists(f) else []:
                    rec = json.loads(line)
                    if rec.get("type") == "host":
                        dups += rec["host"] in seen
                        seen[rec["host"]] = rec["status"]
                        ups += rec["status"] == "up"
            block_up = {a for a in truth.v4() if truth.rows[a]["hops"] > 0 and truth.rows[a]["status"] == "up"}
            want_total = 256 + 65536
            if not silent or rc1 != 124 or "interrupted" not in err1 or rc2 != 0:
                c.fail(f"first run exit {rc1} (want an interrupt), resumed run exit {rc2}:\n{tail(err1)}\n{tail(err2)}")
            elif dups or len(seen) != want_total or {a for a, s in seen.items() if s == "up"} != block_up:
                c.fail(f"{len(seen)} addresses (want {want_total}), {dups} twice, {ups} up (want {len(block_up)})")
            else:
                c.ok(f"interrupted after {sum(1 for _ in open(parts[0], encoding='utf-8'))} records and resumed: "
                     f"{want_total} addresses once each, {ups} up as the truth")
            # -sn --shard I/4: the four shards split the block's hosts, disjoint and complete.
            c = Case("sn-shards", "4 shards of the v4 block")
            cases.append(c)
            seen = {}
            for i in range(4):
                xml = os.path.join(args.workdir, f"ours-shard{i}.xml")
                rc, _, err, _ = run(["ip", "netns", "exec", ns, "timeout", str(NMAP_TIMEOUT), args.portwarden,
                                     "scan", "-sn", "-v", "-n", "-q", "--shard", f"{i}/4", "--seed", "11",
                                     "-oX", xml, truth.meta["block_v4"]], NMAP_TIMEOUT + 30)
                if rc != 0:
                    c.fail(f"shard {i}/4 exited {rc}:\n{tail(err)}")
                    continue
                for a, rec in parse_hosts(xml).items():
                    if a in seen:
                        c.fail(f"{a} reported by shards {seen[a][0]} and {i}")
                    seen[a] = (i, rec[0])
            block = [a for a in truth.v4() if truth.rows[a]["hops"] > 0]
            wrong = [a for a in block if a not in seen or seen[a][1] != truth.rows[a]["status"]]
            if wrong or len(seen) != len(block):
                c.fail(f"shards together: {len(seen)} of {len(block)} addresses, {len(wrong)} wrong: {wrong[:8]}")
            else:
                c.ok(f"4 shards: every one of the {len(block)} addresses exactly once, status as the truth")
            prefix = truth.meta["prefix"]
            r2ns = truth.meta["router2_ns"]
            state_dir = Truth(truth_path).meta.get("state_dir")
            rl = ["--name", prefix] + (["--state", state_dir] if state_dir else [])
            for six in (False, True):
                fam = "v6" if six else "v4"
                targets = [a for a in (truth.v6() if six else truth.v4())
                           if truth.rows[a]["hops"] > 0][1:12]
                routers = expected_routers(ns, r2ns, six)
                c = Case(f"trace-{fam}", f"{len(targets)} addresses, ICMP limits on")
                cases.append(c)
                trace_case(c, args.portwarden, truth, ns, args.workdir, f"trace-{fam}-on", targets,
                           routers, full=False)
                c = Case(f"trace-{fam}-rloff", f"{len(targets)} addresses, ICMP limits off")
                cases.append(c)
                rc, _, err, _ = run(["bash", RANGE_SH, "icmp-ratelimit", "off"] + rl, 60)
                try:
                    if rc != 0:
                        c.fail(f"range.sh icmp-ratelimit off failed:\n{tail(err)}")
                        continue
                    xml = os.path.join(args.workdir, f"nmap-trace-{fam}.xml")
                    run(["ip", "netns", "exec", ns, "timeout", str(NMAP_TIMEOUT), "nmap"] +
                        (["-6"] if six else []) + ["-n", "-sn", "--traceroute", "-T4", "-oX", xml] +
                        targets, NMAP_TIMEOUT + 30)
                    nmap_traces = parse_traces(xml) if os.path.isfile(xml) else None
                    trace_case(c, args.portwarden, truth, ns, args.workdir, f"trace-{fam}-off", targets,
                               routers, full=True, nmap_traces=nmap_traces)
                finally:
                    run(["bash", RANGE_SH, "icmp-ratelimit", "on"] + rl, 60)
    finally:
        if own is not None:
            rc, out, err, _ = run(own[:2] + ["down"] + own[2:], RANGE_TIMEOUT)
            print(f"range torn down (range.sh down exit {rc})"
                  + (f":\n{tail(err)}" if rc != 0 else ""))

    print()
    print("wall time: " + ", ".join(f"{k} {v:.2f} s" for k, v in times.items()))
    for c in cases:
        print(f"{'PASS' if not c.failures else 'FAIL'}  {c.name:8s} {c.addr}")
    failed = [c for c in cases if c.failures]
    print(f"{len(cases) - len(failed)} passed, {len(failed)} failed")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
