#!/usr/bin/env bash
# Runs every fuzz target (fuzz/, one at a time) for 10 million executions, or for a time budget
# (both: whichever ends first), and prints one row per target: executions, coverage (libFuzzer's
# cov: edges and ft: features at the end) and crashes (0, or 1 with the input left in the work
# directory). The corpus grows in build-fuzz/fuzz/bench/TARGET/corpus from run to run.
#   bench/fuzz.sh [--runs N] [--seconds S] [TARGET...]      (default: --runs 10000000, all)
# Needs the fuzz build: CC=clang-19 CXX=clang++-19 cmake -B build-fuzz -DPW_FUZZ=ON ... (scripts/test.sh).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${PW_FUZZ_BUILD_DIR:-$root/build-fuzz}
runs=10000000
limit=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --seconds) limit=(-max_total_time="$2"); shift 2 ;;
    *) break ;;
  esac
done
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=($(ls "$root/fuzz/corpus"))
fi
printf '%-12s %12s %8s %8s %8s %8s  %s\n' target executions cov ft seconds crashes artifact
status=0
for t in "${targets[@]}"; do
  binary="$build/fuzz/fuzz_$t"
  work="$build/fuzz/bench/$t"
  mkdir -p "$work/corpus" "$work/earlier"
  # Inputs that crashed an earlier run are kept aside, so this run's column counts its own.
  mv "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* "$work/earlier/" 2>/dev/null
  start=$(date +%s)
  "$binary" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/" -runs="$runs" "${limit[@]}" "$work/corpus" "$root/fuzz/corpus/$t" >"$work/log" 2>&1
  code=$?
  seconds=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$work/log" | tail -1 | cut -d' ' -f2)
  artifact=$(ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null | head -1)
  crashes=0
  if [ "$code" -ne 0 ] || [ -n "$artifact" ]; then
    crashes=1
    status=1
  fi
  printf '%-12s %12s %8s %8s %8s %8s  %s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$seconds" "$crashes" "$artifact"
done
exit $status
