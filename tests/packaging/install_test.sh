#!/usr/bin/env bash
# The library installed and used: `cmake --install` of the build tree into a temporary prefix
# (nothing is rebuilt), then examples/ compiled against that prefix twice, with CMake
# (find_package(portwarden) -> portwarden::portwarden) and with pkg-config, and each program run
# against a closed port on 127.0.0.1 (bound and released here). Only 127.0.0.1 is contacted.
set -uo pipefail
build=$(realpath "${1:?usage: install_test.sh BUILD-DIR SOURCE-DIR}")
src=$(realpath "${2:?usage: install_test.sh BUILD-DIR SOURCE-DIR}")
# shellcheck source=../checks.sh
source "$(dirname "$0")/../checks.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
if cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1; then ok; else bad "cmake --install: $(tail -5 "$tmp/install.log")"; exit 1; fi
for f in bin/portwarden include/portwarden/portwarden.hpp lib/cmake/portwarden/portwardenConfig.cmake \
         lib/cmake/portwarden/portwardenConfigVersion.cmake lib/pkgconfig/portwarden.pc share/man/man1/portwarden.1; do
  if [ -e "$prefix/$f" ]; then ok; else bad "not installed: $f"; fi
done
if ls "$prefix"/lib/libportwarden.* >/dev/null 2>&1; then ok; else bad "no libportwarden in $prefix/lib"; fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# check_run PROGRAM: exit 1 (closed) and the closed line, as the example documents.
check_run() {
  "$1" "127.0.0.1:$port" 2000 >"$tmp/run.out" 2>&1
  local code=$?
  if [ "$code" -eq 1 ] && grep -q "^127.0.0.1:$port: closed (conn-refused)" "$tmp/run.out"; then ok
  else bad "$1: exit $code: $(cat "$tmp/run.out")"; fi
}
# pkg-config: the compiler line comes from the prefix's portwarden.pc alone. Compiled in the
# background while the CMake consumer configures and builds (the two compiles are the cost).
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
if flags=$(pkg-config --cflags --libs portwarden) && [ "$(pkg-config --modversion portwarden)" = "$(sed -n 's/^Version: //p' "$prefix/lib/pkgconfig/portwarden.pc")" ]; then ok; else bad "pkg-config portwarden"; fi
# shellcheck disable=SC2086
c++ -std=c++20 -o "$tmp/wait_pc" "$src/examples/wait_for_service.cpp" $flags 2>"$tmp/pc.log" &
pc_pid=$!
# add_subdirectory(portwarden) in a parent project (configured only, in the background too):
# its paths are the project's own (PROJECT_SOURCE_DIR), the tests are off, the target is there.
mkdir -p "$tmp/super"
cat >"$tmp/super/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.25)
project(super LANGUAGES C CXX)
add_subdirectory("$src" portwarden)
add_executable(app "$src/examples/wait_for_service.cpp")
target_link_libraries(app PRIVATE portwarden::portwarden)
CMAKE
cmake -S "$tmp/super" -B "$tmp/super-build" -G Ninja >"$tmp/super.log" 2>&1 &
super_pid=$!
# CMake: a consumer project that knows only the prefix.
if cmake -S "$src/examples" -B "$tmp/cmake-build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >"$tmp/cfg.log" 2>&1 &&
   cmake --build "$tmp/cmake-build" >"$tmp/build.log" 2>&1; then ok; else bad "CMake consumer: $(tail -20 "$tmp/cfg.log" "$tmp/build.log" 2>/dev/null)"; fi
if grep -q "portwarden_DIR:PATH=$prefix/lib/cmake/portwarden" "$tmp/cmake-build/CMakeCache.txt"; then ok; else bad "find_package did not find the prefix's package"; fi
check_run "$tmp/cmake-build/wait_for_service"
if wait "$pc_pid"; then ok; else bad "pkg-config build: $(head -20 "$tmp/pc.log")"; fi
check_run "$tmp/wait_pc"
if wait "$super_pid"; then ok; else bad "add_subdirectory: $(tail -20 "$tmp/super.log")"; fi
if grep -q "^build app:" "$tmp/super-build/build.ninja" && grep -q "portwarden/libportwarden.a" "$tmp/super-build/build.ninja"; then ok
else bad "add_subdirectory: app does not link libportwarden"; fi
if ! grep -q "unit_tests" "$tmp/super-build/build.ninja" && [ ! -e "$tmp/super-build/portwarden/tests" ]; then ok
else bad "add_subdirectory: the tests are built (PW_BUILD_TESTS should be off)"; fi
summary install
