# -sV results of portwarden and nmap, port by port (tests/version/sv_daemons_test.sh):
#   compare_sv.py NMAP_XML T0 T1 T2 PW_XML... -- PW_JSONL...
# Every port of nmap's run must have the same state, reason and service fields in portwarden's
# -oX files, and -oJ must agree with -oX. Fingerprints are compared from their first response
# on (their headers name the scanner, its version and the time). Prints the table and the time
# ratio (portwarden T0..T1, nmap T1..T2); exit 1 on any difference.
import json
import sys
import xml.etree.ElementTree as ET

FIELDS = ("state", "reason", "name", "product", "version", "extrainfo", "ostype", "tunnel", "method", "cpe", "servicefp")


def fingerprint_body(fp):
    return fp[fp.find("%r("):] if fp else ""


def ports(paths):
    out = {}
    for path in paths:
        for port in ET.parse(path).getroot().iter("port"):
            s = port.find("service")
            st = port.find("state")
            row = {k: (s.get(k, "") if s is not None else "") for k in FIELDS if k not in ("state", "reason", "cpe")}
            row["state"], row["reason"] = st.get("state"), st.get("reason")
            row["cpe"] = [c.text for c in s.iter("cpe")] if s is not None else []
            row["servicefp"] = fingerprint_body(row["servicefp"])
            out[f"{port.get('portid')}/{port.get('protocol')}"] = row
    return out


def main():
    sep = sys.argv.index("--")
    nm = ports([sys.argv[1]])
    t0, t1, t2 = map(float, sys.argv[2:5])
    pw = ports(sys.argv[5:sep])
    js = {}
    for path in sys.argv[sep + 1:]:
        for r in map(json.loads, open(path)):
            if r.get("type") == "port":
                js[f"{r['port']}/{r['proto']}"] = r.get("service", {})
    bad = 0
    print(f"{'port':<10}{'field':<10}{'portwarden':<40}{'nmap':<40}")
    for key in sorted(nm, key=lambda k: (k.split("/")[1], int(k.split("/")[0]))):
        mine = pw.get(key)
        if mine is None:
            print(f"sv_daemons: portwarden has no {key}")
            bad += 1
            continue
        for f in FIELDS:
            a, b = mine[f], nm[key][f]
            if a != b:
                bad += 1
            shown_a, shown_b = (str(a)[:37] + "...", str(b)[:37] + "...") if f == "servicefp" else (str(a), str(b))
            print(f"{key:<10}{f:<10}{shown_a:<40}{shown_b:<40}{'' if a == b else '  <-- differs'}")
        if not nm[key]["product"] and not nm[key]["servicefp"]:
            print(f"sv_daemons: nmap found nothing on {key}")
            bad += 1
        if js.get(key, {}).get("product", "") != mine["product"] or \
                fingerprint_body(js.get(key, {}).get("servicefp", "")) != mine["servicefp"]:
            print(f"sv_daemons: -oJ and -oX differ on {key}")
            bad += 1
    print(f"time: portwarden -sV {t1 - t0:.2f} s, nmap -sV {t2 - t1:.2f} s, ratio {(t1 - t0) / (t2 - t1):.2f}")
    return 1 if bad else 0


sys.exit(main())
