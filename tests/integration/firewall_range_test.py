#!/usr/bin/python3
"""Integration test: `portwarden firewall check` against the test range's firewalled host.

    firewall_range_test.py PORTWARDEN TRUTH [--workdir DIR]

  1. Dumps the firewalled host's deployed ruleset (`ip netns exec FW nft -j list ruleset`) and
     its listeners (`ss -Htuln` there).
  2. deployed: scans the host (v4 and v6) with -sS -p-, -sA -p-, -sT -p- and -sU --top-ports
     100 (ICMP rate limit off, restored after), and asserts `firewall check` with the dump
     finds 0 disagreements (exit 0) on every scan.
  3. different: loads another ruleset into the host (22 dropped, 443 accepted), the kernel ICMP limits off, scans -sS -p-
     again and checks it against the first dump, with a listener list that also names a
     port nothing listens on (9000, v4): asserts exit 1 and exactly the differing ports, each
     with its diagnosis (22 upstream-filter, 443 not-loaded, 9000 not-listening), and that
     `audit --ruleset` (a policy allowing 22, 80, 443) reports exactly those ports as PW005
     firewall-mismatch violations. The deployed ruleset is restored afterwards.
  4. explain: one port of each kind, printed (and its exit status checked against the scan).
The last line is "N passed, N failed"; exit 0 only if every step passed.
"""
import argparse
import json
import os
import subprocess
import sys

from range_common import Case, RangeRunner, run, start, tail

RANGE_SH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "range", "range.sh")
TECHS = [("sS", ["-sS", "-p-"]), ("sA", ["-sA", "-p-"]), ("sT", ["-sT", "-p-"]),
         ("sU", ["-sU", "--top-ports", "100"])]
DIFFERENT = """table inet portwarden_fw {
  chain input {
    type filter hook input priority filter; policy accept;
    tcp dport { 80, 443 } accept
    tcp dport { 22, 10000-11999 } drop
    tcp dport 8080 reject
    tcp dport 8081 reject with icmpx type admin-prohibited
    tcp dport 8082 reject with tcp reset
    udp dport 161 drop
    udp dport 137 reject with icmpx type admin-prohibited
  }
}
"""


class Runner(RangeRunner):
    def __init__(self, args):
        super().__init__(args.portwarden, args.truth, args.workdir)
        self.fw_ns = self.truth.host_ns["firewalled"]
        self.addrs = self.truth.hosts["firewalled"]

    def sh(self, case, cmd, stdout_path=None, stdin_text=None):
        p = subprocess.run(cmd, input=stdin_text, capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            case.fail(f"{' '.join(cmd)}: exit {p.returncode}: {tail(p.stderr)}")
            return None
        if stdout_path:
            with open(stdout_path, "w", encoding="utf-8") as f:
                f.write(p.stdout)
        return p.stdout

    def ratelimit(self, case, mode):
        cmd = ["bash", RANGE_SH, "icmp-ratelimit", mode, "--name", self.truth.meta.get("prefix")]
        if self.truth.meta.get("state_dir"):
            cmd += ["--state", self.truth.meta["state_dir"]]
        rc, out, err, _ = run(cmd, 60)
        if rc != 0:
            case.fail(f"icmp-ratelimit {mode}: exit {rc}: {tail(err + out)}")
        return rc == 0

    def check(self, case, ruleset, listeners, jsonl):
        cmd = [self.portwarden, "firewall", "check", "--ruleset", ruleset, "--listeners", listeners,
               "--iif", "eth0", "--scan", jsonl, "--format", "json"]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if p.returncode not in (0, 1):
            case.fail(f"firewall check exit {p.returncode}: {tail(p.stderr)}")
            return p.returncode, None
        return p.returncode, json.loads(p.stdout)

    def deployed(self, ruleset, listeners):
        cases = []
        for tech, args in TECHS:
            for addr in self.addrs:
                case = Case(f"deployed-{tech}-{'v6' if ':' in addr else 'v4'}", addr)
                cases.append(case)
                if tech == "sU" and not self.ratelimit(case, "off"):
                    continue
                try:
                    ok, _, jsonl, secs = self.ours(case, args + ["-n", "--reason"], f"-fw-{tech}")
                finally:
                    if tech == "sU":
                        self.ratelimit(case, "on")
                if not ok:
                    continue
                rc, rep = self.check(case, ruleset, listeners, jsonl)
                if rep is None:
                    continue
                if rc != 0 or rep["differ"]:
                    case.fail(f"{len(rep['differ'])} disagreement(s), exit {rc}")
                    for d in rep["differ"][:20]:
                        print(f"      {d['message']}")
                else:
                    case.ok(f"{rep['ports_checked']} ports: prediction == scan "
                            f"({len(rep['stealth'])} stealth note(s)), scan {secs:.1f} s")
        return cases

    def audit(self, case, ruleset, listeners, jsonl, addr, ports):
        """audit --ruleset: the same ports, as PW005 firewall-mismatch violations (exit 1)."""
        policy = os.path.join(self.workdir, "policy.toml")
        with open(policy, "w", encoding="utf-8") as f:
            f.write(f'[groups.fw]\nhosts = ["{addr}"]\n[[groups.fw.allow]]\nport = 443\nowner = "web"\n'
                    '[[groups.fw.allow]]\nport = 80\nowner = "web"\n[[groups.fw.allow]]\nport = 22\nowner = "ops"\n')
        cmd = [self.portwarden, "audit", "--policy", policy, "--from", jsonl, "--ruleset", ruleset,
               "--listeners", listeners, "--no-history", "--format", "json"]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        try:
            findings = json.loads(p.stdout)["findings"]
        except (ValueError, KeyError):
            case.fail(f"audit --ruleset: exit {p.returncode}, no JSON report: {tail(p.stderr)}")
            return
        got = {f["port"] for f in findings if f["rule_id"] == "PW005"}
        if p.returncode != 1 or got != ports or len(findings) != len(ports):
            case.fail(f"audit --ruleset: exit {p.returncode}, PW005 on {sorted(got)}, want {sorted(ports)}; "
                      f"{len(findings)} finding(s)")
        else:
            case.ok(f"audit --ruleset: exit 1, PW005 firewall-mismatch on exactly {sorted(got)}")

    def different(self, ruleset, listeners):
        cases = []
        stale = os.path.join(self.workdir, "listeners-stale.txt")
        with open(listeners, encoding="utf-8") as f, open(stale, "w", encoding="utf-8") as out:
            out.write(f.read() + "tcp LISTEN 0 128 0.0.0.0:9000 0.0.0.0:*\n")
        case = Case("different-load", self.fw_ns)
        cases.append(case)
        self.sh(case, ["ip", "netns", "exec", self.fw_ns, "nft", "flush", "ruleset"])
        if self.sh(case, ["ip", "netns", "exec", self.fw_ns, "nft", "-f", "-"], stdin_text=DIFFERENT) is None:
            return cases
        # The kernel's ICMP limits off for this part: it is about the ruleset, and the host's
        # per-destination bucket (one error a second, six at most) is what the earlier cases
        # left of it (after the -sU cases' "off" it starts empty), so whether 8080's and 8081's
        # errors got through depended on how fast those cases ran.
        if not self.ratelimit(case, "off"):
            return cases
        try:
            for addr in self.addrs:
                c = Case(f"different-sS-{'v6' if ':' in addr else 'v4'}", addr)
                cases.append(c)
                ok, _, jsonl, _ = self.ours(c, ["-sS", "-p-", "-n", "--reason"], "-fw-different")
                if not ok:
                    continue
                rc, rep = self.check(c, ruleset, stale, jsonl)
                if rep is None:
                    continue
                got = {(d["port"], d["diagnosis"]) for d in rep["differ"]}
                want = {(22, "upstream-filter"), (443, "not-loaded")}
                if ":" not in addr:
                    want.add((9000, "not-listening"))
                if rc != 1 or got != want:
                    c.fail(f"exit {rc}, differing {sorted(got)}, want {sorted(want)}")
                else:
                    c.ok(f"exit 1, exactly {sorted(got)}")
                for d in rep["differ"]:
                    print(f"      {d['message']}")
                self.audit(c, ruleset, stale, jsonl, addr, {p for p, _ in want})
        finally:
            self.ratelimit(case, "on")
            self.sh(case, ["ip", "netns", "exec", self.fw_ns, "nft", "flush", "ruleset"])
            self.sh(case, ["ip", "netns", "exec", self.fw_ns, "nft", "-j", "-f", ruleset])
        return cases

    def explain(self, ruleset, listeners):
        case = Case("explain", self.addrs[0])
        scan = os.path.join(self.workdir, "ours-deployed-sS-v4-fw-sS.jsonl")
        udp = os.path.join(self.workdir, "ours-deployed-sU-v4-fw-sU.jsonl")
        for port, results in (("22", scan), ("443", scan), ("8080", scan), ("8081", scan), ("8082", scan),
                              ("9", scan), ("161/udp", udp), ("137/udp", udp), ("9/udp", udp)):
            cmd = [self.portwarden, "explain", f"{self.addrs[0]}:{port}", "--ruleset", ruleset,
                   "--listeners", listeners, "--iif", "eth0", "--scan", results]
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
            print(p.stdout, end="")
            if p.returncode != 0 or "agrees" not in p.stdout:
                case.fail(f"explain {port}: exit {p.returncode} {tail(p.stderr)}")
        if not case.failures:
            case.ok("one port of each kind explained, each agreeing with the scan")
        return [case]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("portwarden")
    ap.add_argument("truth")
    ap.add_argument("--workdir")
    args = ap.parse_args()
    runner, problem = start("firewall_range_test", args, Runner, "firewall_range")
    if problem:
        print(problem)
        return 1
    setup = Case("setup", runner.fw_ns)
    ruleset = os.path.join(args.workdir, "deployed.json")
    listeners = os.path.join(args.workdir, "listeners.txt")
    if runner.sh(setup, ["ip", "netns", "exec", runner.fw_ns, "nft", "-j", "list", "ruleset"], ruleset) is None or \
       runner.sh(setup, ["ip", "netns", "exec", runner.fw_ns, "ss", "-Htuln"], listeners) is None:
        print("0 passed, 1 failed")
        return 1
    cases = runner.deployed(ruleset, listeners)
    cases += runner.different(ruleset, listeners)
    cases += runner.explain(ruleset, listeners)
    failed = sum(1 for c in cases if c.failures)
    print(f"{len(cases) - failed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
