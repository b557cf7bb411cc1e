#!/usr/bin/env bash
# `portwarden report` end to end: builds a page from stored result files (tests/data/report: a
# policy violation and a drift), checks bad input (exit 2, one line on stderr naming the file),
# then has headless Chromium render it: the screenshot must be a real picture (size, many
# colours, the map's and the findings' colours present) and the DOM must hold the port maps,
# the violation rows and the drift rows. Chromium runs offline on a file:// URL, each run bounded
# by `timeout 60` and a throwaway profile. Without chromium: skip (77), or fail under CI=true.
set -uo pipefail
pw=$(realpath "${1:?usage: report_chromium_test.sh PATH-TO-portwarden DATA-DIR}")
data=$(realpath "${2:?usage: report_chromium_test.sh PATH-TO-portwarden DATA-DIR}")
here=$(dirname "$(realpath "$0")")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=../checks.sh
source "$(dirname "$0")/../checks.sh"

report=$tmp/report.html
if "$pw" report "$data/report/now.jsonl" --previous "$data/report/before.jsonl" \
     --policy "$data/report/policy.toml" -o "$report" 2>"$tmp/err"; then ok
else bad "report: exit $?: $(cat "$tmp/err")"; fi
if grep -qE 'https?://|src=' "$report"; then bad "the page fetches something: $(grep -oE '(https?://|src=)[^ ]*' "$report" | head -3)"
else ok; fi

# Bad input: exit 2, one line on stderr naming the file.
expect_error() {
  local needle=$1
  shift
  "$pw" report "$@" -o "$tmp/unused.html" >"$tmp/out" 2>"$tmp/err" </dev/null
  local code=$?
  if [ "$code" -ne 2 ] || [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -qF -- "$needle" "$tmp/err"; then
    bad "report $*: exit $code, want 2 and one line naming '$needle'; stderr: $(cat "$tmp/err")"
  else ok; fi
}
expect_error "$tmp/missing.jsonl" "$tmp/missing.jsonl"
echo 'not a result' >"$tmp/garbage.jsonl"
expect_error "$tmp/garbage.jsonl" "$data/report/now.jsonl" --previous "$tmp/garbage.jsonl"
printf '[groups.a]\nhosts = "x"\n' >"$tmp/bad.toml"
expect_error "$tmp/bad.toml" "$data/report/now.jsonl" --policy "$tmp/bad.toml"

chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "FAIL: chromium is not installed (scripts/install-deps.sh installs it); CI must run this test"
    exit 1
  fi
  echo "SKIP: chromium is not installed (apt-get install chromium); $pass passed, $fail failed before it"
  [ "$fail" -eq 0 ] && exit 77 || exit 1
fi

# run_chromium NAME FLAGS...: one headless run, its own profile, at most 60 s.
run_chromium() {
  local name=$1
  shift
  mkdir -p "$tmp/profile-$name"
  timeout -k 5 60 "$chromium" --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions \
    --disable-background-networking --force-color-profile=srgb --hide-scrollbars \
    --user-data-dir="$tmp/profile-$name" "$@" 2>"$tmp/chromium-$name.log"
}

run_chromium shot --screenshot="$tmp/report.png" --window-size=1200,1600 "file://$report" >/dev/null
size=$(stat -c %s "$tmp/report.png" 2>/dev/null || echo 0)
if [ "$size" -gt 20000 ]; then ok
else bad "screenshot: $size bytes (want > 20000); chromium said: $(tail -3 "$tmp/chromium-shot.log")"; fi
# The open cells and swatches (#1a9850), the closed ones (#4575b4), the violation marks (#d73027).
if [ "$size" -gt 0 ] && stats=$(python3 "$here/png_stats.py" "$tmp/report.png" 1a9850 4575b4 d73027); then
  colours=$(echo "$stats" | sed -n 's/.*, \([0-9]*\) colours.*/\1/p')
  if [ "${colours:-0}" -gt 16 ]; then ok; else bad "screenshot: only ${colours:-0} colours: $stats"; fi
  echo "screenshot: $size bytes, $stats"
else
  bad "screenshot: ${stats:-no PNG}"
fi

run_chromium dom --dump-dom "file://$report" >"$tmp/dom.html"
count() { grep -oF -- "$1" "$tmp/dom.html" | wc -l; }
# expect_count N TEXT: TEXT occurs N times in the rendered DOM
expect_count() {
  local n
  n=$(count "$2")
  if [ "$n" -eq "$1" ]; then ok; else bad "DOM: '$2' $n times, want $1"; fi
}
expect_count 3 '<svg class="portmap"'          # 198.18.1.10 tcp, 198.18.1.11 tcp and udp
expect_count 1 'id="host-198.18.1.10"'
expect_count 1 'id="host-198.18.1.11"'
expect_count 1 'id="violations"'
expect_count 2 '<tr class="finding violation">'  # 3306/tcp unexpected-open, 22/tcp must-be-open
expect_count 1 '<tr class="finding inconclusive">'
expect_count 1 'id="drift"'
expect_count 3 '<tr class="drift-row">'          # 443, 3306 opened; 22 closed (53/udp, in the new scan only, is no change)
expect_count 2 'web&lt;1&gt;&amp;co'              # the host name, escaped: summary and heading
expect_count 0 '<script'

# A -p- host with one open port (22) and three filtered ones (8080-8082) among 65 531 closed:
# the open port has a ring and a label on the map, the filtered run one of each, the table one
# row per run; the screenshot shows the ring colour (#d01c8b) and the open cell (#1a9850).
# shoot NAME HTML WIDTH,HEIGHT WHAT COLOUR...: a screenshot that must hold each colour (else
# "WHAT" fails); the page itself goes to $tmp/dom.html for expect_count (no scripts: the DOM
# Chromium builds from it is the page, as the first case's --dump-dom shows; one run saved).
shoot() {
  local name=$1 html=$2 size=$3 what=$4
  shift 4
  run_chromium "$name" --screenshot="$tmp/$name.png" --window-size="$size" "file://$html" >/dev/null
  if stats=$(python3 "$here/png_stats.py" "$tmp/$name.png" "$@"); then ok; else bad "$what: $stats"; fi
  cp "$html" "$tmp/dom.html"
}
python3 "$here/report_one_open.py" "$tmp/one_open.jsonl"
if "$pw" report "$tmp/one_open.jsonl" -o "$tmp/one.html" 2>"$tmp/err"; then ok; else bad "report one_open: $(cat "$tmp/err")"; fi
shoot one "$tmp/one.html" 800,900 "one open port: the ring or the open cell is not in the screenshot" d01c8b 1a9850 4575b4
expect_count 1 'text-anchor="start">22/tcp open</text>'
expect_count 1 '8080-8082/tcp filtered</text>'
expect_count 2 '<circle class="ring '
expect_count 1 '<td>8080-8082/tcp</td>'

# History: three connect scans of two free loopback ports into a database of the test's own:
# nothing listening, then one listener, then two. `report @3 --db` has the timeline (a line
# for the host, a drift bar per scan) and the screenshot its colours (#1b9e77, #fc8d59).
db=$tmp/history.db
read -r pa pb < <(python3 -c 'import socket
a = socket.socket(); a.bind(("127.0.0.1", 0)); b = socket.socket(); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])')
listeners=()
# listen PORT: a listener on 127.0.0.1:PORT for at most 60 s, in the background, once it is up.
listen() {
  python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); open(sys.argv[2], "w").close(); time.sleep(60)' \
    "$1" "$tmp/up-$1" &
  listeners+=($!)
  for _ in $(seq 50); do [ -e "$tmp/up-$1" ] && break; sleep 0.1; done
}
scan_once() { "$pw" scan -sT -p "$pa,$pb" 127.0.0.1 --db "$db" >/dev/null 2>"$tmp/err" || bad "scan: $(cat "$tmp/err")"; }
scan_once
listen "$pa"
scan_once
listen "$pb"
scan_once
kill "${listeners[@]}" 2>/dev/null
if "$pw" report @3 --db "$db" -o "$tmp/history.html" 2>"$tmp/err"; then ok; else bad "report @3: $(cat "$tmp/err")"; fi
shoot history "$tmp/history.html" 900,900 "history: the host's line or the drift bars are not in the screenshot" \
  1b9e77 fc8d59
expect_count 1 '<section id="timeline"><h2>History: 3 scans</h2>'
expect_count 1 '<polyline class="host-line"'
expect_count 3 '<rect class="drift-bar"'
expect_count 1 '127.0.0.1 @3: 2 open</title>'
expect_count 1 '@2: 1 changed</title>'

summary "report_chromium"
