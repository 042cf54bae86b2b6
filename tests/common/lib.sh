# The harness the shell suites share (tests/cli, tests/run, tests/repl);
# source it from the repository root:
#   . tests/common/lib.sh    (the script's $1, if any, is the dgc to test)
# Gives $dgc, a temporary directory $t removed on exit, ok/bad counters,
# expect, and summary to end with.
dgc=$(pwd)/${1:-./dgc}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
expect() { # expect STATUS DESCRIPTION -- command...
    want=$1; what=$2; shift 3
    "$@" >"$t/out" 2>"$t/err"; got=$?
    [ "$got" = "$want" ] && ok || { bad "$what: exit $got, expected $want"; cat "$t/err"; }
}
summary() { # summary SUITE: the counts, and the script's exit status
    echo "$1: $pass passed, $fail failed"
    [ "$fail" = 0 ]
}
