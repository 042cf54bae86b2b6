#!/bin/sh
# dgc_cmake_test.sh DGC: checks cmake/dgc.cmake's rebuild rules in a scratch
# project (host compiler) using models/demo.dg and its weights: the model's
# C is regenerated when the .dg, its weight file or its options change, and
# only then; the program links.
dgc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(pwd)
t=$(mktemp -d /tmp/dgc-cmake-XXXXXX)
trap 'rm -rf "$t"' EXIT
mkdir "$t/m" && cp models/demo.dg models/demo.npz "$t/m"/
cat > "$t/main.c" <<'C'
#include "demo.h"
int main(void) { float in[DEMO_N_INPUT] = {0}, out[DEMO_N_OUTPUT]; return demo_infer(in, out) < 0; }
C
cat > "$t/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.20)
project(t C)
set(DGC_EXECUTABLE "$dgc")
include("$root/cmake/dgc.cmake")
add_executable(app main.c)
dgc_add_model(app m/demo.dg OPTIONS \${DEMO_OPTIONS})
CM
unset MAKEFLAGS MFLAGS MAKELEVEL
fails=0
# expect WHAT yes|no: did the build regenerate demo.c?
expect() {
    if ! cmake --build "$t/b" > "$t/log" 2>&1; then
        echo "dgc_cmake_test: build failed ($1):" >&2; cat "$t/log" >&2; exit 1
    fi
    if grep -q 'dgc m/demo.dg' "$t/log"; then got=yes; else got=no; fi
    [ "$got" = "$2" ] || { echo "dgc_cmake_test: $1: regenerated $got, expected $2" >&2; fails=$((fails + 1)); }
}
past() { find "$t" -type f -exec touch -d "@$(($(date +%s) - 100))" {} +; }
cmake -S "$t" -B "$t/b" > "$t/log" 2>&1 || { cat "$t/log" >&2; exit 1; }
expect "first build" yes
"$t/b/app" || { echo "dgc_cmake_test: the program failed" >&2; exit 1; }
expect "nothing changed" no
past
touch "$t/m/demo.npz"
expect "weight file touched" yes
cmake -S "$t" -B "$t/b" "-DDEMO_OPTIONS=--prefix;demo" > "$t/log" 2>&1 || exit 1
expect "options changed" yes
expect "nothing changed again" no
past
touch "$t/m/demo.dg"
expect "model touched" yes
[ $fails = 0 ] && echo "dgc_cmake_test: dgc.cmake regenerates on .dg, weights and option changes, and only then"
exit $fails
