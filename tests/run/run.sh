#!/bin/sh
# dgc run and dgc eval: stdout, stderr and exit status of each case against
# the golden files tests/run/golden/NAME.{out,err,status}. Inputs are made
# at test time by make_data.py; every case runs inside that directory with
# models/demo.dg copied in, so messages carry short stable paths.
# Run from the repository root. DGC_UPDATE=1 rewrites the goldens (review
# the diff before committing them).
. tests/common/lib.sh
root=$(pwd)
gold=$root/tests/run/golden
/usr/bin/python3 tests/run/make_data.py "$t" || { echo "FAIL: make_data.py"; exit 1; }
cp models/demo.dg models/demo.npz "$t/"

# golden NAME STATUS [--stdin FILE] -- dgc arguments...
golden() {
    name=$1; want=$2; shift 2
    stdin=/dev/null
    if [ "$1" = --stdin ]; then stdin=$2; shift 2; fi
    shift
    (cd "$t" && "$dgc" "$@" <"$stdin" >"$t/$name.out" 2>"$t/$name.err"; echo $? >"$t/$name.status")
    [ "$(cat "$t/$name.status")" = "$want" ] || bad "$name: exit $(cat "$t/$name.status"), expected $want"
    if [ -n "$DGC_UPDATE" ]; then
        mkdir -p "$gold"
        for k in out err status; do cp "$t/$name.$k" "$gold/$name.$k"; done
    fi
    for k in out err status; do
        if cmp -s "$t/$name.$k" "$gold/$name.$k"; then ok; else
            bad "$name.$k differs from the golden:"; diff "$gold/$name.$k" "$t/$name.$k" | head -20
        fi
    done
}

# dgc run: every input format, row picking, text and JSON
golden run_stdin 0 --stdin "$t/rows.csv" -- run demo.dg
golden run_json 0 -- run demo.dg --input rows.csv --json
golden run_index 0 -- run demo.dg --input rows.csv --index 4
golden run_limit 0 -- run demo.dg --input rows.npy --index 4 --limit 10 --labels labels.npy
golden run_idx_gz 0 -- run demo.dg --input x.idx.gz --labels l.idx --limit 2 --json
golden run_csv_labels 0 -- run demo.dg --input rows.csv --labels labels.csv --limit 1
# the same rows in CSV and .npy give the same answers
(cd "$t" && "$dgc" run demo.dg --input rows.npy --json) | cmp -s - "$gold/run_json.out" && ok \
    || bad "CSV and .npy rows give different results"
(cd "$t" && "$dgc" run demo.dg --input - --json <rows.npy) | cmp -s - "$gold/run_json.out" && ok \
    || bad ".npy rows from standard input give different results"

# bad input: clear errors, exit 1 (data) or 2 (usage)
golden run_ragged 1 -- run demo.dg --input ragged.csv
golden run_text 1 -- run demo.dg --input text.csv
golden run_wide 1 -- run demo.dg --input wide.csv
golden run_trunc 1 -- run demo.dg --input trunc.idx
golden run_badgz 1 -- run demo.dg --input bad.gz
golden run_range 1 -- run demo.dg --input rows.csv --index 6
golden run_nofile 1 -- run demo.dg --input none.csv
golden run_label_range 1 -- run demo.dg --input rows.csv --labels labels7.csv
golden run_label_count 1 -- run demo.dg --input rows.csv --labels labels5.csv
golden run_nomodel 1 -- run none.dg --input rows.csv
golden run_limit0 2 -- run demo.dg --input rows.csv --limit 0
golden run_index_word 2 -- run demo.dg --input rows.csv --index two
golden run_index_huge 2 -- run demo.dg --input rows.csv --index 99999999999999999999
golden run_option 2 -- run demo.dg --frobnicate
golden run_noarg 2 -- run demo.dg --input
golden run_usage 2 -- run

# dgc eval on the labelled set, text and JSON
golden eval_text 0 -- eval demo.dg --data eval.npy --labels eval_labels.npy
golden eval_json 0 -- eval demo.dg --data eval.npy --labels eval_labels.npy --json
golden eval_limit 0 -- eval demo.dg --data eval.npy --labels eval_labels.npy --limit 50 --json
golden eval_dir 0 -- eval demo.dg --data fm
golden eval_nolabels 1 -- eval demo.dg --data eval.npy
golden eval_nodir 1 -- eval demo.dg --data rows.csv/
golden eval_emptydir 1 -- eval demo.dg --data .
golden eval_usage 2 -- eval demo.dg
golden eval_wide 1 -- eval demo.dg --data wide.csv --labels labels5.csv

# eval agrees with run: its accuracy is the share of rows run gets right
# same_accuracy GOLDEN run-arguments...
same_accuracy() {
    g=$1; shift
    acc=$(cd "$t" && "$dgc" run "$@" --json |
          awk -F'"class":|,"class_name"|"label":|,"out"' '{ n++; if ($2 == $4) r++ } END { printf "%.6f", r / n }')
    eacc=$(awk -F'"accuracy":|,"params"' '{ printf "%.6f", $2 }' "$t/$g.out")
    [ -n "$acc" ] && [ "$acc" = "$eacc" ] && ok || bad "$g: eval accuracy $eacc, but run gets $acc right"
}
same_accuracy eval_json demo.dg --input eval.npy --labels eval_labels.npy

# Real Fashion-MNIST through a 784-512-256-10 model (random weights, made
# here by a seeded script): the IDX .gz path end to end.
fm=/usr/share/datasets/fashion-mnist
/usr/bin/python3 tools/make_big_model.py "$t" || bad "make_big_model.py"
golden eval_fashion 0 -- eval big.dg --data $fm --limit 100 --json
same_accuracy eval_fashion big.dg --input $fm/t10k-images-idx3-ubyte.gz --labels $fm/t10k-labels-idx1-ubyte.gz --limit 100
# the confusion matrix's rows count the real labels of the first 100 images
want=$(zcat $fm/t10k-labels-idx1-ubyte.gz | tail -c +9 | head -c 100 | od -An -v -tu1 |
       tr -s ' ' '\n' | grep . | sort -n | uniq -c | awk '{ printf "%s%d", n++ ? "," : "", $1 }')
got=$(sed 's/.*"confusion":\[\[//; s/\]\]}//; s/\],\[/\n/g' "$t/eval_fashion.out" |
      awk -F, '{ s = 0; for (i = 1; i <= NF; i++) s += $i; printf "%s%d", (NR > 1 ? "," : ""), s }')
[ -n "$want" ] && [ "$want" = "$got" ] && ok || bad "confusion rows $got, label counts $want"

summary run
