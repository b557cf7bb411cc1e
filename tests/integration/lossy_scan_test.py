#!/usr/bin/python3
"""Integration test: scans of the range's lossy and bottleneck hosts stay exact (issue #15).

    lossy_scan_test.py PORTWARDEN TRUTH [--case ID]... [--runs N] [--workdir DIR] [--list]

The range's lossy hosts lose N % of the packets to them and N % of those from them, at random
(N = 1, 5, 10; `# host lossyN` in the truth header); the bottleneck host sits behind a tc tbf
of 4 Mbit/s on the router (`# host bottleneck`), which queues and then drops. They run the
plain host's listeners, so the truth is the plain host's. A case ID is TECH:HOST-FAMILY:

  sS:lossy{1,5,10}-v4, sS:lossy5-v6   portwarden scan -sS -p- -n --reason, --runs times
  sT:lossy{1,5,10}-v4, sT:lossy5-v6   portwarden scan -sT -p- -n --reason, once
  sS:bottleneck-v4                    -sS -p-, once; prints the tbf's drops during the scan

Each run must equal the truth on all 65535 ports (state and reason; a connect scan says
conn-refused where the truth says reset). Wall times are printed. nmap is not run here (at
10 % loss it takes minutes, and misses ports); bench/raw_bench.sh --rows lossy,bneck compares.
The last line is "N passed, N failed"; the exit status is 0 only if every case passed.
"""
import argparse
import subprocess
import sys

from range_common import ALL_TCP_PORTS, Case, RangeRunner, compare, show_diffs, start
from raw_scan_test import tcp_view

CASES = ([f"sS:lossy{n}-v4" for n in (1, 5, 10)] + ["sS:lossy5-v6"] +
         [f"sT:lossy{n}-v4" for n in (1, 5, 10)] + ["sT:lossy5-v6", "sS:bottleneck-v4"])


def tbf_drops(router_ns):
    """The bottleneck qdisc's drop counter (tc -s qdisc show dev h10 in the router)."""
    out = subprocess.run(["tc", "-n", router_ns, "-s", "qdisc", "show", "dev", "h10"],
                         capture_output=True, text=True, timeout=10, check=False).stdout
    words = out.replace(",", " ").replace("(", " ").split()
    for i, w in enumerate(words[:-1]):
        if w == "dropped":
            return int(words[i + 1])
    return None


class Runner(RangeRunner):
    def run_case(self, cid, runs):
        tech, target = cid.split(":")
        role, family = target.rsplit("-", 1)
        if role not in self.truth.hosts:
            print(f"lossy_scan_test: the truth has no '# host {role}' line (a range from before "
                  f"the lossy hosts?)")
            return False
        addr = self.truth.hosts[role][0 if family == "v4" else 1]
        case = Case(cid, addr)
        truth = self.truth.ports(addr, "tcp")
        if tech == "sS":
            want = tcp_view("sS", truth)
        else:
            want = {p: (s, "conn-refused" if r == "reset" else r) for p, (s, r) in truth.items()}
        router = self.truth.meta.get("router_ns", "")
        for i in range(runs if tech == "sS" and role.startswith("lossy") else 1):
            before = tbf_drops(router) if role == "bottleneck" else None
            ok, xml, jsonl, secs = self.ours(case, [f"-{tech}", "-p-", "-n", "--reason"], f"-{i}")
            if not ok:
                continue
            ports, _, _, _ = self.our_ports(case, xml, jsonl)
            diffs = compare(ports, want, ALL_TCP_PORTS)
            if diffs:
                show_diffs(case, f"run {i + 1}: ours vs truth", diffs, "ours", "truth")
            else:
                case.ok(f"run {i + 1}: ours == truth on all 65535 ports ({secs:.2f} s)")
            if before is not None:
                after = tbf_drops(router)
                case.info(f"the bottleneck dropped {after - before if after is not None else '?'} "
                          f"of our probes")
        return not case.failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("portwarden")
    ap.add_argument("truth")
    ap.add_argument("--case", action="append")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--workdir")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    if args.list:
        print("\n".join(CASES))
        return 0
    for c in args.case or []:
        if c not in CASES:
            print(f"lossy_scan_test: unknown case '{c}' (see --list)")
            return 2
    runner, problem = start("lossy_scan_test", args,
                            lambda a: Runner(a.portwarden, a.truth, a.workdir), "lossy_scan")
    if problem:
        print(problem)
        return 1
    passed = failed = 0
    for cid in args.case or CASES:
        print(f"== {cid}", flush=True)
        if runner.run_case(cid, args.runs):
            passed += 1
        else:
            failed += 1
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
