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

Standard library only. Every scan runs inside the range's scanner namespace and is bounded
(`timeout`, nmap --host-timeout). Output names the host of every result; the last line is
"N passed, N failed"; the exit status is 0 only if every case passed.
"""
import argparse
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

NMAP_DTD = "/usr/share/nmap/nmap.dtd"
OUR_TIMEOUT = 300          # seconds, for each run of ours (`timeout 300`)
NMAP_HOST_TIMEOUT = "300s"  # nmap --host-timeout
NMAP_TIMEOUT = 330          # outer `timeout` around nmap
MAX_SHOWN = 20              # differences printed per check
# Extra flags for ours on the drop-everything host with -Pn -p- (65535 unanswered ports must
# finish within OUR_TIMEOUT; nmap -sT -Pn -T4 -p- does not: it hits --host-timeout 300s).
DROP_EXTRA = ["-T4"]
ALL_CASES = ["plain-v4", "plain-v6", "firewalled-v4", "firewalled-v6", "drop-v4", "drop-v6"]

# nmap prints some reasons in the plural in "Not shown" lines; accept both.
PLURAL_REASONS = {
    "syn-acks": "syn-ack", "resets": "reset", "no-responses": "no-response",
    "port-unreaches": "port-unreach", "host-unreaches": "host-unreach",
    "net-unreaches": "net-unreach", "proto-unreaches": "proto-unreach",
    "admin-prohibiteds": "admin-prohibited", "host-prohibiteds": "host-prohibited",
    "net-prohibiteds": "net-prohibited", "echo-replies": "echo-reply",
    "udp-responses": "udp-response", "unknown-responses": "unknown-response",
    "dest-unreaches": "dest-unreach", "perm-denieds": "perm-denied",
    "time-exceededs": "time-exceeded",
}


def norm_addr(text):
    return ipaddress.ip_address(text.strip()).compressed


def norm_reason(text):
    return PLURAL_REASONS.get(text, text)


def expand_ports(spec):
    """'1-3,7' -> [1, 2, 3, 7]"""
    out = []
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        if "-" in item:
            lo, hi = item.split("-", 1)
            out.extend(range(int(lo), int(hi) + 1))
        else:
            out.append(int(item))
    return out


# --------------------------------------------------------------------------------------
# Ground truth.

class Truth:
    def __init__(self, path):
        self.path = path
        self.meta = {}
        self.hosts = {}     # role -> (v4, v6)
        self.host_ns = {}   # role -> namespace
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.startswith("#"):
                    break
                body = line[1:].strip()
                m = re.fullmatch(r"([a-z_]+)=(\S*)", body)
                if m:
                    self.meta[m.group(1)] = m.group(2)
                    continue
                words = body.split()
                if len(words) == 4 and words[0] == "host":
                    self.hosts[words[1]] = (norm_addr(words[2]), norm_addr(words[3]))
                elif len(words) == 3 and words[0] == "host_ns":
                    self.host_ns[words[1]] = words[2]
        if "scanner_ns" not in self.meta:
            raise SystemExit(f"{path}: no '# scanner_ns=' header line: not a range truth file")
        self.scanner_ns = self.meta["scanner_ns"]

    def ports(self, addr):
        """port -> (state, reason) for one address, TCP."""
        want = norm_addr(addr)
        out = {}
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("#"):
                    continue
                a, proto, port, state, reason = line.rstrip("\n").split("\t")
                if proto == "tcp" and (a == addr or norm_addr(a) == want):
                    out[int(port)] = (state, reason)
        if len(out) != 65535:
            raise SystemExit(f"{self.path}: {len(out)} TCP lines for {addr}, expected 65535")
        return out


def connect_scan_view(truth_ports):
    """The truth speaks for a SYN scan; a connect scan reports a RST as conn-refused."""
    return {p: (s, "conn-refused" if r == "reset" else r) for p, (s, r) in truth_ports.items()}


# --------------------------------------------------------------------------------------
# Parsers for nmap-format XML and our JSON Lines.

class XmlHost:
    def __init__(self):
        self.addresses = []
        self.status = None
        self.status_reason = None
        self.ports = {}          # port -> (state, reason), tcp only
        self.unknown_extra = []  # extraports whose ports could not be listed


class XmlRun:
    def __init__(self):
        self.hosts = []
        self.hosts_up = None
        self.hosts_down = None


def parse_nmap_xml(path):
    run = XmlRun()
    root = ET.parse(path).getroot()
    for h in root.iter("host"):
        host = XmlHost()
        st = h.find("status")
        if st is not None:
            host.status = st.get("state")
            host.status_reason = st.get("reason")
        for a in h.findall("address"):
            if a.get("addrtype") in ("ipv4", "ipv6"):
                host.addresses.append(norm_addr(a.get("addr")))
        ports = h.find("ports")
        if ports is not None:
            for ep in ports.findall("extraports"):
                state = ep.get("state")
                for er in ep.findall("extrareasons"):
                    if er.get("proto", "tcp") != "tcp":
                        continue
                    if er.get("ports") is None:
                        host.unknown_extra.append((state, er.get("reason"), er.get("count")))
                        continue
                    for p in expand_ports(er.get("ports")):
                        host.ports[p] = (state, norm_reason(er.get("reason")))
                if not ep.findall("extrareasons"):
                    host.unknown_extra.append((state, None, ep.get("count")))
            for p in ports.findall("port"):
                if p.get("protocol") != "tcp":
                    continue
                s = p.find("state")
                host.ports[int(p.get("portid"))] = (s.get("state"), norm_reason(s.get("reason")))
        run.hosts.append(host)
    hs = root.find("runstats/hosts")
    if hs is not None:
        run.hosts_up = int(hs.get("up", "0"))
        run.hosts_down = int(hs.get("down", "0"))
    return run


def xml_host(run, addr):
    want = norm_addr(addr)
    for h in run.hosts:
        if want in h.addresses:
            return h
    return None


class JsonRun:
    def __init__(self):
        self.ports = {}       # (addr, port) -> (state, reason), tcp only
        self.hosts = {}       # addr -> record
        self.summary = None
        self.errors = []
        self.last_type = None


def parse_jsonl(path):
    run = JsonRun()
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError as e:
                run.errors.append(f"line {n}: not JSON ({e})")
                continue
            t = rec.get("type")
            run.last_type = t
            try:
                if t == "port":
                    if rec.get("proto", "tcp") != "tcp":
                        continue
                    key = (norm_addr(rec["host"]), int(rec["port"]))
                    val = (rec["state"], norm_reason(rec["reason"]))
                    if key in run.ports and run.ports[key] != val:
                        run.errors.append(f"line {n}: port {key[1]} of {key[0]} reported twice, "
                                          f"{run.ports[key]} and {val}")
                    run.ports[key] = val
                elif t == "host":
                    run.hosts[norm_addr(rec["host"])] = rec
                elif t == "summary":
                    run.summary = rec
            except (KeyError, TypeError, ValueError) as e:
                run.errors.append(f"line {n}: bad {t} record ({e!r}): {line.strip()[:200]}")
    return run


def parse_ndiff_xml(text):
    """Ports (tcp) named in <portdiff> elements, whether a host's state changed, and whether
    the extraports ("Not shown") summaries differ (ndiff cannot see single ports inside
    extraports, so a port both sides collapse is never a <portdiff>)."""
    ports = {}
    host_state_changed = False
    root = ET.fromstring(text)
    extraports_changed = root.find(".//ports/a/extraports") is not None or \
        root.find(".//ports/b/extraports") is not None
    for hd in root.iter("hostdiff"):
        h = hd.find("host")
        if h is not None and h.find("a/status") is not None and h.find("b/status") is not None:
            host_state_changed = True
        if h is None and (hd.find("a") is not None) != (hd.find("b") is not None):
            host_state_changed = True   # host missing from one scan
    for pd in root.iter("portdiff"):
        sides = {}
        for side in ("a", "b"):
            p = pd.find(f"{side}/port")
            if p is not None:
                s = p.find("state")
                svc = p.find("service")
                sides[side] = (int(p.get("portid")), p.get("protocol"),
                               s.get("state") if s is not None else None,
                               svc.get("name") if svc is not None else None)
        for portid, proto, _, _ in sides.values():
            if proto == "tcp":
                ports[portid] = (sides.get("a"), sides.get("b"))
    return ports, host_state_changed, extraports_changed


# --------------------------------------------------------------------------------------
# Running things.

def run(cmd, timeout):
    t0 = time.monotonic()
    try:
        cp = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                            timeout=timeout)
        rc, out, err = cp.returncode, cp.stdout, cp.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = None, e.stdout or "", (e.stderr or "") + f"\n(killed after {timeout} s)"
        if isinstance(out, bytes):
            out = out.decode(errors="replace")
        if isinstance(err, bytes):
            err = err.decode(errors="replace")
    return rc, out, err, time.monotonic() - t0


def tail(text, n=8):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return "\n".join("      | " + l for l in lines[-n:])


def fmt_sr(sr):
    return f"{sr[0]}/{sr[1]}" if sr else "(missing)"


class Case:
    def __init__(self, name, addr):
        self.name = name
        self.addr = addr
        self.failures = []
        self.notes = []

    def fail(self, msg):
        self.failures.append(msg)
        print(f"  FAIL [{self.name} {self.addr}] {msg}", flush=True)

    def ok(self, msg):
        print(f"  ok   [{self.name} {self.addr}] {msg}", flush=True)

    def info(self, msg):
        print(f"  ..   [{self.name} {self.addr}] {msg}", flush=True)


def show_diffs(case, title, diffs, left, right):
    """diffs: sorted list of (port, left_sr, right_sr)."""
    by_kind = {}
    for _, a, b in diffs:
        k = f"{left} {fmt_sr(a)} -> {right} {fmt_sr(b)}"
        by_kind[k] = by_kind.get(k, 0) + 1
    case.fail(f"{title}: {len(diffs)} port(s) differ")
    for k, n in sorted(by_kind.items(), key=lambda kv: -kv[1]):
        print(f"      {n:6d} x  {k}")
    for port, a, b in diffs[:MAX_SHOWN]:
        print(f"      port {port:5d}: {left} {fmt_sr(a):28s} {right} {fmt_sr(b)}")
    if len(diffs) > MAX_SHOWN:
        print(f"      ... and {len(diffs) - MAX_SHOWN} more")


def compare(a, b, ports=range(1, 65536)):
    return [(p, a.get(p), b.get(p)) for p in ports if a.get(p) != b.get(p)]


class Runner:
    def __init__(self, args):
        self.portwarden = args.portwarden
        self.truth = Truth(args.truth)
        self.ns = self.truth.scanner_ns
        self.workdir = args.workdir

    def in_ns(self, cmd):
        return ["ip", "netns", "exec", self.ns] + cmd

    def ours(self, case, extra, tag):
        """Runs portwarden; returns (ok, xml_path, jsonl_path, seconds)."""
        xml = os.path.join(self.workdir, f"ours-{case.name}{tag}.xml")
        jsonl = os.path.join(self.workdir, f"ours-{case.name}{tag}.jsonl")
        for p in (xml, jsonl):
            if os.path.exists(p):
                os.unlink(p)
        if not (os.path.isfile(self.portwarden) and os.access(self.portwarden, os.X_OK)):
            case.fail(f"{self.portwarden}: portwarden: not found")
            return False, xml, jsonl, 0.0
        cmd = self.in_ns(["timeout", str(OUR_TIMEOUT), self.portwarden, "scan"] + extra +
                         ["-oX", xml, "-oJ", jsonl, case.addr])
        case.info("ours: " + " ".join(cmd))
        rc, out, err, secs = run(cmd, OUR_TIMEOUT + 30)
        case.info(f"ours took {secs:.1f} s (exit {rc})")
        if rc != 0:
            case.fail(f"portwarden exited {rc} after {secs:.1f} s; stderr:\n{tail(err)}")
            if os.path.isfile(jsonl):   # what it had done by then, for the diagnosis
                js = parse_jsonl(jsonl)
                done = sum(1 for (a, _) in js.ports if a == norm_addr(case.addr))
                case.info(f"partial output: {done} port record(s); last host record "
                          f"{js.hosts.get(norm_addr(case.addr))}; summary {js.summary}")
            return False, xml, jsonl, secs
        for p in (xml, jsonl):
            if not os.path.isfile(p):
                case.fail(f"portwarden wrote no {p}")
                return False, xml, jsonl, secs
        return True, xml, jsonl, secs

    def nmap(self, case, extra, tag):
        xml = os.path.join(self.workdir, f"nmap-{case.name}{tag}.xml")
        if os.path.exists(xml):
            os.unlink(xml)
        six = ["-6"] if ":" in case.addr else []
        cmd = self.in_ns(["timeout", str(NMAP_TIMEOUT), "nmap"] + six + extra +
                         ["--host-timeout", NMAP_HOST_TIMEOUT, "-oX", xml, case.addr])
        case.info("nmap: " + " ".join(cmd))
        rc, out, err, secs = run(cmd, NMAP_TIMEOUT + 30)
        case.info(f"nmap took {secs:.1f} s (exit {rc})")
        if rc != 0 or not os.path.isfile(xml):
            case.fail(f"nmap exited {rc}; stderr:\n{tail(err)}")
            return None, secs
        return xml, secs

    def our_ports(self, case, xml_path, jsonl_path):
        """Our per-port results from JSON Lines, cross-checked with (and completed from) XML."""
        js = parse_jsonl(jsonl_path)
        for e in js.errors[:MAX_SHOWN]:
            case.fail(f"{os.path.basename(jsonl_path)}: {e}")
        try:
            xr = parse_nmap_xml(xml_path)
        except ET.ParseError as e:
            case.fail(f"{os.path.basename(xml_path)} is not well-formed XML: {e}")
            xr = XmlRun()
        xh = xml_host(xr, case.addr)
        want = norm_addr(case.addr)
        jports = {p: v for (a, p), v in js.ports.items() if a == want}
        others = sorted({a for (a, _) in js.ports if a != want})
        if others:
            case.fail(f"JSON has port records for other hosts: {others[:5]}")
        xports = xh.ports if xh else {}
        if xh and xh.unknown_extra:
            case.info(f"XML extraports without a ports list (cannot be checked per port): "
                      f"{xh.unknown_extra}")
        both = sorted(set(jports) & set(xports))
        mism = [(p, jports[p], xports[p]) for p in both if jports[p] != xports[p]]
        if mism:
            show_diffs(case, "ours: JSON Lines and XML disagree", mism, "json", "xml")
        elif both:
            case.ok(f"JSON Lines and XML agree on the {len(both)} port(s) both list")
        merged = dict(xports)
        merged.update(jports)
        return merged, js, xr, xh

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
            self.check_ndiff(case, xml, nmap_xml, nmap_bad, expected, nmap_ports)

    def check_dtd(self, case, xml):
        rc, out, err, _ = run(["xmllint", "--noout", "--dtdvalid", NMAP_DTD, xml], 120)
        if rc == 0:
            case.ok(f"{os.path.basename(xml)} is valid against {NMAP_DTD}")
        else:
            case.fail(f"xmllint --dtdvalid {NMAP_DTD} {os.path.basename(xml)} failed "
                      f"(exit {rc}):\n{tail(err + out, 12)}")

    def check_ndiff(self, case, ours_xml, nmap_xml, nmap_bad, expected, nmap_ports):
        rc, out, err, _ = run(["ndiff", "--xml", ours_xml, nmap_xml], 120)
        if rc not in (0, 1):
            case.fail(f"ndiff failed (exit {rc}):\n{tail(err)}")
            return
        try:
            ports, host_changed, extra_changed = parse_ndiff_xml(out)
        except ET.ParseError as e:
            case.fail(f"cannot parse ndiff --xml output: {e}")
            return
        if extra_changed:
            text = run(["ndiff", ours_xml, nmap_xml], 120)[1]
            shown = [l.strip() for l in text.splitlines() if "Not shown" in l]
            case.info("ndiff: the 'Not shown' summaries differ (expected where nmap != truth): "
                      + " | ".join(shown))
        if host_changed:
            case.fail("ndiff: host state differs between ours and nmap")
        extra = sorted(p for p in ports if p not in nmap_bad)
        if extra:
            case.fail(f"ndiff reports {len(extra)} port(s) where nmap == truth "
                      f"(a = ours, b = nmap; (port, proto, state, service)):")
            for p in extra[:MAX_SHOWN]:
                a, b = ports[p]
                print(f"      port {p:5d}: ours {a}  nmap {b}")
        else:
            shown = ", ".join(str(p) for p in sorted(ports)) or "none"
            case.ok(f"ndiff: every differing port is one where nmap != truth ({shown})")

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
    if os.geteuid() != 0:
        print("connect_scan_test: must run as root (network namespaces, raw scans)")
        print("0 passed, 1 failed")
        return 1
    for tool in ("ip", "nmap", "ndiff", "xmllint", "timeout"):
        if shutil.which(tool) is None:
            print(f"connect_scan_test: required tool not found: {tool}")
            print("0 passed, 1 failed")
            return 1
    if not os.path.isfile(args.truth):
        print(f"connect_scan_test: no truth file {args.truth} (is the range up? "
              f"tests/range/range.sh up --truth {args.truth})")
        print("0 passed, 1 failed")
        return 1
    if args.workdir is None:
        args.workdir = os.path.join(os.path.dirname(os.path.abspath(args.truth)), "connect_scan")
    os.makedirs(args.workdir, exist_ok=True)
    runner = Runner(args)
    if not os.path.exists(f"/run/netns/{runner.ns}"):
        print(f"connect_scan_test: scanner namespace {runner.ns} does not exist (range down?)")
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
