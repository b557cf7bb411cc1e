#!/usr/bin/python3
"""Integration test: portwarden's raw-packet scans against the test range.

    raw_scan_test.py PORTWARDEN TRUTH [--case ID]... [--workdir DIR] [--nmap-only] [--list]

PORTWARDEN is the portwarden binary, TRUTH the ground-truth TSV written by
`tests/range/range.sh up` (its header names the namespaces, hosts and the sweep block).
A case ID is TECH:HOST-FAMILY (`--list` prints them all; default: all):

  sS sA sW sF sN sX sM : {plain,firewalled}-{v4,v6}   all 65535 TCP ports
      ours: portwarden scan -sX -p- -n --reason -oX ours.xml -oJ ours.jsonl ADDR
      nmap: nmap -n -sX -p- --reason -T4 -oX nmap.xml ADDR
  SYNFIN    : {plain,firewalled}-{v4,v6}   all 65535 TCP ports, --scanflags SYNFIN (probes
      with SYN and FIN, replies read as a SYN scan's), ours and nmap alike
  sU        : {plain,firewalled}-{v4,v6}   UDP --top-ports 100, kernel ICMP rate limit ON
      (the kernel default: about 1 ICMP error per second per destination after a burst of
      6, v4; ours must still be exact, so it has to wait, ~95 s on v4). nmap is NOT run in
      this case: nmap -T4 does not wait for the rate limit (measured on the range: ~40 of 98
      closed ports come out open|filtered on v4 after 51 s), and a patient nmap takes
      minutes; the comparison with nmap is the sU-rloff case. Only plain-v4 and the v6
      cases: firewalled-v4 is sU-rl100.
  sU-rl100  : firewalled-v4   the same with a per-destination limit of one ICMP error every
      100 ms instead of 1000 (`range.sh icmp-ratelimit 100`, the v6 default; restored to `on`
      in a finally): still rate-limited, ours must still wait and be exact, ~10 s instead of
      ~97 s. nmap is not run, as in sU.
  sU-rloff  : {plain,firewalled}-{v4,v6}   UDP --top-ports 100 with the rate limit OFF
      (`range.sh icmp-ratelimit off`, restored to `on` in a finally), ours and nmap -T4.
  sU        : drop-{v4,v6}   UDP -Pn --top-ports 100 (no ICMP at all: open|filtered)
  sS        : drop-{v4,v6}   -Pn --top-ports 1000; nmap gets --min-rate 1000 here (plain
      -T4 takes 101 s on a host that never answers; the result is the same).
  sS        : sweep-{v4,v6}  -Pn -p80 over the 256 addresses of the sweep block
      (198.18.4.0/24, fd00:0:0:4::/120): open, closed and absent (dropped) addresses.

Expected states come from the truth through an explicit mapping per technique. The truth
says, in SYN-scan words, what each TCP port DOES:
      truth (SYN words)            the port...                     behaviour
      open syn-ack                 a listener is reached           listener
      closed reset                 kernel RST / firewall RST       rst
      filtered no-response         the probe is dropped            dropped
      filtered <icmp reason>       an ICMP error (port-unreach,    icmp
                                   admin-prohibited, ...)
and each technique turns a behaviour into (state, reason):
      tech      listener                   rst               dropped                    icmp
      -sS       open syn-ack               closed reset      filtered no-response       filtered <r>
      -sA       unfiltered reset           unfiltered reset  filtered no-response       filtered <r>
      -sW       closed reset (*)           closed reset      filtered no-response       filtered <r>
      -sF/N/X   open|filtered no-response  closed reset      open|filtered no-response  filtered <r>
      -sM       closed reset (**)          closed reset      open|filtered no-response  filtered <r>
      SYNFIN    filtered no-response (***) closed reset      filtered no-response       filtered <r>
  (*) Linux sends every RST with window 0, so -sW calls every RST port closed.
  (**) Linux answers FIN/ACK on a listening socket with a RST (BSD stacks drop it).
  (***) Linux drops a segment with SYN and FIN on a listening socket (tcp_rcv_state_process),
  so with --scanflags SYNFIN (read as -sS) a listener is silent: filtered.
  A firewall's forged RST (`reject with tcp reset`) behaves as a kernel RST for every
  technique (nft answers any non-RST segment, window 0). UDP lines of the truth are already
  in -sU words (open udp-response, closed port-unreach, open|filtered no-response, filtered
  admin-prohibited). nmap 7.93 agrees with this mapping on every port of every case when the
  rate limit allows (checked by --nmap-only; see tests/range/README.md).

Each case asserts, as connect_scan_test.py does:
  * ours == expected on every port ours scanned (state and reason), and ours scanned exactly
    the requested ports (all 65535, or N top ports; `--top-ports` lists differ between ours
    and nmap, so top-ports comparisons use each side's own list);
  * ours == nmap on every port both scanned where nmap == expected; prints where nmap !=
    expected;
  * ours.xml is valid against nmap.dtd, its <scaninfo type> is nmap's, host status up;
  * `ndiff --xml ours.xml nmap.xml` names only ports where nmap != expected (or that only
    one side scanned).
and prints the wall time of ours and nmap.

--nmap-only: run only the nmap half of every selected case (sU with the rate limit on
included, for information) and report how nmap compares to the expectation; exit 0 when
nmap matches it in every case where nmap is expected to (all but sU with the rate limit on).

Standard library only (shared code in range_common.py). Every scan runs inside the range's
scanner namespace and is bounded (`timeout`, nmap --host-timeout). The last line is
"N passed, N failed"; the exit status is 0 only if every case passed.
"""
import argparse
import os
import sys
import time
import xml.etree.ElementTree as ET

from range_common import (ALL_TCP_PORTS, MAX_SHOWN, Case, RangeRunner, compare, fmt_sr,
                          norm_addr, parse_jsonl, parse_nmap_xml, run, show_diffs, start,
                          summarize_diffs, tail, xml_host)

HERE = os.path.dirname(os.path.abspath(__file__))
RANGE_SH = os.path.join(HERE, "..", "range", "range.sh")

TCP_TECHS = ["sS", "sA", "sW", "sF", "sN", "sX", "sM"]
SCAN_TYPE = {"SYNFIN": "syn", "sS": "syn", "sA": "ack", "sW": "window", "sF": "fin", "sN": "null",
             "sX": "xmas", "sM": "maimon", "sU": "udp"}
UDP_TOP = 100
DROP_TCP_TOP = 1000
# nmap on the drop host (-sS -Pn --top-ports 1000): plain -T4 takes ~101 s there (no RTT
# sample ever arrives, so its window never opens); --min-rate 1000 gives the same result in
# ~3 s.
NMAP_DROP_SS_EXTRA = ["--min-rate", "1000"]

# What a port does (from its SYN-scan truth) -> (state, reason) per technique. None as the
# reason: keep the truth's (the ICMP error's) reason.
LISTENER, RST, DROPPED, ICMP = "listener", "rst", "dropped", "icmp"
MAPPING = {
    "sS": {LISTENER: ("open", "syn-ack"), RST: ("closed", "reset"),
           DROPPED: ("filtered", "no-response"), ICMP: ("filtered", None)},
    "sA": {LISTENER: ("unfiltered", "reset"), RST: ("unfiltered", "reset"),
           DROPPED: ("filtered", "no-response"), ICMP: ("filtered", None)},
    "sW": {LISTENER: ("closed", "reset"), RST: ("closed", "reset"),
           DROPPED: ("filtered", "no-response"), ICMP: ("filtered", None)},
    "sF": {LISTENER: ("open|filtered", "no-response"), RST: ("closed", "reset"),
           DROPPED: ("open|filtered", "no-response"), ICMP: ("filtered", None)},
    "sM": {LISTENER: ("closed", "reset"), RST: ("closed", "reset"),
           DROPPED: ("open|filtered", "no-response"), ICMP: ("filtered", None)},
}
MAPPING["SYNFIN"] = {LISTENER: ("filtered", "no-response"), RST: ("closed", "reset"),
                     DROPPED: ("filtered", "no-response"), ICMP: ("filtered", None)}
MAPPING["sN"] = MAPPING["sF"]
MAPPING["sX"] = MAPPING["sF"]


def behaviour(sr):
    if sr == ("open", "syn-ack"):
        return LISTENER
    if sr == ("closed", "reset"):
        return RST
    if sr == ("filtered", "no-response"):
        return DROPPED
    if sr[0] == "filtered":
        return ICMP
    raise SystemExit(f"truth line with an unknown TCP state/reason: {sr}")


def tcp_view(tech, truth_ports):
    """The truth (SYN words) as technique `tech` must report it."""
    table = MAPPING[tech]
    out = {}
    for p, sr in truth_ports.items():
        state, reason = table[behaviour(sr)]
        out[p] = (state, reason if reason is not None else sr[1])
    return out


class Spec:
    """One case: technique, host role, family, the flags of each side."""

    def __init__(self, tech, role, fam, ours_args, nmap_args, proto="tcp", ratelimit=None,
                 nmap_in_test=True, nmap_reliable=True, top=None, label=None):
        self.tech, self.role, self.fam = tech, role, fam
        self.label = label or tech
        self.id = f"{self.label}:{role}-{fam}"
        self.ours_args, self.nmap_args = ours_args, nmap_args
        self.proto = proto
        self.ratelimit = ratelimit        # None, "on", "off" or ms ("100"): set before the case
        self.nmap_in_test = nmap_in_test  # run nmap in the full test (not only --nmap-only)
        self.nmap_reliable = nmap_reliable  # nmap is expected to match the expectation
        self.top = top                    # --top-ports N (None: all ports / -p80)


def all_specs():
    specs = []
    for tech in TCP_TECHS:
        for role in ("plain", "firewalled"):
            for fam in ("v4", "v6"):
                specs.append(Spec(tech, role, fam,
                                  [f"-{tech}", "-p-", "-n", "--reason"],
                                  ["-n", f"-{tech}", "-p-", "--reason", "-T4"]))
    for role in ("plain", "firewalled"):
        for fam in ("v4", "v6"):
            specs.append(Spec("SYNFIN", role, fam,
                              ["--scanflags", "SYNFIN", "-p-", "-n", "--reason"],
                              ["-n", "--scanflags", "SYNFIN", "-p-", "--reason", "-T4"]))
    top = ["--top-ports", str(UDP_TOP)]
    for role in ("plain", "firewalled"):
        for fam in ("v4", "v6"):
            # 97 s at the kernel's 1000 ms on v4: once (plain) is enough at that interval.
            fast = role == "firewalled" and fam == "v4"
            specs.append(Spec("sU", role, fam, ["-sU"] + top + ["-n", "--reason"],
                              ["-n", "-sU"] + top + ["--reason", "-T4"], proto="udp",
                              ratelimit="100" if fast else "on", nmap_in_test=False,
                              nmap_reliable=False, top=UDP_TOP,
                              label="sU-rl100" if fast else None))
    for role in ("plain", "firewalled"):
        for fam in ("v4", "v6"):
            specs.append(Spec("sU", role, fam, ["-sU"] + top + ["-n", "--reason"],
                              ["-n", "-sU"] + top + ["--reason", "-T4"], proto="udp",
                              ratelimit="off", top=UDP_TOP, label="sU-rloff"))
    for fam in ("v4", "v6"):
        specs.append(Spec("sU", "drop", fam, ["-sU", "-Pn"] + top + ["-n", "--reason"],
                          ["-n", "-sU", "-Pn"] + top + ["--reason", "-T4"], proto="udp",
                          top=UDP_TOP))
    dtop = ["--top-ports", str(DROP_TCP_TOP)]
    for fam in ("v4", "v6"):
        specs.append(Spec("sS", "drop", fam, ["-sS", "-Pn"] + dtop + ["-n", "--reason"],
                          ["-n", "-sS", "-Pn"] + dtop + ["--reason", "-T4"] +
                          NMAP_DROP_SS_EXTRA, top=DROP_TCP_TOP))
    for fam in ("v4", "v6"):
        specs.append(Spec("sS", "sweep", fam, ["-sS", "-Pn", "-p80", "-n", "--reason"],
                          ["-n", "-sS", "-Pn", "-p80", "--reason", "-T4"]))
    return specs


SPECS = {s.id: s for s in all_specs()}


class Runner(RangeRunner):
    def __init__(self, args):
        super().__init__(args.portwarden, args.truth, args.workdir)
        self.nmap_only = args.nmap_only

    # ----------------------------------------------------------------------------------
    def set_ratelimit(self, case, mode):
        state = self.truth.meta.get("state_dir")
        prefix = self.truth.meta.get("prefix")
        cmd = ["bash", RANGE_SH, "icmp-ratelimit", mode, "--name", prefix]
        if state:
            cmd += ["--state", state]
        rc, out, err, _ = run(cmd, 60)
        if rc != 0:
            case.fail(f"range.sh icmp-ratelimit {mode} failed (exit {rc}):\n{tail(err + out)}")
            return False
        first = out.strip().splitlines()[0] if out.strip() else ""
        case.info(f"ICMP rate limit {mode}: {first.split(': ', 1)[-1]}")
        return True

    def expected(self, spec, addr):
        if spec.proto == "udp":
            return self.truth.ports(addr, "udp")
        return tcp_view(spec.tech, self.truth.ports(addr, "tcp"))

    def nmap_vs_expected(self, case, spec, nmap_ports, nmap_set, expected):
        """Prints how nmap compares to the expectation; returns the ports where it differs."""
        nd = compare(expected, nmap_ports, sorted(nmap_set))
        if not nd:
            case.ok(f"nmap -{spec.tech} == expected on all {len(nmap_set)} port(s) it scanned")
            return nd
        known = "" if spec.nmap_reliable else \
            " (expected: nmap -T4 does not wait for the kernel's ICMP rate limit)"
        print(f"  note [{case.name} {case.addr}] nmap -{spec.tech} differs from the expectation "
              f"on {len(nd)} port(s){known}:")
        for n, k in summarize_diffs(nd, "expected", "nmap"):
            print(f"      {n:6d} x  {k}")
        for p, t, n in nd[:MAX_SHOWN]:
            print(f"      port {p:5d}: expected {fmt_sr(t):28s} nmap {fmt_sr(n)}")
        if len(nd) > MAX_SHOWN:
            print(f"      ... and {len(nd) - MAX_SHOWN} more")
        return nd

    # ----------------------------------------------------------------------------------
    def host_case(self, case, spec):
        proto = spec.proto
        expected = self.expected(spec, case.addr)
        ok, xml, jsonl, t_ours = (False, None, None, 0.0)
        if not self.nmap_only:
            ok, xml, jsonl, t_ours = self.ours(case, spec.ours_args, "", proto=proto)
        nmap_xml, t_nmap = None, 0.0
        if self.nmap_only or spec.nmap_in_test:
            nmap_xml, t_nmap = self.nmap(case, spec.nmap_args, "")
        if self.nmap_only:
            print(f"  time [{case.name} {case.addr}] nmap {t_nmap:.1f} s", flush=True)
        elif spec.nmap_in_test:
            print(f"  time [{case.name} {case.addr}] ours {t_ours:.1f} s, nmap {t_nmap:.1f} s",
                  flush=True)
        else:
            print(f"  time [{case.name} {case.addr}] ours {t_ours:.1f} s (nmap not run in "
                  f"this case)", flush=True)

        nmap_ports, nmap_set, nmap_bad = {}, set(), set()
        if nmap_xml:
            nr = parse_nmap_xml(nmap_xml, proto)
            nh = xml_host(nr, case.addr)
            nmap_set = set(nr.scanned(proto) or [])
            if nh is None:
                case.fail("nmap reported no host record (host down?)")
            else:
                nmap_ports = nh.ports
                nd = self.nmap_vs_expected(case, spec, nmap_ports, nmap_set, expected)
                nmap_bad = {p for p, _, _ in nd}
                if nd and self.nmap_only and spec.nmap_reliable:
                    case.fail(f"nmap -{spec.tech} does not match the expected mapping on "
                              f"{len(nd)} port(s)")
        if self.nmap_only or not ok:
            return
        ours, js, xr, xh = self.our_ports(case, xml, jsonl, proto)

        # 1. ours scanned exactly the requested ports, and == expected on each.
        our_set = set(xr.scanned(proto) or [])
        if spec.top is None:
            want_set = set(ALL_TCP_PORTS)
            if our_set != want_set:
                case.fail(f"ours.xml <scaninfo> lists {len(our_set)} {proto} port(s), "
                          f"expected all 65535")
        else:
            want_set = our_set
            if len(our_set) != spec.top:
                case.fail(f"ours.xml <scaninfo> lists {len(our_set)} {proto} port(s) for "
                          f"--top-ports {spec.top}")
        stray = sorted(set(ours) - want_set)
        if stray:
            case.fail(f"ours reports {len(stray)} port(s) it did not list as scanned: "
                      f"{stray[:10]}")
        d = compare(expected, ours, sorted(want_set))
        if d:
            show_diffs(case, "ours != expected", d, "expected", "ours")
        else:
            case.ok(f"ours == expected on all {len(want_set)} {proto} port(s) (state and "
                    f"reason)")

        # 2. ours == nmap where nmap == expected (on the ports both scanned).
        if nmap_ports:
            agree = sorted((want_set & nmap_set) - nmap_bad)
            d = compare(nmap_ports, ours, agree)
            if d:
                show_diffs(case, "ours != nmap where nmap == expected", d, "nmap", "ours")
            else:
                case.ok(f"ours == nmap on the {len(agree)} port(s) both scanned where nmap == "
                        f"expected")
            only = len(want_set ^ nmap_set)
            if only:
                case.info(f"{only} port(s) scanned by only one side (the top-ports lists "
                          f"differ)")

        # 3. host and summary records, scan type.
        hrec = js.hosts.get(norm_addr(case.addr))
        if hrec is None or hrec.get("status") != "up":
            case.fail(f"JSON host record should say status up, got {hrec}")
        if js.summary is None or js.last_type != "summary":
            case.fail("JSON Lines do not end with a summary record")
        if xh is None or xh.status != "up":
            case.fail(f"XML host status should be up, got {xh.status if xh else 'no host'}")
        want_type = SCAN_TYPE[spec.tech]
        if xr.scan_type(proto) != want_type:
            case.fail(f"ours.xml <scaninfo type=\"{xr.scan_type(proto)}\">, nmap writes "
                      f"\"{want_type}\" for -{spec.tech}")

        if spec.tech == "SYNFIN":
            flags = [e.get("scanflags") for e in ET.parse(xml).getroot().iter("scaninfo")]
            if flags != ["FINSYN"]:
                case.fail(f"ours.xml <scaninfo scanflags> is {flags}, nmap writes ['FINSYN']")

        # 4. DTD-valid XML.
        self.check_dtd(case, xml)

        # 5. ndiff: only ports where nmap != expected, or scanned by one side only.
        if nmap_xml:
            self.check_ndiff(case, xml, nmap_xml, nmap_bad | (want_set ^ nmap_set), proto,
                             "nmap != expected or only one side scanned it")

    # ----------------------------------------------------------------------------------
    def multi_results(self, case, xml, jsonl, port):
        """{address: (state, reason)} of `port` from our JSON Lines and XML (cross-checked)."""
        js = parse_jsonl(jsonl, "tcp")
        for e in js.errors[:MAX_SHOWN]:
            case.fail(f"{os.path.basename(jsonl)}: {e}")
        try:
            xr = parse_nmap_xml(xml, "tcp")
        except ET.ParseError as e:
            case.fail(f"{os.path.basename(xml)} is not well-formed XML: {e}")
            return {}, js, None
        jres = {a: v for (a, p), v in js.ports.items() if p == port}
        other = [(a, p) for (a, p) in js.ports if p != port]
        if other:
            case.fail(f"JSON has {len(other)} record(s) of ports other than {port}: {other[:5]}")
        xres = {}
        for h in xr.hosts:
            if h.addresses and port in h.ports:
                xres[h.addresses[0]] = h.ports[port]
        mism = [(a, jres[a], xres[a]) for a in sorted(set(jres) & set(xres)) if jres[a] != xres[a]]
        if mism:
            show_diffs(case, "ours: JSON Lines and XML disagree", mism, "json", "xml")
        elif jres:
            case.ok(f"JSON Lines and XML agree on the {len(set(jres) & set(xres))} address(es) "
                    f"both list")
        merged = dict(xres)
        merged.update(jres)
        return merged, js, xr

    def sweep_case(self, case, spec):
        cidr, port, expected = self.truth.sweep_block(spec.fam)
        addrs = sorted(expected, key=lambda a: (len(a), a))
        ok, xml, jsonl, t_ours = (False, None, None, 0.0)
        if not self.nmap_only:
            ok, xml, jsonl, t_ours = self.ours(case, spec.ours_args, "", targets=[cidr])
        nmap_xml, t_nmap = self.nmap(case, spec.nmap_args, "", targets=[cidr],
                                     six=spec.fam == "v6")
        if self.nmap_only:
            print(f"  time [{case.name} {case.addr}] nmap {t_nmap:.1f} s", flush=True)
        else:
            print(f"  time [{case.name} {case.addr}] ours {t_ours:.1f} s, nmap {t_nmap:.1f} s",
                  flush=True)
        nmap_res, nmap_bad = {}, set()
        if nmap_xml:
            nr = parse_nmap_xml(nmap_xml, "tcp")
            for h in nr.hosts:
                if h.addresses and port in h.ports:
                    nmap_res[h.addresses[0]] = h.ports[port]
            nd = compare(expected, nmap_res, addrs)
            nmap_bad = {a for a, _, _ in nd}
            if nd:
                show_diffs(case, f"nmap differs from the truth (port {port})", nd, "expected",
                           "nmap", as_failure=self.nmap_only)
            else:
                case.ok(f"nmap == truth on port {port} of all {len(addrs)} addresses")
        if self.nmap_only or not ok:
            return
        ours, js, xr = self.multi_results(case, xml, jsonl, port)
        d = compare(expected, ours, addrs)
        if d:
            show_diffs(case, f"ours != truth (port {port})", d, "expected", "ours")
        else:
            case.ok(f"ours == truth on port {port} of all {len(addrs)} addresses "
                    f"(open, closed and dropped)")
        stray = sorted(set(ours) - set(expected))
        if stray:
            case.fail(f"ours reports addresses outside {cidr}: {stray[:5]}")
        if nmap_res:
            agree = [a for a in addrs if a not in nmap_bad]
            d = compare(nmap_res, ours, agree)
            if d:
                show_diffs(case, "ours != nmap where nmap == truth", d, "nmap", "ours")
            else:
                case.ok(f"ours == nmap on the {len(agree)} address(es) where nmap == truth")
        if js.summary is None or js.last_type != "summary":
            case.fail("JSON Lines do not end with a summary record")
        if xr is not None and xr.scan_type("tcp") != "syn":
            case.fail(f"ours.xml <scaninfo type=\"{xr.scan_type('tcp')}\">, expected \"syn\"")
        self.check_dtd(case, xml)
        if nmap_xml:
            self.check_ndiff(case, xml, nmap_xml, {(a, port) for a in nmap_bad}, "tcp",
                             "nmap != truth", per_host=True)

    # ----------------------------------------------------------------------------------
    def run_case(self, spec):
        if spec.role == "sweep":
            addr = self.truth.sweep_block(spec.fam)[0] if "net" in self.truth.sweep else "?"
        else:
            if spec.role not in self.truth.hosts:
                raise SystemExit(f"truth file has no host '{spec.role}'")
            addr = self.truth.hosts[spec.role][0 if spec.fam == "v4" else 1]
        case = Case(spec.id, addr)
        mode = " (nmap only)" if self.nmap_only else ""
        print(f"=== {spec.id}: {spec.role} {addr} (scanner namespace {self.ns}){mode} ===",
              flush=True)
        t0 = time.monotonic()
        try:
            if spec.ratelimit is None or self.set_ratelimit(case, spec.ratelimit):
                if spec.role == "sweep":
                    self.sweep_case(case, spec)
                else:
                    self.host_case(case, spec)
        finally:
            if spec.ratelimit not in (None, "on"):
                self.set_ratelimit(case, "on")
        verdict = "PASS" if not case.failures else f"FAIL ({len(case.failures)} problem(s))"
        print(f"--- {spec.id} ({addr}): {verdict} in {time.monotonic() - t0:.1f} s", flush=True)
        return case


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("portwarden", nargs="?")
    ap.add_argument("truth", nargs="?")
    ap.add_argument("--case", action="append", metavar="ID",
                    help="run only this case (repeatable; default all; see --list)")
    ap.add_argument("--workdir", default=None, help="where scan outputs go (kept)")
    ap.add_argument("--nmap-only", action="store_true",
                    help="run only nmap and compare it with the expected mapping")
    ap.add_argument("--list", action="store_true", help="print the case IDs and exit")
    args = ap.parse_args()
    if args.list:
        for s in SPECS.values():
            print(s.id)
        return 0
    if not args.portwarden or not args.truth:
        ap.error("PORTWARDEN and TRUTH are required")
    for c in args.case or []:
        if c not in SPECS:
            print(f"raw_scan_test: unknown case '{c}' (see --list)")
            print("0 passed, 1 failed")
            return 1
    runner, problem = start("raw_scan_test", args, Runner, "raw_scan")
    if problem:
        print(problem)
        print("0 passed, 1 failed")
        return 1
    specs = [SPECS[c] for c in args.case] if args.case else list(SPECS.values())
    results = [runner.run_case(s) for s in specs]
    passed = [c for c in results if not c.failures]
    failed = [c for c in results if c.failures]
    print()
    for c in results:
        print(f"{'PASS' if not c.failures else 'FAIL'}  {c.name:24s} {c.addr}")
    print(f"{len(passed)} passed, {len(failed)} failed")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
