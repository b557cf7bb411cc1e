#!/usr/bin/python3
"""Integration test: portwarden's TCP connect scan (-sT) against the test range.

    connect_scan_test.py PORTWARDEN TRUTH [--case NAME]... [--workdir DIR] [--list]

PORTWARDEN is the portwarden binary, TRUTH the ground-truth TSV written by
`tests/range/range.sh up` (its header names the scanner namespace and the hosts).
Cases: plain-v4 plain-v6 firewalled-v4 firewalled-v6 drop-v4 drop-v6 (default: all).

For the plain and firewalled hosts, each case:
  * runs ours:  ip netns exec SCANNER portwarden scan -sT -p- -n --reason -oX ours.xml -oJ ours.jsonl ADDR
    and nmap:   ip netns exec SCANNER nmap -n -sT -p- --reason -oX nmap.xml ADDR, timing both;
  * asserts ours == truth on all 65535 ports, state and reason (the truth speaks for a SYN
    scan; a connect scan says conn-refused where a SYN scan says reset);
  * asserts ours == nmap on every port where nmap == truth, and prints where nmap != truth;
  * asserts ours.xml is valid against nmap.dtd (xmllint --dtdvalid);
  * runs `ndiff --xml ours.xml nmap.xml` and asserts that every port it reports is one
    where nmap != truth.
For the drop-everything host: ours with -Pn -p- == truth (all filtered/no-response), and
ours without -Pn reports the host down, as `nmap -n -sT -p 1-100` does.

Standard library only (shared code in range_common.py). Every scan runs inside the range's scanner namespace and is bounded
(`timeout`, nmap --host-timeout). Output names the host of every result; the last line is
"N passed, N failed"; the exit status is 0 only if every case passed.
"""
import argparse
import os
import sys
import time
import xml.etree.ElementTree as ET

from range_common import (MAX_SHOWN, Case, RangeRunner, compare, fmt_sr, norm_addr,
                          parse_jsonl, parse_nmap_xml, show_diffs, start, xml_host)

# Extra flags for ours on the drop-everything host with -Pn -p- (65535 unanswered ports must
# finish within OUR_TIMEOUT; nmap -sT -Pn -T4 -p- does not: it hits --host-timeout 300s).
DROP_EXTRA = ["-T4"]
ALL_CASES = ["plain-v4", "plain-v6", "firewalled-v4", "firewalled-v6", "drop-v4", "drop-v6"]


def connect_scan_view(truth_ports):
    """The truth speaks for a SYN scan; a connect scan reports a RST as conn-refused."""
    return {p: (s, "conn-refused" if r == "reset" else r) for p, (s, r) in truth_ports.items()}


class Runner(RangeRunner):
    def __init__(self, args):
        super().__init__(args.portwarden, args.truth, args.workdir)

    # ----------------------------------------------------------------------------------
    def scan_case(self, case):
        expected = connect_scan_view(self.truth.ports(case.addr))
        args = ["-sT", "-p-", "-n", "--reason"]
        ok, xml, jsonl, t_ours = self.ours(case, args, "")
        nmap_xml, t_nmap = self.nmap(case, ["-n", "-sT", "-p-", "--reason"], "")
        print(f"  time [{case.name} {case.addr}] ours {t_ours:.1f} s, nmap {t_nmap:.1f} s",
              flush=True)

        nmap_ports = {}
        nmap_bad = set()
        if nmap_xml:
            nh = xml_host(parse_nmap_xml(nmap_xml), case.addr)
            if nh is None:
                case.fail("nmap reported no host record (host down?)")
            else:
                nmap_ports = nh.ports
                nd = compare(expected, nmap_ports)
                nmap_bad = {p for p, _, _ in nd}
                if nd:
                    print(f"  note [{case.name} {case.addr}] nmap -sT differs from the truth on "
                          f"{len(nd)} port(s) (not a failure; ours must match the truth there):")
                    for p, t, n in nd[:50]:
                        print(f"      port {p:5d}: truth {fmt_sr(t):28s} nmap {fmt_sr(n)}")
                    if len(nd) > 50:
                        print(f"      ... and {len(nd) - 50} more")
                else:
                    case.ok("nmap -sT agrees with the truth on all 65535 ports")

        if not ok:
            return
        ours, js, _, xh = self.our_ports(case, xml, jsonl)

        # 1. ours == truth, all 65535 ports.
        d = compare(expected, ours)
        if d:
            show_diffs(case, "ours != truth", d, "truth", "ours")
        else:
            case.ok("ours == truth on all 65535 ports (state and reason)")

        # 2. ours == nmap where nmap == truth.
        if nmap_ports:
            agree = [p for p in range(1, 65536) if p not in nmap_bad]
            d = compare(nmap_ports, ours, agree)
            if d:
                show_diffs(case, "ours != nmap where nmap == truth", d, "nmap", "ours")
            else:
                case.ok(f"ours == nmap on the {len(agree)} ports where nmap == truth")

        # 3. host and summary records.
        hrec = js.hosts.get(norm_addr(case.addr))
        if hrec is None or hrec.get("status") != "up":
            case.fail(f"JSON host record should say status up, got {hrec}")
        if js.summary is None or js.last_type != "summary":
            case.fail("JSON Lines do not end with a summary record")
        if xh is None or xh.status != "up":
            case.fail(f"XML host status should be up, got {xh.status if xh else 'no host'}")

        # 4. DTD-valid XML.
        self.check_dtd(case, xml)

        # 5. ndiff ours nmap: only ports where nmap != truth may differ.
        if nmap_xml:
            self.check_ndiff(case, xml, nmap_xml, nmap_bad)

    def drop_case(self, case):
        expected = self.truth.ports(case.addr)   # all filtered/no-response
        # a) -Pn -p-: every port filtered/no-response.
        ok, xml, jsonl, t_ours = self.ours(case, ["-sT", "-p-", "-n", "--reason", "-Pn"] + DROP_EXTRA,
                                           "-Pn")
        print(f"  time [{case.name} {case.addr}] ours -Pn -p- {t_ours:.1f} s", flush=True)
        if ok:
            ours, _, _, _ = self.our_ports(case, xml, jsonl)
            d = compare(expected, ours)
            if d:
                show_diffs(case, "ours -Pn != truth", d, "truth", "ours")
            else:
                case.ok("ours -Pn == truth on all 65535 ports (filtered/no-response)")
            self.check_dtd(case, xml)

        # b) no -Pn: host discovery must say down, as nmap does.
        nmap_xml, t_nmap = self.nmap(case, ["-n", "-sT", "-p", "1-100", "--reason"], "-noPn")
        if nmap_xml:
            nr = parse_nmap_xml(nmap_xml)
            if nr.hosts_up == 0 and nr.hosts_down == 1:
                case.ok("nmap (no -Pn) reports the host down")
            else:
                case.fail(f"range problem: nmap (no -Pn) reports up={nr.hosts_up} "
                          f"down={nr.hosts_down}, expected the host down")
        ok, xml, jsonl, t_ours2 = self.ours(case, ["-sT", "-p", "1-100", "-n", "--reason"], "-noPn")
        print(f"  time [{case.name} {case.addr}] no -Pn -p 1-100: ours {t_ours2:.1f} s, "
              f"nmap {t_nmap:.1f} s", flush=True)
        if not ok:
            return
        js = parse_jsonl(jsonl)
        for e in js.errors[:MAX_SHOWN]:
            case.fail(f"{os.path.basename(jsonl)}: {e}")
        hrec = js.hosts.get(norm_addr(case.addr))
        if hrec is None or hrec.get("status") != "down":
            case.fail(f"ours (no -Pn): JSON host record should say status down, got {hrec}")
        else:
            case.ok(f"ours (no -Pn): host down (reason {hrec.get('reason')})")
        if js.ports:
            case.fail(f"ours (no -Pn): {len(js.ports)} port record(s) for a down host")
        try:
            xr = parse_nmap_xml(xml)
            if xr.hosts_up != 0 or xr.hosts_down != 1:
                case.fail(f"ours (no -Pn): XML runstats up={xr.hosts_up} down={xr.hosts_down}, "
                          f"expected up=0 down=1")
        except ET.ParseError as e:
            case.fail(f"ours (no -Pn): XML not well-formed: {e}")
        self.check_dtd(case, xml)

    def run_case(self, name):
        role, fam = name.rsplit("-", 1)
        if role not in self.truth.hosts:
            raise SystemExit(f"truth file has no host '{role}'")
        addr = self.truth.hosts[role][0 if fam == "v4" else 1]
        case = Case(name, addr)
        print(f"=== {name}: {role} host {addr} (scanner namespace {self.ns}) ===", flush=True)
        t0 = time.monotonic()
        if role == "drop":
            self.drop_case(case)
        else:
            self.scan_case(case)
        verdict = "PASS" if not case.failures else f"FAIL ({len(case.failures)} problem(s))"
        print(f"--- {name} ({addr}): {verdict} in {time.monotonic() - t0:.1f} s", flush=True)
        return case


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("portwarden")
    ap.add_argument("truth")
    ap.add_argument("--case", action="append", choices=ALL_CASES,
                    help="run only this case (repeatable; default all)")
    ap.add_argument("--workdir", default=None, help="where scan outputs go (kept)")
    args = ap.parse_args()
    runner, problem = start("connect_scan_test", args, Runner, "connect_scan")
    if problem:
        print(problem)
        print("0 passed, 1 failed")
        return 1
    cases = args.case or ALL_CASES
    results = [runner.run_case(c) for c in cases]
    passed = [c for c in results if not c.failures]
    failed = [c for c in results if c.failures]
    print()
    for c in results:
        print(f"{'PASS' if not c.failures else 'FAIL'}  {c.name:14s} {c.addr}")
    print(f"{len(passed)} passed, {len(failed)} failed")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
