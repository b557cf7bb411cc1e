#!/usr/bin/env python3
"""`portwarden watch --log`: firewall log lines (the kernel's nf_log_syslog format, as iptables
-j LOG and nftables `log` write them) from a file and from stdin; and the CAP_NET_RAW error.

  watch_log_test.py PORTWARDEN

The lines are generated here in the kernel's format (field for field as nf_log_syslog prints
them; see tests/unit/watch_log_line_test.cpp for lines as dmesg/journald/syslog carry them):
  * scans: a SYN scan (200 ports, 1 ms apart), a FIN scan (50 ports) and a UDP scan (100 ports),
    each from its own source, between them lines that are not firewall lines (skipped, counted);
  * a normal day: 86 400 s of 20 000 accepted connections from 50 clients to 3 services and
    600 background drops from 300 sources (1-2 ports each) -> no alert.
No packet is sent. Last line "N passed, N failed".
"""
import http.server
import json
import os
import threading
import random
import subprocess
import sys
import tempfile

passed = 0
failed = 0


def check(ok, what):
    global passed, failed
    passed += ok
    failed += not ok
    print(f"{'ok' if ok else 'FAIL'}: {what}")


def tcp_line(stamp, prefix, src, dst, sport, dport, flags, window=1024, ttl=46, ipid=31028):
    return (f"[{stamp:12.6f}] {prefix}IN=eth0 OUT= MAC=88:b4:44:04:8f:24:b2:41:a2:ce:6c:4e:08:00 SRC={src} "
            f"DST={dst} LEN=44 TOS=0x00 PREC=0x00 TTL={ttl} ID={ipid} PROTO=TCP SPT={sport} DPT={dport} "
            f"WINDOW={window} RES=0x00 {flags} URGP=0 ")


def udp_line(stamp, prefix, src, dst, sport, dport):
    return (f"[{stamp:12.6f}] {prefix}IN=eth0 OUT= MAC=88:b4:44:04:8f:24:b2:41:a2:ce:6c:4e:08:00 SRC={src} "
            f"DST={dst} LEN=28 TOS=0x00 PREC=0x00 TTL=52 ID=28086 PROTO=UDP SPT={sport} DPT={dport} LEN=8 ")


def scan_lines():
    lines, junk = [], 0
    for i in range(200):
        lines.append(tcp_line(1000 + i * 0.001, "pw drop: ", "198.18.0.2", "198.18.1.10", 51162, i + 1, "SYN"))
        if i % 20 == 0:
            lines.append(f"[{1000 + i * 0.001:12.6f}] eth0: entered promiscuous mode")
            lines.append("not a log line at all")
            junk += 2
    for i in range(50):
        lines.append(tcp_line(1001 + i * 0.001, "pw drop: ", "198.18.0.3", "198.18.1.10", 42373, i + 1, "FIN"))
    for i in range(100):
        lines.append(udp_line(1002 + i * 0.001, "pw drop: ", "198.18.0.4", "198.18.1.10", 54655, i + 1))
    return lines, junk


def day_lines():
    rng = random.Random(14)
    events = []
    clients = [f"198.18.{10 + c // 200}.{c % 200 + 1}" for c in range(50)]
    for n in range(20000):
        events.append((rng.uniform(0, 86400), "pw accept: ", rng.choice(clients), rng.choice([22, 80, 443])))
    for s in range(300):
        src = f"198.19.{s // 250}.{s % 250 + 1}"
        for port in rng.sample([23, 445, 3389, 8081], rng.choice([1, 2])):
            events.append((rng.uniform(0, 86400), "pw drop: ", src, port))
    events.sort()
    return [tcp_line(t, prefix, src, "198.18.1.10", 40000 + i % 20000, port, "SYN", window=64240, ttl=63, ipid=i % 65536)
            for i, (t, prefix, src, port) in enumerate(events)]


def run_watch(pw, args, stdin=None):
    r = subprocess.run(["timeout", "60", pw, "watch", "--json"] + args, input=stdin, capture_output=True, text=True)
    events = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
    alerts = [e for e in events if e["event"] == "scan"]
    ends = {e["src"]: e for e in events if e["event"] == "scan-end"}
    check(sorted(ends) == sorted(a["src"] for a in alerts), f"a scan-end event for each scan: {sorted(ends)}")
    for a in alerts:
        end = ends.get(a["src"], {})
        check(end.get("hit") == "filtered" and end.get("probes", 0) >= a["probes"],
              f"{a['src']}: the end says what the scan hit: {end.get('hit')} after {end.get('probes')} probes")
    return r.returncode, alerts, r.stderr.strip().splitlines()


def webhook_case(pw, scans):
    """--webhook: every event POSTed as JSON to a server on 127.0.0.1 that this test starts; -oJ."""
    bodies = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            bodies.append((self.path, self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/scans"
        out_json = scans + ".jsonl"
        r = subprocess.run(["timeout", "60", pw, "watch", "--log", scans, "--webhook", url, "-oJ", out_json],
                           capture_output=True, text=True)
        with open(out_json, encoding="utf-8") as f:
            written = [json.loads(l)["event"] for l in f]
        check(sorted(written) == ["scan"] * 3 + ["scan-end"] * 3, f"-oJ FILE: {written}")
    finally:
        server.shutdown()
    events = sorted((json.loads(b)["event"], json.loads(b)["src"]) for path, b in bodies if path == "/scans")
    want = sorted((e, s) for e in ("scan", "scan-end") for s in ("198.18.0.2", "198.18.0.3", "198.18.0.4"))
    check(r.returncode == 1 and events == want and len(r.stdout.splitlines()) == 6,
          f"--webhook: {len(bodies)} POSTs {events} (exit {r.returncode}), human lines on stdout")


def main():
    pw = sys.argv[1]
    lines, junk = scan_lines()
    day = day_lines()
    with tempfile.TemporaryDirectory() as tmp:
        scans = os.path.join(tmp, "scans.log")
        with open(scans, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        for how, args, stdin in (("file", ["--log", scans], None), ("stdin", ["--log", "-"], "\n".join(lines) + "\n")):
            code, alerts, err = run_watch(pw, args, stdin)
            got = sorted((a["src"], a["technique"]) for a in alerts)
            want = [("198.18.0.2", "syn"), ("198.18.0.3", "fin"), ("198.18.0.4", "udp")]
            check(code == 1 and got == want, f"scans from a {how}: {got} (exit {code})")
            check(any(f"{junk} skipped" in l for l in err), f"{how}: {junk} lines skipped and counted: {err[-1:]}")
            check(all(a["filtered"] >= 4 and a["latency_s"] < 0.01 for a in alerts),
                  f"{how}: each decided after 4 dropped ports, within 10 ms of log time")
        webhook_case(pw, scans)
        # The smallest table (8 slots) still holds the three scanners.
        code, alerts, err = run_watch(pw, ["--log", scans, "--table-slots", "8"])
        got = sorted((a["src"], a["technique"]) for a in alerts)
        check(code == 1 and got == want, f"--table-slots 8: {got} (exit {code})")
        daylog = os.path.join(tmp, "day.log")
        with open(daylog, "w", encoding="utf-8") as f:
            f.write("\n".join(day) + "\n")
        code, alerts, err = run_watch(pw, ["--log", daylog])
        check(code == 0 and alerts == [], f"a normal day ({len(day)} lines): {len(alerts)} alerts (exit {code}); {err[-1:]}")
        # No CAP_NET_RAW: root without it (bounding set), or any other user.
        cmd = [pw, "watch", "--duration", "1"]
        if os.geteuid() == 0:
            cmd = ["unshare", "-n", "setpriv", "--bounding-set", "-net_raw", "--inh-caps", "-net_raw"] + cmd
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        err = r.stderr.strip().splitlines()
        check(r.returncode == 2 and len(err) == 1 and "CAP_NET_RAW" in err[0] and r.stdout == "",
              f"no CAP_NET_RAW: exit {r.returncode}, {err}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
