#!/bin/sh
# dgc_mk_test.sh DGC: checks dgc.mk's rebuild rules in a scratch project
# using models/demo.dg and its weights. The model's C must be regenerated
# when the .dg, its weight file, DGC_FLAGS or the per-model options change,
# and only then.
dgc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(pwd)
t=$(mktemp -d /tmp/dgc-mk-XXXXXX)
trap 'rm -rf "$t"' EXIT
cp models/demo.dg models/demo.npz "$t"/
mkdir "$t/m" && mv "$t/demo.dg" "$t/demo.npz" "$t/m"/
cat > "$t/Makefile" <<MK
DGC = $dgc
include $root/dgc.mk
\$(call dgc_model,m/demo.dg,\$(DEMO_FLAGS),gen)
all: \$(DGC_SRCS) \$(DGC_HDRS)
MK
fails=0
# expect WHAT yes|no [make arguments]: did make regenerate gen/demo.c?
expect() {
    what=$1 want=$2
    shift 2
    if ! make --no-print-directory -C "$t" "$@" > "$t/log" 2>&1; then
        echo "dgc_mk_test: make failed ($what):" >&2; cat "$t/log" >&2; exit 1
    fi
    if grep -q 'demo.dg -o gen/demo.c' "$t/log"; then got=yes; else got=no; fi
    [ "$got" = "$want" ] || { echo "dgc_mk_test: $what: regenerated $got, expected $want" >&2; fails=$((fails + 1)); }
}
export MAKEFLAGS=        # the outer make's flags (-s, -j) are not this test's
expect "first build" yes
[ -f "$t/gen/demo.c" ] && [ -f "$t/gen/demo.h" ] || { echo "dgc_mk_test: no output" >&2; exit 1; }
expect "nothing changed" no
# Everything into the past, then one file touched: newer, without sleeping.
past() { find "$t" -type f -exec touch -d "@$(($(date +%s) - 100))" {} +; }
past
touch "$t/m/demo.npz"
expect "weight file touched" yes
expect "nothing changed again" no
expect "DGC_FLAGS changed" yes "DGC_FLAGS=--prefix x"
expect "DGC_FLAGS unchanged" no "DGC_FLAGS=--prefix x"
expect "per-model options changed" yes "DEMO_FLAGS=--prefix y"
expect "options back to none" yes
past
touch "$t/m/demo.dg"
expect "model touched" yes
[ $fails = 0 ] && echo "dgc_mk_test: dgc.mk regenerates on .dg, weights and option changes, and only then"
exit $fails
