#!/usr/bin/env bash
# CPU seconds (user+sys, summed over every compile and link) of the CI's builds, without ccache:
#   o2g   build/ as it was:  RelWithDebInfo, -O2 -g            (all targets)
#   o2    build/ as now:     RelWithDebInfo, -O2 without -g    (all targets)
#   fuzz  build-fuzz/:       clang-19, -DPW_FUZZ=ON            (all targets)
#   asan  build-asan/:       gcc Debug, -DPW_SANITIZE=ON       (unit_tests)
# then the ASan unit tests run the old way (one process per test, as ctest -L unit) and the new
# way (one process). CPU seconds do not depend much on the machine's load; wall times do.
#   bench/ci_build_cpu.sh [WORKDIR] [BUILD...]   (default /tmp/pw-ci-bench; o2g o2 fuzz asan)
# Results: WORKDIR/summary.txt; per-compile lines in WORKDIR/BUILD.cpu (user sys object).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/pw-ci-bench}
shift || true
builds=("$@")
[ ${#builds[@]} -gt 0 ] || builds=(o2g o2 fuzz asan)
mkdir -p "$work"
launcher=$work/cpu_launcher.sh
cat >"$launcher" <<'EOF'
#!/bin/bash
# compiler launcher: one line per compile, "user sys output"
out=""; prev=""
for a in "$@"; do [ "$prev" = "-o" ] && out=$a; prev=$a; done
exec /usr/bin/time -f "%U %S $out" -a -o "$PW_CPU_LOG" "$@"
EOF
chmod +x "$launcher"
summary=$work/summary.txt

one_build() { # NAME TARGET CMAKE-ARGS...
  local name=$1 target=$2 dir=$work/$1
  shift 2
  rm -rf "$dir" "$work/$name.cpu"
  cmake -S "$root" -B "$dir" -G Ninja -DPW_WERROR=ON "-DCMAKE_CXX_COMPILER_LAUNCHER=$launcher" \
    "-DCMAKE_CXX_LINKER_LAUNCHER=$launcher" "$@" >/dev/null
  CCACHE_DISABLE=1 PW_CPU_LOG=$work/$name.cpu /usr/bin/time -f "%e %U %S" -o "$work/$name.wall" \
    cmake --build "$dir" -j"$(nproc)" --target "$target" >"$work/$name.log"
  awk -v n="$name" '{u += $1; s += $2; c++} END {printf "%-5s %4d steps  %7.1f CPU s (user+sys)\n", n, c, u + s}' \
    "$work/$name.cpu" | tee -a "$summary"
  echo "      wall $(cut -d' ' -f1 "$work/$name.wall") s at -j$(nproc)" | tee -a "$summary"
}

date >>"$summary"
for b in "${builds[@]}"; do
  case $b in
    o2g)  one_build o2g all -DCMAKE_BUILD_TYPE=RelWithDebInfo ;;
    o2)   one_build o2 all -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -DNDEBUG" ;;
    fuzz) CC=clang-19 CXX=clang++-19 one_build fuzz all -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPW_FUZZ=ON -DPW_WERROR=OFF ;;
    asan) one_build asan unit_tests -DCMAKE_BUILD_TYPE=Debug -DPW_SANITIZE=ON ;;
    *) echo "unknown build $b (o2g o2 fuzz asan)" >&2; exit 2 ;;
  esac
done

if [ -x "$work/asan/tests/unit_tests" ]; then
  cd "$work/asan/tests"
  export XDG_DATA_HOME=$work/xdg
  ./unit_tests --gtest_list_tests --gtest_filter='-Postgres/*' |
    awk '/^[^ ]/ {s = $1} /^  / {print s $1}' | grep -v 'DISABLED_' >"$work/asan-tests.txt"
  /usr/bin/time -f "%e %U %S" -o "$work/asan-each.time" bash -c \
    'while read -r t; do ./unit_tests --gtest_filter="$t" >/dev/null 2>&1 || echo "FAIL $t"; done' \
    <"$work/asan-tests.txt"
  /usr/bin/time -f "%e %U %S" -o "$work/asan-once.time" \
    ./unit_tests --gtest_filter='-Postgres/*' --gtest_brief=1 >/dev/null
  for k in each once; do
    read -r w u s <"$work/asan-$k.time"
    awk -v k="$k" -v w="$w" -v u="$u" -v s="$s" -v n="$(wc -l <"$work/asan-tests.txt")" \
      'BEGIN {printf "asan unit tests, %s: %d tests, %.1f s wall, %.1f CPU s\n", (k == "each" ? "a process per test" : "one process"), n, w, u + s}' |
      tee -a "$summary"
  done
fi
