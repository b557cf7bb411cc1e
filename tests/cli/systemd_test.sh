#!/usr/bin/env bash
# contrib/systemd: `systemd-analyze verify` accepts the nightly audit's service and timer, and the
# scan watch's service, with no
# complaint (it only warns about an unknown or misspelt key, so any message about them fails the
# test), and the timer's calendar expression parses. verify needs ExecStart's binary to exist,
# so it checks copies with ExecStart pointing at the build's portwarden and the policy at a
# tests/data policy. Without systemd-analyze: skipped (exit 77), or failed under CI=true.
set -uo pipefail
pw=$(realpath "${1:?usage: systemd_test.sh PATH-TO-portwarden SOURCE-DIR}")
src=${2:?usage: systemd_test.sh PATH-TO-portwarden SOURCE-DIR}
units=$src/contrib/systemd
if ! command -v systemd-analyze >/dev/null; then
  echo "systemd-analyze not found (Debian: apt-get install systemd; scripts/install-deps.sh)"
  if [ "${CI:-}" = true ]; then exit 1; fi
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=../checks.sh
source "$(dirname "$0")/../checks.sh"

sed -e "s|^ExecStart=/usr/local/bin/portwarden |ExecStart=$pw |" \
    -e "s|/etc/portwarden/policy.toml|$src/tests/data/audit/ok.toml|" \
    "$units/portwarden-audit.service" >"$tmp/portwarden-audit.service"
cp "$units/portwarden-audit.timer" "$tmp/"
sed -e "s|^ExecStart=/usr/local/bin/portwarden |ExecStart=$pw |" \
    "$units/portwarden-watch.service" >"$tmp/portwarden-watch.service"
if grep -qF "ExecStart=$pw watch --json -oJ /var/lib/portwarden-watch/alerts.jsonl" "$tmp/portwarden-watch.service"; then ok
else bad "the watch's ExecStart was not rewritten: $(grep ExecStart= "$tmp/portwarden-watch.service")"; fi
if grep -qF "ExecStart=$pw audit --policy $src/tests/data/audit/ok.toml --format json" "$tmp/portwarden-audit.service"; then ok
else bad "ExecStart was not rewritten: $(grep ExecStart= "$tmp/portwarden-audit.service")"; fi

# verify DIR UNIT...: exit 0 and not one message naming the units.
verify() {
  local dir=$1
  shift
  (cd "$dir" && systemd-analyze verify "$@") >"$tmp/verify.out" 2>&1
  local code=$?
  if [ "$code" -ne 0 ] || grep -E "$dir|portwarden-audit|portwarden-watch|broken" "$tmp/verify.out" >/dev/null; then
    return 1
  fi
  return 0
}
if verify "$tmp" ./portwarden-audit.service ./portwarden-audit.timer ./portwarden-watch.service; then ok
else bad "systemd-analyze verify: $(cat "$tmp/verify.out")"; fi

# The same check notices a misspelt key (so a silent warning can never pass).
mkdir "$tmp/broken"
sed -e 's/^ProtectSystem=/ProtectSytem=/' "$tmp/portwarden-audit.service" >"$tmp/broken/broken.service"
if verify "$tmp/broken" ./broken.service; then bad "a misspelt key went unnoticed"; else ok; fi

# The timer: the calendar expression parses, and it starts the service.
calendar=$(sed -n 's/^OnCalendar=//p' "$units/portwarden-audit.timer")
if [ "$calendar" = "*-*-* 02:30:00" ] && systemd-analyze calendar "$calendar" >/dev/null 2>&1; then ok
else bad "OnCalendar '$calendar' is not a valid nightly 02:30 expression"; fi
for want in "Unit=portwarden-audit.service" "Persistent=true" "RandomizedDelaySec=" "WantedBy=timers.target"; do
  if grep -q "^$want" "$units/portwarden-audit.timer"; then ok; else bad "the timer lacks $want"; fi
done
for want in "Type=oneshot" "AmbientCapabilities=CAP_NET_RAW" "CapabilityBoundingSet=CAP_NET_RAW" \
            "StateDirectory=portwarden" "ProtectSystem=strict" "PrivateTmp=yes" "DynamicUser=yes"; do
  if grep -q "^$want" "$units/portwarden-audit.service"; then ok; else bad "the service lacks $want"; fi
done
for want in "Type=simple" "AmbientCapabilities=CAP_NET_RAW" "CapabilityBoundingSet=CAP_NET_RAW" \
            "StateDirectory=portwarden-watch" "ProtectSystem=strict" "DynamicUser=yes" "SuccessExitStatus=1" \
            "WantedBy=multi-user.target"; do
  if grep -q "^$want" "$units/portwarden-watch.service"; then ok; else bad "the watch service lacks $want"; fi
done
# The watch's command line runs: 0.2 s in a network namespace of its own (unshare -n: only its
# lo, nothing sent), exit 0 and the -oJ file made. Needs root (CAP_NET_RAW, unshare).
if [ "$(id -u)" -eq 0 ]; then
  flags=$(sed -n 's|^ExecStart=/usr/local/bin/portwarden watch ||p' "$units/portwarden-watch.service" |
          sed "s|/var/lib/portwarden-watch/|$tmp/|")
  # shellcheck disable=SC2086  # the unit's flags, split as systemd splits them
  if timeout 20 unshare -n "$pw" watch $flags --duration 0.2 >/dev/null 2>&1 && [ -f "$tmp/alerts.jsonl" ]; then ok
  else bad "portwarden watch $flags does not run"; fi
elif [ "${CI:-}" = true ]; then
  bad "not root: the watch's command line was not run"
fi

summary "systemd units"
