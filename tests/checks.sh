# Sourced by the shell tests (tests/cli, tests/packaging): counting checks.
#   check DESCRIPTION EXPECTED ACTUAL   passes when ACTUAL equals EXPECTED (capture $? before
#                                       a DESCRIPTION that runs a command)
#   ok / bad MESSAGE                    one passed / failed check (bad prints FAIL: MESSAGE)
#   summary NAME                        prints the counts; its status is 0 when none failed
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { if [ "$2" = "$3" ]; then ok; else bad "$1: expected $2, got $3"; fi; }
summary() {
  echo "$1: $pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
