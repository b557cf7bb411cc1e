#!/usr/bin/env bash
# `portwarden audit --from`: stored result files against policies give exit 0 (compliant),
# 1 (violations), 2 (inconclusive) and 3 (error: one line "portwarden: FILE:LINE:COL: ..." on
# stderr, nothing on stdout). No scan is run and nothing touches the network.
set -uo pipefail
pw=$(realpath "${1:?usage: audit_test.sh PATH-TO-portwarden DATA-DIR}")
data=${2:?usage: audit_test.sh PATH-TO-portwarden DATA-DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_DATA_HOME=$tmp/xdg  # audit --from stores its verdict in the default history
xml=$data/nmap_plain_1-100.xml
jsonl=$data/audit_results.jsonl
# shellcheck source=../checks.sh
source "$(dirname "$0")/../checks.sh"

# expect CODE STDOUT-SUBSTRING ARGS...
expect() {
  local want=$1 needle=$2
  shift 2
  "$pw" audit "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  local code=$?
  if [ "$code" -ne "$want" ]; then
    bad "audit $*: exit $code, want $want; stderr: $(cat "$tmp/err")"
  elif [ -n "$needle" ] && ! grep -qF -- "$needle" "$tmp/out"; then
    bad "audit $*: stdout lacks '$needle': $(cat "$tmp/out")"
  else
    ok
  fi
}


expect 0 "audit: compliant" --policy "$data/audit/ok.toml" --from "$xml"
expect 0 '"verdict": "compliant"' --policy "$data/audit/ok.toml" --from "$xml" --format json
expect 1 "PW001 unexpected-open 198.18.1.10: 1/tcp is open (syn-ack)" --policy "$data/audit/violation.toml" --from "$xml"
expect 1 "PW003 stealth 198.18.1.10: 2/tcp is closed (reset)" --policy "$data/audit/violation.toml" --from "$xml"
expect 1 '"ruleId": "PW001"' --policy "$data/audit/violation.toml" --from "$xml" --format sarif
expect 1 '<failure type="PW001"' --policy "$data/audit/violation.toml" --from "$xml" --format junit
expect 2 "PW101 host-missing 198.18.9.9" --policy "$data/audit/missing.toml" --from "$xml"
expect 2 "PW102 host-down 198.18.3.10 is down" --policy "$data/audit/jsonl.toml" --from "$jsonl" --today 2026-06-30
expect 1 "PW004 expired-exception 198.18.1.10: 80/tcp is open but its exception (owner web) expired on 2026-06-30" \
  --policy "$data/audit/jsonl.toml" --from "$jsonl" --today 2026-07-01
# -o writes the report to a file, stdout stays empty
expect 1 "" --policy "$data/audit/violation.toml" --from "$xml" --format junit -o "$tmp/report.xml"
if grep -q '<testsuites' "$tmp/report.xml" && [ ! -s "$tmp/out" ] && xmllint --noout "$tmp/report.xml" 2>/dev/null; then ok
else bad "-o report.xml: not written or not well-formed"; fi

# Errors: exit 3, one line on stderr naming the place, nothing on stdout.
# token <TAB> policy text (\n escapes) ; the file is $tmp/bad.toml
errors=$(cat <<'CASES'
bad.toml:2:23: Error while parsing array	[groups.a]\nhosts = ["198.18.9.4"\n
bad.toml:1:1: unknown key 'bogus'	bogus = 1\n[groups.a]\nhosts = ["198.18.9.4"]\n
bad.toml:3:1: unknown key 'colour'	[groups.a]\nhosts = ["198.18.9.4"]\ncolour = "red"\n
bad.toml:2:9:	[groups.a]\nhosts = "198.18.9.4"\n
bad.toml:2:9:	[groups.a]\nhosts = []\n
bad.toml:2:10: bad host '300.1.1.1'	[groups.a]\nhosts = ["300.1.1.1"]\n
bad.toml:2:10: bad host '198.18.0.0/33'	[groups.a]\nhosts = ["198.18.0.0/33"]\n
bad.toml:4:8:	[groups.a]\nhosts = ["198.18.9.4"]\n[[groups.a.allow]]\nport = 70000\nowner = "x"\n
bad.toml:4:8: groups.a.allow.port: bad port '22/sctp'	[groups.a]\nhosts = ["198.18.9.4"]\n[[groups.a.allow]]\nport = "22/sctp"\nowner = "x"\n
bad.toml:3:1:	[groups.a]\nhosts = ["198.18.9.4"]\n[[groups.a.allow]]\nport = 22\n
bad.toml:6:11: groups.a.allow.expires must be a date	[groups.a]\nhosts = ["198.18.9.4"]\n[[groups.a.allow]]\nport = 22\nowner = "x"\nexpires = "2027-01-01"\n
bad.toml:6:	[groups.a]\nhosts = ["198.18.9.4"]\n[[groups.a.allow]]\nport = 22\nowner = "x"\nexpires = 2027-02-30\n
bad.toml:6:16:	[groups.a]\nhosts = ["198.18.9.4"]\n[[groups.a.allow]]\nport = 22\nowner = "x"\nmust_be_open = 1\n
bad.toml:3:12:	[groups.a]\nhosts = ["198.18.9.4"]\nunlisted = "open"\n
bad.toml:4:10: group 'b' and group 'a'	[groups.a]\nhosts = ["198.18.0.0/24"]\n[groups.b]\nhosts = ["198.18.0.7"]\nunlisted = "filtered"\n
bad.toml:6:1:	[groups.a]\nhosts = ["198.18.9.4"]\n[[groups.a.allow]]\nport = 22\nowner = "x"\n[[groups.a.allow]]\nport = 22\nowner = "y"\n
bad.toml:1:1: the policy names no groups	[defaults]\nunlisted = "closed"\n
bad.toml: the policy names no groups (add a [groups.NAME] table with hosts; [[may_listen]] rules are for portwarden inventory)	[[may_listen]]\nport = 22\n
bad.toml:3:8: may_listen.bind: bad bind 'any'	[[may_listen]]\nport = 22\nbind = "any"\n
bad.toml:2:10:	[groups.a]\nhosts = [1]\n
CASES
)
while IFS=$'\t' read -r token text; do
  [ -z "$token" ] && continue
  printf '%b' "$text" >"$tmp/bad.toml"
  (cd "$tmp" && "$pw" audit --policy bad.toml --from "$xml") >"$tmp/out" 2>"$tmp/err" </dev/null
  code=$?
  lines=$(wc -l <"$tmp/err")
  if [ "$code" -ne 3 ] || [ "$lines" -ne 1 ] || [ -s "$tmp/out" ] || ! grep -qF -- "portwarden: $token" "$tmp/err"; then
    bad "policy '$text': exit $code, stderr $(cat "$tmp/err"), want 'portwarden: $token'"
  else
    ok
  fi
done <<<"$errors"

# Other bad input: exit 3 and one line naming it.
other() {
  local token=$1
  shift
  "$pw" audit "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  local code=$?
  if [ "$code" -ne 3 ] || [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -qF -- "$token" "$tmp/err"; then
    bad "audit $*: exit $code, stderr $(cat "$tmp/err"), want '$token'"
  else
    ok
  fi
}
other "/nonexistent/policy.toml" --policy /nonexistent/policy.toml --from "$xml"
other "/nonexistent/results.xml" --policy "$data/audit/ok.toml" --from /nonexistent/results.xml
other "cannot read '/nonexistent/rules.json'" --policy "$data/audit/ok.toml" --from "$xml" --ruleset /nonexistent/rules.json
other "ok.toml:2: neither nftables JSON" --policy "$data/audit/ok.toml" --from "$xml" --ruleset "$data/audit/ok.toml"
other "--listeners goes with --ruleset" --policy "$data/audit/ok.toml" --from "$xml" --listeners /nonexistent/ss.txt
other "needs --policy" --from "$xml"
other "bad --format 'yaml'" --policy "$data/audit/ok.toml" --from "$xml" --format yaml
other "bad --today" --policy "$data/audit/ok.toml" --from "$xml" --today tomorrow
other "cannot go with it" --policy "$data/audit/ok.toml" --from "$xml" -sT
printf 'not a result\n' >"$tmp/junk.txt"
other "junk.txt: not a result file" --policy "$data/audit/ok.toml" --from "$tmp/junk.txt"

summary "audit CLI"
