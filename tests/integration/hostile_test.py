#!/usr/bin/env python3
"""Hostile responders and ICMP rate limits (issue #16 items 2 and 7).

Makes its own namespaces (not range.sh's range): PREFIX-s (the scanner) with two veths,
  h0 198.18.77.1/24, fd00:0:0:77::1/64 -> PREFIX-h: pw_hostile on an address-less eth0 answers
     for 198.18.77.2 / fd00:0:0:77::2 (the scanner has permanent ARP/ND entries for them), its
     kernel answers nothing; replies also come "from" 198.18.77.3 / fd00:0:0:77::3
  r0 198.18.78.1/24 -> PREFIX-r: 198.18.78.2, the kernel's own TCP stack behind nftables:
     tcp 20000-20039 reject with icmpx admin-prohibited, 20048-20055 drop, the rest closed (RST);
     the kernel's ICMP rate limit on (net.ipv4.icmp_ratelimit 100 ms instead of 1000, so a case
     takes seconds: a burst of 6 errors, then one per 100 ms).
Everything is torn down at the end (also after a failure).

Cases (--case, repeatable; default all):
  sS-v4 sA-v4 sU-v4 sF-v4 sS-v6 (hostile): `scan -Pn -p 1-480` of pw_hostile. Port p gets the
     behaviour p % 12 and is "listening" when (p / 12) % 2 == 0 (see pw_hostile.cpp); the truth is
     what the genuine replies alone say (no genuine reply: the technique's silence state). Asserts:
     exit 0, every port reported with its true state (0 invented), not reported rate-limited,
     and each rejection counter the junk must feed (malformed, bad checksum, unknown probe,
     late) above 0.
  ratelimit-sF ratelimit-sN ratelimit-sX ratelimit-sM (item 7): `scan -p 20000-20055` of
     198.18.78.2: every port exact, state and reason (filtered admin-prohibited / closed reset /
     open|filtered no-response), although the limiter suppresses most admin-prohibited errors.
  ratelimit-sF-budget: the same with --host-timeout 1500ms: the ports the limiter left
     unconfirmed read open|filtered rate-limited (some must), all others exact.
PW_HOSTILE_UDP_PORTS (default 480) sets the -sU case's port count.
Prints a table per kind. Needs root; under CI=true it fails without it, else it skips (77).
Cost: about 1 s of set-up, 1-3 s per hostile case, 3-6 s per rate-limit case.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

K = 12
BEHAVIOURS = ["genuine", "truncated", "malformed", "bad-checksum", "wrong-cookie", "unsolicited",
              "other-address", "duplicated", "rst-flood", "icmp-garbage", "long-chain", "ttl-1"]
NO_GENUINE = {"truncated", "bad-checksum", "unsolicited", "other-address"}
HOSTILE_PORTS = range(1, 481)
# -sU: all 480 ports too. pw_hostile has no ICMP rate limit: a case it reports rate_limited is a
# failure (it was 5 of 12 runs under load before the engine checked a measured interval against
# the errors seen before measuring, 37-93 s instead of 2; docs/hardening-2026-12-03.md).
UDP_PORTS = range(1, int(os.environ.get("PW_HOSTILE_UDP_PORTS", "480")) + 1)
HOSTILE_CASES = ["sS-v4", "sA-v4", "sU-v4", "sF-v4", "sS-v6"]
RATE_CASES = ["ratelimit-sF", "ratelimit-sN", "ratelimit-sX", "ratelimit-sM", "ratelimit-sF-budget"]
ADDR = {"v4": "198.18.77.2", "v6": "fd00:0:0:77::2"}
OTHER = {"v4": "198.18.77.3", "v6": "fd00:0:0:77::3"}
RATE_TARGET = "198.18.78.2"
SCAN_TIMEOUT = 120


def run(cmd, check=True, timeout=60):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {p.returncode}: {p.stderr.strip()}")
    return p


def sh(ns, *cmd, check=True):
    return run(["ip", "netns", "exec", ns] + list(cmd), check=check)


class Namespaces:
    def __init__(self, prefix):
        self.s, self.h, self.r = f"{prefix}-s", f"{prefix}-h", f"{prefix}-r"

    def down(self):
        for ns in (self.s, self.h, self.r):
            run(["ip", "netns", "del", ns], check=False)

    def up(self):
        self.down()
        for ns in (self.s, self.h, self.r):
            run(["ip", "netns", "add", ns])
            sh(ns, "ip", "link", "set", "lo", "up")
        run(["ip", "link", "add", "h0", "netns", self.s, "type", "veth", "peer", "name", "eth0",
             "netns", self.h])
        run(["ip", "link", "add", "r0", "netns", self.s, "type", "veth", "peer", "name", "eth0",
             "netns", self.r])
        # the hostile host: no address, no IPv6 on its link (its kernel must say nothing)
        sh(self.h, "sysctl", "-qw", "net.ipv6.conf.eth0.disable_ipv6=1")
        sh(self.h, "ip", "link", "set", "eth0", "up")
        mac = json.loads(sh(self.h, "ip", "-j", "link", "show", "eth0").stdout)[0]["address"]
        sh(self.s, "ip", "addr", "add", "198.18.77.1/24", "dev", "h0")
        sh(self.s, "ip", "addr", "add", "fd00:0:0:77::1/64", "dev", "h0", "nodad")
        sh(self.s, "ip", "link", "set", "h0", "up")
        for a in (ADDR["v4"], ADDR["v6"]):
            sh(self.s, "ip", "neigh", "replace", a, "lladdr", mac, "nud", "permanent", "dev", "h0")
        # the rate-limited firewall
        sh(self.s, "ip", "addr", "add", "198.18.78.1/24", "dev", "r0")
        sh(self.s, "ip", "link", "set", "r0", "up")
        sh(self.r, "ip", "addr", "add", f"{RATE_TARGET}/24", "dev", "eth0")
        sh(self.r, "ip", "link", "set", "eth0", "up")
        sh(self.r, "sysctl", "-qw", "net.ipv4.icmp_ratelimit=100")
        rules = ("table inet pwhostile {\n chain input {\n  type filter hook input priority 0;\n"
                 "  tcp dport 20000-20039 reject with icmpx admin-prohibited\n"
                 "  tcp dport 20048-20055 drop\n }\n}\n")
        p = subprocess.run(["ip", "netns", "exec", self.r, "nft", "-f", "-"], input=rules,
                           capture_output=True, text=True, timeout=30)
        if p.returncode != 0:
            raise RuntimeError(f"nft: {p.stderr.strip()}")


def read_jsonl(path):
    ports, summary = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            if rec.get("type") == "port":
                ports[int(rec["port"])] = (rec["state"], rec.get("reason", ""))
            elif rec.get("type") == "summary":
                summary = rec
    return ports, summary


def scan(portwarden, ns, workdir, name, args, target):
    out = os.path.join(workdir, f"{name}.jsonl")
    if os.path.exists(out):
        os.unlink(out)
    cmd = ["ip", "netns", "exec", ns, "timeout", str(SCAN_TIMEOUT), portwarden, "scan", "-n",
           "--no-history", "--reason", "-v", "-oJ", out] + args + [target]
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=SCAN_TIMEOUT + 30)
    secs = time.monotonic() - t0
    return p, out, secs


def hostile_truth(tech, port):
    behaviour = BEHAVIOURS[port % K]
    listening = (port // K) % 2 == 0
    silence = {"sS": "filtered", "sA": "filtered", "sF": "open|filtered", "sU": "open|filtered"}[tech]
    if behaviour in NO_GENUINE:
        return silence
    return {"sS": "open" if listening else "closed",
            "sA": "unfiltered",
            "sF": "open|filtered" if listening else "closed",
            "sU": "open" if listening else "closed"}[tech]


def read_stats(path):
    genuine = junk = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            _, g, j = line.split()
            genuine += int(g)
            junk += int(j)
    return genuine, junk


def hostile_case(a, nss, case):
    tech, fam = case.split("-")
    ports_scanned = UDP_PORTS if tech == "sU" else HOSTILE_PORTS
    stats = os.path.join(a.workdir, f"hostile-{case}.stats")
    pidfile = os.path.join(a.workdir, f"hostile-{case}.pid")
    for f in (stats, pidfile):
        if os.path.exists(f):
            os.unlink(f)
    responder = subprocess.Popen(
        ["ip", "netns", "exec", nss.h, a.hostile, "--ifname", "eth0", "--v4", ADDR["v4"],
         "--v6", ADDR["v6"], "--other4", OTHER["v4"], "--other6", OTHER["v6"],
         "--max-frames", "200000", "--seconds", "150", "--stats", stats, "--pidfile", pidfile])
    failures = []
    try:
        for _ in range(100):
            if os.path.exists(pidfile) or responder.poll() is not None:
                break
            time.sleep(0.05)
        if not os.path.exists(pidfile):
            return None, [f"{case}: pw_hostile did not start (exit {responder.poll()})"]
        p, out, secs = scan(a.portwarden, nss.s, a.workdir, f"hostile-{case}",
                            [f"-{tech}", "-Pn", "-p", f"{ports_scanned[0]}-{ports_scanned[-1]}"],
                            ADDR[fam])
    finally:
        responder.terminate()
        try:
            responder.wait(timeout=10)
        except subprocess.TimeoutExpired:
            responder.kill()
            responder.wait()
    if p.returncode != 0:
        failures.append(f"{case}: portwarden exited {p.returncode}: {p.stderr.strip()[-800:]}")
        return None, failures
    ports, summary = read_jsonl(out)
    if "replies rejected: malformed" not in p.stderr:
        failures.append(f"{case}: -v printed no line of rejected replies")
    invented = []
    for port in ports_scanned:
        want = hostile_truth(tech, port)
        got = ports.get(port, ("missing", ""))[0]
        if got != want:
            invented.append(f"port {port} ({BEHAVIOURS[port % K]}): {got} ({ports.get(port, ('', ''))[1]}), "
                            f"truth {want}")
    for line in invented[:20]:
        failures.append(f"{case}: {line}")
    rejected = (summary or {}).get("replies_rejected", {})
    for reason in ("malformed", "bad_checksum", "unknown_probe", "late"):
        if rejected.get(reason, 0) == 0:
            failures.append(f"{case}: no reply rejected as {reason} (junk of that kind was sent)")
    genuine, junk = read_stats(stats) if os.path.exists(stats) else (0, 0)
    limited = "yes" if ADDR[fam] in (summary or {}).get("rate_limited", []) else "no"
    if limited == "yes":
        failures.append(f"{case}: reported rate-limited, but pw_hostile has no ICMP rate limit")
    row = [case, len(ports_scanned), genuine, junk, (summary or {}).get("replies_matched", 0),
           rejected.get("malformed", 0), rejected.get("bad_checksum", 0), rejected.get("unknown_probe", 0),
           rejected.get("not_sent", 0), rejected.get("late", 0), limited, len(invented), f"{secs:.1f}"]
    return row, failures


def rate_truth(port):
    if 20000 <= port <= 20039:
        return ("filtered", "admin-prohibited")
    if 20048 <= port <= 20055:
        return ("open|filtered", "no-response")
    return ("closed", "reset")


def rate_case(a, nss, case):
    tech = case.split("-")[1]
    budget = case.endswith("-budget")
    extra = ["--host-timeout", "1500ms"] if budget else []
    p, out, secs = scan(a.portwarden, nss.s, a.workdir, case,
                        [f"-{tech}", "-Pn", "-p", "20000-20055"] + extra, RATE_TARGET)
    if p.returncode != 0:
        return None, [f"{case}: portwarden exited {p.returncode}: {p.stderr.strip()[-800:]}"]
    ports, summary = read_jsonl(out)
    # With a time budget shorter than the limiter needs, a port it left unconfirmed may read
    # open|filtered (rate-limited) -- never closed|filtered, never a guess without that reason.
    held = ("open|filtered", "rate-limited")
    wrong = [f"port {q}: {ports.get(q)}, truth {rate_truth(q)}" for q in range(20000, 20056)
             if ports.get(q) != rate_truth(q) and not (budget and ports.get(q) == held)]
    limited = RATE_TARGET in (summary or {}).get("rate_limited", [])
    failures = [f"{case}: {w}" for w in wrong[:20]]
    if not limited:
        failures.append(f"{case}: the summary does not name {RATE_TARGET} as rate-limited")
    counts = {}
    for state, _ in ports.values():
        counts[state] = counts.get(state, 0) + 1
    if budget and not any(v == held for v in ports.values()):
        failures.append(f"{case}: the 1.5 s budget left no port unconfirmed (the case tests nothing)")
    row = [case, 56, counts.get("filtered", 0), counts.get("closed", 0), counts.get("open|filtered", 0),
           "yes" if limited else "no", len(wrong), f"{secs:.1f}"]
    return row, failures


def table(header, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    for r in [header] + rows:
        print("  ".join(str(x).rjust(w) for x, w in zip(r, widths)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("portwarden")
    ap.add_argument("hostile", help="the pw_hostile binary")
    ap.add_argument("--prefix", default="pwhst", help="namespace prefix (<= 9 characters)")
    ap.add_argument("--case", action="append", choices=HOSTILE_CASES + RATE_CASES)
    ap.add_argument("--workdir", default=None)
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("hostile_test: needs root (network namespaces)", file=sys.stderr)
        return 1 if os.environ.get("CI") == "true" else 77
    a.workdir = a.workdir or tempfile.mkdtemp(prefix="pw-hostile-")
    os.makedirs(a.workdir, exist_ok=True)
    cases = a.case or HOSTILE_CASES + RATE_CASES
    nss = Namespaces(a.prefix)
    failures, hostile_rows, rate_rows = [], [], []
    try:
        nss.up()
        for case in cases:
            row, fails = (rate_case if case.startswith("ratelimit") else hostile_case)(a, nss, case)
            failures += fails
            if row:
                (rate_rows if case.startswith("ratelimit") else hostile_rows).append(row)
    finally:
        nss.down()
    if hostile_rows:
        print("hostile responders (pw_hostile; frames sent by it; replies rejected by reason):")
        table(["case", "ports", "genuine", "junk", "matched", "malformed", "bad-cksum", "unknown-probe",
               "not-sent", "late", "rate-limited", "invented", "s"], hostile_rows)
    if rate_rows:
        print("ICMP rate limit (admin-prohibited x40, RST x8, drop x8; icmp_ratelimit 100 ms):")
        table(["case", "ports", "filtered", "closed", "open|filtered", "rate-limited", "wrong", "s"], rate_rows)
    for f in failures:
        print("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
