#!/usr/bin/python3
"""Integration test: `portwarden audit` on the test range (issue #5's must-shows).

    audit_range_test.py PORTWARDEN TRUTH [--workdir DIR]

Policies are written from the range's ground truth, then audited with a live raw scan in the
scanner namespace (`portwarden audit --policy P -sS ... --format json`):
  match     the plain and firewalled hosts (v4 and v6) may have exactly their listeners open:
            exit 0, no finding;
  extra     one more listener (pw_listen on TCP 4444, started in the plain host's namespace
            by this test and stopped by its PID): exit 1, and the only findings are PW001
            for 4444/tcp on the plain host's two addresses;
  stealth   the firewalled host with unlisted = "filtered", ports 1-2000, 8080-8082,
            10000-10005: exit 1, and the PW003 findings are exactly the ports the truth
            says answer with a RST (kernel or `reject with tcp reset`) in that range;
  down      a policy naming the drop-everything host: exit 2 (PW102, host down), never 0.
  diff      nmap -sS of the plain host before and while the extra listener runs: `portwarden
            diff` of the two nmap XML files reports exactly 4444/tcp closed -> open (exit 1,
            text and JSON); ours (-oX and -oJ) of the same scan as nmap's second one: no
            difference (exit 0).
  reprobe   -sS and -sT: a lost first SYN (nft drops exactly one, --max-retries 0) is probed
            again because the history says closed, and reported closed (filtered without a
            history); a real new listener is confirmed by its re-probe. -sS -sU and -sT -sU
            the same, and also a lost first UDP probe to a closed port (open|filtered without
            a history) re-probed by UDP back to closed, and a new UDP echo confirmed open.
  history   per database (a fresh SQLite file; with --pg the PostgreSQL server whose URL
            tests/history/pg_server.sh puts in PW_HISTORY_PG_URL): three scans of the plain
            host with --db (without, with, without the extra listener) and an audit with --db;
            `history HOST 4444` says "closed since ..., was open before", `history --flapping`
            counts 2 changes, `--new-since` lists 4444/tcp, and the list shows the 4 scans.
With --only history only that case runs (the PostgreSQL variant of the test).
Standard library only; every command bounded by `timeout`. Last line "N passed, N failed".
"""
import argparse
import json
import os
import subprocess
import sys
import time

from range_common import Case, Truth, run, tail

TIMEOUT = 120


def policy(groups):
    """TOML text: groups = [(name, [addresses], [open ports], unlisted)]."""
    out = []
    for name, hosts, ports, unlisted in groups:
        out.append(f"[groups.{name}]")
        out.append("hosts = [" + ", ".join(f'"{h}"' for h in hosts) + "]")
        out.append(f'unlisted = "{unlisted}"')
        for p in ports:
            out += [f"[[groups.{name}.allow]]", f"port = {p}", 'owner = "range"']
        out.append("")
    return "\n".join(out)


def write_policy(workdir, tag, text):
    path = os.path.join(workdir, f"{tag}.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def audit(case, pw, ns, workdir, tag, text, scan_args):
    path = write_policy(workdir, tag, text)
    cmd = ["ip", "netns", "exec", ns, "timeout", str(TIMEOUT), pw, "audit", "--policy", path,
           "--format", "json", "-q"] + scan_args
    case.info(" ".join(cmd))
    rc, out, err, secs = run(cmd, TIMEOUT + 30)
    case.info(f"exit {rc} in {secs:.1f} s")
    try:
        return rc, json.loads(out), err
    except json.JSONDecodeError:
        case.fail(f"no JSON report (exit {rc}):\n{tail(err)}")
        return rc, None, err


def drop_first_syn(host_ns, port, syn_bytes, udp_port=None):
    """nftables in the target's namespace (table inet pwreprobe, made here, deleted by
    clear_drop): drops SYNs to `port` until `syn_bytes` bytes have passed, i.e. exactly the
    first SYN (44 bytes from a raw -sS probe, 60 from the kernel's connect()); with `udp_port`,
    the first datagram to it too (an empty probe: 28 bytes)."""
    clear_drop(host_ns)
    udp = f"  udp dport {udp_port} quota until 40 bytes drop\n" if udp_port else ""
    rules = ("table inet pwreprobe {\n chain in {\n  type filter hook input priority -10;\n"
             f"  tcp dport {port} tcp flags & (syn|ack) == syn quota until {syn_bytes} bytes drop\n{udp} }}\n}}\n")
    subprocess.run(["ip", "netns", "exec", host_ns, "nft", "-f", "-"], input=rules, text=True, check=True,
                   timeout=30)


def clear_drop(host_ns):
    subprocess.run(["ip", "netns", "exec", host_ns, "nft", "delete", "table", "inet", "pwreprobe"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)


def json_ports(path):
    """{port: (state, reason)} ({"udp/PORT": ...} for UDP) and the summary object of a -oJ file."""
    ports, summary = {}, {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            o = json.loads(line)
            if o.get("type") == "port":
                ports[o["port"] if o["proto"] == "tcp" else f"udp/{o['port']}"] = (o["state"], o["reason"])
            elif o.get("type") == "summary":
                summary = o
    return ports, summary


def reprobe_case(c, pw, ns, truth, workdir, techniques, syn_bytes, addr, with_listener, udp_port=None):
    """Drift confirmation (a changed port is probed once more before it is reported): with a
    fresh history holding 23 (and udp_port) closed, (1) the first SYN to 23 (and the first
    datagram to udp_port) is dropped and --max-retries 0 leaves no retry: the re-probe finds
    23 closed again, so the scan reports closed and drift.reverted = 1 (2 with udp_port: its
    re-probe goes by UDP), where the same loss with --no-history reports filtered (and
    open|filtered); (2) a real listener on 4444 (and a UDP echo on udp_port) is confirmed by its
    re-probe (open, drift.confirmed = 1, or 2); the history then shows 23 closed in every scan."""
    host_ns = truth.host_ns["plain"]
    tag = "".join(techniques)
    db = os.path.join(workdir, f"reprobe{tag}.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.unlink(db + suffix)
    ports = f"T:20-25,4444,U:{udp_port}" if udp_port else "20-25,4444"
    base = ["ip", "netns", "exec", ns, "timeout", str(TIMEOUT), pw, "scan", *techniques, "-n", "-q", "-Pn",
            "--max-retries", "0", "-p", ports, addr]
    n = 2 if udp_port else 1
    problems = []

    def scan(name, extra):
        out = os.path.join(workdir, f"reprobe{tag}-{name}.json")
        rc, _, err, _ = run(base + extra + ["-oJ", out], TIMEOUT + 30)
        if rc != 0:
            problems.append(f"{name}: exit {rc}: {tail(err)}")
            return {}, {}
        return json_ports(out)

    first, _ = scan("baseline", ["--db", db])
    try:
        drop_first_syn(host_ns, 23, syn_bytes, udp_port)
        lost, _ = scan("lost-no-history", ["--no-history"])
        drop_first_syn(host_ns, 23, syn_bytes, udp_port)
        again, summary = scan("lost", ["--db", db])
    finally:
        clear_drop(host_ns)
    u = f"udp/{udp_port}"
    if udp_port and (first.get(u, ("",))[0] != "closed" or lost.get(u, ("",))[0] != "open|filtered"):
        problems.append(f"{u}: closed in the baseline, open|filtered when its datagram is lost without history: "
                        f"{first.get(u)}, {lost.get(u)}")
    if lost.get(23, ("",))[0] != "filtered":
        problems.append(f"without history the lost SYN should leave 23 filtered: {lost.get(23)}")
    if again.get(23, ("",))[0] != "closed" or summary.get("drift") != {"reprobed": n, "confirmed": 0,
                                                                        "reverted": n}:
        problems.append(f"with history 23 should be re-probed back to closed: {again.get(23)}, "
                        f"drift {summary.get('drift')}")
    if udp_port and again.get(u) != ("closed", "port-unreach"):
        problems.append(f"with history {u} should be re-probed by UDP back to closed: {again.get(u)}")

    def listening():
        if udp_port:
            return with_listener(udp_port, lambda: scan("listener", ["--db", db]), "udp")
        return scan("listener", ["--db", db])
    opened, summary2 = with_listener(4444, listening)
    if opened.get(4444, ("",))[0] != "open" or summary2.get("drift") != {"reprobed": n, "confirmed": n,
                                                                          "reverted": 0}:
        problems.append(f"the new listener should be confirmed open: {opened.get(4444)}, "
                        f"drift {summary2.get('drift')}")
    if udp_port and opened.get(u) != ("open", "udp-response"):
        problems.append(f"the new UDP echo on {u} should be confirmed open: {opened.get(u)}")
    _, line, err, _ = run([pw, "history", "--db", db, addr, "23"], 60)
    first = line.splitlines()[0] if line else ""
    if not first.startswith(f"23/tcp on {addr}: closed since") or "was" in first:
        problems.append(f"history of 23 should be closed throughout: {line!r} {err}")
    for p in problems:
        c.fail(p)
    if not problems:
        c.ok(f"lost first SYN{' and datagram' if udp_port else ''}: filtered without history, closed "
             f"(reverted) with it; 4444{' and ' + u if udp_port else ''} confirmed open; '{first}'")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("portwarden")
    ap.add_argument("truth")
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--pg", action="store_true", help="also run the history case on $PW_HISTORY_PG_URL")
    ap.add_argument("--only", choices=["history"], default=None)
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("audit_range_test: must run as root (network namespaces)\n0 passed, 1 failed")
        return 1
    pw = os.path.abspath(args.portwarden)
    truth = Truth(args.truth)
    ns = truth.scanner_ns
    workdir = os.path.abspath(args.workdir or os.path.join(os.path.dirname(args.truth), "audit_range"))
    os.makedirs(workdir, exist_ok=True)
    cases = []

    def open_ports(addr):
        return sorted(p for p, sr in truth.ports(addr).items() if sr[0] == "open")

    plain4, plain6 = truth.hosts["plain"]
    fw4, fw6 = truth.hosts["firewalled"]
    drop4 = truth.hosts["drop"][0]
    match_groups = [("plain", [plain4, plain6], open_ports(plain4), "closed"),
                    ("firewalled", [fw4, fw6], open_ports(fw4), "closed")]
    ports_arg = ["-p", "1-2000,4444,5432,8080-8082,10000-10005,31337,65535"]

    state = truth.meta.get("state_dir", "")
    listen = open(os.path.join(state, "listen"), encoding="utf-8").read().strip() if state else ""

    def with_listener(port, body, proto="tcp"):
        """Runs body() while pw_listen listens on `port` (TCP, or a UDP echo) in the plain host
        (stopped by PID)."""
        pidfile = os.path.join(workdir, f"extra-{port}-{proto}.pid")
        if os.path.exists(pidfile):
            os.unlink(pidfile)
        proc = subprocess.Popen(["ip", "netns", "exec", truth.host_ns["plain"], listen, f"--{proto}", str(port),
                                 "--pidfile", pidfile], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):  # bounded: 10 s
                if os.path.exists(pidfile) and os.path.getsize(pidfile) > 0:
                    break
                time.sleep(0.1)
            return body()
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    if True:  # history: first, while the plain host has no extra listener
        dbs = [] if args.only == "history" else [("sqlite", os.path.join(workdir, "history.db"))]
        if args.pg or args.only == "history":
            url = os.environ.get("PW_HISTORY_PG_URL")
            if url:
                dbs.append(("postgresql", url))
            else:
                c = Case("history", "postgresql")
                cases.append(c)
                c.fail("no PW_HISTORY_PG_URL: run under tests/history/pg_server.sh")
        for kind, db in dbs:
            c = Case("history", kind)
            cases.append(c)
            if kind == "sqlite":
                for suffix in ("", "-wal", "-shm"):
                    if os.path.exists(db + suffix):
                        os.unlink(db + suffix)
            scan = ["ip", "netns", "exec", ns, "timeout", str(TIMEOUT), pw, "scan", "-sS", "-n", "-q", "-p",
                    "4440-4450", "--db", db, plain4]
            rcs = [run(scan, TIMEOUT + 30)[0]]
            rcs.append(with_listener(4444, lambda: run(scan, TIMEOUT + 30)[0]))
            rcs.append(run(scan, TIMEOUT + 30)[0])
            rc_audit, _, err_audit, _ = run(["ip", "netns", "exec", ns, "timeout", str(TIMEOUT), pw, "audit",
                                            "--policy", write_policy(workdir, "plain-history",
                                                         policy([("plain", [plain4], open_ports(plain4), "closed")])),
                                            "-sS", "-p", "4440-4450", "--db", db, "-q"], TIMEOUT + 30)
            hist = [pw, "history", "--db", db]
            _, listing, e1, _ = run(hist, 60)
            _, line, e2, _ = run(hist + [plain4, "4444"], 60)
            _, flaps, e3, _ = run(hist + ["--flapping"], 60)
            _, new, e4, _ = run(hist + ["--new-since", "2000-01-01"], 60)
            problems = []
            if rcs != [0, 0, 0] or rc_audit != 0:
                problems.append(f"scan exits {rcs}, audit exit {rc_audit}: {tail(err_audit)}")
            if len([l for l in listing.splitlines() if l.startswith("@")]) != 4:
                problems.append(f"history lists {listing.count(chr(10))} lines, want 4 scans:\n{listing}{e1}")
            first = line.splitlines()[0] if line else ""
            if not (first.startswith(f"4444/tcp on {plain4}: closed since") and "was open before" in first):
                problems.append(f"timeline: {line!r} {e2}")
            if f"4444/tcp on {plain4}: 2 state changes" not in flaps:
                problems.append(f"--flapping: {flaps!r} {e3}")
            if f"4444/tcp on {plain4}: open since" not in new:
                problems.append(f"--new-since: {new!r} {e4}")
            if problems:
                for p in problems:
                    c.fail(p)
            else:
                c.ok(f"4 scans stored; '{first}'; flapping and new-since as expected")

    if args.only == "history":
        for case in cases:
            print(f"{'PASS' if not case.failures else 'FAIL'}  {case.name:8s} {case.addr}")
        failed = [case for case in cases if case.failures]
        print(f"{len(cases) - len(failed)} passed, {len(failed)} failed")
        return 0 if not failed else 1

    # -sS -sU, -sT -sU: each phase's changed ports re-probed with its own scan type (40001/udp:
    # closed on the plain host, no nmap payload, so its probe is an empty 28-byte datagram).
    for techniques, syn_bytes, udp_port in ((["-sS"], 50, None), (["-sT"], 70, None),
                                            (["-sS", "-sU"], 50, 40001), (["-sT", "-sU"], 70, 40001)):
        c = Case("reprobe", f"{' '.join(techniques)} {plain4}")
        cases.append(c)
        reprobe_case(c, pw, ns, truth, workdir, techniques, syn_bytes, plain4, with_listener, udp_port)

    c = Case("match", "plain + firewalled, v4 + v6")
    cases.append(c)
    rc, rep, err = audit(c, pw, ns, workdir, "match", policy(match_groups), ["-sS"] + ports_arg)
    if rep is not None:
        if rc == 0 and not rep["findings"]:
            c.ok(f"exit 0, no finding ({rep['ports_checked']} ports of {rep['hosts_checked']} hosts checked)")
        else:
            c.fail(f"exit {rc}, findings {[(f['rule_id'], f['host'], f['port']) for f in rep['findings']][:10]}")

    diff_ports = "1-5000"
    nmap_cmd = ["ip", "netns", "exec", ns, "timeout", str(TIMEOUT), "nmap", "-n", "-sS", "-T4", "-p", diff_ports]
    n1 = os.path.join(workdir, "nmap-before.xml")
    n2 = os.path.join(workdir, "nmap-extra.xml")
    o2 = os.path.join(workdir, "ours-extra")
    run(nmap_cmd + ["-oX", n1, plain4], TIMEOUT + 30)

    c = Case("extra", "one more listener on the plain host")
    cases.append(c)

    def during_extra():
        out = audit(c, pw, ns, workdir, "extra", policy(match_groups), ["-sS"] + ports_arg)
        run(nmap_cmd + ["-oX", n2, plain4], TIMEOUT + 30)
        run(["ip", "netns", "exec", ns, "timeout", str(TIMEOUT), pw, "scan", "-sS", "-n", "-q", "-p", diff_ports,
             "-oX", o2 + ".xml", "-oJ", o2 + ".jsonl", plain4], TIMEOUT + 30)
        return out
    rc, rep, err = with_listener(4444, during_extra)
    if rep is not None:
        got = sorted((f["rule_id"], f["host"], f["port"]) for f in rep["findings"])
        want = sorted(("PW001", h, 4444) for h in (plain4, plain6))
        if rc == 1 and got == want:
            c.ok("exit 1, findings exactly PW001 4444/tcp on both addresses of the plain host")
        else:
            c.fail(f"exit {rc}, findings {got[:10]}, want {want}")

    c = Case("stealth", "firewalled host, unlisted = filtered")
    cases.append(c)
    stealth_ports = "1-2000,8080-8082,10000-10005"
    rc, rep, err = audit(c, pw, ns, workdir, "stealth",
                         policy([("firewalled", [fw4], open_ports(fw4), "filtered")]),
                         ["-sS", "-p", stealth_ports])
    if rep is not None:
        scanned = set(range(1, 2001)) | {8080, 8081, 8082} | set(range(10000, 10006))
        want = sorted(p for p, sr in truth.ports(fw4).items() if p in scanned and sr == ("closed", "reset"))
        got = sorted(f["port"] for f in rep["findings"] if f["rule_id"] == "PW003")
        others = [f for f in rep["findings"] if f["rule_id"] != "PW003"]
        if rc == 1 and got == want and not others:
            c.ok(f"exit 1, PW003 on exactly the {len(want)} RST-answering ports (8082, the "
                 f"`reject with tcp reset` port, among them: {8082 in got})")
        else:
            c.fail(f"exit {rc}: {len(got)} PW003 ports vs {len(want)} in the truth "
                   f"(missing {sorted(set(want) - set(got))[:8]}, extra {sorted(set(got) - set(want))[:8]}), "
                   f"{len(others)} other findings")

    c = Case("down", "the drop-everything host")
    cases.append(c)
    rc, rep, err = audit(c, pw, ns, workdir, "down", policy([("dark", [drop4], [22], "closed")]),
                         ["-sS", "-p", "22,80,443"])
    if rep is not None:
        rules = sorted({f["rule_id"] for f in rep["findings"]})
        if rc == 2 and rules == ["PW102"]:
            c.ok("exit 2 (inconclusive: host down), not 0")
        else:
            c.fail(f"exit {rc}, rules {rules}")

    c = Case("diff", "nmap before/after an extra listener; ours vs nmap")
    cases.append(c)
    rc, out, err, _ = run([pw, "diff", "--format", "json", n1, n2], 60)
    try:
        doc = json.loads(out)
        changes = [(h["host"], p["port"], p["a"]["state"] if p["a"] else None, p["b"]["state"] if p["b"] else None)
                   for h in doc["hosts"] for p in h["ports"]]
        hosts_changed = [h["host"] for h in doc["hosts"] if h["a"] != h["b"]]
    except (json.JSONDecodeError, KeyError, TypeError) as e:
        changes, hosts_changed = None, None
        c.fail(f"diff --format json: not the expected JSON ({e}); exit {rc}:\n{tail(err)}")
    if changes is not None:
        if rc == 1 and changes == [(plain4, 4444, "closed", "open")] and not hosts_changed:
            c.ok("diff of nmap's two XML files: exactly 4444/tcp closed -> open (exit 1)")
        else:
            c.fail(f"diff of nmap's two XML files: exit {rc}, changes {changes[:8]}, hosts {hosts_changed}")
    rc, out, err, _ = run([pw, "diff", n1, n2], 60)
    if rc != 1 or "+4444/tcp" not in out or out.count("\n+") != 2:
        c.fail(f"diff (text): exit {rc}:\n{out[:500]}")
    for ours in (o2 + ".xml", o2 + ".jsonl"):
        rc, out, err, _ = run([pw, "diff", n2, ours], 60)
        if rc == 0 and "no differences" in out:
            c.ok(f"diff of nmap's XML and ours ({os.path.basename(ours)}) of the same scan: no difference")
        else:
            c.fail(f"diff nmap vs {os.path.basename(ours)}: exit {rc}\n{out[:800]}{tail(err)}")

    for case in cases:
        print(f"{'PASS' if not case.failures else 'FAIL'}  {case.name:8s} {case.addr}")
    failed = [case for case in cases if case.failures]
    print(f"{len(cases) - len(failed)} passed, {len(failed)} failed")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
