#!/usr/bin/python3
"""Test of contrib/kubernetes: the manifests' structure, and the Indexed Job's command line run
as local processes, one per index, against the test range.

    kubernetes_job_test.py PORTWARDEN TRUTH --contrib DIR --workdir DIR [--manifests-only]

1. portwarden-job.yaml and portwarden-history-secret.yaml are checked offline (python3-yaml;
   `kubectl` cannot validate without an API server: its client-side validation downloads the
   server's OpenAPI schema): an Indexed Job (completionMode Indexed, completions = parallelism
   = PW_SHARDS, backoffLimitPerIndex, restartPolicy Never), the container's command using
   JOB_COMPLETION_INDEX for --shard and --scan-id, PW_DB from the Secret's key, capabilities
   drop ALL and add NET_RAW only, a non-root user, a read-only root file system, writable
   volumes only where it writes; the Containerfile installs portwarden_*.deb and sets the
   capability.
2. The container's command (/bin/sh -c SCRIPT with the manifest's environment, PW_DB the
   throwaway PostgreSQL of tests/history/pg_server.sh, PW_TARGETS/PW_PORTS pointed at the
   range, /results a temporary directory) runs once per index with JOB_COMPLETION_INDEX set,
   inside the range's scanner namespace (ip netns exec); `portwarden merge` of the shards'
   files and the history's @NAME must equal a single-process scan, state and reason.
Prints PASS/FAIL lines and "N passed, N failed"; exit 0 only if all passed.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import range_common as rc  # noqa: E402
import shard_compare as sc  # noqa: E402

PORTS = "1-2000"


def env_of(container):
    return {e["name"]: e for e in container.get("env", [])}


def check_manifests(t, contrib):
    with open(os.path.join(contrib, "portwarden-job.yaml"), encoding="utf-8") as f:
        job = yaml.safe_load(f)
    with open(os.path.join(contrib, "portwarden-history-secret.yaml"), encoding="utf-8") as f:
        secret = yaml.safe_load(f)
    spec = job.get("spec", {})
    pod = spec.get("template", {}).get("spec", {})
    containers = pod.get("containers", [])
    t.check("Job: batch/v1 Job, one container", job.get("apiVersion") == "batch/v1" and job.get("kind") == "Job"
            and len(containers) == 1)
    c = containers[0] if containers else {}
    env = env_of(c)
    shards = int(env.get("PW_SHARDS", {}).get("value", "0"))
    t.check("Indexed: completionMode Indexed, completions = parallelism = PW_SHARDS",
            spec.get("completionMode") == "Indexed" and spec.get("completions") == shards == spec.get("parallelism")
            and shards > 1, (spec.get("completions"), spec.get("parallelism"), shards))
    t.check("backoffLimitPerIndex set (an int >= 1), restartPolicy Never",
            isinstance(spec.get("backoffLimitPerIndex"), int) and spec["backoffLimitPerIndex"] >= 1
            and pod.get("restartPolicy") == "Never")
    script = " ".join(c.get("args", []))
    t.check("command: --shard \"$JOB_COMPLETION_INDEX/$PW_SHARDS\", --scan-id, --db \"$PW_DB\"",
            c.get("command") == ["/bin/sh", "-c"] and '--shard "$JOB_COMPLETION_INDEX/$PW_SHARDS"' in script
            and '--scan-id "$PW_SCAN_ID"' in script and '--db "$PW_DB"' in script)
    ref = env.get("PW_DB", {}).get("valueFrom", {}).get("secretKeyRef", {})
    t.check("PW_DB comes from the Secret's key", secret.get("kind") == "Secret"
            and ref.get("name") == secret.get("metadata", {}).get("name")
            and ref.get("key") in secret.get("stringData", {}) and "value" not in env.get("PW_DB", {}))
    sec = c.get("securityContext", {})
    caps = sec.get("capabilities", {})
    t.check("capabilities: drop ALL, add NET_RAW only", caps.get("drop") == ["ALL"] and caps.get("add") == ["NET_RAW"])
    psec = pod.get("securityContext", {})
    user = sec.get("runAsUser", psec.get("runAsUser"))
    t.check("non-root user (runAsNonRoot, runAsUser != 0)",
            (sec.get("runAsNonRoot") or psec.get("runAsNonRoot")) is True and isinstance(user, int) and user != 0)
    t.check("read-only root file system", sec.get("readOnlyRootFilesystem") is True)
    mounts = {m["mountPath"] for m in c.get("volumeMounts", [])}
    t.check("writable volume where it writes (-oJ, resume point: /results)",
            c.get("workingDir") == "/results" and "/results" in mounts and "/results/shard-" in script)
    with open(os.path.join(contrib, "Containerfile"), encoding="utf-8") as f:
        cf = f.read()
    t.check("Containerfile: installs portwarden_*.deb, setcap cap_net_raw, non-root USER",
            "portwarden_*.deb" in cf and "setcap cap_net_raw+ep" in cf and "\nUSER 65532" in cf)
    return c


def run_locally(t, c, args, truth, db, tmp):
    """The container's command as local processes, one per index, in the scanner namespace."""
    ns = truth.scanner_ns
    targets = [a for role in ("plain", "firewalled") for a in truth.hosts[role]]
    bindir = os.path.join(tmp, "bin")
    results = os.path.join(tmp, "results")
    os.makedirs(bindir)
    os.makedirs(results)
    os.symlink(os.path.abspath(args.portwarden), os.path.join(bindir, "portwarden"))
    env = dict(os.environ)
    shards = 0
    for name, e in env_of(c).items():
        if "value" in e:
            env[name] = e["value"]
    shards = int(env["PW_SHARDS"])
    name = f"k8stest-{os.getpid()}"
    env.update(PW_DB=db, PW_TARGETS=" ".join(targets), PW_PORTS=PORTS, PW_SCAN_ID=name,
               PW_EXTRA="-Pn --max-rate 20000", PATH=bindir + ":" + env.get("PATH", ""))
    script = c["args"][0].replace("/results/", results + "/")
    t0 = time.monotonic()
    procs = []
    for index in range(shards):
        e = dict(env, JOB_COMPLETION_INDEX=str(index))
        procs.append(subprocess.Popen(["ip", "netns", "exec", ns, "timeout", "60", *c["command"], script],
                                      env=e, cwd=results, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      text=True))
    errors = [p.communicate()[1] for p in procs]
    shards_s = time.monotonic() - t0
    t.check(f"{shards} indices ran (JOB_COMPLETION_INDEX 0..{shards - 1})",
            all(p.returncode == 0 for p in procs), " | ".join(x.strip() for x in errors if x.strip()))
    single = os.path.join(tmp, "single.json")
    t0 = time.monotonic()
    p = subprocess.run(["ip", "netns", "exec", ns, "timeout", "60", args.portwarden, "scan", "-sS", "-Pn", "-n", "-q",
                        "--reason", "--no-history", "--max-rate", "20000", "-p", PORTS, "-oJ", single, *targets],
                       capture_output=True, text=True)
    single_s = time.monotonic() - t0
    t.check("single-process scan", p.returncode == 0, p.stderr)
    merged = os.path.join(tmp, "merged.json")
    files = [os.path.join(results, f"shard-{i}.json") for i in range(shards)]
    m = subprocess.run([args.portwarden, "merge", *files, "-oJ", merged], capture_output=True, text=True)
    t.check("portwarden merge of the shards' -oJ files", m.returncode == 0, m.stderr)
    if m.returncode == 0:
        want, _ = sc.port_cells(single)
        got, dups = sc.port_cells(merged)
        diffs = sc.differences(want, got)
        t.check(f"merge equals the single scan ({len(want)} ports, state and reason)",
                not diffs and not dups and len(want) == 2000 * len(targets), "; ".join(diffs))
    d = subprocess.run([args.portwarden, "diff", "--db", db, f"@{name}", single], capture_output=True, text=True)
    t.check("the history's @NAME (shards merged) equals the single scan (diff: no change, no one-sided port)",
            d.returncode == 0 and "no differences" in d.stdout and "one side only" not in d.stdout,
            d.stdout[-400:] + d.stderr)
    print(f"timing: {shards} local shard processes {shards_s:.1f} s, one process {single_s:.1f} s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("portwarden")
    ap.add_argument("truth", nargs="?")
    ap.add_argument("--contrib", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--manifests-only", action="store_true")
    args = ap.parse_args()
    t = sc.Checks()
    container = check_manifests(t, args.contrib)
    if not args.manifests_only:
        db = os.environ.get("PW_HISTORY_PG_URL")
        if not db:
            raise SystemExit("kubernetes_job_test: PW_HISTORY_PG_URL is not set (run under tests/history/pg_server.sh)")
        os.makedirs(args.workdir, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix="k8s.", dir=os.path.abspath(args.workdir))
        os.chmod(tmp, 0o755)
        run_locally(t, container, args, rc.Truth(args.truth), db, tmp)
        if t.failed == 0:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"{t.passed} passed, {t.failed} failed")
    return 0 if t.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
