#!/usr/bin/env bash
# Bad input: every case must exit 2 with exactly one line on stderr that names the bad token,
# and print nothing on stdout. As root, each case runs in a fresh network namespace with no
# links (unshare -n): no DNS lookup and no packet can leave, so a case that wrongly started a
# scan or a lookup could not reach anything, and numeric-looking junk must be rejected without DNS.
set -uo pipefail
pw=${1:?usage: bad_input_test.sh PATH-TO-portwarden}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
isolate=()
if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
  isolate=(unshare -n)
elif [ "${CI:-}" = "true" ]; then
  echo "FAIL: CI must run this test as root (unshare -n isolates it from any network)"; exit 1
fi

# expected-token <TAB> arguments (split on spaces; '' is an empty argument)
cases=$(cat <<'CASES'
300.1.1.1	scan 300.1.1.1
1.2.3.4.5	scan 1.2.3.4.5
1.2.3	scan 1.2.3
198.18.0.0/33	scan 198.18.0.0/33
fd00::/129	scan fd00::/129
fd00::g	scan fd00::g
198.18.5-1.1	scan 198.18.5-1.1
70000	scan -p 70000 198.18.0.1
100-50	scan -p 100-50 198.18.0.1
22,,80	scan -p 22,,80 198.18.0.1
22a	scan -p 22a 198.18.0.1
U:	scan -p U: 198.18.0.1
SCTP	scan -p S:80 198.18.0.1
-T9	scan -T9 198.18.0.1
max-retries	scan --max-retries x 198.18.0.1
5parsecs	scan --host-timeout 5parsecs 198.18.0.1
-sV	scan -sV 198.18.0.1
SYNFOO	scan --scanflags SYNFOO 198.18.0.1
-PX	scan -sn -PX 198.18.0.1
70000	discover -PS70000 198.18.0.1
connect scan	scan -sT --scanflags SYN 198.18.0.1
/nonexistent/dir/x.xml	scan -oX /nonexistent/dir/x.xml 198.18.0.1
/nonexistent/targets	scan -iL /nonexistent/targets
no targets	scan -p 22
--bogus-flag	scan --bogus-flag 198.18.0.1
300.1.1.1	scan --exclude 300.1.1.1 198.18.0.1
standard output	scan -oJ - -oG - 198.18.0.1
db	probe db
99999	probe 198.18.0.1:99999
[fd00::1	wait [fd00::1
soon	wait 127.0.0.1:80 --timeout soon
frobnicate	frobnicate
pw-no-such-ns	inventory --netns pw-no-such-ns
../x	inventory --netns ../x
--bogus	inventory --bogus
/nonexistent/p.toml	inventory --policy /nonexistent/p.toml
-p ''	scan -p '' 198.18.0.1
'0'	scan --top-ports 0 198.18.0.1
'-5'	scan --top-ports -5 198.18.0.1
18446744073709551616	scan --top-ports 18446744073709551616 198.18.0.1
'999'	scan --max-retries 999 198.18.0.1
'nan'	scan --max-rate nan 198.18.0.1
'inf'	scan -sS --max-rate inf 198.18.0.1
1e-300	scan -sT --max-rate 1e-300 198.18.0.1
'inf'	scan -sT --min-rate inf 198.18.0.1
'-1'	scan --seed -1 198.18.0.1
--scanflags ''	scan --scanflags '' 198.18.0.1
--db ''	diff --db '' @1 @2
--db ''	scan --db '' 198.18.0.1
'-1'	history --flapping --min -1
--since	history --since 2026-01-01
--min	history --min 3
-v2	scan -v2 198.18.0.1
--top-ports	scan -p 22 --top-ports 5 198.18.0.1
U:	scan -p T:22,U:53 198.18.0.1
T:	scan -sU -p T:22,U:53 198.18.0.1
--resume-file ''	scan -sS --resume-file '' 198.18.0.1
/nonexistent/dir/x.db	history --db /nonexistent/dir/x.db
/nonexistent/dir/x.db	diff --db /nonexistent/dir/x.db @1 @2
/nonexistent/dir/x.db	report @1 --db /nonexistent/dir/x.db
CASES
)

pass=0
fail=0
while IFS=$'\t' read -r token argline; do
  [ -z "$token" ] && continue
  read -r -a argv <<<"$argline"
  for i in "${!argv[@]}"; do
    [ "${argv[$i]}" = "''" ] && argv[$i]=""  # '' in the table: an empty argument
  done
  timeout 20 "${isolate[@]}" "$pw" "${argv[@]}" >"$tmp/out" 2>"$tmp/err" </dev/null
  code=$?
  lines=$(wc -l <"$tmp/err")
  problem=""
  [ "$code" -eq 2 ] || problem="exit $code (want 2)"
  [ "$lines" -eq 1 ] || problem="$problem; $lines stderr lines (want 1)"
  grep -qF -- "$token" "$tmp/err" || problem="$problem; stderr does not name '$token'"
  [ -s "$tmp/out" ] && problem="$problem; printed on stdout"
  if [ -z "$problem" ]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL: portwarden $argline -> $problem"
    sed 's/^/    stderr: /' "$tmp/err" | head -3
  fi
done <<<"$cases"
# Control characters in a bad token are echoed escaped (\xNN): still one line, no raw CR, LF
# or ESC reaching the terminal.
escaped_case() { # ARGS...: exit 2, one line, '\x' in it, no raw CR, BEL or ESC
  timeout 20 "${isolate[@]}" "$pw" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  local code=$? raw
  raw=$(LC_ALL=C grep -c $'[\r\x1b\x07]' "$tmp/err")
  if [ "$code" -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ "$raw" -eq 0 ] && grep -qF '\x' "$tmp/err"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1)); echo "FAIL: control characters in '$*': exit $code; $(od -c "$tmp/err" | head -3)"
  fi
}
escaped_case scan $'198.18.0.1\r\nportwarden: fake'
escaped_case scan -p $'22\x1b[2J' 198.18.0.1
escaped_case $'bogus\x1b]0;x\x07'
# A read-only command given a missing database creates nothing on its way to exit 2.
if [ -e /nonexistent ]; then
  fail=$((fail + 1)); echo "FAIL: /nonexistent exists after the cases (a read-only command created it)"
fi
echo "bad input: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -ge 20 ]
