#!/usr/bin/python3
"""Compares one portwarden JSON Lines result with one nmap XML result (and the range's truth).

usage: compare_results.py OURS.jsonl NMAP.xml TRUTH.tsv ADDRESS
Prints one line: "identical (N ports)" or the differing ports, each marked with which side
matches the ground truth. Exit 0 when every port where we differ from nmap is one where nmap
is wrong and we are right; 1 otherwise.
"""
import json
import sys
import xml.etree.ElementTree as ET

CONNECT_REASON = {"reset": "conn-refused"}  # the truth is written for SYN scans


def ours(path, address):
    ports = {}
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            if r.get("type") == "port" and r["host"] == address:
                ports[int(r["port"])] = (r["state"], r["reason"])
    return ports


def nmap(path, address):
    root = ET.parse(path).getroot()
    ports = {}
    for host in root.iter("host"):
        addrs = [a.get("addr") for a in host.iter("address")]
        if address not in addrs:
            continue
        listed = set()
        for p in host.iter("port"):
            s = p.find("state")
            ports[int(p.get("portid"))] = (s.get("state"), s.get("reason"))
            listed.add(int(p.get("portid")))
        # nmap collapses big states into <extraports>; their ports are all ports not listed.
        scanned = root.find("scaninfo").get("services")
        all_ports = set()
        for part in scanned.split(","):
            lo, _, hi = part.partition("-")
            all_ports.update(range(int(lo), int(hi or lo) + 1))
        for extra in host.iter("extraports"):
            for reason in extra.iter("extrareasons"):
                for part in (reason.get("ports") or "").split(","):
                    if not part:
                        continue
                    lo, _, hi = part.partition("-")
                    for port in range(int(lo), int(hi or lo) + 1):
                        ports[port] = (extra.get("state"), reason.get("reason"))
        missing = all_ports - set(ports)
        if missing:
            raise SystemExit(f"nmap XML does not account for {len(missing)} ports")
    return ports


def truth(path, address):
    ports = {}
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                continue
            a, proto, port, state, reason = line.rstrip("\n").split("\t")
            if a == address and proto == "tcp":
                ports[int(port)] = (state, CONNECT_REASON.get(reason, reason))
    return ports


def main():
    o, n, t = ours(sys.argv[1], sys.argv[4]), nmap(sys.argv[2], sys.argv[4]), truth(sys.argv[3], sys.argv[4])
    if not o or not n:
        print(f"no results to compare (portwarden: {len(o)} ports, nmap: {len(n)} ports)")
        return 1
    diffs = sorted(p for p in set(o) | set(n) if o.get(p) != n.get(p))
    if not diffs:
        print(f"identical ({len(o)} ports)")
        return 0
    ok = True
    notes = []
    for p in diffs:
        we_right = o.get(p) == t.get(p)
        ok = ok and we_right and n.get(p) != t.get(p)
        who = "nmap wrong" if we_right else "WE ARE WRONG"
        notes.append(f"{p}: ours {'/'.join(o.get(p, ('-', '-')))} nmap {'/'.join(n.get(p, ('-', '-')))} ({who})")
    print(f"{len(diffs)} ports differ: " + "; ".join(notes[:6]) + (" ..." if len(notes) > 6 else ""))
    return 0 if ok else 1


sys.exit(main())
