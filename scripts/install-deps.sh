#!/usr/bin/env bash
# Installs every Debian 12 package portwarden needs to build, test and benchmark. Idempotent:
# when everything is already installed it does nothing (no apt-get update).
set -euo pipefail
packages=(
  # build (libpcap: BPF filters of the receive ring; libcap: dropping capabilities)
  cmake ninja-build g++ pkg-config libpcap-dev libcap-dev
  libcli11-dev libfmt-dev nlohmann-json3-dev libexpected-dev
  # audit: policy files (toml++), Nmap XML result files (pugixml)
  libtomlplusplus-dev libpugixml-dev
  # scan history: SQLite (default store), libpq (PostgreSQL store)
  libsqlite3-dev libpq-dev
  # tests
  libgtest-dev libgmock-dev libtins-dev libcap2-bin
  # the fuzz targets (fuzz/): clang 19 with libFuzzer and the sanitizer runtimes (clang 14
  # cannot parse libstdc++ 12's <ranges>)
  clang-19 libclang-rt-19-dev
  # the PostgreSQL history tests start a throwaway server
  postgresql
  # systemd-analyze verifies the units in contrib/systemd/
  systemd
  # `portwarden report`: headless Chromium renders the page (tests/cli/report_chromium_test.sh)
  chromium
  # test range, reference scanner, XML checks
  iproute2 nftables iptables procps nmap ndiff libxml2-utils python3
  # peers of the raw-engine benchmark; GNU time for its peak-RSS row
  masscan zmap time
  # --webhook over http/https (libcurl, OpenSSL); openssl makes the HTTPS test's certificate
  libcurl4-openssl-dev openssl
  # packaging (packaging/install.cmake, tests/packaging/): CPack's dpkg-shlibdeps, the man
  # pages read back, the zsh completion run
  dpkg-dev man-db zsh
  # scale-out (issue #18): a one-node Slurm cluster for the job-array test; YAML checks of the
  # Kubernetes manifests in contrib/kubernetes/
  slurmctld slurmd slurm-client munge python3-yaml
  # the -oJ JSON Schema (schema/) is checked against real output (tests/cli/nmap_habits_test.sh)
  python3-jsonschema
  # -sV (src/version/): PCRE2 for nmap's match patterns; real daemons for tests/version/
  # (sshd and dnsmasq run only inside the test's namespace; see "Daemons" below)
  libpcre2-dev openssh-server dnsmasq-base
  # -sV's ssl tunnel (src/version/tls_channel.cpp): OpenSSL; the test's TLS service gets a
  # self-signed certificate from the openssl tool
  libssl-dev openssl
)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages (${missing[*]}); run as root (sudo) to install them" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive

# Daemons. openssh-server, postgresql, slurmctld, slurmd and munge (and whatever daemon a
# package appended here or a dependency brings) are installed for their programs: the tests run
# their own copies inside namespaces or temporary directories (tests/version/sv_daemons_test.sh:
# sshd with its own host key and config, postgres from a throwaway initdb; tests/history/
# pg_server.sh; tests/integration/slurm_array_test.py: munged, slurmctld, slurmd with their own
# key and config). On a host that is not a container, Debian's maintainer scripts would start
# them and enable them at boot (sshd listening on 0.0.0.0:22). So, during the install,
# /usr/sbin/policy-rc.d answers 101 ("action forbidden": invoke-rc.d and deb-systemd-invoke
# start nothing; the one a container image ships is kept as it is), and afterwards every
# systemd unit of a package this run installed that the install left enabled (or running) is
# disabled (and stopped). Users (postgres, munge, sshd) and PostgreSQL's default cluster are
# still created; the cluster does not start, since postgresql.service is disabled.
installed_packages() {
  dpkg-query -W -f='${db:Status-Abbrev} ${binary:Package}\n' | awk '$1 == "ii" { print $2 }' | sort
}
policy=/usr/sbin/policy-rc.d
own_policy=false
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# scripts/install-deps.sh: start no daemon while it installs packages\nexit 101\n' >"$policy"
  chmod 0755 "$policy"
  own_policy=true
fi
remove_policy() { if [ "$own_policy" = true ]; then rm -f "$policy"; fi; }
trap remove_policy EXIT
before=$(installed_packages)
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
remove_policy
trap - EXIT
if command -v systemctl >/dev/null; then
  for pkg in $(comm -13 <(printf '%s\n' "$before") <(installed_packages)); do
    dpkg-query -L "$pkg" 2>/dev/null | grep -E '^(/usr)?/lib/systemd/system/[^/@]+\.(service|socket|timer)$' || true
  done | xargs -r -n1 basename | sort -u | while read -r unit; do
    if systemctl --quiet is-active "$unit" 2>/dev/null; then
      systemctl stop "$unit" || true
    fi
    if [ "$(systemctl is-enabled "$unit" 2>/dev/null)" = enabled ]; then
      echo "install-deps: disabling $unit (installed for the tests, which run their own)"
      systemctl --quiet disable "$unit"
    fi
  done
fi
