#!/bin/sh
# Golden diagnostics: every tests/diag/NAME.dg must make `dgc check` fail
# with exit status 1 and print exactly tests/diag/NAME.err.
# Run from the repository root. `run.sh DGC --update` rewrites the goldens
# (review the diff before committing).
dgc=${1:-./dgc}
update=${2:-}
pass=0
fail=0
for m in tests/diag/*.dg; do
    exp=${m%.dg}.err
    out=$("$dgc" check "$m" 2>&1)
    rc=$?
    if [ "$update" = --update ]; then
        printf '%s\n' "$out" > "$exp"
    fi
    if [ $rc -ne 1 ]; then
        echo "FAIL $m: exit status $rc, expected 1"
        fail=$((fail + 1))
    elif [ "$out" != "$(cat "$exp" 2>/dev/null)" ]; then
        echo "FAIL $m: diagnostics differ from $exp:"
        printf '%s\n' "$out" | diff "$exp" - | head -20
        fail=$((fail + 1))
    else
        pass=$((pass + 1))
    fi
done
echo "diag: $pass passed, $fail failed"
[ $fail -eq 0 ]
