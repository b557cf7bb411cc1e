#!/usr/bin/env bash
# The raw scheduler's prefetches survive compilation (docs/bench-regression-2026-12-04.md). GCC 12
# deleted every call of an out-of-line RawRun::prefetch_cell() (ipa-pure-const finds a function
# of prefetches alone free of side effects), and a -sS -p- lost 4 % to cache misses unnoticed.
# Each function below must hold at least this many prefetch instructions in the built binary.
#   prefetch_test.sh PORTWARDEN_BINARY
set -u
. "$(dirname "$0")/../checks.sh"
bin=$1
case "$(uname -m)" in
  x86_64) insn=prefetch ;;
  aarch64) insn=prfm ;;
  *) echo "prefetch_test: no prefetch mnemonic known for $(uname -m)"; exit 77 ;;
esac
counts=$(objdump -d --no-show-raw-insn -C "$bin" |
  awk -v insn="$insn" '/^[0-9a-f]+ </ { fn = $0; sub(/^[0-9a-f]+ </, "", fn); sub(/\(.*/, "", fn) }
                       index($0, insn) { n[fn]++ }
                       END { for (f in n) print f, n[f] }')
for want in "send_new 3" "queue_pop 3" "handle_replies 3" "expire_host 1"; do
  read -r fn min <<<"$want"
  got=$(awk -v f="portwarden::engine::RawRun::$fn" '$1 == f { print $2 }' <<<"$counts")
  if [ "${got:-0}" -ge "$min" ]; then ok; else bad "RawRun::$fn holds ${got:-0} prefetch instructions, expected >= $min"; fi
done
summary prefetch_test
