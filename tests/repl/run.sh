#!/bin/sh
# Scripted REPL sessions: cases/NAME.in is fed to `dgc repl [ARGS]` (ARGS
# from cases/NAME.args) on a pipe; its stdout, stderr and exit status must
# equal NAME.out, NAME.err and NAME.status. Each case runs in a fresh
# directory holding models/demo.* and tests/repl/data/*.
# Lines of NAME.in the REPL never sees:
#   #!wait TEXT   wait until TEXT is in the output (the REPL got that far;
#                 TEXT must not be in the output before)
#   #!sh CMD      run CMD there, its output appended to the REPL's ($DGC
#                 is the dgc under test, $DGC_ROOT the repository)
# Timings vary: "1.234 ms" and "5.678 us" are compared as "N ms", "N us".
# UPDATE=1 sh tests/repl/run.sh writes the goldens instead (review them).
. tests/common/lib.sh
root=$(pwd)
export DGC="$dgc" DGC_ROOT="$root" # for #!sh lines
cases=$root/tests/repl/cases

feed() { # feed IN OUT: the script, acting on its #! lines
    while IFS= read -r l; do
        case $l in
        '#!wait '*)
            w=${l#'#!wait '}
            i=0
            until grep -qF -- "$w" "$2"; do
                i=$((i + 1))
                [ $i -gt 600 ] && { echo "run.sh: timed out waiting for '$w'" >&2; break; }
                sleep 0.05
            done ;;
        '#!sh '*) sh -c "${l#'#!sh '}" >>"$2" 2>&1 ;;
        *) printf '%s\n' "$l" ;;
        esac
    done <"$1"
}

norm() { sed -E 's/[0-9]+\.[0-9]+ (ms|us)/N \1/g' "$1"; }

for in in "$cases"/*.in; do
    name=$(basename "$in" .in)
    w=$t/$name
    mkdir -p "$w"
    cp "$root"/models/demo.dg "$root"/models/demo.npz "$root"/tests/repl/data/* "$w"/
    args=
    [ -f "$cases/$name.args" ] && args=$(cat "$cases/$name.args")
    : >"$w/.out"
    (cd "$w" && feed "$in" "$w/.out" | DGC_HISTORY="$w/.hist" "$dgc" repl $args >>"$w/.out" 2>"$w/.err"
     echo $? >"$w/.status")
    if [ -n "$UPDATE" ]; then
        norm "$w/.out" >"$cases/$name.out"
        norm "$w/.err" >"$cases/$name.err"
        cp "$w/.status" "$cases/$name.status"
        continue
    fi
    same=1
    for k in out err status; do
        if ! norm "$w/.$k" | cmp -s - "$cases/$name.$k"; then
            same=0
            echo "FAIL: repl/$name: $k differs"
            norm "$w/.$k" | diff "$cases/$name.$k" - | head -20
        fi
    done
    [ $same = 1 ] && ok || fail=$((fail + 1))
done
[ -n "$UPDATE" ] && { echo "repl: goldens written"; exit 0; }
summary repl
