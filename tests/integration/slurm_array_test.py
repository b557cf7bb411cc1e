#!/usr/bin/python3
"""Integration test: contrib/slurm on a real one-node Slurm cluster, against the test range.

    slurm_array_test.py PORTWARDEN TRUTH --contrib DIR --workdir DIR [--tasks N]

Starts munged, slurmctld and slurmd (Debian's slurm-wlm) with a configuration, key, sockets and
state in a fresh temporary directory (daemons on 127.0.0.1 ports picked free; killed by PID at
the end, however the test ends). Then:
  1. one process scans the range's plain and firewalled hosts (v4 + v6, -sS -Pn, ports
     1-1500) inside the scanner namespace: the reference;
  2. portwarden-array.sbatch is submitted as an array of N tasks (--scan-id, the history at
     $PW_HISTORY_PG_URL: run under tests/history/pg_server.sh), each task scanning inside the
     scanner namespace (PW_NETNS: `ip netns exec` in the job's command line), and
     portwarden-final.sbatch after it (--dependency=afterok): merge, audit, report;
  3. while task 1 runs it is killed and requeued (scontrol requeue); it must run again;
  4. the merged -oJ equals the reference (state and reason of every port), the history's
     named scan is complete with exactly N shard rows (the requeued task replaced its rows),
     `diff @NAME reference.json` finds nothing, the final job succeeded and its audit of @NAME
     (a policy written from the reference: its open ports allowed) is compliant on every port.
Prints PASS/FAIL lines, the wall times, and "N passed, N failed"; exit 0 only if all passed.
Needs root; without slurm-wlm it fails (scripts/install-deps.sh installs it).
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import range_common as rc  # noqa: E402
import shard_compare as sc  # noqa: E402

PORTS = "1-1500"
RATE = "1500"
DEADLINE = 50  # seconds for the array and the final job


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """munged + slurmctld + slurmd in `tmp`, stopped by PID."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.procs = []
        self.node = socket.gethostname().split(".")[0]  # slurmctld must run on SlurmctldHost
        self.conf = os.path.join(tmp, "slurm.conf")
        self.env = dict(os.environ, SLURM_CONF=self.conf)

    def start(self):
        key = os.path.join(self.tmp, "munge.key")
        with open(key, "wb") as f:
            f.write(os.urandom(1024))
        os.chmod(key, 0o400)
        sock = os.path.join(self.tmp, "munge.sock")
        self.spawn(["munged", "-F", "--force", "--key-file", key, "--socket", sock, "--pid-file",
                    os.path.join(self.tmp, "munged.pid"), "--log-file", os.path.join(self.tmp, "munged.log"),
                    "--seed-file", os.path.join(self.tmp, "munge.seed")])
        for _ in range(50):
            if os.path.exists(sock):
                break
            time.sleep(0.1)
        for d in ("state", "spool"):
            os.makedirs(os.path.join(self.tmp, d))
        plugstack = os.path.join(self.tmp, "plugstack.conf")
        open(plugstack, "w").close()
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write(f"""ClusterName=pwtest
SlurmctldHost={self.node}(127.0.0.1)
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# cred_expire: a requeued job waits this long before it starts again (default 120 s; the
# killed run's credential is revoked until then)
AuthInfo=socket={sock},cred_expire=5
StateSaveLocation={self.tmp}/state
SlurmdSpoolDir={self.tmp}/spool/%n
SlurmctldPidFile={self.tmp}/slurmctld.pid
SlurmdPidFile={self.tmp}/slurmd.pid
SlurmctldLogFile={self.tmp}/slurmctld.log
SlurmdLogFile={self.tmp}/slurmd.log
PlugStackConfig={plugstack}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
ReturnToService=2
SlurmdParameters=config_overrides
MinJobAge=600
SchedulerParameters=sched_interval=1
MailProg=/bin/true
NodeName={self.node} NodeAddr=127.0.0.1 CPUs=8 State=UNKNOWN
PartitionName=pw Nodes={self.node} Default=YES MaxTime=INFINITE State=UP
""")
        self.spawn(["slurmctld", "-D", "-i", "-f", self.conf])
        self.spawn(["slurmd", "-D", "-f", self.conf, "-N", self.node])
        for _ in range(150):
            p = self.run(["sinfo", "-h", "-o", "%T"], check=False, timeout=5)
            if p.returncode == 0 and p.stdout.strip() in ("idle", "mixed", "allocated"):
                return True
            time.sleep(0.2)
        return False

    def spawn(self, argv):
        log = open(os.path.join(self.tmp, os.path.basename(argv[0]) + ".out"), "w")
        self.procs.append(subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=self.env))

    def run(self, argv, check=True, timeout=15):
        try:
            p = subprocess.run(argv, capture_output=True, text=True, env=self.env, timeout=timeout)
        except subprocess.TimeoutExpired:
            p = subprocess.CompletedProcess(argv, 124, "", f"timed out after {timeout} s")
        if check and p.returncode != 0:
            raise SystemExit(f"{' '.join(argv)}: exit {p.returncode}: {p.stderr.strip()}")
        return p

    def job(self, jobid):
        """scontrol show job: key=value fields of the job (first record)."""
        p = self.run(["scontrol", "-o", "show", "job", jobid], check=False)
        fields = {}
        for word in p.stdout.split("\n", 1)[0].split():
            k, _, v = word.partition("=")
            fields[k] = v
        return fields

    def stop(self):
        self.run(["scancel", "--full", "-u", "root"], check=False, timeout=5)
        for p in reversed(self.procs):  # slurmd, slurmctld, munged: by PID
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("portwarden")
    ap.add_argument("truth")
    ap.add_argument("--contrib", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--tasks", type=int, default=4)
    args = ap.parse_args()
    args.portwarden = os.path.abspath(args.portwarden)  # the jobs run in another directory
    if os.geteuid() != 0:
        raise SystemExit("slurm_array_test: needs root (network namespaces, slurmd)")
    for tool in ("munged", "slurmctld", "slurmd", "sbatch"):
        if shutil.which(tool) is None:
            raise SystemExit(f"slurm_array_test: {tool} not found (Debian packages slurmctld slurmd "
                             "slurm-client munge; scripts/install-deps.sh)")
    db = os.environ.get("PW_HISTORY_PG_URL")
    if not db:
        raise SystemExit("slurm_array_test: PW_HISTORY_PG_URL is not set (run under tests/history/pg_server.sh)")
    truth = rc.Truth(args.truth)
    ns = truth.scanner_ns
    targets = [a for role in ("plain", "firewalled") for a in truth.hosts[role]]
    os.makedirs(args.workdir, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="slurm.", dir=os.path.abspath(args.workdir))
    # The tasks run here (--chdir): the killed one writes its resume point here as nobody (it
    # drops root), not into /tmp, and it goes with the directory.
    os.chmod(tmp, 0o1777)
    t = sc.Checks()
    cluster = Cluster(tmp)
    try:
        t.check("one-node Slurm cluster up (munged, slurmctld, slurmd)", cluster.start(),
                open(os.path.join(tmp, "slurmctld.log")).read()[-2000:] if os.path.exists(
                    os.path.join(tmp, "slurmctld.log")) else "")
        single = os.path.join(tmp, "single.json")
        t0 = time.monotonic()
        p = subprocess.run(["ip", "netns", "exec", ns, "timeout", "60", args.portwarden, "scan", "-sS", "-Pn", "-n",
                            "-q", "--reason", "--no-history", "--max-rate", RATE, "-p", PORTS, "-oJ", single,
                            *targets], capture_output=True, text=True)
        single_s = time.monotonic() - t0
        t.check("single-process scan", p.returncode == 0, p.stderr.strip())
        run_array(t, cluster, args, ns, targets, db, tmp, single, single_s)
    finally:
        cluster.stop()
    print(f"{t.passed} passed, {t.failed} failed")
    if t.failed == 0:
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print(f"logs kept in {tmp}")
    return 0 if t.failed == 0 else 1


def write_policy(single, path):
    """A policy the single scan complies with: per host, its open ports allowed, the rest closed."""
    opens = {}
    with open(single, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r.get("type") == "port" and r["state"] == "open":
                opens.setdefault(r["host"], []).append(r["port"])
    out = []
    for i, (host, ports) in enumerate(sorted(opens.items())):
        out += [f"[groups.h{i}]", f'hosts = ["{host}"]', 'unlisted = "closed"']
        for p in ports:
            out += [f"[[groups.h{i}.allow]]", f"port = {p}", 'owner = "range"']
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def run_array(t, cluster, args, ns, targets, db, tmp, single, single_s):
    out = os.path.join(tmp, "out")
    os.makedirs(out)
    name = f"slurmtest-{os.getpid()}"
    policy = os.path.join(tmp, "policy.toml")
    write_policy(single, policy)
    cluster.env.update(PW_SCAN_ID=name, PW_POLICY=policy, PW_TARGETS=" ".join(targets), PW_PORTS=PORTS, PW_DB=db, PW_OUTDIR=out,
                       PW_NETNS=ns, PORTWARDEN=args.portwarden, PW_EXTRA=f"-Pn --max-rate {RATE}")
    n = args.tasks
    t0 = time.monotonic()
    arr = cluster.run(["sbatch", "--parsable", f"--array=0-{n - 1}", "--export=ALL", f"--chdir={tmp}",
                       os.path.join(args.contrib, "portwarden-array.sbatch")]).stdout.strip()
    final = cluster.run(["sbatch", "--parsable", f"--dependency=afterok:{arr}", "--export=ALL", f"--chdir={tmp}",
                         os.path.join(args.contrib, "portwarden-final.sbatch")]).stdout.strip()
    # Task 1: killed while it scans, then requeued.
    victim = f"{arr}_1"
    requeued = False
    while time.monotonic() - t0 < DEADLINE and not requeued:
        if cluster.job(victim).get("JobState") == "RUNNING" and os.path.exists(os.path.join(out, "shard-1.json.part")):
            time.sleep(0.5)
            requeued = cluster.run(["scontrol", "requeue", victim], check=False).returncode == 0
        time.sleep(0.1)

    t.check("array task 1 killed while running and requeued (scontrol requeue)", requeued)
    state = {}
    while time.monotonic() - t0 < DEADLINE:
        state = cluster.job(final)
        if state.get("JobState") in ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT"):
            break
        time.sleep(0.3)
    array_s = time.monotonic() - t0
    t.check("final job (merge, report) completed", state.get("JobState") == "COMPLETED",
            f"{state.get('JobState')} {state.get('ExitCode')}")
    t.check("task 1 ran again after the requeue", int(cluster.job(victim).get("Restarts", "0")) >= 1,
            str(cluster.job(victim).get("Restarts")))
    merged = os.path.join(out, "merged.json")
    if os.path.exists(merged):
        want, _ = sc.port_cells(single)
        got, dups = sc.port_cells(merged)
        diffs = sc.differences(want, got)
        t.check(f"merged result of {n} tasks equals the single scan ({len(want)} ports, state and reason)",
                not diffs and not dups and len(want) == len(targets) * 1500, "; ".join(diffs) or str(dups[:5]))
    else:
        t.check("merged result written", False, merged)
    hist = subprocess.run([args.portwarden, "history", "--db", db], capture_output=True, text=True)
    line = next((x for x in hist.stdout.splitlines() if x.startswith(f"@{name} ")), "")
    t.check("history: the named scan complete, one row per shard (the requeued task's replaced)",
            f"{n} of {n} shards finished" in line and "INCOMPLETE" not in line and line.count("@") == n + 1,
            line or hist.stdout[-500:])
    d = subprocess.run([args.portwarden, "diff", "--db", db, f"@{name}", single], capture_output=True, text=True)
    t.check("diff @NAME (the history's merged scan) against the single scan: no change, no port on one side only",
            d.returncode == 0 and "no differences" in d.stdout and "one side only" not in d.stdout,
            d.stdout[-500:] + d.stderr)
    t.check("report.html written by the final job", os.path.exists(os.path.join(out, "report.html")))
    audit = open(os.path.join(out, "audit.txt"), encoding="utf-8").read() if os.path.exists(
        os.path.join(out, "audit.txt")) else ""
    t.check("final job's audit of @NAME: compliant, every port of every shard checked",
            audit.startswith("audit: compliant") and f"{len(targets) * 1500} port results" in audit, audit[:300])
    print(f"timing: single process {single_s:.1f} s; array of {n} tasks incl. one requeue, submit to final "
          f"job done {array_s:.1f} s")
if __name__ == "__main__":
    sys.exit(main())
