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
separate ranges	scan -sL -n 0-255.0-255.0-255.1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31,33,35,37,39,41,43,45,47,49,51,53,55,57,59,61,63,65,67,69,71,73,75,77,79,81,83,85,87,89,91,93,95,97,99,101,103,105,107,109,111,113,115,117,119,121,123,125,127,129,131,133,135,137,139,141,143,145,147,149,151,153,155,157,159,161,163,165,167,169,171,173,175,177,179,181,183,185,187,189,191,193,195,197,199,201,203,205,207,209,211,213,215,217,219,221,223,225,227,229,231,233,235,237,239,241,243,245,247,249,251,253,255
70000	scan -p 70000 198.18.0.1
100-50	scan -p 100-50 198.18.0.1
22,,80	scan -p 22,,80 198.18.0.1
22a	scan -p 22a 198.18.0.1
U:	scan -p U: 198.18.0.1
SCTP	scan -p S:80 198.18.0.1
-T9	scan -T9 198.18.0.1
max-retries	scan --max-retries x 198.18.0.1
5parsecs	scan --host-timeout 5parsecs 198.18.0.1
-sY	scan -sY 198.18.0.1
version-intensity	scan -sV --version-intensity 12 198.18.0.1
need -sV	scan --version-all 198.18.0.1
/nonexistent/probes	scan -sV --version-probes /nonexistent/probes 198.18.0.1
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
/nonexistent/rules.json	firewall check --ruleset /nonexistent/rules.json --scan /nonexistent/scan.jsonl
--ruleset	explain 198.18.0.1:22
99999	explain 198.18.0.1:99999 --ruleset /nonexistent/rules.json
--iptables	explain 198.18.0.1:22 --iptables --ruleset /nonexistent/rules.json
sideways	firewall check --ruleset /nonexistent/rules.json --scan /nonexistent/s --technique sideways
198.18.0.300	explain 198.18.0.1:22/udp --from 198.18.0.300 --ruleset /nonexistent/rules.json
subcommand	firewall
frobnicate	frobnicate
pw-no-such-ns	inventory --netns pw-no-such-ns
../x	inventory --netns ../x
--bogus	inventory --bogus
/nonexistent/p.toml	inventory --policy /nonexistent/p.toml
/nonexistent/r.json	inventory --ruleset /nonexistent/r.json
--iptables	inventory --nft --iptables
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
2026-13-45	history --new-since 2026-13-45 --db @TMP@/absent.db
yesterday	history --versions-since yesterday --db @TMP@/absent.db
--new-since ''	history --new-since '' --db @TMP@/absent.db
'0': expected MiB 1-1024	watch --ring-mb 0 --duration 1
'4096': expected MiB 1-1024	watch --ring-mb 4096 --duration 1
--top-ports	scan -p 22 --top-ports 5 198.18.0.1
--top-ports	scan -F --top-ports 5 198.18.0.1
--stats-every	scan --stats-every 5parsecs 198.18.0.1
--min-hostgroup	scan --min-hostgroup 0 198.18.0.1
--max-hostgroup	scan --max-hostgroup x 198.18.0.1
--min-hostgroup	scan --min-hostgroup 10 --max-hostgroup 5 198.18.0.1
300.1.1.1	scan -sS -S 300.1.1.1 198.18.0.1
70000	scan -sS -g 70000 198.18.0.1
256	scan -sS --ttl 256 198.18.0.1
nosuchif0	scan -sS -e nosuchif0 198.18.0.1
--ttl	scan -sT --ttl 5 198.18.0.1
-dx	scan -dx 198.18.0.1
-v10	scan -v10 198.18.0.1
/nonexistent/dir/x.jsonl	scan --jsonl-open /nonexistent/dir/x.jsonl 198.18.0.1
U:	scan -p T:22,U:53 198.18.0.1
T:	scan -sU -p T:22,U:53 198.18.0.1
more than one TCP scan type	scan -sS -sT -p 22 198.18.0.1
more than one TCP scan type	scan -sA -sU -sW -p 22 198.18.0.1
--shard	scan -sT -sU --shard 0/2 -p 22 198.18.0.1
-sSZ	scan -sSZ -p 22 198.18.0.1
--resume-file ''	scan -sS --resume-file '' 198.18.0.1
/nonexistent/dir/x.db	history --db /nonexistent/dir/x.db
/nonexistent/dir/x.db	diff --db /nonexistent/dir/x.db @1 @2
/nonexistent/dir/x.db	report @1 --db /nonexistent/dir/x.db
pw-no-such-ns	watch --netns pw-no-such-ns --duration 1
../x	watch --netns ../x
/nonexistent/fw.log	watch --log /nonexistent/fw.log
Is a directory	watch --log /
nosuchif0	watch -i nosuchif0 --duration 1
ftp	watch --webhook ftp://198.18.0.1/ --duration 1
--duration	watch --duration -3
--bogus	watch --bogus
--ring-mb	watch --ring-mb 0 --duration 1
--ring-mb	watch --ring-mb 4096 --duration 1
--ring-mb	watch --ring-mb 32x --duration 1
--ring-mb	watch --log - --ring-mb 8
'abc': expected a count 8-16777216	watch --table-slots abc --duration 1
'4': expected a count 8-16777216	watch --table-slots 4 --duration 1
'99999999999': expected a count 8-16777216	watch --table-slots 99999999999 --duration 1
/dev/zero	scan -iL /dev/zero
/dev/zero	scan --excludefile /dev/zero 198.18.0.1
long.txt:1	scan -iL @TMP@/long.txt
/dev/zero	scan --resume /dev/zero 198.18.0.1
/dev/zero	diff /dev/zero @TMP@/one.xml
/dev/zero	report /dev/zero -o @TMP@/r.html
8388608	diff @TMP@/many.xml @TMP@/one.xml
a/b	scan --scan-id a/b 198.18.0.1
shards of different scans	merge @TMP@/s0.json @TMP@/s1b.json
overlapping shards	merge @TMP@/s0.json @TMP@/s0again.json
port 22/tcp is in two shards	merge @TMP@/s0.json @TMP@/s1a.json
not a shard	merge @TMP@/noshard.json
did not finish	merge @TMP@/killed.json
/nonexistent/s.json	merge /nonexistent/s.json
CASES
)
# Files of the bounded-input cases above (README "Bounds on input"): a line over the 4 KiB
# target-list limit; a result file of 129 hosts with every TCP port (over the 2^23 port results
# of a result file); a valid one-host file and policy.
head -c 5000 /dev/zero | tr '\0' a >"$tmp/long.txt"
xml_host() {  # ADDRESS PORTS: one host whose PORTS (an nmap list) are closed
  printf '<host><status state="up" reason="echo-reply"/><address addr="%s" addrtype="ipv4"/>' "$1"
  printf '<ports><extraports state="closed" count="1"><extrareasons reason="reset" count="1" proto="tcp" ports="%s"/>' "$2"
  printf '</extraports></ports></host>\n'
}
{ echo '<nmaprun>'; xml_host 198.18.0.1 1-100; echo '</nmaprun>'; } >"$tmp/one.xml"
{ echo '<nmaprun>'; for i in $(seq 1 129); do xml_host "198.18.1.$i" 1-65535; done; echo '</nmaprun>'; } >"$tmp/many.xml"
printf '[groups.all]\nhosts = ["198.18.0.1"]\n' >"$tmp/ok.toml"
# Shard files for `merge` (-oJ of scan --scan-id NAME --shard I/N): SCAN INDEX PORT [SUMMARY]
shard_file() {
  printf '{"type":"port","host":"198.18.0.1","hostname":"","proto":"tcp","port":%s,"state":"closed","reason":"reset"}\n' "$3"
  printf '{"type":"host","host":"198.18.0.1","hostname":"","status":"up","reason":"user-set","complete":true,"ports_scanned":1}\n'
  case "${4:-shard}" in
    shard) printf '{"type":"summary","hosts_total":1,"shard":{"scan_id":"%s","index":%s,"count":2,"seed":5,"technique":"syn"}}\n' "$1" "$2" ;;
    plain) printf '{"type":"summary","hosts_total":1}\n' ;;
  esac
}
shard_file a 0 22 >"$tmp/s0.json"
shard_file a 0 23 >"$tmp/s0again.json"
shard_file b 1 23 >"$tmp/s1b.json"
shard_file a 1 22 >"$tmp/s1a.json"
shard_file a 0 22 plain >"$tmp/noshard.json"
shard_file a 0 22 none >"$tmp/killed.json"

pass=0
fail=0
count_case() {  # PROBLEM ARGLINE: a pass when PROBLEM is empty
  if [ -z "$1" ]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL: portwarden $2 -> $1"
    sed 's/^/    stderr: /' "$tmp/err" | head -3
  fi
}
while IFS=$'\t' read -r token argline; do
  [ -z "$token" ] && continue
  read -r -a argv <<<"${argline//@TMP@/$tmp}"
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
  count_case "$problem" "$argline"
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
# history's dates are checked whether or not a history database exists: here none does (an
# empty HOME), where a good date reads "no history yet" and exits 0.
mkdir -p "$tmp/home"
for date in 2026-02-30x 12/03/2026; do
  HOME=$tmp/home XDG_DATA_HOME='' timeout 20 "${isolate[@]}" "$pw" history --new-since "$date" >"$tmp/out" 2>"$tmp/err" </dev/null
  code=$?
  problem=""
  [ "$code" -eq 2 ] || problem="exit $code (want 2)"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -qF -- "--new-since '$date'" "$tmp/err" || problem="$problem; stderr is not the one line naming --new-since '$date'"
  count_case "$problem" "history --new-since $date (no database)"
done
# A read-only command given a missing database creates nothing on its way to exit 2.
if [ -e /nonexistent ]; then
  fail=$((fail + 1)); echo "FAIL: /nonexistent exists after the cases (a read-only command created it)"
fi

# audit's own bad input exits 3 (its 2 is "inconclusive", README "portwarden audit"); the
# repeated-input cases must succeed: 22 KB of Nmap XML listing every TCP port of one host 300
# times is 65535 port results (duplicates merged), read in well under 200 MB.
{ echo '<nmaprun><host><status state="up" reason="echo-reply"/><address addr="198.18.0.1" addrtype="ipv4"/>'
  echo '<ports><extraports state="closed" count="65535">'
  for _ in $(seq 1 300); do echo '<extrareasons reason="reset" count="65535" proto="tcp" ports="1-65535"/>'; done
  echo '</extraports></ports></host></nmaprun>'; } >"$tmp/repeat.xml"
# exit code <TAB> expected on stderr (- : nothing) or stdout (out:TEXT) <TAB> arguments
bounded=$(cat <<'CASES'
3	/dev/zero	audit --policy /dev/zero --from @TMP@/one.xml
3	/dev/zero	audit --policy @TMP@/ok.toml --from /dev/zero
3	8388608	audit --policy @TMP@/ok.toml --from @TMP@/many.xml
0	-	diff @TMP@/repeat.xml @TMP@/repeat.xml
0	out:"ports_checked": 65535	audit --policy @TMP@/ok.toml --format json --from @TMP@/repeat.xml
CASES
)
while IFS=$'\t' read -r want token argline; do
  read -r -a argv <<<"${argline//@TMP@/$tmp}"
  /usr/bin/time -f %M -o "$tmp/rss" timeout 60 "${isolate[@]}" "$pw" "${argv[@]}" >"$tmp/out" 2>"$tmp/err" </dev/null
  code=$?
  rss_kb=$(tail -1 "$tmp/rss")
  problem=""
  [ "$code" -eq "$want" ] || problem="exit $code (want $want)"
  case "$token" in
    -) [ -s "$tmp/err" ] && problem="$problem; printed on stderr" ;;
    out:*) grep -qF -- "${token#out:}" "$tmp/out" || problem="$problem; stdout does not hold '${token#out:}'" ;;
    *) [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -qF -- "$token" "$tmp/err" ||
         problem="$problem; stderr is not one line naming '$token'" ;;
  esac
  [ "$rss_kb" -lt 204800 ] || [ "$token" = 8388608 ] || problem="$problem; peak memory ${rss_kb} KB (want < 200 MB)"
  count_case "$problem" "$argline"
done <<<"$bounded"
echo "bad input: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -ge 20 ]
