#!/usr/bin/python3
"""Integration test: an -sn sweep of a mostly silent block stays exact (issue #15).

    sweep_sn_test.py PORTWARDEN TRUTH [--runs N] [--workdir DIR]

Targets: the first 4096 addresses of the range's silent block (198.19.0.0/20, routed to the
drop host and dropped: a sweep, RawRunOptions::sweep), the plain, firewalled and drop hosts,
and the lossy hosts (1, 5, 10 % loss each way). Every run must find exactly the plain,
firewalled and lossy hosts up and every other address down: a live host behind loss must not
be missed although silent addresses get no retry on a clean path. --runs N runs (default 10).
Then one run without the lossy hosts: there the live hosts show a clean path, so the silent
addresses get their first probes only (probes sent below 1.1 x 4 per address).
The last line is "N passed, N failed"; the exit status is 0 only if every run passed.
"""
import argparse
import ipaddress
import json
import os
import re
import subprocess
import sys
import time

BLOCK = "198.19.0.0/20"


def read_truth(path):
    meta, hosts = {}, {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("# host "):
                words = line.split()
                hosts[words[2]] = words[3]
            elif line.startswith("# ") and "=" in line and " " not in line[2:].split("=", 1)[0]:
                k, v = line[2:].strip().split("=", 1)
                meta[k] = v
    return meta, hosts


def sweep(pw, ns, targets, out):
    start = time.monotonic()
    p = subprocess.run(["ip", "netns", "exec", ns, pw, "scan", "-sn", "-n", "--no-history", "-v",
                        *targets, "-oJ", out], capture_output=True, text=True, timeout=300, check=False)
    secs = time.monotonic() - start
    up, down = set(), set()
    if os.path.exists(out):
        with open(out, encoding="utf-8") as f:
            for line in f:
                rec = json.loads(line)
                if rec.get("type") == "host":
                    (up if rec.get("status") == "up" else down).add(rec["host"])
    m = re.search(r"probes sent (\d+)", p.stdout + p.stderr)
    return p.returncode, up, down, int(m.group(1)) if m else None, secs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("portwarden")
    ap.add_argument("truth")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--workdir", default="/tmp/pw_sweep_sn")
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("sweep_sn_test: needs root (ip netns exec, raw sockets)")
        return 1
    meta, hosts = read_truth(a.truth)
    lossy = [hosts[r] for r in ("lossy1", "lossy5", "lossy10") if r in hosts]
    if len(lossy) != 3 or "plain" not in hosts:
        print("sweep_sn_test: the truth lacks the plain or lossy hosts (an old range?)")
        return 1
    os.makedirs(a.workdir, exist_ok=True)
    ns = meta["scanner_ns"]
    block = [str(x) for x in ipaddress.ip_network(BLOCK)]
    live = [hosts["plain"], hosts["firewalled"]]
    passed = failed = 0
    for name, extra, runs in (("lossy", lossy, a.runs), ("clean", [], 1)):
        targets = [BLOCK, hosts["plain"], hosts["firewalled"], hosts["drop"], *extra]
        want_up = set(live + extra)
        want_down = set(block) | {hosts["drop"]}
        for i in range(runs):
            rc, up, down, probes, secs = sweep(a.portwarden, ns, targets, f"{a.workdir}/{name}-{i}.json")
            ok = rc == 0 and up == want_up and down == want_down
            why = "" if ok else f" (exit {rc}; missed {sorted(want_up - up)}; wrongly up {sorted(up - want_up)}; " \
                                f"{len(want_down - down)} not reported down)"
            limit = 1.1 * 4 * (len(block) + 3)
            if name == "clean" and ok and (probes is None or probes >= limit):
                ok, why = False, f" ({probes} probes sent, want < {limit:.0f}: the silent addresses were retried)"
            print(f"{'PASS' if ok else 'FAIL'} sweep {name} run {i + 1}: {len(up)} up, {len(down)} down, "
                  f"{probes} probes, {secs:.2f} s{why}")
            passed, failed = passed + ok, failed + (not ok)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
