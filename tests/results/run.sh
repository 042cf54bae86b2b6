#!/bin/sh
# results: tools/results.py on hand-written `dgc eval --json` objects
# (tests/results/eval) and training records (tests/results/models) must
# print exactly tests/results/expected.md; a JSON object missing a key
# must be refused (exit 2, nothing written).
set -e
py=${PYTHON:-/usr/bin/python3}
t=$(mktemp -d)
trap 'rm -rf $t' EXIT
d=tests/results
$py tools/results.py --eval-json $d/eval --labels a,b,c -o $t/results.md \
    $d/models/tiny_dense.dg $d/models/tiny_gated.dg $d/models/tiny_costly.dg
if ! cmp -s $t/results.md $d/expected.md; then
    echo "results: output differs from $d/expected.md:"; diff -u $d/expected.md $t/results.md; exit 1
fi
mkdir $t/bad
sed 's/"rel_mac_gate":[0-9.]*,//' $d/eval/tiny_gated.json >$t/bad/tiny_gated.json
if $py tools/results.py --eval-json $t/bad -o $t/bad.md $d/models/tiny_gated.dg 2>$t/err; then
    echo "results: a JSON object without rel_mac_gate was accepted"; exit 1
fi
grep -q "lacks rel_mac_gate" $t/err || { echo "results: unexpected message: $(cat $t/err)"; exit 1; }
[ ! -e $t/bad.md ] || { echo "results: wrote output after an error"; exit 1; }
echo "results: table and refusal as expected"
