#!/usr/bin/env bash
# Regenerates the packet and reply seed corpora (fuzz/corpus/packet, fuzz/corpus/reply) with
# fuzz_make_packets from the fuzz build: make_corpus.sh [BUILD_DIR] (default build-fuzz/).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-fuzz}
cmake --build "$build" --target fuzz_make_packets
for d in packet reply; do
  rm -f "$root/fuzz/corpus/$d"/*-probe "$root/fuzz/corpus/$d"/*-v[46]-*
  mkdir -p "$root/fuzz/corpus/$d"
done
"$build/fuzz/fuzz_make_packets" "$root/fuzz/corpus/packet" "$root/fuzz/corpus/reply"
echo "make_corpus: $(ls "$root/fuzz/corpus/packet" | wc -l) packet seeds, $(ls "$root/fuzz/corpus/reply" | wc -l) reply seeds"
