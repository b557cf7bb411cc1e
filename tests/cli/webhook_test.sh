#!/usr/bin/env bash
# `portwarden audit --webhook`: the JSON report is POSTed to a tiny HTTP server on 127.0.0.1
# that this script starts (a free port; killed by PID at the end) and that saves each body.
# /ok answers 200, /fail 500; a port nobody listens on refuses. Only 127.0.0.1 is contacted.
# HTTPS: a second server with a self-signed certificate for 127.0.0.1 made here by openssl;
# the CA is passed in PORTWARDEN_WEBHOOK_CA (or CURL_CA_BUNDLE), a token in PORTWARDEN_WEBHOOK_AUTH,
# and an http_proxy pointing at the plain server shows the proxy path.
set -uo pipefail
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy no_proxy NO_PROXY CURL_CA_BUNDLE
pw=$(realpath "${1:?usage: webhook_test.sh PATH-TO-portwarden DATA-DIR}")
data=${2:?usage: webhook_test.sh PATH-TO-portwarden DATA-DIR}
tmp=$(mktemp -d)
export XDG_DATA_HOME=$tmp/xdg  # audit --from stores its verdict in the default history
server_pid=
tls_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
  if [ -n "$tls_pid" ]; then kill "$tls_pid" 2>/dev/null; wait "$tls_pid" 2>/dev/null; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
xml=$data/nmap_plain_1-100.xml
# shellcheck source=../checks.sh
source "$(dirname "$0")/../checks.sh"

cat >"$tmp/server.py" <<'PY'
import http.server, sys, os, ssl
out, port_file = sys.argv[1], sys.argv[2]
class Hook(http.server.BaseHTTPRequestHandler):
    count = 0
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        Hook.count = 1 + sum(1 for n in os.listdir(out) if n.startswith("body"))  # two servers, one count
        with open(os.path.join(out, f"body{Hook.count}"), "wb") as f:
            f.write(body)
        with open(os.path.join(out, f"type{Hook.count}"), "w") as f:
            f.write(f"{self.command} {self.path} {self.headers.get('Content-Type')}\n")
        with open(os.path.join(out, f"auth{Hook.count}"), "w") as f:
            f.write(f"{self.headers.get('Authorization')}\n")
        code = 500 if "/fail" in self.path else 200
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
if len(sys.argv) > 3:  # CERT KEY: serve https
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[3], sys.argv[4])
    server.socket = context.wrap_socket(server.socket, server_side=True)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
PY
mkdir "$tmp/bodies"
python3 "$tmp/server.py" "$tmp/bodies" "$tmp/port" &
server_pid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
port=$(cat "$tmp/port" 2>/dev/null)
if [ -z "$port" ]; then echo "FAIL: the test server did not start"; exit 1; fi
# A port nobody listens on: bound and released at once.
free_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

bodies=0
# run CODE FORMAT ARGS...: the audit exits CODE with nothing but its report on stdout.
run() {
  local want=$1
  shift
  "$pw" audit "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  local code=$?
  if [ "$code" -ne "$want" ]; then
    bad "audit $*: exit $code, want $want; stderr: $(cat "$tmp/err")"
    return 1
  fi
  return 0
}
# body_is VERDICT: the newest body saved by the server is the audit's JSON with that verdict.
body_is() {
  bodies=$((bodies + 1))
  if ! python3 - "$tmp/bodies/body$bodies" "$1" "$tmp/bodies/type$bodies" <<'PY'; then
import json, sys
body = json.load(open(sys.argv[1]))
assert body["verdict"] == sys.argv[2], body["verdict"]
assert isinstance(body["findings"], list) and "exit_code" in body
assert open(sys.argv[3]).read().split(" ", 2)[2].strip() == "application/json"
PY
    bad "body $bodies is not the audit JSON with verdict $1"
  else ok; fi
}
warned() {  # warned PIECE: exactly one warning line on stderr, containing PIECE
  if [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -qF -- "$1" "$tmp/err"; then ok
  else bad "stderr '$(cat "$tmp/err")', want one line with '$1'"; fi
}

url=http://127.0.0.1:$port
# 200: the body is the JSON report whatever --format prints; the exit is the audit's.
run 0 --policy "$data/audit/ok.toml" --from "$xml" --webhook "$url/ok" && ok && body_is compliant
if grep -q "audit: compliant" "$tmp/out" && [ ! -s "$tmp/err" ]; then ok; else bad "text report or stderr: $(cat "$tmp/err")"; fi
run 1 --policy "$data/audit/violation.toml" --from "$xml" --format sarif --webhook "$url/ok" --webhook-required && ok && body_is violations
if grep -q '"ruleId": "PW001"' "$tmp/out"; then ok; else bad "the SARIF report is not on stdout"; fi
run 1 --policy "$data/audit/violation.toml" --from "$xml" --format junit -o "$tmp/r.xml" --webhook="$url/ok?run=1" && ok && body_is violations
run 2 --policy "$data/audit/missing.toml" --from "$xml" --format json --webhook "http://localhost:$port/ok" && ok && body_is inconclusive
if cmp -s "$tmp/out" "$tmp/bodies/body$bodies"; then ok; else bad "--format json stdout differs from the posted body"; fi

# 500: a warning; the exit is unchanged, or 3 with --webhook-required.
run 1 --policy "$data/audit/violation.toml" --from "$xml" --webhook "$url/fail" && ok && body_is violations && warned "answered HTTP 500"
run 3 --policy "$data/audit/violation.toml" --from "$xml" --webhook "$url/fail" --webhook-required && ok && body_is violations && warned "answered HTTP 500"

# Nothing listens: a warning naming the refusal; exit unchanged, or 3 when required.
run 0 --policy "$data/audit/ok.toml" --from "$xml" --webhook "http://127.0.0.1:$free_port/x" && ok && warned "refused"
run 3 --policy "$data/audit/ok.toml" --from "$xml" --webhook "http://127.0.0.1:$free_port/x" --webhook-required && ok && warned "refused"

# Bad URLs: exit 3 before anything runs, one line, nothing on stdout, nothing posted.
for case in "ftp://127.0.0.1/|unsupported scheme" \
            "http://127.0.0.1:0/|out of range" "http://::1/|brackets"; do
  run 3 --policy "$data/audit/ok.toml" --from "$xml" --webhook "${case%%|*}" && [ ! -s "$tmp/out" ] && ok && warned "${case#*|}"
done
run 3 --policy "$data/audit/ok.toml" --from "$xml" --webhook-required && ok && warned "needs --webhook URL"

# HTTPS with a self-signed certificate for 127.0.0.1 (made here; ~0.1 s).
if openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
     -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>"$tmp/openssl.err"; then ok; else bad "openssl: $(cat "$tmp/openssl.err")"; fi
python3 "$tmp/server.py" "$tmp/bodies" "$tmp/tls_port" "$tmp/cert.pem" "$tmp/key.pem" &
tls_pid=$!
for _ in $(seq 100); do [ -s "$tmp/tls_port" ] && break; sleep 0.1; done
tls_port=$(cat "$tmp/tls_port" 2>/dev/null)
if [ -z "$tls_port" ]; then echo "FAIL: the https test server did not start"; exit 1; fi
tls=https://127.0.0.1:$tls_port
# auth_is VALUE: the newest request's Authorization header
auth_is() {
  if [ "$(cat "$tmp/bodies/auth$bodies")" = "$1" ]; then ok; else bad "Authorization '$(cat "$tmp/bodies/auth$bodies")', want '$1'"; fi
}
PORTWARDEN_WEBHOOK_CA=$tmp/cert.pem PORTWARDEN_WEBHOOK_AUTH="Bearer t0ken" \
  run 1 --policy "$data/audit/violation.toml" --from "$xml" --webhook "$tls/ok" --webhook-required && ok && body_is violations && auth_is "Bearer t0ken"
if [ ! -s "$tmp/err" ]; then ok; else bad "https stderr: $(cat "$tmp/err")"; fi
CURL_CA_BUNDLE=$tmp/cert.pem run 0 --policy "$data/audit/ok.toml" --from "$xml" --webhook "$tls/ok" && ok && body_is compliant && auth_is None
CURL_CA_BUNDLE=$tmp/cert.pem run 3 --policy "$data/audit/violation.toml" --from "$xml" --webhook "$tls/fail" --webhook-required && ok && body_is violations && warned "answered HTTP 500"
# Without the CA the certificate is refused: nothing posted, a warning naming TLS; exit 3 when required.
run 3 --policy "$data/audit/ok.toml" --from "$xml" --webhook "$tls/ok" --webhook-required && ok && warned "TLS with 127.0.0.1:$tls_port failed"
# Plain http to the https server, and https to the plain one: errors, not hangs.
run 3 --policy "$data/audit/ok.toml" --from "$xml" --webhook "https://127.0.0.1:$port/ok" --webhook-required && ok && warned "127.0.0.1:$port"
# Through an HTTP proxy (the plain server plays it): the request line carries the absolute URL and
# the name hook.invalid is never resolved here.
http_proxy=http://127.0.0.1:$port run 0 --policy "$data/audit/ok.toml" --from "$xml" --webhook "http://hook.invalid/ok" && ok && body_is compliant
if grep -q "^POST http://hook.invalid/ok application/json" "$tmp/bodies/type$bodies"; then ok; else bad "proxy request: $(cat "$tmp/bodies/type$bodies")"; fi
got=$(find "$tmp/bodies" -name 'body*' | wc -l)
if [ "$got" -eq "$bodies" ]; then ok; else bad "the server got $got bodies, want $bodies"; fi

summary "webhook CLI"
