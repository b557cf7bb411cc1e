#!/usr/bin/python3
"""Helpers of bench/raw_bench.sh (standard library only; parsers shared with the
integration tests, tests/integration/range_common.py and raw_scan_test.py).

  compare TECH PROTO OURS.jsonl NMAP.xml TRUTH ADDR
      One line: how ours and nmap compare port by port on the ports both scanned, each
      difference marked with the side that matches the expectation (the truth mapped for
      technique TECH, see raw_scan_test.py). Exit 0 when every difference is nmap's.
  check WHO TECH PROTO FILE TRUTH ADDR
      One line: how one result (WHO = ours: JSON Lines, nmap: XML) compares with the
      expectation ("== truth (N ports)" or "K ports wrong: ..."; TECH sT: connect-scan words).
  closed TRUTH ADDR PROTO FILE
      The number of closed ports among the ports FILE (an nmap-format XML) says were scanned.
  sweep TRUTH FAMILY FORMAT FILE
      Port-80 results of a sweep of the sweep block (FORMAT: ours = JSON Lines,
      masscan = masscan -oL, zmap = zmap's default CSV of addresses) against the truth:
      prints "FOUND MISSED FALSE TOTAL_OPEN WRONG" (WRONG: ours only, addresses whose state or
      reason is not the truth's, open ones included).
  disc DISCOVERY_TRUTH PREFIX XML
      Host discovery (-sn, -v: down hosts listed) of the addresses of DISCOVERY_TRUTH that
      start with PREFIX against that truth: prints "UP DOWN WRONG TOTAL" (WRONG: addresses
      whose status differs from the truth or that XML does not list).
  sample IFACE OUT SECONDS
      Run inside a namespace: appends "monotonic_time tx_packets" of IFACE to OUT every 2 ms
      for at most SECONDS (or until SIGTERM).
  rate SAMPLES
      From a sample file: "PACKETS SECONDS PPS PEAK" of the sending phase (from the sample
      before the first increase of tx_packets to the sample of its last increase); PEAK is
      the highest rate over any 100 ms of it (the whole phase's rate when it is shorter).
"""
import os
import signal
import xml.etree.ElementTree as ET
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

from range_common import (Truth, fmt_sr, norm_addr, parse_jsonl,  # noqa: E402
                          parse_nmap_xml, summarize_diffs, xml_host)
from raw_scan_test import tcp_view  # noqa: E402


def expected(truth, tech, proto, addr):
    if proto == "udp":
        return truth.ports(addr, "udp")
    if tech == "sT":  # a connect scan says conn-refused where a SYN scan says reset
        return {p: (s, "conn-refused" if r == "reset" else r) for p, (s, r) in truth.ports(addr, "tcp").items()}
    return tcp_view(tech, truth.ports(addr, "tcp"))


def ours_ports(path, proto, addr):
    js = parse_jsonl(path, proto)
    want = norm_addr(addr)
    return {p: v for (a, p), v in js.ports.items() if a == want}


def nmap_ports(path, proto, addr):
    run = parse_nmap_xml(path, proto)
    h = xml_host(run, addr)
    return (h.ports if h else {}), set(run.scanned(proto) or [])


def cmd_compare(tech, proto, ours_path, nmap_path, truth_path, addr):
    truth = Truth(truth_path)
    exp = expected(truth, tech, proto, addr)
    o = ours_ports(ours_path, proto, addr)
    n, n_set = nmap_ports(nmap_path, proto, addr)
    if not o or not n:
        print(f"no results to compare (portwarden: {len(o)} ports, nmap: {len(n)} ports)")
        return 1
    common = sorted(set(o) & n_set)
    diffs = [p for p in common if o.get(p) != n.get(p)]
    only = len(set(o) ^ n_set)
    extra = f" ({len(common)} ports both scanned)" if only else ""
    if not diffs:
        print(f"identical ({len(common)} ports){extra}")
        return 0
    ok = True
    notes = []
    for p in diffs:
        we_right = o.get(p) == exp.get(p)
        ok = ok and we_right and n.get(p) != exp.get(p)
        who = "nmap wrong" if we_right else "WE ARE WRONG"
        notes.append(f"{p}: ours {fmt_sr(o.get(p))} nmap {fmt_sr(n.get(p))} ({who})")
    print(f"{len(diffs)} ports differ{extra}: " + "; ".join(notes[:4]) +
          (" ..." if len(notes) > 4 else ""))
    return 0 if ok else 1


def cmd_check(who, tech, proto, path, truth_path, addr):
    truth = Truth(truth_path)
    exp = expected(truth, tech, proto, addr)
    if who == "ours":
        got = ours_ports(path, proto, addr)
        scanned = sorted(got)
    else:
        got, scanned = nmap_ports(path, proto, addr)
        scanned = sorted(scanned)
    if not scanned:
        print(f"{who}: no results")
        return 1
    d = [(p, exp.get(p), got.get(p)) for p in scanned if exp.get(p) != got.get(p)]
    if not d:
        print(f"{who} == truth ({len(scanned)} ports)")
        return 0
    kinds = "; ".join(f"{n} x {k}" for n, k in summarize_diffs(d, "truth", who)[:2])
    print(f"{who}: {len(d)} of {len(scanned)} ports wrong ({kinds})")
    return 1


def cmd_closed(truth_path, addr, proto, path):
    truth = Truth(truth_path).ports(addr, proto)
    scanned = parse_nmap_xml(path, proto).scanned(proto) or []
    print(sum(1 for p in scanned if truth.get(p, ("",))[0] == "closed"))
    return 0


def cmd_sweep(truth_path, family, fmt, path):
    _, port, exp = Truth(truth_path).sweep_block(family)
    want_open = {a for a, sr in exp.items() if sr[0] == "open"}
    wrong = 0
    found = set()
    if fmt == "ours":
        js = parse_jsonl(path, "tcp")
        got = {a: v for (a, p), v in js.ports.items() if p == port}
        found = {a for a, v in got.items() if v[0] == "open"}
        wrong = sum(1 for a, sr in exp.items() if got.get(a) != sr)
    elif fmt == "masscan":
        with open(path, encoding="utf-8") as f:
            for line in f:
                w = line.split()
                if len(w) >= 4 and w[0] == "open" and w[1] == "tcp" and int(w[2]) == port:
                    found.add(norm_addr(w[3]))
    elif fmt == "zmap":
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("saddr"):
                    found.add(norm_addr(line.split(",")[0]))
    else:
        raise SystemExit(f"unknown format {fmt}")
    print(len(found & want_open), len(want_open - found), len(found - want_open), len(want_open),
          wrong)
    return 0


def cmd_sample(iface, out, seconds):
    stop = [False]
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    path = f"/sys/class/net/{iface}/statistics/tx_packets"
    end = time.monotonic() + float(seconds)
    with open(out, "w", encoding="utf-8") as f:
        while not stop[0] and time.monotonic() < end:   # bounded by SECONDS
            with open(path, encoding="ascii") as c:
                f.write(f"{time.monotonic():.6f} {c.read().strip()}\n")
            time.sleep(0.002)
    return 0


def cmd_rate(samples):
    pts = []
    with open(samples, encoding="utf-8") as f:
        for line in f:
            w = line.split()
            if len(w) == 2:
                pts.append((float(w[0]), int(w[1])))
    if len(pts) < 2:
        print("0 0 0 0")
        return 1
    first = next((i for i in range(1, len(pts)) if pts[i][1] != pts[0][1]), None)
    if first is None:
        print("0 0 0 0")
        return 1
    last = max(i for i in range(1, len(pts)) if pts[i][1] != pts[i - 1][1])
    t0, c0 = pts[first - 1]
    t1, c1 = pts[last]
    secs = max(t1 - t0, 1e-6)
    peak, j = 0.0, first - 1
    for i in range(first - 1, last + 1):   # two pointers: windows of >= 100 ms
        j = max(j, i)
        while j <= last and pts[j][0] - pts[i][0] < 0.1:
            j += 1
        if j > last:
            break
        peak = max(peak, (pts[j][1] - pts[i][1]) / (pts[j][0] - pts[i][0]))
    if peak == 0.0:   # the phase is shorter than 100 ms: no window fits in it
        peak = (c1 - c0) / secs
    print(c1 - c0, f"{secs:.3f}", f"{(c1 - c0) / secs:.0f}", f"{peak:.0f}")
    return 0


def cmd_disc(truth_path, prefix, xml_path):
    want = {}
    with open(truth_path, encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if line.startswith("#") or len(cols) < 2 or not cols[0].startswith(prefix):
                continue
            want[norm_addr(cols[0])] = cols[1]
    got = {}
    for h in ET.parse(xml_path).getroot().iter("host"):
        for a in h.findall("address"):
            if a.get("addrtype") in ("ipv4", "ipv6"):
                got[norm_addr(a.get("addr"))] = h.find("status").get("state")
    up = sum(1 for a in want if got.get(a) == "up")
    down = sum(1 for a in want if got.get(a) == "down")
    wrong = sum(1 for a, s in want.items() if got.get(a) != s)
    print(up, down, wrong, len(want))
    return 0


def main(argv):
    cmds = {"disc": (cmd_disc, 3), "compare": (cmd_compare, 6), "check": (cmd_check, 6), "closed": (cmd_closed, 4),
            "sweep": (cmd_sweep, 4), "sample": (cmd_sample, 3), "rate": (cmd_rate, 1)}
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 2 != cmds[argv[1]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    return cmds[argv[1]][0](*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
