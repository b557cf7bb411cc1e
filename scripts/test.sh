#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test:
#   unit tests, the CLI bad-input table, and (as root) the network-namespace test range with
#   the integration tests against nmap; then every fuzz target for a few seconds (clang-19,
#   build-fuzz/), and the unit tests again under ASan+UBSan (build-asan/).
# The fuzz and ASan builds run while ctest does, at idle CPU and I/O priority (SCHED_IDLE:
# a compiler gets a core only when no test process wants it): most of ctest is waiting (ICMP
# rate limits, timeouts inside the namespaces), and after it the builds add several minutes
# on 2 cores (docs/ci-time-2026-12-03.md). PW_TEST_SERIAL=1 builds them after ctest instead.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/install-deps.sh
# RelWithDebInfo's -O2 -DNDEBUG without -g: the same machine code (-g does not change what gcc
# generates), a sixth to a third less compile CPU per file (docs/ci-time-2026-12-03.md). It
# stays in build/'s cache: `cmake build -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g -DNDEBUG"`
# brings -g back.
bash scripts/build.sh -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -DNDEBUG"
if [ "$(id -u)" -ne 0 ]; then
  echo "test.sh: the test range needs root (network namespaces); run: sudo scripts/test.sh" >&2
  exit 1
fi

sanitizer_builds() {
  CC=clang-19 CXX=clang++-19 PW_BUILD_DIR="$root/build-fuzz" bash scripts/build.sh -DPW_FUZZ=ON -DPW_WERROR=OFF
  # only the unit tests: they are all the ASan step runs. PRE_TEST: no test listing after the
  # link (it would run under the idle priority with a 60 s timeout; the step runs the binary).
  PW_BUILD_TARGETS=unit_tests PW_BUILD_DIR="$root/build-asan" bash scripts/build.sh -DPW_SANITIZE=ON \
    -DCMAKE_BUILD_TYPE=Debug -DCMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE=PRE_TEST
}
san_log="$root/build-sanitizers.log"
san_pid=""
if [ "${PW_TEST_SERIAL:-0}" != 1 ]; then
  idle=(chrt --idle 0 ionice -c 3)
  "${idle[@]}" true 2>/dev/null || idle=(nice -n 19)
  # its own process group (setsid), so that a failing ctest stops the whole build with it
  export -f sanitizer_builds; export root
  setsid "${idle[@]}" bash -c 'set -euo pipefail; sanitizer_builds' >"$san_log" 2>&1 &
  san_pid=$!
  trap '[ -n "$san_pid" ] && kill -- -"$san_pid" 2>/dev/null; true' EXIT
fi

# Every scan is stored in the user's history by default: the tests keep theirs in the build tree.
export XDG_DATA_HOME="$root/build/test-data"
rm -rf "$XDG_DATA_HOME"
ctest --test-dir build --output-on-failure --timeout 900

if [ -n "$san_pid" ]; then
  echo "== the fuzz and ASan builds (ran during ctest; log: $san_log)"
  if ! wait "$san_pid"; then san_pid=""; tail -n 50 "$san_log" >&2; exit 1; fi
  san_pid=""
  tail -n 3 "$san_log"
else
  sanitizer_builds
fi
echo "== fuzz targets (libFuzzer, ASan+UBSan), a few seconds each"
ctest --test-dir build-fuzz --output-on-failure -L fuzz --timeout 300
echo "== unit tests under ASan+UBSan"
# One process for all of them (what -L unit runs, the PostgreSQL half excepted, as in
# build/): 46 CPU s instead of 156 for 524 processes each paying ASan's start-up.
(cd build-asan/tests && timeout 900 ./unit_tests --gtest_filter='-Postgres/*' --gtest_brief=1)
