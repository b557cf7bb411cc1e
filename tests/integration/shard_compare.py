"""Shared by the scale-out tests (shard_resume, Slurm array, Kubernetes Indexed Job run
locally): PASS/FAIL counting, reading -oJ port records, comparing a merged shard result with a
single-process scan."""
import json
import os

import range_common as rc


def port_cells(path):
    """(host, proto, port) -> (state, reason) of our JSON Lines; also the duplicated keys."""
    out, dups = {}, []
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r.get("type") != "port":
                continue
            key = (rc.norm_addr(r["host"]), r["proto"], r["port"])
            if key in out:
                dups.append(key)
            out[key] = (r["state"], r["reason"])
    return out, dups


def differences(single, merged, limit=10):
    """Lines naming the cells whose state or reason differ (or that only one side has)."""
    lines = []
    for key in sorted(set(single) | set(merged)):
        a, b = single.get(key), merged.get(key)
        if a != b:
            lines.append(f"{key}: single {a}, merged {b}")
            if len(lines) >= limit:
                break
    return lines


class Checks:
    """PASS/FAIL lines and their counts."""

    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, ok, detail=""):
        print(f"{'PASS' if ok else 'FAIL'}: {name}{(' — ' + str(detail)) if detail and not ok else ''}", flush=True)
        if ok:
            self.passed += 1
        else:
            self.failed += 1

    def summary(self):
        """Prints the last line, "N passed, N failed"; the exit status: 0 only if none failed."""
        print(f"{self.passed} passed, {self.failed} failed")
        return 0 if self.failed == 0 else 1


class RangeChecks(Checks):
    """Checks of scans of the test range: args (.portwarden, .truth, .workdir), the truth, the
    scanner's namespace; the work directory made."""

    def __init__(self, args):
        super().__init__()
        self.args = args
        self.truth = rc.Truth(args.truth)
        self.ns = self.truth.meta["scanner_ns"]
        os.makedirs(args.workdir, exist_ok=True)
