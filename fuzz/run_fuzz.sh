#!/usr/bin/env bash
# One fuzz target as a test: run_fuzz.sh BINARY SEED_DIR WORK_DIR [libFuzzer flags...]
# Fuzzes from the seeds (repo, read-only) with new inputs written to WORK_DIR; a crash, leak,
# time-out (10 s per input) or more than 2 GB of memory fails the test and leaves the input in
# WORK_DIR/crash-* (the test's output names it).
set -euo pipefail
binary=$1 seeds=$2 work=$3
shift 3
mkdir -p "$work/corpus"
exec "$binary" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/" "$@" "$work/corpus" "$seeds"
