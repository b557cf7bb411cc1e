#!/usr/bin/env bash
# The bounded-input table (README "Bounds on input"): peak memory, time and outcome of each
# command on hostile input. bench/bounds.sh [PATH-TO-portwarden] (default build/portwarden).
# Reads files only: no scan starts (every input is refused or read with --from).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pw=${1:-$root/build/portwarden}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
repeated() {  # N: one host whose <extrareasons> lists every TCP port N times
  echo '<nmaprun><host><status state="up" reason="echo-reply"/><address addr="198.18.0.1" addrtype="ipv4"/>'
  echo '<ports><extraports state="closed" count="65535">'
  for _ in $(seq 1 "$1"); do echo '<extrareasons reason="reset" count="65535" proto="tcp" ports="1-65535"/>'; done
  echo '</extraports></ports></host></nmaprun>'
}
repeated 300 >"$tmp/r22k.xml"
repeated 3000 >"$tmp/r216k.xml"
{ echo '<nmaprun>'
  for i in $(seq 1 129); do
    printf '<host><status state="up"/><address addr="198.18.1.%s" addrtype="ipv4"/><ports><extraports state="closed" count="65535"><extrareasons reason="reset" count="65535" proto="tcp" ports="1-65535"/></extraports></ports></host>\n' "$i"
  done
  echo '</nmaprun>'; } >"$tmp/hosts129.xml"
printf '[groups.all]\nhosts = ["198.18.0.1"]\n' >"$tmp/p.toml"
repeated 1 >"$tmp/one.xml"
printf '%-58s %10s %7s  %s\n' input "peak KB" seconds outcome
while IFS= read -r argline; do
  read -r -a argv <<<"${argline//@T/$tmp}"
  start=$(date +%s.%N)
  /usr/bin/time -f %M -o "$tmp/rss" "$pw" "${argv[@]}" >"$tmp/out" 2>"$tmp/err" </dev/null
  code=$?
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  outcome="exit $code: $(head -c 90 "$tmp/err" | head -1)"
  printf '%-58s %10s %7.2f  %s\n' "${argline//@T\//}" "$(tail -1 "$tmp/rss")" "$secs" "$outcome"
done <<'EOF2'
scan -iL /dev/zero
scan --excludefile /dev/zero 198.18.0.1
scan --resume /dev/zero 198.18.0.1
audit --policy /dev/zero --from @T/one.xml
audit --policy @T/p.toml --from /dev/zero
diff /dev/zero @T/one.xml
report /dev/zero -o @T/r.html
audit --policy @T/p.toml --from @T/r22k.xml
diff @T/r22k.xml @T/r22k.xml
report @T/r22k.xml -o @T/r.html
audit --policy @T/p.toml --from @T/r216k.xml
diff @T/r216k.xml @T/r216k.xml
report @T/r216k.xml -o @T/r.html
diff @T/hosts129.xml @T/one.xml
EOF2
