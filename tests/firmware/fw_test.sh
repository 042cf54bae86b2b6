#!/bin/sh
# fw_test.sh "QEMU" FW_CHECK IMAGES.bin MODEL.dg:BOARD:FIRMWARE.elf ...
# Runs each firmware under qemu on its board (bounded by QEMU's timeout),
# checks its output against the reference interpreter with fw_check, then
# shows the check can fail: a changed output, a flipped mask bit and a
# missing line, each made from the first good output, must be rejected.
qemu=$1 check=$2 images=$3
shift 3
set -e
first=
for run in "$@"; do
    model=${run%%:*} rest=${run#*:}
    board=${rest%%:*} elf=${rest#*:}
    out=${elf%.elf}.$board.txt
    rm -f "$out.tmp"
    [ -f "$elf" ] || { echo "fw-test: $elf was not built" >&2; exit 1; }
    if ! $qemu -M "$board" -kernel "$elf" -chardev file,id=semi,path="$out.tmp" \
            -semihosting-config enable=on,target=native,chardev=semi; then
        echo "fw-test: $elf on $board: qemu failed or timed out; output in $out.tmp" >&2
        exit 1
    fi
    mv "$out.tmp" "$out"
    printf '%s: ' "$board"
    "$check" "$model" "$images" "$out"
    [ -n "$first" ] || first=$model:$out
done

# The checker must reject broken output.
model=${first%%:*} out=${first#*:}
mutant() {
    if "$check" "$model" "$images" "$out.mutant" >/dev/null 2>&1; then
        echo "fw-test: fw_check accepted $1" >&2
        exit 1
    fi
}
sed '0,/^out /s/^out [0-9a-f]*/out 40490fdb/' "$out" > "$out.mutant"
cmp -s "$out" "$out.mutant" && { echo "fw-test: no output to change" >&2; exit 1; }
mutant "a changed output"
# The last unit of the mask is the output layer's: ungated, always open.
sed '0,/^mask /s/1$/0/' "$out" > "$out.mutant"
cmp -s "$out" "$out.mutant" && { echo "fw-test: no mask bit to flip" >&2; exit 1; }
mutant "a flipped mask bit"
awk '/^mask / && !d { d = 1; next } 1' "$out" > "$out.mutant"
mutant "a missing line"
grep -v '^done$' "$out" > "$out.mutant"
mutant "a missing 'done'"
rm -f "$out.mutant"
echo "fw-test: $# runs agree with the interpreter; fw_check rejects a changed output, a flipped mask bit, a missing line"
