#!/usr/bin/env bash
# The Debian package: CPack builds portwarden_VERSION_ARCH.deb (component runtime) from the build
# tree's install, no rebuild; dpkg installs it into a throwaway root whose package database is a
# copy of this host's (so Depends are checked for real; nothing of the host is changed) and runs
# its postinst (DPKG_ROOT set, no chroot). Checked: postinst's setcap cap_net_raw+ep, every man
# page with `man -l` and `man portwarden` through MANPATH, bash completion, the systemd units
# naming /usr/bin/portwarden, and a -sS scan run as nobody through the capability, in a network
# namespace of its own (127.0.0.1 there). Needs root: exit 77 (skipped), or a failure under CI=true.
set -uo pipefail
build=$(realpath "${1:?usage: deb_test.sh BUILD-DIR}")
if [ "$(id -u)" -ne 0 ]; then
  echo "deb_test: needs root (dpkg, setcap, a network namespace)"
  if [ "${CI:-}" = "true" ]; then exit 1; fi
  exit 77
fi
# shellcheck source=../checks.sh
source "$(dirname "$0")/../checks.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s.%N)
if cpack --config "$build/CPackConfig.cmake" -B "$tmp/pkg" -D CPACK_COMPONENTS_ALL=runtime >"$tmp/cpack.log" 2>&1; then ok
else bad "cpack: $(tail -20 "$tmp/cpack.log")"; exit 1; fi
deb=$(ls "$tmp"/pkg/portwarden_*.deb 2>/dev/null | head -1)
if [ -n "$deb" ]; then ok; else bad "no portwarden_*.deb in $(ls "$tmp/pkg")"; exit 1; fi
packed=$(date +%s.%N)
if dpkg-deb -I "$deb" postinst | grep -q "setcap cap_net_raw+ep"; then ok; else bad "postinst without setcap"; fi
root=$tmp/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
cp /var/lib/dpkg/status "$root/var/lib/dpkg/status"
# --path-include: a host whose dpkg.cfg.d drops man pages (slim container images) keeps them here.
if dpkg --root="$root" --force-script-chrootless --log=/dev/null --path-include='*' -i "$deb" >"$tmp/dpkg.log" 2>&1; then ok
else bad "dpkg -i: $(cat "$tmp/dpkg.log")"; exit 1; fi
installed=$(date +%s.%N)
pw=$root/usr/bin/portwarden
if [ "$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status}' portwarden)" = "install ok installed" ]; then ok; else bad "dpkg does not list portwarden as installed"; fi
caps=$(getcap "$pw")
if [[ $caps == *"cap_net_raw=ep"* ]]; then ok; else bad "getcap: '$caps', want cap_net_raw=ep"; fi
if "$pw" version | grep -q "^portwarden "; then ok; else bad "the installed binary does not run"; fi
# Man pages: each renders; `man portwarden` finds the package's page through MANPATH.
for page in "$root"/usr/share/man/man1/*.1; do
  if MANWIDTH=100 man -l "$page" 2>/dev/null | grep -q "^NAME"; then ok; else bad "man -l $page"; fi
done
if [ "$(ls "$root"/usr/share/man/man1/*.1 | wc -l)" -ge 11 ]; then ok; else bad "only $(ls "$root"/usr/share/man/man1) man pages"; fi
if [ "$(MANPATH=$root/usr/share/man man -w portwarden)" = "$root/usr/share/man/man1/portwarden.1" ] &&
   MANPATH=$root/usr/share/man MANWIDTH=100 man portwarden-scan 2>/dev/null | grep -q -- "--top-ports"; then ok
else bad "man portwarden / man portwarden-scan from the package"; fi
# Completion, as bash loads it from the package.
got=$(bash --norc -c "source $root/usr/share/bash-completion/completions/portwarden; COMP_WORDS=(portwarden scan --top-); COMP_CWORD=2; _portwarden; echo \${COMPREPLY[*]}")
if [ "$got" = "--top-ports" ]; then ok; else bad "bash completion of scan --top-: '$got'"; fi
if [ -f "$root/usr/share/zsh/vendor-completions/_portwarden" ]; then ok; else bad "no zsh completion"; fi
# The units: installed, and naming the package's binary.
for unit in portwarden-audit.service portwarden-audit.timer portwarden-watch.service; do
  if [ -f "$root/usr/lib/systemd/system/$unit" ]; then ok; else bad "no unit $unit"; fi
done
if grep -q "^ExecStart=/usr/bin/portwarden " "$root/usr/lib/systemd/system/portwarden-audit.service" &&
   ! grep -rq "/usr/local/bin" "$root/usr/lib/systemd/system/"; then ok; else bad "the units do not name /usr/bin/portwarden"; fi
# The capability works: nobody runs a SYN scan (refused without CAP_NET_RAW) of 127.0.0.1 in a
# namespace of its own.
out=$(unshare -n sh -c "ip link set lo up && setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
      $pw scan -sS -p 9 --no-history 127.0.0.1" 2>&1)
if [ $? -eq 0 ] && grep -q "^9/tcp  *closed" <<<"$out"; then ok; else bad "-sS as nobody: $out"; fi
done_at=$(date +%s.%N)
echo "deb: cpack $(awk "BEGIN{printf \"%.1f\", $packed - $start}") s, dpkg -i $(awk "BEGIN{printf \"%.1f\", $installed - $packed}") s, checks $(awk "BEGIN{printf \"%.1f\", $done_at - $installed}") s"
summary deb
