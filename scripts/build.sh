#!/usr/bin/env bash
# Configures and builds portwarden in build/ (or $PW_BUILD_DIR), warnings as errors.
# Extra arguments go to cmake's configure step (e.g. -DPW_SANITIZE=ON); PW_BUILD_TARGETS (space
# separated) builds only those targets (default: all).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${PW_BUILD_DIR:-$root/build}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPW_WERROR=ON "$@" >/dev/null
targets=()
for t in ${PW_BUILD_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$build" -j"$(nproc)" "${targets[@]}"
