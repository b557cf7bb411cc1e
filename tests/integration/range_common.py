"""Shared helpers of the integration tests that scan the namespace test range.

Used by connect_scan_test.py (-sT) and raw_scan_test.py (-sS/-sA/-sW/-sF/-sN/-sX/-sM/-sU),
and by bench/raw_bench.sh's helper. Standard library only.

  * Truth: the ground-truth TSV that `tests/range/range.sh up` writes (header: namespaces,
    hosts, the sweep block; body: address, proto, port, state, reason).
  * Parsers: nmap-format XML (ours and nmap's), our JSON Lines, `ndiff --xml` output; each
    for one protocol (tcp or udp) at a time.
  * RangeRunner: runs ours and nmap inside the range's scanner namespace (always wrapped in
    `timeout`), checks our XML against nmap's DTD, runs ndiff.
"""
import ipaddress
import json
import os
import re
import subprocess
import time
import xml.etree.ElementTree as ET

NMAP_DTD = "/usr/share/nmap/nmap.dtd"
OUR_TIMEOUT = 300          # seconds, for each run of ours (`timeout 300`)
NMAP_HOST_TIMEOUT = "300s"  # nmap --host-timeout
NMAP_TIMEOUT = 330          # outer `timeout` around nmap
MAX_SHOWN = 20              # differences printed per check
ALL_TCP_PORTS = range(1, 65536)

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
        self.sweep = {}     # "net" -> [v4 cidr, v6 cidr], "port" -> [port], "open"/... -> [spec]
        self.silent = []    # [v4 cidr, v6 cidr]
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
                elif len(words) >= 3 and words[0] == "sweep" and not words[1].startswith("("):
                    self.sweep[words[1]] = words[2:]
                elif len(words) >= 3 and words[0] == "silent":
                    self.silent = words[1:3]
        if "scanner_ns" not in self.meta:
            raise SystemExit(f"{path}: no '# scanner_ns=' header line: not a range truth file")
        self.scanner_ns = self.meta["scanner_ns"]

    def ports(self, addr, proto="tcp"):
        """port -> (state, reason) for one address and protocol: all 65535 ports."""
        want = norm_addr(addr)
        same = {}   # address as written -> is it `addr`? (few distinct addresses)
        out = {}
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("#"):
                    continue
                a, pr, port, state, reason = line.rstrip("\n").split("\t")
                if pr != proto:
                    continue
                hit = same.get(a)
                if hit is None:
                    hit = same[a] = norm_addr(a) == want
                if hit:
                    out[int(port)] = (state, reason)
        if len(out) != 65535:
            raise SystemExit(f"{self.path}: {len(out)} {proto.upper()} lines for {addr}, "
                             f"expected 65535")
        return out

    def sweep_block(self, family):
        """(cidr, port, {address: (state, reason)}) of the sweep block, family 'v4' or 'v6'."""
        if "net" not in self.sweep or "port" not in self.sweep:
            raise SystemExit(f"{self.path}: no '# sweep net' / '# sweep port' header lines "
                             f"(a range from before the sweep block?)")
        cidr = self.sweep["net"][0 if family == "v4" else 1]
        port = int(self.sweep["port"][0])
        net = ipaddress.ip_network(cidr)
        want = {a.compressed for a in net}
        out = {}
        port_text = str(port)
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("#"):
                    continue
                a, pr, p, state, reason = line.rstrip("\n").split("\t")
                if pr == "tcp" and p == port_text:
                    a = norm_addr(a)
                    if a in want:
                        out[a] = (state, reason)
        if len(out) != net.num_addresses:
            raise SystemExit(f"{self.path}: {len(out)} truth lines for the sweep block {cidr}, "
                             f"expected {net.num_addresses}")
        return cidr, port, out


# --------------------------------------------------------------------------------------
# Parsers for nmap-format XML and our JSON Lines.

class XmlHost:
    def __init__(self):
        self.addresses = []
        self.status = None
        self.status_reason = None
        self.ports = {}          # port -> (state, reason), one protocol
        self.unknown_extra = []  # extraports whose ports could not be listed


class XmlRun:
    def __init__(self):
        self.hosts = []
        self.hosts_up = None
        self.hosts_down = None
        self.scaninfo = []       # [{"type", "protocol", "services": [ports]}]

    def scanned(self, proto):
        """The ports <scaninfo> says were scanned for proto (None if no scaninfo)."""
        for si in self.scaninfo:
            if si["protocol"] == proto:
                return si["services"]
        return None

    def scan_type(self, proto):
        for si in self.scaninfo:
            if si["protocol"] == proto:
                return si["type"]
        return None


def parse_nmap_xml(path, proto="tcp"):
    run = XmlRun()
    root = ET.parse(path).getroot()
    for si in root.findall("scaninfo"):
        run.scaninfo.append({"type": si.get("type"), "protocol": si.get("protocol"),
                             "services": expand_ports(si.get("services") or "")})
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
                    if er.get("proto", proto) != proto:
                        continue
                    if er.get("ports") is None:
                        host.unknown_extra.append((state, er.get("reason"), er.get("count")))
                        continue
                    for p in expand_ports(er.get("ports")):
                        host.ports[p] = (state, norm_reason(er.get("reason")))
                if not ep.findall("extrareasons"):
                    host.unknown_extra.append((state, None, ep.get("count")))
            for p in ports.findall("port"):
                if p.get("protocol") != proto:
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
        self.ports = {}       # (addr, port) -> (state, reason), one protocol
        self.other_proto = 0  # port records of another protocol
        self.hosts = {}       # addr -> record
        self.summary = None
        self.errors = []
        self.last_type = None


def parse_jsonl(path, proto="tcp"):
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
                    if rec.get("proto", "tcp") != proto:
                        run.other_proto += 1
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


def parse_ndiff_xml(text, proto="tcp"):
    """Ports (of proto) named in <portdiff> elements as {(host id, port): (a, b)}, whether a
    host's state changed, and whether the extraports ("Not shown") summaries differ (ndiff
    cannot see single ports inside extraports, so a port both sides collapse is never a
    <portdiff>). The host id is the first address of the <hostdiff>."""
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
        addr = None
        for a in hd.iter("address"):
            if a.get("addrtype") in ("ipv4", "ipv6"):
                addr = norm_addr(a.get("addr"))
                break
        for pd in hd.iter("portdiff"):
            sides = {}
            for side in ("a", "b"):
                p = pd.find(f"{side}/port")
                if p is not None:
                    s = p.find("state")
                    svc = p.find("service")
                    sides[side] = (int(p.get("portid")), p.get("protocol"),
                                   s.get("state") if s is not None else None,
                                   svc.get("name") if svc is not None else None)
            for portid, pr, _, _ in sides.values():
                if pr == proto:
                    ports[(addr, portid)] = (sides.get("a"), sides.get("b"))
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


def summarize_diffs(diffs, left, right):
    """[(key, a, b)] -> [(count, 'left a -> right b')], most frequent first."""
    by_kind = {}
    for _, a, b in diffs:
        k = f"{left} {fmt_sr(a)} -> {right} {fmt_sr(b)}"
        by_kind[k] = by_kind.get(k, 0) + 1
    return sorted(((n, k) for k, n in by_kind.items()), key=lambda nk: -nk[0])


def show_diffs(case, title, diffs, left, right, as_failure=True):
    """diffs: sorted list of (port, left_sr, right_sr)."""
    msg = f"{title}: {len(diffs)} port(s) differ"
    if as_failure:
        case.fail(msg)
    else:
        case.info(msg)
    for n, k in summarize_diffs(diffs, left, right):
        print(f"      {n:6d} x  {k}")
    for port, a, b in diffs[:MAX_SHOWN]:
        print(f"      port {port!s:>5}: {left} {fmt_sr(a):28s} {right} {fmt_sr(b)}")
    if len(diffs) > MAX_SHOWN:
        print(f"      ... and {len(diffs) - MAX_SHOWN} more")


def compare(a, b, ports=ALL_TCP_PORTS):
    return [(p, a.get(p), b.get(p)) for p in ports if a.get(p) != b.get(p)]


def preflight(prog, args, tools=("ip", "nmap", "ndiff", "xmllint", "timeout")):
    """None if the test can run, else the message to print (root, tools, truth file)."""
    import shutil
    if os.geteuid() != 0:
        return f"{prog}: must run as root (network namespaces, raw scans)"
    for tool in tools:
        if shutil.which(tool) is None:
            return f"{prog}: required tool not found: {tool}"
    if not os.path.isfile(args.truth):
        return (f"{prog}: no truth file {args.truth} (is the range up? "
                f"tests/range/range.sh up --truth {args.truth})")
    return None


def start(prog, args, make_runner, subdir):
    """Preflight, default work directory, the runner, its scanner namespace: (runner, None) when
    the test can run, else (None, the message to print)."""
    problem = preflight(prog, args)
    if problem:
        return None, problem
    if args.workdir is None:
        args.workdir = os.path.join(os.path.dirname(os.path.abspath(args.truth)), subdir)
    os.makedirs(args.workdir, exist_ok=True)
    runner = make_runner(args)
    if not os.path.exists(f"/run/netns/{runner.ns}"):
        return None, f"{prog}: scanner namespace {runner.ns} does not exist (range down?)"
    return runner, None


class RangeRunner:
    """Runs ours and nmap in the range's scanner namespace; common checks."""

    def __init__(self, portwarden, truth_path, workdir):
        self.portwarden = portwarden
        self.truth = Truth(truth_path)
        self.ns = self.truth.scanner_ns
        self.workdir = workdir

    def in_ns(self, cmd):
        return ["ip", "netns", "exec", self.ns] + cmd

    def ours(self, case, extra, tag, targets=None, proto="tcp"):
        """Runs portwarden; returns (ok, xml_path, jsonl_path, seconds)."""
        base = case.name.replace(":", "_")
        xml = os.path.join(self.workdir, f"ours-{base}{tag}.xml")
        jsonl = os.path.join(self.workdir, f"ours-{base}{tag}.jsonl")
        for p in (xml, jsonl):
            if os.path.exists(p):
                os.unlink(p)
        if not (os.path.isfile(self.portwarden) and os.access(self.portwarden, os.X_OK)):
            case.fail(f"{self.portwarden}: portwarden: not found")
            return False, xml, jsonl, 0.0
        cmd = self.in_ns(["timeout", str(OUR_TIMEOUT), self.portwarden, "scan"] + extra +
                         ["-oX", xml, "-oJ", jsonl] + (targets or [case.addr]))
        case.info("ours: " + " ".join(cmd))
        rc, out, err, secs = run(cmd, OUR_TIMEOUT + 30)
        case.info(f"ours took {secs:.1f} s (exit {rc})")
        if rc != 0:
            case.fail(f"portwarden exited {rc} after {secs:.1f} s; stderr:\n{tail(err)}")
            if os.path.isfile(jsonl):   # what it had done by then, for the diagnosis
                js = parse_jsonl(jsonl, proto)
                done = len(js.ports)
                case.info(f"partial output: {done} {proto} port record(s); host records "
                          f"{list(js.hosts.values())[:2]}; summary {js.summary}")
            return False, xml, jsonl, secs
        for p in (xml, jsonl):
            if not os.path.isfile(p):
                case.fail(f"portwarden wrote no {p}")
                return False, xml, jsonl, secs
        return True, xml, jsonl, secs

    def nmap(self, case, extra, tag, targets=None, six=None):
        xml = os.path.join(self.workdir, f"nmap-{case.name.replace(':', '_')}{tag}.xml")
        if os.path.exists(xml):
            os.unlink(xml)
        if six is None:
            six = ":" in case.addr
        cmd = self.in_ns(["timeout", str(NMAP_TIMEOUT), "nmap"] + (["-6"] if six else []) +
                         extra + ["--host-timeout", NMAP_HOST_TIMEOUT, "-oX", xml] +
                         (targets or [case.addr]))
        case.info("nmap: " + " ".join(cmd))
        rc, out, err, secs = run(cmd, NMAP_TIMEOUT + 30)
        case.info(f"nmap took {secs:.1f} s (exit {rc})")
        if rc != 0 or not os.path.isfile(xml):
            case.fail(f"nmap exited {rc}; stderr:\n{tail(err)}")
            return None, secs
        return xml, secs

    def our_ports(self, case, xml_path, jsonl_path, proto="tcp"):
        """Our per-port results of case.addr from JSON Lines, cross-checked with (and
        completed from) XML. Returns (ports, jsonl run, xml run, xml host)."""
        js = parse_jsonl(jsonl_path, proto)
        for e in js.errors[:MAX_SHOWN]:
            case.fail(f"{os.path.basename(jsonl_path)}: {e}")
        try:
            xr = parse_nmap_xml(xml_path, proto)
        except ET.ParseError as e:
            case.fail(f"{os.path.basename(xml_path)} is not well-formed XML: {e}")
            xr = XmlRun()
        xh = xml_host(xr, case.addr)
        want = norm_addr(case.addr)
        jports = {p: v for (a, p), v in js.ports.items() if a == want}
        others = sorted({a for (a, _) in js.ports if a != want})
        if others:
            case.fail(f"JSON has port records for other hosts: {others[:5]}")
        if js.other_proto:
            case.fail(f"JSON has {js.other_proto} port record(s) of a protocol other than "
                      f"{proto}")
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

    def check_dtd(self, case, xml):
        rc, out, err, _ = run(["xmllint", "--noout", "--dtdvalid", NMAP_DTD, xml], 120)
        if rc == 0:
            case.ok(f"{os.path.basename(xml)} is valid against {NMAP_DTD}")
        else:
            case.fail(f"xmllint --dtdvalid {NMAP_DTD} {os.path.basename(xml)} failed "
                      f"(exit {rc}):\n{tail(err + out, 12)}")

    def check_ndiff(self, case, ours_xml, nmap_xml, allowed, proto="tcp", why="nmap != truth",
                    per_host=False):
        """ndiff ours nmap: every port it names must be in `allowed` (a set of ports; of
        (address, port) pairs with per_host, for scans of several hosts)."""
        rc, out, err, _ = run(["ndiff", "--xml", ours_xml, nmap_xml], 120)
        if rc not in (0, 1):
            case.fail(f"ndiff failed (exit {rc}):\n{tail(err)}")
            return
        try:
            ports, host_changed, extra_changed = parse_ndiff_xml(out, proto)
        except ET.ParseError as e:
            case.fail(f"cannot parse ndiff --xml output: {e}")
            return
        if extra_changed:
            text = run(["ndiff", ours_xml, nmap_xml], 120)[1]
            shown = [l.strip() for l in text.splitlines() if "Not shown" in l]
            case.info(f"ndiff: the 'Not shown' summaries differ (expected where {why}): "
                      + " | ".join(shown[:6]))
        if host_changed:
            case.fail("ndiff: host state differs between ours and nmap")
        keyed = {(k if per_host else k[1]): v for k, v in ports.items()}
        extra = sorted((k for k in keyed if k not in allowed), key=str)
        if extra:
            case.fail(f"ndiff reports {len(extra)} port(s) outside the allowed set ({why}) "
                      f"(a = ours, b = nmap; (port, proto, state, service)):")
            for k in extra[:MAX_SHOWN]:
                a, b = keyed[k]
                print(f"      port {k!s:>5}: ours {a}  nmap {b}")
        else:
            shown = ", ".join(str(k) for k in sorted(keyed, key=str)) or "none"
            case.ok(f"ndiff: every differing port is one where {why} ({shown})")
