#!/bin/bash
# Loads each tests/firewall/rulesets/*.nft into a network namespace of its own (never the
# machine's) and dumps it with `nft -j list ruleset`; loads each *.rules with iptables-restore
# (ip6tables-restore for *6.rules) of both backends, legacy and nft, each in a fresh namespace,
# and saves it with the same backend's iptables-save; then runs on the real dumps:
#   * firewall_tests (the reader and the predictor on them, firewall_dump_test.cpp);
#   * portwarden's bad-input paths: not JSON, an unknown expression, a jump loop, a missing
#     chain (dumps edited the way a broken file would be): one line naming the place, exit 2.
# Usage: dump_test.sh FIREWALL_TESTS PORTWARDEN
# Needs root and nft: without them it fails under CI=true, else skips (exit 77).
set -u
tests_bin=$1
pw=$2
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" != 0 ] || ! command -v nft >/dev/null || ! command -v iptables-legacy-restore >/dev/null; then
  echo "dump_test: needs root, nft (nftables) and iptables-legacy/-nft (iptables)"
  [ "${CI:-}" = true ] && exit 1
  exit 77
fi
work=$(mktemp -d /tmp/pw-fwdump.XXXXXX)
ns="pwfw$$"
cleanup() { ip netns del "$ns" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
ip netns add "$ns" || exit 1
ip -n "$ns" link set lo up
for f in "$here"/rulesets/*.nft; do
  name=$(basename "$f" .nft)
  ip netns exec "$ns" nft flush ruleset || exit 1
  ip netns exec "$ns" nft -f "$f" || { echo "dump_test: nft -f $f failed"; exit 1; }
  ip netns exec "$ns" nft -j list ruleset > "$work/$name.json" || exit 1
done
ip netns del "$ns"
for f in "$here"/rulesets/*.rules; do
  name=$(basename "$f" .rules)
  tool=iptables
  case "$name" in *6) tool=ip6tables ;; esac
  for backend in legacy nft; do
    ip netns add "$ns" || exit 1
    ip netns exec "$ns" "$tool-$backend-restore" < "$f" || { echo "dump_test: $tool-$backend-restore $f failed"; exit 1; }
    ip netns exec "$ns" "$tool-$backend-save" > "$work/$name.$backend.rules" || exit 1
    ip netns del "$ns"
  done
done

fail=0
PW_FW_DUMPS="$work" "$tests_bin" || fail=1

# expect_bad FILE PATTERN: exit 2, one line on stderr matching PATTERN, nothing on stdout.
expect_bad() {
  local file=$1 pattern=$2 out err code
  out=$("$pw" firewall check --ruleset "$file" --scan "$here/../data/audit_results.jsonl" 2>"$work/err")
  code=$?
  err=$(cat "$work/err")
  if [ "$code" != 2 ] || [ -n "$out" ] || [ "$(printf '%s\n' "$err" | wc -l)" != 1 ] ||
     ! printf '%s' "$err" | grep -qE "$pattern"; then
    echo "FAIL bad input $file: exit $code, stdout '${out:0:80}', stderr '$err' (want /$pattern/)"
    fail=1
  else
    echo "ok   bad input $(basename "$file"): $err"
  fi
}
edit() {  # edit NAME PYTHON-EXPR-ON-d OUT
  python3 -c "
import json,sys
d=json.load(open('$work/$1.json'))
rules=[o['rule'] for o in d['nftables'] if 'rule' in o]
$2
json.dump(d, open('$work/$3','w'))"
}
printf 'table inet x {\n' > "$work/not_json.nft"
expect_bad "$work/not_json.nft" "not_json.nft:1: neither nftables JSON"
edit features "rules[0]['expr'][0] = {'frobnicate': {}}" unknown_expr.json
expect_bad "$work/unknown_expr.json" "unknown_expr.json: rule handle [0-9]+ of chain inet portwarden_fw input: unknown expression 'frobnicate'"
edit features "
for r in rules:
    if r['chain'] == 'sub': r['expr'][-1] = {'jump': {'target': 'input'}}" loop.json
expect_bad "$work/loop.json" "loop.json: rule handle [0-9]+ of chain inet portwarden_fw (sub|input): jump to '(input|sub)' makes a loop"
edit features "
for r in rules:
    for e in r['expr']:
        if 'jump' in e: e['jump']['target'] = 'nowhere'" missing.json
expect_bad "$work/missing.json" "missing.json: rule handle [0-9]+ of chain inet portwarden_fw input: jump to missing chain 'nowhere'"
sed 's/-j SERVICES/-j nowhere/' "$work/host4.legacy.rules" > "$work/missing.rules"
expect_bad "$work/missing.rules" "missing.rules: rule handle [0-9]+ of chain ip filter INPUT: jump to missing chain 'nowhere'"
sed 's/--reject-with tcp-reset/--reject-with tcp-hug/' "$work/host4.nft.rules" > "$work/reject.rules"
expect_bad "$work/reject.rules" "reject.rules:[0-9]+: unknown --reject-with 'tcp-hug'"
sed 's/^COMMIT/frobnicate/' "$work/host6.nft.rules" > "$work/junk.rules"
expect_bad "$work/junk.rules" "junk.rules:[0-9]+: not an iptables-save line: 'frobnicate'"
exit $fail
