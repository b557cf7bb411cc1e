#!/usr/bin/env python3
"""Who really answered (issue #13 item 5) on the test range.

One `-sS -p- -Pn` scan of every range host (the truth's `# host` lines: plain, firewalled,
drop, lossy, bottleneck) and of the responder block (the host whose RSTs the router forges
for some ports, and the port-spoofer), v4 and v6 in one run, -oJ and -oX. Asserts:
  * on the forged host, the responder analysis flags exactly the ports the router forges
    (the responder truth, <truth without .tsv>.responder.tsv), v4 and v6, and each such port
    record carries "forged";
  * on every other host no reply is flagged (false positives 0 over 65535 ports each);
  * the port-spoofer is flagged (v4 and v6), and no other host is;
  * the XML is valid against nmap's DTD (the notes are comments).
Cost: one scan of 18 addresses x 65535 ports, ~55 s on the loaded 2-core machine; ~60 s in all.

Usage: responder_range_test.py PORTWARDEN TRUTH [--workdir DIR]
Exit 0 when every check passes, 1 on a failure or when it cannot run (no root, range down).
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import range_common as rc  # noqa: E402


def responder_truth(truth_path):
    path = truth_path[:-4] + ".responder.tsv" if truth_path.endswith(".tsv") else truth_path + ".responder.tsv"
    forged, spoofers = {}, set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            if words[0] == "forged":
                forged[rc.norm_addr(words[1])] = set(rc.expand_ports(words[2]))
            elif words[0] == "spoofer":
                spoofers.add(rc.norm_addr(words[1]))
    if not forged or not spoofers:
        raise SystemExit(f"{path}: no forged/spoofer lines (a range from before the responder block?)")
    return forged, spoofers


def read_jsonl(path):
    hosts, forged_ports = {}, {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if '"forged"' not in line and '"type":"host"' not in line:
                continue  # a port record with nothing to check: skip the JSON parse (1.2 M lines)
            rec = json.loads(line)
            if rec.get("type") == "host":
                hosts[rc.norm_addr(rec["host"])] = rec
            elif rec.get("type") == "port" and "forged" in rec:
                forged_ports.setdefault(rc.norm_addr(rec["host"]), set()).add(rec["port"])
    return hosts, forged_ports


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("portwarden")
    ap.add_argument("truth")
    ap.add_argument("--workdir")
    args = ap.parse_args()
    problem = rc.preflight(sys.argv[0], args, tools=("ip", "xmllint", "timeout"))
    if problem:
        print(problem, file=sys.stderr)
        return 1  # never a skip: the range fixture is required
    truth = rc.Truth(args.truth)
    forged, spoofers = responder_truth(args.truth)
    workdir = args.workdir or os.path.join(os.path.dirname(os.path.abspath(args.truth)), "responder")
    os.makedirs(workdir, exist_ok=True)
    targets = [a for pair in truth.hosts.values() for a in pair] + sorted(forged) + sorted(spoofers)
    jsonl, xml = os.path.join(workdir, "responder.jsonl"), os.path.join(workdir, "responder.xml")
    cmd = ["ip", "netns", "exec", truth.scanner_ns, "timeout", str(rc.OUR_TIMEOUT), args.portwarden, "scan",
           "-sS", "-p-", "-Pn", "-n", "-T4", "--no-history", "-q", "-oJ", jsonl, "-oX", xml] + targets
    code, out, err, secs = rc.run(cmd, rc.OUR_TIMEOUT + 30)
    case = rc.Case("responder", f"{len(targets)} hosts")
    if code != 0:
        case.fail(f"scan exited {code}:\n{rc.tail(err + out)}")
        return 1
    case.ok(f"-sS -p- of {len(targets)} addresses in {secs:.1f} s")
    hosts, forged_ports = read_jsonl(jsonl)
    checked = 0
    for addr in targets:
        a = rc.norm_addr(addr)
        rec = hosts.get(a)
        if rec is None or "responder" not in rec:
            case.fail(f"{a}: no host record with a responder analysis")
            continue
        resp = rec["responder"]
        got = {f["port"] for f in resp.get("forged", [])}
        want = forged.get(a, set())
        checked += rec.get("ports_scanned", 0)
        if got != want:
            extra, missing = sorted(got - want), sorted(want - got)
            case.fail(f"{a}: forged ports differ: false positives {extra[:20]} ({len(extra)}), "
                      f"missed {missing[:20]} ({len(missing)})")
        else:
            case.ok(f"{a}: {len(got)} forged replies flagged, as the router forges them")
        if forged_ports.get(a, set()) != want:
            case.fail(f"{a}: port records marked forged {sorted(forged_ports.get(a, set()))[:20]}, want {sorted(want)}")
        spoofer = "spoofer" in resp
        if spoofer != (a in spoofers):
            case.fail(f"{a}: spoofer {'flagged' if spoofer else 'not flagged'}, truth: {a in spoofers}")
        elif spoofer:
            case.ok(f"{a}: port-spoofer flagged: {resp['spoofer']['evidence']}")
    case.info(f"{checked} port results examined")
    code, out, err, _ = rc.run(["xmllint", "--noout", "--dtdvalid", rc.NMAP_DTD, xml], 120)
    if code != 0:
        case.fail(f"xmllint --dtdvalid {rc.NMAP_DTD} failed:\n{rc.tail(err + out)}")
    else:
        case.ok("the XML (responder notes as comments) is valid against nmap's DTD")
    return 1 if case.failures else 0


if __name__ == "__main__":
    sys.exit(main())
