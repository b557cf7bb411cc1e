#!/usr/bin/python3
"""Integration test: a TCP scan type and -sU in one run (nmap's -sS -sU) against the test range.

    multi_scan_test.py PORTWARDEN TRUTH [--case ID]... [--workdir DIR] [--list]

PORTWARDEN is the portwarden binary, TRUTH the ground-truth TSV of `tests/range/range.sh up`.
A case ID is HOST-FAMILY (-sS -sU): plain-v4, plain-v6, firewalled-v4, firewalled-v6, or
sT:HOST-FAMILY (-sT -sU: TCP by connect(), UDP raw): sT:plain-v4, sT:firewalled-v4,
sT:firewalled-v6 (default: all -sS -sU cases and sT:plain-v4; the rest with --case).
Each case scans a handful of ports of both protocols (UDP closed ports cost about a second
each under the kernel's ICMP rate limit on v4, so the UDP list stays short):

  combined: portwarden scan -sS -sU -p T:<TCP>,U:<UDP> -n --reason --db DB -oX -oJ ADDR
  nmap:     nmap -n -sS -sU -p T:<TCP>,U:<UDP> --reason -T4 -oX ADDR
  (-sT instead of -sS in the sT: cases; the truth's reset reads conn-refused there)
  separate: portwarden scan -sS -p <TCP> ... ; portwarden scan -sU -p <UDP> ...  (v4 cases)

and asserts:
  * combined == truth on every requested port of both protocols (state and reason), and
    nothing else was reported;
  * combined == nmap on every port where nmap == truth (differences where nmap != truth
    are printed);
  * combined == the two separate runs, port by port (a combined run finds what the two
    runs find; v4 cases, to keep the test short);
  * the XML has nmap's two <scaninfo> (syn/tcp then udp/udp, with the services), its ports
    are TCP first then UDP (nmap's order), it is valid against nmap.dtd, and it agrees with
    the JSON Lines output; the -oJ run record lists both scan types;
  * the history (--db) holds both protocols of the host: `portwarden diff` of the combined
    run against itself reports no change, and `history` lists the scan as syn+udp.
Prints the wall time of each run. Standard library only (range_common.py); every scan runs
inside the range's scanner namespace, bounded by `timeout`. Last line "N passed, N failed".
"""
import argparse
import json
import os
import sys
import xml.etree.ElementTree as ET

from range_common import (Case, RangeRunner, expand_ports, norm_addr, parse_jsonl, parse_nmap_xml,
                          run, show_diffs, start, tail, xml_host)

TCP_PORTS = [9, 22, 80, 443, 8080, 8081, 8082]
UDP_PORTS = [53, 137, 161, 500]
CASES = ["plain-v4", "plain-v6", "firewalled-v4", "firewalled-v6",
         "sT:plain-v4", "sT:firewalled-v4", "sT:firewalled-v6"]
DEFAULT_CASES = CASES[:5]  # test time: the other two on request (--case)


def spec(ports):
    return ",".join(str(p) for p in ports)


PORT_ARG = f"T:{spec(TCP_PORTS)},U:{spec(UDP_PORTS)}"


class Runner(RangeRunner):
    def __init__(self, args):
        super().__init__(args.portwarden, args.truth, args.workdir)
        self.wanted = None  # (address, proto, port) -> (state, reason), read in one pass

    def truth_of(self, addr, proto):
        """The truth of the test's ports of one address (the truth file is read once: it has a
        line per port of every host, and each Truth.ports call reads it whole)."""
        if self.wanted is None:
            addrs = {norm_addr(a) for pair in self.truth.hosts.values() for a in pair}
            keep = {("tcp", str(p)) for p in TCP_PORTS} | {("udp", str(p)) for p in UDP_PORTS}
            self.wanted = {}
            with open(self.truth.path, encoding="utf-8") as f:
                for line in f:
                    if line.startswith("#"):
                        continue
                    a, pr, port, state, reason = line.rstrip("\n").split("\t")
                    if (pr, port) in keep and norm_addr(a) in addrs:
                        self.wanted[(norm_addr(a), pr, int(port))] = (state, reason)
        want = norm_addr(addr)
        ports = TCP_PORTS if proto == "tcp" else UDP_PORTS
        return {p: self.wanted[(want, proto, p)] for p in ports if (want, proto, p) in self.wanted}

    def host_ports(self, case, xml_path, proto):
        """(port -> (state, reason)) of case.addr in an XML file, for one protocol."""
        try:
            xr = parse_nmap_xml(xml_path, proto)
        except ET.ParseError as e:
            case.fail(f"{os.path.basename(xml_path)} is not well-formed XML: {e}")
            return {}, None
        xh = xml_host(xr, case.addr)
        if xh is None:
            case.fail(f"{os.path.basename(xml_path)} has no host {case.addr}")
            return {}, xr
        return dict(xh.ports), xr

    def check_xml_shape(self, case, xml_path, tcp_type):
        root = ET.parse(xml_path).getroot()
        infos = [(si.get("type"), si.get("protocol"), expand_ports(si.get("services") or ""))
                 for si in root.findall("scaninfo")]
        want = [(tcp_type, "tcp", TCP_PORTS), ("udp", "udp", UDP_PORTS)]
        if infos == want:
            case.ok(f"two <scaninfo>: {tcp_type}/tcp and udp/udp with the requested services")
        else:
            case.fail(f"<scaninfo> {infos}, expected {want}")
        order = [(p.get("protocol"), int(p.get("portid"))) for p in root.iter("port")]
        if order == sorted(order, key=lambda pp: (pp[0] != "tcp", pp[1])):
            case.ok("XML ports in nmap's order: TCP first, then UDP, by port")
        else:
            case.fail(f"XML port order {order} is not TCP-then-UDP by port")

    def check_json(self, case, jsonl_path, xml_ports, tcp_type):
        with open(jsonl_path, encoding="utf-8") as f:
            first = json.loads(f.readline())
        types = first.get("scan_types")
        if types == [{"type": tcp_type, "protocol": "tcp"}, {"type": "udp", "protocol": "udp"}]:
            case.ok(f"-oJ run record: scan_types {tcp_type}/tcp, udp/udp")
        else:
            case.fail(f"-oJ run record scan_types {types}")
        want = norm_addr(case.addr)
        for proto in ("tcp", "udp"):
            js = parse_jsonl(jsonl_path, proto)
            jports = {p: v for (a, p), v in js.ports.items() if a == want}
            if jports != xml_ports[proto]:
                show_diffs(case, f"JSON Lines vs XML ({proto})",
                           [(p, jports.get(p), xml_ports[proto].get(p))
                            for p in sorted(set(jports) | set(xml_ports[proto]))
                            if jports.get(p) != xml_ports[proto].get(p)], "json", "xml")
            else:
                case.ok(f"JSON Lines and XML agree on the {len(jports)} {proto} port(s)")

    def check_history(self, case, db, jsonl, tcp_type):
        pw = self.portwarden
        rc, out, err, _ = run(["timeout", "60", pw, "history", "--db", db], 90)
        if rc == 0 and f"{tcp_type}+udp" in out:
            case.ok(f"history lists the scan as {tcp_type}+udp")
        else:
            case.fail(f"history --db (exit {rc}) does not list a {tcp_type}+udp scan:\n{tail(out + err)}")
        # The stored scan against the run's own -oJ file: no change, so every port of both
        # protocols went into the history as reported.
        rc, out, err, _ = run(["timeout", "60", pw, "diff", "--db", db, "--format", "json", "@1", jsonl], 90)
        try:
            changes = json.loads(out) if rc in (0, 1) else None
        except ValueError:
            changes = None
        if rc == 0:
            case.ok("diff of the stored scan (@1) with its -oJ file: no change (both protocols stored)")
        else:
            case.fail(f"diff --db {db} @1 {os.path.basename(jsonl)} exited {rc}: {changes}\n{tail(out + err)}")
        rc, out, err, _ = run(["timeout", "60", pw, "history", "--db", db, case.addr, "53/udp"], 90)
        if rc == 0 and "open" in out:
            case.ok("history timeline of 53/udp has the combined scan's open")
        else:
            case.fail(f"history {case.addr} 53/udp (exit {rc}):\n{tail(out + err)}")

    def run_case(self, name):
        tech, _, target = name.rpartition(":")
        tech = tech or "sS"
        tcp_type = "syn" if tech == "sS" else "connect"
        host, family = target.rsplit("-", 1)
        v4, v6 = self.truth.hosts[host]
        case = Case(name, v4 if family == "v4" else v6)
        six = family == "v6"
        truth = {proto: self.truth_of(case.addr, proto) for proto in ("tcp", "udp")}
        if any(len(truth[proto]) != len(TCP_PORTS if proto == "tcp" else UDP_PORTS) for proto in truth):
            case.fail(f"the truth lacks some of the test's ports: {truth}")
            return case
        if tech == "sT":  # the truth speaks for a SYN scan; connect() reports a RST as conn-refused
            truth["tcp"] = {p: (st, "conn-refused" if r == "reset" else r) for p, (st, r) in truth["tcp"].items()}
        db = os.path.join(self.workdir, f"history-{name}.sqlite")
        if os.path.exists(db):
            os.unlink(db)
        common = ["-n", "--reason"] + (["-6"] if six else [])
        ok, xml, jsonl, t_comb = self.ours(case, [f"-{tech}", "-sU", "-p", PORT_ARG, "--db", db] + common, "-combined")
        if not ok:
            return case
        ours = {proto: self.host_ports(case, xml, proto)[0] for proto in ("tcp", "udp")}
        for proto in ("tcp", "udp"):
            diffs = [(p, ours[proto].get(p), truth[proto][p]) for p in sorted(set(truth[proto]) | set(ours[proto]))
                     if ours[proto].get(p) != truth[proto].get(p)]
            if diffs:
                show_diffs(case, f"combined vs truth ({proto})", diffs, "ours", "truth")
            else:
                case.ok(f"combined == truth on the {len(truth[proto])} {proto} port(s)")
        self.check_xml_shape(case, xml, tcp_type)
        self.check_dtd(case, xml)
        self.check_json(case, jsonl, ours, tcp_type)
        self.check_history(case, db, jsonl, tcp_type)

        if family == "v6" or tech == "sT":  # the separate runs: -sS -sU, v4 only (test time)
            self.compare_nmap(case, truth, ours, six, tech)
            return case
        sep = {}
        ok_t, xml_t, _, t_tcp = self.ours(case, ["-sS", "-p", spec(TCP_PORTS), "--no-history"] + common, "-tcp")
        ok_u, xml_u, _, t_udp = self.ours(case, ["-sU", "-p", spec(UDP_PORTS), "--no-history"] + common, "-udp")
        if ok_t and ok_u:
            sep["tcp"] = self.host_ports(case, xml_t, "tcp")[0]
            sep["udp"] = self.host_ports(case, xml_u, "udp")[0]
            for proto in ("tcp", "udp"):
                diffs = [(p, ours[proto].get(p), sep[proto].get(p))
                         for p in sorted(set(ours[proto]) | set(sep[proto])) if ours[proto].get(p) != sep[proto].get(p)]
                if diffs:
                    show_diffs(case, f"combined vs separate run ({proto})", diffs, "combined", "separate")
                else:
                    case.ok(f"combined == the separate -s{'S' if proto == 'tcp' else 'U'} run on every {proto} port")
            case.info(f"time: combined {t_comb:.2f} s, separate {t_tcp:.2f} + {t_udp:.2f} s")
        self.compare_nmap(case, truth, ours, six, tech)
        return case

    def compare_nmap(self, case, truth, ours, six, tech):
        nmap_xml, _ = self.nmap(case, ["-n", f"-{tech}", "-sU", "-p", PORT_ARG, "--reason", "-T4"], "-combined", six=six)
        if nmap_xml:
            for proto in ("tcp", "udp"):
                theirs = self.host_ports(case, nmap_xml, proto)[0]
                bad = [(p, theirs.get(p), truth[proto][p]) for p in sorted(truth[proto])
                       if theirs.get(p) != truth[proto][p]]
                if bad:
                    show_diffs(case, f"nmap vs truth ({proto}; not ours to fix)", bad, "nmap", "truth",
                               as_failure=False)
                nmap_right = {p for p in truth[proto] if theirs.get(p) == truth[proto][p]}
                diffs = [(p, ours[proto].get(p), theirs.get(p)) for p in sorted(nmap_right)
                         if ours[proto].get(p) != theirs.get(p)]
                if diffs:
                    show_diffs(case, f"ours vs nmap -{tech} -sU ({proto})", diffs, "ours", "nmap")
                else:
                    case.ok(f"ours == nmap -{tech} -sU on the {len(nmap_right)} {proto} port(s) nmap gets right")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("portwarden", nargs="?")
    ap.add_argument("truth", nargs="?")
    ap.add_argument("--case", action="append", metavar="ID", help="run only this case (repeatable)")
    ap.add_argument("--workdir", default=None, help="where scan outputs go (kept)")
    ap.add_argument("--list", action="store_true", help="print the case IDs and exit")
    args = ap.parse_args()
    if args.list:
        print("\n".join(CASES))
        return 0
    if not args.portwarden or not args.truth:
        ap.error("PORTWARDEN and TRUTH are required")
    for c in args.case or []:
        if c not in CASES:
            print(f"multi_scan_test: unknown case '{c}' (see --list)")
            print("0 passed, 1 failed")
            return 1
    runner, problem = start("multi_scan_test", args, Runner, "multi_scan")
    if problem:
        print(problem)
        print("0 passed, 1 failed")
        return 1
    results = [runner.run_case(c) for c in (args.case or DEFAULT_CASES)]
    failed = [c for c in results if c.failures]
    print()
    for c in results:
        print(f"{'PASS' if not c.failures else 'FAIL'}  {c.name:24s} {c.addr}")
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
