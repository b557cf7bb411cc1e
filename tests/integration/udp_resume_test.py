#!/usr/bin/python3
"""Integration test (#16): a resumed -sU never reads a closed port open|filtered because the
host's ICMP rate limiter was emptied when the resumed run started.

    udp_resume_test.py PORTWARDEN TRUTH [--workdir DIR]

`-sU -Pn -p U:1-8,53` of the range's plain host (v4; 1-8 closed, 53 open) is interrupted with
SIGINT 0.8 s after its start, then the host's per-destination ICMP bucket is emptied on
purpose (datagrams to its closed ports from the scanner's namespace until the error that takes
a freshly refilled token: Linux then lets the next through about 1 s later), and the scan is
resumed at once from the first run's -oJ. Short
RTT time-outs (--initial-rtt-timeout 50ms --max-rtt-timeout 100ms, both runs) make a silent
try end long before the bucket's next token, as on a LAN after the first replies. Before the
fix, the resumed run saw no ICMP error at all, took the limiter's silence for real silence and
reported the closed ports it still had open|filtered; now the first silence of a resumed run
measures the limiter. Asserts: both runs exit as they should (130, 0), no cell is reported by
both, and together they equal the truth for all 9 ports. About 5-10 s (the resumed run waits
for the limiter, one closed port per second). Last line "N passed, N failed".
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import range_common as rc  # noqa: E402
import shard_compare as sc  # noqa: E402

PORTS = list(range(1, 9)) + [53]
TIMEOUT = 60


class Test(sc.RangeChecks):
    def __init__(self, args):
        super().__init__(args)
        self.host = self.truth.hosts["plain"][0]
        os.chmod(args.workdir, 0o1777)  # the scan writes its resume file after dropping root

    def command(self, out, *extra):
        return ["ip", "netns", "exec", self.ns, "timeout", str(TIMEOUT), self.args.portwarden, "scan", "-sU",
                "-Pn", "-n", "-q", "--reason", "--no-history", "-p", ",".join(map(str, PORTS)), "--seed", "16",
                "--initial-rtt-timeout", "50ms", "--max-rtt-timeout", "100ms", "-oJ", out, *extra, self.host]

    def drain(self, closed):
        """Empties the host's ICMP bucket for the scanner's address, from inside the scanner's
        namespace: a datagram to a closed port every 10 ms (connected sockets: an ICMP error
        reads ECONNREFUSED) until an error comes after 0.3 s of silence, i.e. the bucket was
        empty and that error took the one token it had refilled: the next is about 1 s away.
        At most 3 s (300 datagrams). Returns when that error was seen."""
        code = ("import socket,sys,time\n"
                "host=sys.argv[1]; ports=[int(p) for p in sys.argv[2:]]\n"
                "end=time.monotonic()+3; quiet=None; i=0\n"
                "while time.monotonic()<end:\n"
                "    s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.connect((host,ports[i%len(ports)])); i+=1\n"
                "    s.setblocking(False); s.send(b'x'); time.sleep(0.01)\n"
                "    try:\n"
                "        s.recv(1); err=False\n"
                "    except ConnectionRefusedError:\n"
                "        err=True\n"
                "    except BlockingIOError:\n"
                "        err=False\n"
                "    s.close(); now=time.monotonic()\n"
                "    if err and quiet is not None and now-quiet>0.3: sys.exit(0)\n"
                "    quiet=None if err else (quiet if quiet is not None else now)\n"
                "sys.exit(1)\n")
        p = subprocess.run(["ip", "netns", "exec", self.ns, "timeout", "10", sys.executable, "-c", code, self.host,
                            *map(str, closed)])
        return p.returncode == 0

    def main(self):
        w = self.args.workdir
        first, second = os.path.join(w, "first.jsonl"), os.path.join(w, "resumed.jsonl")
        resume = os.path.join(w, "first.resume")
        for f in (first, second, resume):
            if os.path.exists(f):
                os.remove(f)
        truth = self.truth.ports(self.host, "udp")
        want = {(rc.norm_addr(self.host), "udp", p): truth[p] for p in PORTS}
        closed = [p for p in PORTS if truth[p][0] == "closed"]
        self.check("the truth has closed ports among the scanned ones", len(closed) >= 4, str(closed))

        proc = subprocess.Popen(self.command(first, "--resume-file", resume), stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        time.sleep(0.8)
        proc.send_signal(signal.SIGINT)  # `timeout` forwards it to the scan
        _, err = proc.communicate(timeout=TIMEOUT)
        self.check("the interrupted run exits 130", proc.returncode == 130, f"exit {proc.returncode}: {err.strip()}")

        self.check("the host's ICMP bucket was emptied just now", self.drain(closed))
        start = time.monotonic()
        p = subprocess.run(self.command(second, "--resume", first), stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
        took = time.monotonic() - start
        self.check("the resumed run exits 0", p.returncode == 0, p.stderr.strip())

        a, dups_a = sc.port_cells(first)
        b, dups_b = sc.port_cells(second)
        print(f"  interrupted run: {len(a)} cells, resumed run: {len(b)} cells in {took:.2f} s")
        twice = [k for k in a if k in b] + dups_a + dups_b
        self.check("no cell is reported by both runs", not twice, str(twice))
        invented = sorted(k[2] for k, v in b.items() if v[0] == "open|filtered" and want.get(k, ("",))[0] == "closed")
        self.check("the resumed run reads no closed port open|filtered", not invented,
                   f"closed ports read open|filtered: {invented}")
        merged = dict(a)
        merged.update(b)
        bad = [(k[2], merged.get(k), v) for k, v in want.items() if merged.get(k) != v]
        extra = [k for k in merged if k not in want]
        self.check("both runs together equal the truth", not bad and not extra,
                   f"differ (port, ours, truth): {bad}; not asked for: {extra}")
        return self.summary()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    for name in ("portwarden", "truth"):
        parser.add_argument(name)
    parser.add_argument("--workdir", default="/tmp/pw-udp-resume")
    sys.exit(Test(parser.parse_args()).main())
