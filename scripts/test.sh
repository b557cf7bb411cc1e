#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test:
#   unit tests, the CLI bad-input table, and (as root) the network-namespace test range with
#   the integration tests against nmap; then every fuzz target for a few seconds (clang-19,
#   build-fuzz/), and the unit tests again under ASan+UBSan.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/install-deps.sh
bash scripts/build.sh
if [ "$(id -u)" -ne 0 ]; then
  echo "test.sh: the test range needs root (network namespaces); run: sudo scripts/test.sh" >&2
  exit 1
fi
# Every scan is stored in the user's history by default: the tests keep theirs in the build tree.
export XDG_DATA_HOME="$root/build/test-data"
rm -rf "$XDG_DATA_HOME"
ctest --test-dir build --output-on-failure --timeout 900
echo "== fuzz targets (libFuzzer, ASan+UBSan), a few seconds each"
CC=clang-19 CXX=clang++-19 PW_BUILD_DIR="$root/build-fuzz" bash scripts/build.sh -DPW_FUZZ=ON -DPW_WERROR=OFF
ctest --test-dir build-fuzz --output-on-failure -L fuzz --timeout 300
echo "== unit tests under ASan+UBSan"
# only the unit tests: -L unit is the unit_tests binary alone
PW_BUILD_TARGETS=unit_tests PW_BUILD_DIR="$root/build-asan" bash scripts/build.sh -DPW_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
ctest --test-dir build-asan --output-on-failure -L unit --timeout 900
