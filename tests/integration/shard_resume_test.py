#!/usr/bin/python3
"""Integration test: shards and resume of the raw engine, on the test range.

    shard_resume_test.py PORTWARDEN TRUTH [--workdir DIR] [--seed N] [--shards N] [--interrupts N]

One SYN scan (-sS -Pn, ports 1-30000, of the plain and the firewalled host, IPv4 and IPv6:
120 000 (host, port) cells in one host group) is run:
  1. whole, once: the reference (it must also equal the ground truth);
  2. as shards 0..N-1 (--shard I/N, same --seed), separately: every cell must come out of
     exactly one shard, and the union must equal the reference, state and reason;
  3. interrupted with SIGINT at a random moment (--max-rate keeps the scan ~2 s long), then
     finished with --resume, --interrupts times: the first run's output plus the resumed
     run's output must equal the reference exactly, with no cell reported twice. Even rounds
     resume from the resume file (written by the scan after it dropped root for nobody, so its
     directory is made world-writable, sticky), odd rounds from the first run's -oJ output,
     whose summary record carries the same resume point.
Every scan runs inside the range's scanner namespace under `timeout`. Standard library only;
the last line is "N passed, N failed"; the exit status is 0 only if every check passed.
"""
import argparse
import os
import random
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import shard_compare as sc  # noqa: E402

PORTS = "1-30000"
RATE = "60000"        # probes/s: the 120 000 cells take about 2 s, time to interrupt them
TIMEOUT = 120


class Test(sc.RangeChecks):
    def __init__(self, args):
        super().__init__(args)
        self.targets = [a for role in ("plain", "firewalled") for a in self.truth.hosts[role]]

    def command(self, out, *extra):
        return ["ip", "netns", "exec", self.ns, "timeout", str(TIMEOUT), self.args.portwarden, "scan", "-sS",
                "-Pn", "-n", "-q", "--reason", "-p", PORTS, "--seed", str(self.args.seed), "-oJ", out,
                *extra, *self.targets]

    def run(self, out, *extra):
        p = subprocess.run(self.command(out, *extra), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True)
        return p.returncode, p.stderr

    def expected(self):
        want = {}
        for addr in self.targets:
            for port, (state, reason) in self.truth.ports(addr, "tcp").items():
                if port <= 30000:
                    want[(addr, "tcp", port)] = (state, reason)
        return want

    def diff(self, a, b):
        keys = sorted(set(a) | set(b))
        bad = [(k, a.get(k), b.get(k)) for k in keys if a.get(k) != b.get(k)]
        return bad

    def main(self):
        w = self.args.workdir
        ref_path = os.path.join(w, "whole.jsonl")
        code, err = self.run(ref_path)
        ref, dups = sc.port_cells(ref_path)
        bad = self.diff(ref, self.expected())
        self.check("whole scan exits 0", code == 0, err.strip())
        self.check(f"whole scan equals the ground truth ({len(ref)} cells)", not bad and not dups,
                   f"{len(bad)} differ, e.g. {bad[:5]}; duplicates {dups[:5]}")

        n = self.args.shards
        union, overlap = {}, []
        for i in range(n):
            path = os.path.join(w, f"shard{i}.jsonl")
            code, err = self.run(path, "--shard", f"{i}/{n}")
            self.check(f"shard {i}/{n} exits 0", code == 0, err.strip())
            got, dups = sc.port_cells(path)
            overlap += [k for k in got if k in union] + dups
            union.update(got)
            print(f"  shard {i}/{n}: {len(got)} cells")
        bad = self.diff(union, ref)
        self.check(f"shards 0..{n - 1} are disjoint", not overlap, f"{len(overlap)} cells twice, e.g. {overlap[:5]}")
        self.check(f"shards 0..{n - 1} together equal the whole scan", not bad, f"{len(bad)} differ, e.g. {bad[:5]}")

        rng = random.Random(self.args.seed)
        for k in range(self.args.interrupts):
            first = os.path.join(w, f"int{k}-a.jsonl")
            second = os.path.join(w, f"int{k}-b.jsonl")
            resume_dir = os.path.join(w, "resume")
            os.makedirs(resume_dir, exist_ok=True)
            os.chmod(resume_dir, 0o1777)
            resume = os.path.join(resume_dir, f"int{k}.resume")
            if os.path.exists(resume):
                os.remove(resume)
            delay = rng.uniform(0.3, 1.6)
            proc = subprocess.Popen(self.command(first, "--max-rate", RATE, "--resume-file", resume),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            time.sleep(delay)
            # ip netns exec execs `timeout`, which forwards SIGINT to the scan it started.
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=TIMEOUT)
            self.check(f"interrupt {k} after {delay:.2f} s exits 130", proc.returncode == 130,
                       f"exit {proc.returncode}: {err.strip()}")
            self.check(f"interrupt {k} wrote a resume file", os.path.exists(resume), err.strip())
            source = resume if k % 2 == 0 else first
            if not os.path.exists(source):
                continue
            code, err = self.run(second, "--resume", source)
            self.check(f"resume {k} from {'the resume file' if k % 2 == 0 else 'the -oJ output'} exits 0",
                       code == 0, err.strip())
            a, dups_a = sc.port_cells(first)
            b, dups_b = sc.port_cells(second)
            twice = [key for key in a if key in b] + dups_a + dups_b
            merged = dict(a)
            merged.update(b)
            bad = self.diff(merged, ref)
            print(f"  interrupted run: {len(a)} cells, resumed run: {len(b)} cells")
            self.check(f"interrupt {k}: no cell reported by both runs", not twice,
                       f"{len(twice)} twice, e.g. {twice[:5]}")
            self.check(f"interrupt {k}: both runs together equal the whole scan", not bad,
                       f"{len(bad)} differ, e.g. {bad[:5]}")
        return self.summary()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("portwarden")
    ap.add_argument("truth")
    ap.add_argument("--workdir", default="/tmp/pw-shard-resume")
    ap.add_argument("--seed", type=int, default=424242)
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--interrupts", type=int, default=3)
    return Test(ap.parse_args()).main()


if __name__ == "__main__":
    sys.exit(main())
