#!/usr/bin/env bash
# `portwarden audit --from FILE` stores its verdict and findings in the history (--db, or the
# default database, none with --no-history); `portwarden history --audits` lists them (stored
# result files: "from a file"; history scans: "scan @ID" or "scan @NAME"). A plain `scan` is stored by default too (a connect scan of loopback).
set -uo pipefail
pw=$(realpath "${1:?usage: audit_history_test.sh PATH-TO-portwarden DATA-DIR}")
data=${2:?usage: audit_history_test.sh PATH-TO-portwarden DATA-DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_DATA_HOME=$tmp/xdg  # the default database, kept out of the user's
xml=$data/nmap_plain_1-100.xml
db=$tmp/h.db
# shellcheck source=../checks.sh
source "$(dirname "$0")/../checks.sh"

# run WANT-EXIT ARGS...: an audit whose stderr must stay empty
run() {
  local want=$1
  shift
  "$pw" audit "$@" >/dev/null 2>"$tmp/err" </dev/null
  local code=$?
  if [ "$code" -ne "$want" ] || [ -s "$tmp/err" ]; then
    bad "audit $*: exit $code, want $want; stderr: $(cat "$tmp/err")"
  else
    ok
  fi
}

run 0 --policy "$data/audit/ok.toml" --from "$xml" --db "$db"
run 1 --policy "$data/audit/violation.toml" --from "$xml" --db="$db" --format json
run 2 --policy "$data/audit/missing.toml" --from "$xml" --db "$db" --no-history
run 1 --policy "$data/audit/violation.toml" --from "$xml"   # the default database

"$pw" history --db "$db" --audits >"$tmp/list" 2>"$tmp/err"
code=$?
lines=$(grep -c '^@' "$tmp/list")
if [ "$code" -ne 0 ] || [ "$lines" -ne 2 ]; then
  bad "history --audits: exit $code, $lines lines, want 2: $(cat "$tmp/list" "$tmp/err")"
else
  ok
fi
# @ID  TIME  VERDICT  N findings  POLICY  from a file
if grep -Eq "^@[0-9]+  [0-9T:Z-]+  compliant  0 findings  $data/audit/ok.toml  from a file$" "$tmp/list" &&
   grep -Eq "^@[0-9]+  [0-9T:Z-]+  violations  [1-9][0-9]* findings?  $data/audit/violation.toml  from a file$" "$tmp/list"; then
  ok
else
  bad "history --audits lines: $(cat "$tmp/list")"
fi
if ! grep -q missing.toml "$tmp/list"; then ok; else bad "--no-history stored the audit"; fi

"$pw" history --db "$XDG_DATA_HOME/portwarden/history.db" --audits >"$tmp/default" 2>&1
if grep -q "violations" "$tmp/default" && [ "$(grep -c '^@' "$tmp/default")" -eq 1 ]; then ok
else bad "default database: $(cat "$tmp/default")"; fi

# Every scan is stored by default (here a connect scan of closed loopback ports); --no-history
# stores nothing. The list names the scan type.
"$pw" scan -sT -Pn -n -q -p 1-5 127.0.0.1 >/dev/null 2>"$tmp/err"
c1=$?
"$pw" scan -sT -Pn -n -q --no-history -p 1-5 127.0.0.1 >/dev/null 2>>"$tmp/err"
c2=$?
"$pw" history --db "$XDG_DATA_HOME/portwarden/history.db" >"$tmp/scans" 2>>"$tmp/err"
if [ "$c1" -eq 0 ] && [ "$c2" -eq 0 ] && [ ! -s "$tmp/err" ] && [ "$(grep -c '^@' "$tmp/scans")" -eq 1 ] &&
   grep -q ' connect ' "$tmp/scans" && grep -q '127.0.0.1' "$tmp/scans"; then ok
else bad "scans in the default database: exits $c1 $c2: $(cat "$tmp/scans" "$tmp/err")"; fi

# Audits of history scans are labelled with the scan they read: `--from @ID` one stored scan,
# `--from @NAME` a named scan (its shards merged; a one-shard scan of closed loopback ports here).
named=$tmp/named.db
printf '[groups.lo]\nhosts = ["127.0.0.1"]\n' >"$tmp/lo.toml"
"$pw" scan -sT -Pn -n -q -p 1-3 --scan-id lo-nightly --shard 0/1 --db "$named" 127.0.0.1 >/dev/null 2>"$tmp/err"
c1=$?
scan_row=$("$pw" history --db "$named" 2>>"$tmp/err" | grep -oE '^@[0-9]+' | head -n 1)
"$pw" audit --policy "$tmp/lo.toml" --from @lo-nightly --db "$named" >/dev/null 2>>"$tmp/err"
c2=$?
"$pw" audit --policy "$tmp/lo.toml" --from "${scan_row:-@none}" --db "$named" >/dev/null 2>>"$tmp/err"
c3=$?
"$pw" history --db "$named" --audits >"$tmp/named" 2>>"$tmp/err"
if [ "$c1" -eq 0 ] && [ "$c2" -eq 0 ] && [ "$c3" -eq 0 ] && [ -n "$scan_row" ] && [ ! -s "$tmp/err" ] &&
   [ "$(grep -c '^@' "$tmp/named")" -eq 2 ] &&
   grep -Eq "^@[0-9]+  [0-9T:Z-]+  compliant  0 findings  $tmp/lo.toml  scan @lo-nightly$" "$tmp/named" &&
   grep -Eq "^@[0-9]+  [0-9T:Z-]+  compliant  0 findings  $tmp/lo.toml  scan $scan_row$" "$tmp/named"; then ok
else bad "audits of @lo-nightly and $scan_row: exits $c1 $c2 $c3: $(cat "$tmp/named" "$tmp/err")"; fi

# A history that cannot be opened: one warning line, the verdict's exit code unchanged.
"$pw" audit --policy "$data/audit/violation.toml" --from "$xml" --db /proc/none/h.db >/dev/null 2>"$tmp/err"
code=$?
if [ "$code" -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q '^portwarden: warning: ' "$tmp/err"; then ok
else bad "unwritable history: exit $code, stderr: $(cat "$tmp/err")"; fi

summary "audit_history"
