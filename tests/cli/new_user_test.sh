#!/usr/bin/env bash
# Bugs a new user ran into (issue #16, item 7), each checked in a fresh network namespace
# (unshare -n: loopback, plus the sandbox's veth whose far end 198.18.9.2 swallows every packet):
#   1. `audit -sS` started as root keeps its verdict (the history stays open across the
#      privilege drop; the database sits in a directory only root may write);
#   2. as root, an interrupted raw scan whose resume file cannot be created after the drop
#      writes it to $TMPDIR instead, names it, and does not mention -oJ when none was given;
#      that file with its seed or position changed is refused (exit 2);
#   3. a scan killed with -9 is listed by `history` as unfinished;
#   4. `wait` interrupted by Ctrl-C says so (not "timed out");
#   5. `discover --help` is discover's own help;
#   6. `history`/`diff --db` of a missing database create nothing (exit 2).
set -uo pipefail
pw=$(realpath "${1:?usage: new_user_test.sh PATH-TO-portwarden}")
sandbox=$(dirname "$(realpath "$0")")/sandbox.sh
if [ "$(id -u)" -ne 0 ] || ! unshare -n true 2>/dev/null; then
  echo "FAIL: needs root for unshare -n (network isolation) and the privilege drop"; exit 1
fi
tmp=$(mktemp -d)  # mode 0700, owned by root: nobody can write here
trap 'rm -rf "$tmp"' EXIT
cp "$(dirname "$0")/../checks.sh" "$tmp/"  # counting checks, for the inner script

cat >"$tmp/inner.sh" <<'INNER'
set -uo pipefail
pw=$1; tmp=$2; sandbox=$3
source "$tmp/checks.sh"
source "$sandbox"
export XDG_DATA_HOME=$tmp/xdg
cd "$tmp" || exit 1

# 1. audit -sS as root: the verdict is stored next to its scan.
cat >"$tmp/policy.toml" <<'TOML'
[groups.lo]
hosts = ["127.0.0.1"]
[[groups.lo.allow]]
port = 18081
owner = "ops"
TOML
"$pw" audit -sS --policy "$tmp/policy.toml" --db "$tmp/h.db" >"$tmp/audit.out" 2>"$tmp/audit.err"
check "audit -sS as root exits 0 (compliant)" 0 $?
grep -q "warning" "$tmp/audit.err"; r=$?; check "audit -sS warns of nothing ($(head -c 200 "$tmp/audit.err"))" 1 "$r"
"$pw" history --db "$tmp/h.db" --audits >"$tmp/audits" 2>&1
grep -Eq "^@[0-9]+  .*  compliant  0 findings  $tmp/policy.toml  scan @[0-9]+$" "$tmp/audits"
r=$?; check "the audit's verdict is in the history ($(cat "$tmp/audits"))" 0 "$r"

# 2. Ctrl-C in a raw scan as root, run in this root-only directory: the resume point goes to
# $TMPDIR (here a directory nobody may write to) and is named.
mkdir -p "$tmp/spill" && chmod 1777 "$tmp/spill"
chmod 0711 "$tmp"  # nobody may pass through to the spill directory, not list or write here
TMPDIR=$tmp/spill "$pw" scan -sS -Pn -p 1-3000 --max-rate 200 --db "$tmp/h.db" 198.18.9.2 \
  >/dev/null 2>"$tmp/resume.err" &
scan=$!
sleep 1.5
kill -INT "$scan"
wait "$scan"; check "the interrupted raw scan exits 130" 130 $?
spilled=$(sed -n 's/.*resume point written to \([^ ]*\) instead.*/\1/p' "$tmp/resume.err")
[ -n "$spilled" ] && head -1 "$spilled" | grep -q "portwarden-resume 1"
r=$?; check "the resume point is in the file named on stderr ($(head -c 300 "$tmp/resume.err"))" 0 "$r"
grep -q "\-oJ" "$tmp/resume.err"; check "no -oJ is mentioned when none was given" 1 $?
# A resume file whose seed (another subset) or position (past the end: exit 0, no ports) was
# changed is refused before any packet, like one for another scan.
for edit in 's/^seed=.*/seed=1/' 's/^position=.*/position=999999999/'; do
  sed "$edit" "$spilled" >"$tmp/tampered.resume"
  "$pw" scan -sS -Pn -p 1-3000 --max-rate 200 --db "$tmp/h.db" --resume "$tmp/tampered.resume" 198.18.9.2 \
    >/dev/null 2>"$tmp/tampered.err"
  check "a resume file edited with $edit is refused with exit 2" 2 $?
  check "and one line names it ($(head -c 200 "$tmp/tampered.err"))" 1 \
    "$(grep -c "tampered.resume:2: the resume point is for another scan .* or its seed, group or position were changed" \
      "$tmp/tampered.err")"
done
chmod 0700 "$tmp"

# 3. kill -9: the scan is listed as unfinished. Two -p- loopback hosts fill a history batch
# (so the scan's row is written); 198.18.9.2 never answers.
"$pw" scan -sT -Pn -p- --db "$tmp/k.db" 127.0.0.1 127.0.0.2 198.18.9.2 >/dev/null 2>&1 &
scan=$!
for _ in $(seq 240); do  # up to 2 min: two -p- hosts on a loaded machine
  "$pw" history --db "$tmp/k.db" 2>/dev/null | grep -q '^@' && break
  sleep 0.5
done
kill -9 "$scan"; wait "$scan" 2>/dev/null
"$pw" history --db "$tmp/k.db" >"$tmp/k.list" 2>&1
grep -q "UNFINISHED" "$tmp/k.list"; r=$?; check "a killed scan is listed as unfinished ($(cat "$tmp/k.list"))" 0 "$r"
"$pw" scan -sT -p 18081 --db "$tmp/k.db" 127.0.0.1 >/dev/null 2>&1
[ "$(grep -c UNFINISHED <("$pw" history --db "$tmp/k.db"))" = 1 ]
check "a finished scan is not listed as unfinished" 0 $?

# 4. wait + Ctrl-C.
"$pw" wait 198.18.9.2:80 --timeout 30s >"$tmp/wait.out" 2>&1 &
waiter=$!
sleep 0.5
kill -INT "$waiter"
wait "$waiter"; check "wait interrupted exits 130" 130 $?
grep -q "interrupted" "$tmp/wait.out" && ! grep -q "timed out" "$tmp/wait.out"
r=$?; check "wait interrupted says so ($(cat "$tmp/wait.out"))" 0 "$r"

# 5. discover --help.
"$pw" discover --help >"$tmp/help" 2>&1
check "discover --help exits 0" 0 $?
grep -q "portwarden discover" "$tmp/help" && ! grep -q "portwarden scan: find the state" "$tmp/help"
check "discover --help is discover's" 0 $?

# 6. A read-only command creates nothing.
"$pw" history --db "$tmp/none/dir/x.db" >/dev/null 2>&1; check "history --db of a missing file exits 2" 2 $?
"$pw" diff --db "$tmp/none/dir/x.db" @1 @2 >/dev/null 2>&1; check "diff --db of a missing file exits 2" 2 $?
[ -e "$tmp/none" ]; check "no directory was created" 1 $?

kill "$listener" 2>/dev/null
summary "new user"
INNER
unshare -n bash "$tmp/inner.sh" "$pw" "$tmp" "$sandbox"
