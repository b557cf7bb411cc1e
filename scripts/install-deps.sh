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
  # (sshd and dnsmasq run only inside the test's namespace; Debian's policy-rc.d in containers
  # keeps the package from starting sshd on the host)
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
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
