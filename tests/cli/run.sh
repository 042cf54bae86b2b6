#!/bin/sh
# Command-line behaviour of dgc: outputs, exit codes, atomic writes,
# determinism, prefixes and label escaping. Run from the repository root.
. tests/common/lib.sh

expect 0 "--version" -- "$dgc" --version
grep -q '^dgc [0-9]' "$t/out" && ok || bad "--version prints 'dgc VERSION'"
expect 0 "--help" -- "$dgc" --help
grep -q 'usage: dgc' "$t/out" && ok || bad "--help prints usage"
expect 2 "unknown option" -- "$dgc" --frobnicate models/demo.dg
grep -q "dgc: error: unknown option '--frobnicate'" "$t/err" && ok || bad "unknown option message"
expect 2 "no model" -- "$dgc"
expect 2 "mistyped command" -- "$dgc" chek models/demo.dg
grep -q "dgc: error: unknown command 'chek'; did you mean 'check'?" "$t/err" && ok || bad "mistyped command message"
expect 2 "mistyped command alone" -- "$dgc" stat
expect 2 "two models" -- "$dgc" models/demo.dg models/demo.dg
grep -q "more than one model file" "$t/err" && ok || bad "two models message"
expect 2 "-o without value" -- "$dgc" models/demo.dg -o
expect 2 "bad prefix" -- "$dgc" models/demo.dg --prefix '1x' -o "$t/x.c"
expect 2 "prefix with a quote" -- "$dgc" models/demo.dg --prefix 'a"b' -o "$t/x.c"
expect 1 "missing model" -- "$dgc" "$t/none.dg" -o "$t/x.c"
grep -q "none.dg: error: cannot open: No such file or directory" "$t/err" && ok || bad "missing model message"
mkdir "$t/dir.dg"
expect 1 "directory as model" -- "$dgc" check "$t/dir.dg"
grep -q "dir.dg: error: read error: Is a directory" "$t/err" && ok || bad "directory as model message"

# Compile; defaults: header next to the C file, included by base name.
expect 0 "compile demo" -- "$dgc" models/demo.dg -o "$t/a.c"
[ -f "$t/a.c" ] && [ -f "$t/a.h" ] && ok || bad "a.c and a.h written"
grep -q '#include "a.h"' "$t/a.c" && ok || bad "a.c includes a.h"
# Deterministic: the same bytes every time, whatever the output path.
expect 0 "compile demo again" -- "$dgc" models/demo.dg -o "$t/b.c" --header "$t/a2.h"
sed 's/"a2.h"/"a.h"/' "$t/b.c" | cmp -s - "$t/a.c" && ok || bad "output is deterministic"
cmp -s "$t/a.h" "$t/a2.h" && ok || bad "header is deterministic"
# Default output name: MODEL.c in the current directory.
(cd "$t" && "$dgc" "$OLDPWD/models/demo.dg") && [ -f "$t/demo.c" ] && [ -f "$t/demo.h" ] && ok \
    || bad "default output demo.c/demo.h"
# -o - alone: one self-contained stream that compiles.
expect 0 "stdout" -- "$dgc" models/demo.dg -o -
cp "$t/out" "$t/stdout.c"
gcc -std=c99 -Wall -Wextra -Werror -pedantic -c -o "$t/stdout.o" "$t/stdout.c" && ok || bad "-o - output compiles alone"
# --prefix renames every external symbol.
expect 0 "prefix" -- "$dgc" models/demo.dg --prefix net7 -o "$t/p.c"
grep -q 'int net7_infer(' "$t/p.h" && grep -q 'NET7_N_INPUT' "$t/p.h" && ok || bad "prefix applied"
gcc -std=c99 -Wall -Wextra -Werror -pedantic -c -o "$t/p.o" "$t/p.c" && ok || bad "prefixed output compiles"
nm "$t/p.o" | awk '$2 ~ /[A-Z]/ && $2 != "U" {print $3}' | grep -v '^net7_' && bad "a global symbol lacks the prefix" || ok

# A failed compile leaves no file behind, and does not touch an old one.
echo "old" > "$t/keep.c"
printf 'model m;\ninput 2;\noutput o dense 2 { weight [[1]]; }\n' > "$t/bad.dg"
expect 1 "bad model" -- "$dgc" "$t/bad.dg" -o "$t/keep.c"
[ "$(cat "$t/keep.c")" = old ] && ok || bad "old output kept after a failed compile"
[ -z "$(ls "$t" | grep tmp)" ] && ok || bad "no temporary left behind"
expect 1 "unwritable output" -- "$dgc" models/demo.dg -o "$t/no/such/dir/x.c"
# Outputs that would overwrite the model or each other are usage errors.
cp models/demo.dg models/demo.npz "$t/"
expect 2 "-o names the model" -- "$dgc" "$t/demo.dg" -o "$t/demo.dg"
grep -q "would overwrite the model" "$t/err" && cmp -s "$t/demo.dg" models/demo.dg && ok || bad "model kept"
expect 2 "--header names the model" -- "$dgc" "$t/demo.dg" -o "$t/h.c" --header "$t/../$(basename "$t")/demo.dg"
expect 2 "-o and --header the same" -- "$dgc" models/demo.dg -o "$t/same.c" --header "$t/same.c"
grep -q "dgc: error: -o and --header both name" "$t/err" && [ ! -e "$t/same.c" ] && ok || bad "-o = --header message"

# Labels cannot inject C: quotes, backslashes, newlines, trigraphs, comment ends.
cat > "$t/lab.dg" <<'DG'
model lab;
input 1;
labels "a\"b", "c\\d */ #define X", "??=e\nf", "\x01\xff";
output o dense 4 { weight [[1], [2], [3], [4]]; }
DG
expect 0 "labels model" -- "$dgc" "$t/lab.dg" -o "$t/lab.c"
cat > "$t/labmain.c" <<'C'
#include <stdio.h>
#include "lab.h"
int main(void) { for (int i = 0; i < LAB_N_OUTPUT; i++) printf("[%s]\n", lab_labels[i]); return 0; }
C
gcc -std=c99 -Wall -Wextra -Werror -pedantic -trigraphs -o "$t/lab" "$t/lab.c" "$t/labmain.c" -lm && ok || bad "label model compiles"
printf '[a"b]\n[c\\d */ #define X]\n[??=e\nf]\n[\001\377]\n' > "$t/lab.want"
"$t/lab" | cmp -s - "$t/lab.want" && ok || bad "labels print back exactly"

# check and stats
expect 0 "check" -- "$dgc" check models/demo.dg
[ ! -s "$t/out" ] && [ ! -s "$t/err" ] && ok || bad "check prints nothing for a good model"
expect 1 "check bad" -- "$dgc" check "$t/bad.dg"
expect 0 "stats" -- "$dgc" stats models/demo.dg
grep -q 'parameters: 1428' "$t/out" && ok || bad "stats counts parameters"
grep -q "only the next layer's columns are skipped" "$t/out" && ok || bad "stats says self gates compute every row"
expect 0 "stats json" -- "$dgc" stats models/demo.dg --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["parameters"]==1428 and len(d["layers"])==4' "$t/out" \
    && ok || bad "stats --json is valid JSON with the counts"
echo 'model one; input 2; output o dense 2 { weight [[1, 0], [0, 1]]; }' > "$t/one.dg"
expect 0 "stats one layer" -- "$dgc" stats "$t/one.dg"
grep -q '^model one: 2 inputs, 2 outputs, 1 layer$' "$t/out" && ok || bad "stats says '1 layer'"

summary cli
