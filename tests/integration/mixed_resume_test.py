#!/usr/bin/python3
"""Integration test (#16): an interrupted and resumed mixed scan (-sS -sU in one run) with the
history on reports exactly the truth, each port once, and the history holds exactly that.

    mixed_resume_test.py PORTWARDEN TRUTH [--workdir DIR]

`-sS -sU -Pn -p T:1-200,U:1-8,53 --max-rate 100` of the range's plain host (v4: TCP 1, 22, 80
open, the rest closed; UDP 53 open, 1-8 closed) with the history kept in its default place
(XDG_DATA_HOME points into the work directory; no --no-history, no --db). --max-rate makes the
TCP phase about 2 s long; the UDP phase then takes 2-6 s (the host's ICMP rate limit, one
closed port a second after its burst). Three rounds, each with a fresh history:
  tcp: SIGINT 0.8 s after the start (inside the TCP phase: the resume position is below the
       phase's 200 cells), resumed from the resume file;
  udp: SIGINT 2.9 s after the start (inside the UDP phase: position 200 or more), resumed from
       the first run's -oJ output;
  shard: as tcp, both runs with `--scan-id mixed16 --shard 0/1` (a named scan, #16: the resumed
       shard must add to its interrupted run's rows, not delete them as a retried shard does).
Asserts per round: the first run exits 130 and the resumed run 0; no (proto, port) is reported
by both; together they equal the truth for all 209 ports; `history` lists two finished syn+udp
scans, the interrupted one (@1) and the resumed one (@2, whose command line has --resume); the
database (its documented schema, read with sqlite3) holds as scan @1 exactly the first run's
ports with the host incomplete, and as @2 exactly the resumed run's with the host complete; a
port's timeline (`history HOST PORT/PROTO`) has one observation, from the run that reported it.
The shard round also: `history` lists @mixed16 with its one shard finished and shard scans @1 @2,
table scan_shards ties both scans to it (shard 0, the first unfinished, the second finished), and
@mixed16 read back (`report @mixed16`) is one complete host of all 209 ports whose states agree
with each run's (`diff RUN.jsonl @mixed16` finds no change).
About 22 s. Last line "N passed, N failed".
"""
import argparse
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import range_common as rc  # noqa: E402
import shard_compare as sc  # noqa: E402

TCP_PORTS = list(range(1, 201))
UDP_PORTS = list(range(1, 9)) + [53]
PORT_ARG = "T:1-200,U:1-8,53"
RATE = "100"  # probes/s: the TCP phase (200 cells, phase 0 of the resume position) takes ~2 s
TIMEOUT = 60
# The phase the SIGINT falls in, seconds after the start; the scan name (--scan-id) or None.
ROUNDS = (("tcp", 0.8, None), ("udp", 2.9, None), ("shard", 0.8, "mixed16"))


def expand(ranges):
    """'1-3,7' (port_sets.ports) -> [1, 2, 3, 7]"""
    return rc.expand_ports(ranges)


def stored_cells(db_path):
    """scan id -> ({(host, proto, port): (state, reason)}, {host: complete}) from the history's
    tables (docs/reference.md, "portwarden history"): a port set's ports take its default
    unless port_results has a row for them."""
    out = {}
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        for scan_id, host, complete in con.execute("SELECT scan_id, host, complete FROM host_results"):
            out.setdefault(scan_id, ({}, {}))[1][rc.norm_addr(host)] = bool(complete)
        for scan_id, host, proto, ports, state, reason in con.execute(
                "SELECT scan_id, host, proto, ports, state, reason FROM port_sets"):
            cells = out.setdefault(scan_id, ({}, {}))[0]
            for p in expand(ports):
                cells[(rc.norm_addr(host), proto, p)] = (state, reason)
        for scan_id, host, proto, port, state, reason in con.execute(
                "SELECT scan_id, host, proto, port, state, reason FROM port_results"):
            out.setdefault(scan_id, ({}, {}))[0][(rc.norm_addr(host), proto, port)] = (state, reason)
    finally:
        con.close()
    return out


class Test(sc.RangeChecks):
    def __init__(self, args):
        super().__init__(args)
        self.host = self.truth.hosts["plain"][0]
        self.addr = rc.norm_addr(self.host)
        os.chmod(args.workdir, 0o1777)  # the scan writes its resume file after dropping root

    def command(self, out, *extra):
        return ["ip", "netns", "exec", self.ns, "timeout", str(TIMEOUT), self.args.portwarden, "scan", "-sS", "-sU",
                "-Pn", "-n", "-q", "--reason", "-p", PORT_ARG, "--seed", "16", "--max-rate", RATE, "-oJ", out,
                *extra, self.host]

    def want(self):
        out = {}
        for proto, ports in (("tcp", TCP_PORTS), ("udp", UDP_PORTS)):
            truth = self.truth.ports(self.host, proto)
            for p in ports:
                out[(self.addr, proto, p)] = truth[p]
        return out

    def pw(self, *args):
        p = subprocess.run(["timeout", "30", self.args.portwarden, *args], capture_output=True, text=True)
        return p.returncode, p.stdout + p.stderr

    def round(self, phase, delay, name, want):
        w = os.path.join(self.args.workdir, phase)
        shutil.rmtree(w, ignore_errors=True)
        os.makedirs(w)
        os.chmod(w, 0o1777)
        first, second = os.path.join(w, "first.jsonl"), os.path.join(w, "resumed.jsonl")
        resume = os.path.join(w, "first.resume")
        env = dict(os.environ, XDG_DATA_HOME=os.path.join(w, "data"))  # the default history's place
        db = os.path.join(w, "data", "portwarden", "history.db")
        named = ["--scan-id", name, "--shard", "0/1"] if name else []

        proc = subprocess.Popen(self.command(first, *named, "--resume-file", resume), stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, env=env)
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)  # `timeout` forwards it to the scan
        _, err = proc.communicate(timeout=TIMEOUT)
        self.check(f"{phase}: the interrupted run exits 130", proc.returncode == 130,
                   f"exit {proc.returncode}: {err.strip()}")
        text = open(resume, encoding="utf-8").read() if os.path.exists(resume) else ""
        m = re.search(r"^position=(\d+)$", text, re.M)
        position = int(m.group(1)) if m else -1
        in_phase = position >= len(TCP_PORTS) if phase == "udp" else 0 <= position < len(TCP_PORTS)
        self.check(f"{phase}: the SIGINT fell in the {'UDP' if phase == 'udp' else 'TCP'} phase "
                   f"(resume position {position})",
                   in_phase, text.strip() or err.strip())

        source = resume if phase == "tcp" else first
        start = time.monotonic()
        p = subprocess.run(self.command(second, *named, "--resume", source), stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True, env=env)
        took = time.monotonic() - start
        self.check(f"{phase}: the resumed run exits 0", p.returncode == 0, p.stderr.strip())

        a, dups_a = sc.port_cells(first)
        b, dups_b = sc.port_cells(second)
        print(f"  {phase}: interrupted run {len(a)} cells, resumed run {len(b)} cells in {took:.2f} s")
        twice = [k for k in a if k in b] + dups_a + dups_b
        self.check(f"{phase}: no (proto, port) is reported by both runs", not twice, str(twice))
        merged = dict(a)
        merged.update(b)
        bad = [(k[1:], merged.get(k), v) for k, v in want.items() if merged.get(k) != v]
        extra = [k for k in merged if k not in want]
        self.check(f"{phase}: both runs together equal the truth ({len(want)} ports)", not bad and not extra,
                   f"differ ((proto, port), ours, truth): {bad[:10]}; not asked for: {extra[:10]}")
        self.check_history(phase, db, a, b)
        if name:
            self.check_named(phase, name, db, (first, a), (second, b))

    def check_history(self, phase, db, a, b):
        code, out = self.pw("history", "--db", db)
        lines = [line for line in out.splitlines() if re.match(r"@\d+ ", line)]
        ok = (code == 0 and len(lines) == 2 and all("  syn+udp  " in x and "UNFINISHED" not in x for x in lines)
              and lines[0].startswith("@1 ") and "--resume " not in lines[0]
              and lines[1].startswith("@2 ") and "--resume " in lines[1])
        self.check(f"{phase}: history lists two finished syn+udp scans, @1 interrupted, @2 resumed", ok,
                   f"exit {code}:\n{out}")
        if not os.path.exists(db):
            self.check(f"{phase}: the default history database exists", False, db)
            return
        stored = stored_cells(db)
        for scan_id, run, cells, complete in ((1, "interrupted", a, False), (2, "resumed", b, True)):
            got, hosts = stored.get(scan_id, ({}, {}))
            diff = sc.differences(cells, got)
            self.check(f"{phase}: scan @{scan_id} holds exactly the {run} run's {len(cells)} ports", not diff,
                       "; ".join(diff))
            self.check(f"{phase}: scan @{scan_id} has the host {'complete' if complete else 'incomplete'}",
                       hosts == {self.addr: complete}, str(hosts))
        # A port's timeline: one observation, from the scan that reported it (every UDP port and
        # open TCP port, and the first closed TCP port of each run).
        sample = [k for k in sorted(set(a) | set(b)) if k[1] == "udp" or a.get(k, b.get(k))[0] == "open"]
        for run in (a, b):
            sample += sorted(k for k in run if k[1] == "tcp" and run[k][0] == "closed")[:1]
        wrong = []
        for key in sample:
            scan_id = 1 if key in a else 2
            state = (a if key in a else b)[key][0]
            code, out = self.pw("history", "--db", db, self.host, f"{key[2]}/{key[1]}")
            seen = re.findall(r"^  @(\d+)  \S+  (\S+) ", out, re.M)
            if code != 0 or seen != [(str(scan_id), state)]:
                wrong.append(f"{key[2]}/{key[1]}: want @{scan_id} {state}, got {seen} (exit {code})")
        self.check(f"{phase}: {len(sample)} port timelines each hold one observation, from its run", not wrong,
                   "; ".join(wrong))

    def check_named(self, phase, name, db, first, second):
        """The named scan holds both runs of its one shard: listed finished, tied to both scans, and
        read back as their union."""
        code, out = self.pw("history", "--db", db)
        line = [x for x in out.splitlines() if x.startswith(f"@{name} ")]
        self.check(f"{phase}: history lists @{name}: 1 of 1 shard finished, shard scans @1 @2",
                   code == 0 and len(line) == 1 and "  1 of 1 shard finished  " in line[0]
                   and line[0].endswith("shard scans @1 @2"), f"exit {code}:\n{out}")
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            rows = con.execute("SELECT scan_id, name, shard_index, shard_count, finished FROM scan_shards "
                               "ORDER BY scan_id").fetchall()
        finally:
            con.close()
        self.check(f"{phase}: scan_shards ties @1 (unfinished) and @2 (finished) to shard 0/1 of {name}",
                   rows == [(1, name, 0, 1, 0), (2, name, 0, 1, 1)], str(rows))
        total = len(first[1]) + len(second[1])
        code, out = self.pw("report", "--db", db, "-o", "-", f"@{name}")
        scanned = re.findall(r"Host up \([^)]*\), (\d+) ports scanned(, scan incomplete)?", out)
        self.check(f"{phase}: @{name} is one complete host of both runs' {total} ports",
                   code == 0 and scanned == [(str(total), "")], f"exit {code}: {scanned or out[-300:]}")
        for path, cells in (first, second):
            code, out = self.pw("diff", "--db", db, path, f"@{name}")
            self.check(f"{phase}: @{name} agrees with the {len(cells)} ports of {os.path.basename(path)}",
                       code == 0, f"exit {code}: {out[-500:]}")

    def main(self):
        want = self.want()
        self.check("the truth has open and closed ports of both protocols",
                   {(k[1], v[0]) for k, v in want.items()} >= {("tcp", "open"), ("tcp", "closed"), ("udp", "open"),
                                                                ("udp", "closed")})
        for phase, delay, name in ROUNDS:
            self.round(phase, delay, name, want)
        return self.summary()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    for name in ("portwarden", "truth"):
        parser.add_argument(name)
    parser.add_argument("--workdir", default="/tmp/pw-mixed-resume")
    sys.exit(Test(parser.parse_args()).main())
