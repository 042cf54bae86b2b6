#!/bin/sh
# dgc's layout options: --dense, --target, --tile, --vector-width and
# --calibrate; bad values are usage errors, every target's C compiles
# warning-free (gcc, tcc, arm-none-eabi-gcc), calibration is deterministic.
# Run from the repository root. What the code computes: tests/e2e.
. tests/common/lib.sh
warnfree() { # warnfree FILE.c [arm flags]: gcc and tcc, or arm-none-eabi-gcc
    if [ $# -gt 1 ]; then
        f=$1; shift
        arm-none-eabi-gcc -std=c99 -Wall -Wextra -Werror -pedantic -O2 "$@" -c -o "$t/arm.o" "$f"
    else
        gcc -std=c99 -Wall -Wextra -Werror -pedantic -O2 -c -o "$t/x.o" "$1" &&
            tcc -Wall -Werror -c -o "$t/x.o" "$1"
    fi
}

expect 2 "--tile out of range" -- "$dgc" models/demo.dg --tile 33 -o "$t/x.c"
grep -q "dgc: error: option '--tile' takes a whole number from 0 to 32, not '33'" "$t/err" && ok \
    || bad "--tile message"
expect 2 "--tile not a number" -- "$dgc" models/demo.dg --tile 8x -o "$t/x.c"
expect 2 "--vector-width 0" -- "$dgc" models/demo.dg --vector-width 0 -o "$t/x.c"
expect 2 "--tile without value" -- "$dgc" models/demo.dg --tile
expect 2 "unknown target" -- "$dgc" models/demo.dg --target z80 -o "$t/x.c"
grep -q "unknown target 'z80' (x86-64, cortex-m4, cortex-m0, generic, tcc)" "$t/err" && ok || bad "target message"
[ ! -e "$t/x.c" ] && ok || bad "no output after a usage error"

# Every preset and the extremes compile warning-free.
# (non-power-of-two lane counts: the portable loops only; --dense last, see below)
for o in "--target x86-64" "--target generic" "--tile 0" "--tile 1 --vector-width 1" "--tile 32" \
    "--dense --vector-width 3" "--tile 0 --vector-width 6" "--dense"; do
    expect 0 "compile $o" -- "$dgc" models/demo.dg $o -o "$t/v.c"
    warnfree "$t/v.c" && ok || bad "$o: not warning-free"
done
expect 0 "cortex-m4" -- "$dgc" models/demo.dg --target cortex-m4 -o "$t/m4.c"
warnfree "$t/m4.c" -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 && ok || bad "cortex-m4 C"
expect 0 "cortex-m0" -- "$dgc" models/demo.dg --target cortex-m0 -o "$t/m0.c"
warnfree "$t/m0.c" -mcpu=cortex-m0 -mthumb && ok || bad "cortex-m0 C"
# --dense drops the gates: no top-k selection, no gate weights.
grep -q 'demo_topk\|_BT\[' "$t/v.c" && bad "--dense still evaluates a gate" || ok

# Calibration: a 1-input model with 32 threshold-gated units, rows of .npy.
{
    printf 'model c;\ninput 1;\nlayer fc dense 32 {\n    weight ['
    i=0; while [ $i -lt 32 ]; do printf '%s[%d]' "$([ $i -gt 0 ] && echo ', ')" $((i % 5 - 2)); i=$((i + 1)); done
    printf '];\n    activation relu;\n    gate linear { weight ['
    i=0; while [ $i -lt 32 ]; do printf '%s[%d]' "$([ $i -gt 0 ] && echo ', ')" $(((i * 7) % 9 - 4)); i=$((i + 1)); done
    printf ']; threshold 0.5; }\n}\noutput out dense 2 { weight [['
    i=0; while [ $i -lt 32 ]; do printf '%s1' "$([ $i -gt 0 ] && echo ', ')"; i=$((i + 1)); done
    printf '], ['
    i=0; while [ $i -lt 32 ]; do printf '%s%d' "$([ $i -gt 0 ] && echo ', ')" $((i % 3)); i=$((i + 1)); done
    printf ']]; }\n'
} > "$t/c.dg"
/usr/bin/python3 -c "
import numpy as np
np.save('$t/cal.npy', np.linspace(-3, 3, 64, dtype=np.float32).reshape(64, 1))
np.save('$t/wide.npy', np.zeros((4, 3), np.float32))"
expect 0 "calibrate" -- "$dgc" "$t/c.dg" --calibrate "$t/cal.npy" --tile 8 -o "$t/c1.c"
grep -q 'c_l0_unit\[' "$t/c1.c" && ok || bad "calibration permuted the gated layer"
warnfree "$t/c1.c" && ok || bad "calibrated C not warning-free"
expect 0 "calibrate again" -- "$dgc" "$t/c.dg" --calibrate "$t/cal.npy" --tile 8 -o "$t/c2.c" --header "$t/c1.h"
cmp -s "$t/c1.c" "$t/c2.c" && ok || bad "calibrated output is deterministic"
# The same rows as CSV (gzip'd): calibration reads what dgc run reads.
/usr/bin/python3 -c "
import numpy as np
np.savetxt('$t/cal.csv', np.load('$t/cal.npy'), fmt='%.9g')"
gzip "$t/cal.csv"
expect 0 "calibrate from CSV" -- "$dgc" "$t/c.dg" --calibrate "$t/cal.csv.gz" --tile 8 -o "$t/c4.c" --header "$t/c1.h"
cmp -s "$t/c1.c" "$t/c4.c" && ok || bad "calibration from CSV differs from .npy"
expect 1 "calibration rows of the wrong width" -- "$dgc" "$t/c.dg" --calibrate "$t/wide.npy" -o "$t/c3.c"
grep -q "calibration file '.*wide.npy': rows of 3 values, model 'c' takes 1" "$t/err" && ok \
    || bad "wrong width message"
expect 1 "missing calibration file" -- "$dgc" "$t/c.dg" --calibrate "$t/none.npy" -o "$t/c3.c"
grep -q "calibration file '.*none.npy'" "$t/err" && ok || bad "missing calibration message"
[ ! -e "$t/c3.c" ] && ok || bad "no output after a calibration error"

# Rows in GNU C vectors (gcc) and the portable loops (tcc) give the same
# bits: 40 inputs (a two-vector loop and one more vector), 12 rows (a group
# of eight, then four) and a 3-row output, every layer row-wise.
/usr/bin/python3 -c "
r = lambda k: [round(((i * 37 + k * 11) % 29 - 14) / 7.0, 4) for i in range(k)]
m = lambda o, n, s: '[' + ', '.join('[' + ', '.join(str(((j * n + i) * 37 + s) % 29 / 7.0 - 2) for i in range(n)) + ']' for j in range(o)) + ']'
print('model v;\\ninput 40;\\nlayer fc dense 12 { weight %s; bias %s; activation relu; }' % (m(12, 40, 3), r(12)))
print('output out dense 3 { weight %s; }' % m(3, 12, 5))" > "$t/v.dg"
expect 0 "rows everywhere" -- "$dgc" "$t/v.dg" --dense -o "$t/vr.c"
grep -q 'v_vf xv' "$t/vr.c" && ok || bad "the rows use GNU C vectors"
cat > "$t/vd.c" <<'DRV'
#include <stdio.h>
#include "vr.h"
int main(void)
{
    float in[40], out[3];
    for (int s = 0; s < 50; s++) {
        for (int i = 0; i < 40; i++) in[i] = (float)((s * 40 + i) % 23) / 7.0f - 1.5f;
        v_infer(in, out);
        printf("%a %a %a\n", out[0], out[1], out[2]);
    }
    return 0;
}
DRV
gcc -std=c99 -O2 -I"$t" -o "$t/vg" "$t/vd.c" "$t/vr.c" -lm && tcc -I"$t" -o "$t/vt" "$t/vd.c" "$t/vr.c" -lm &&
    "$t/vg" > "$t/vg.txt" && "$t/vt" > "$t/vt.txt" && cmp -s "$t/vg.txt" "$t/vt.txt" && ok \
    || bad "GNU C vector rows differ from the portable rows"

# The gated paths too: gate sums in vectors with the norm's mean in the
# same pass, open bits by movemask (-mavx2), lists by table, tiles (fc1: a
# block of four tiles, then a tail; fc2: its first tile always closed, so
# its block goes tile by tile) and, with --tile 0, rows writing their open
# values packed for the next layer. gcc -mavx2 and tcc must agree bit for
# bit, open counts included.
/usr/bin/python3 -c "
m = lambda o, n, s: '[' + ', '.join('[' + ', '.join(str(((j * n + i) * 37 + s) % 29 / 7.0 - 2) for i in range(n)) + ']' for j in range(o)) + ']'
r = lambda k, s: '[' + ', '.join(str(((i * 13 + s) % 11) / 10.0 - 0.5) for i in range(k)) + ']'
def layer(name, o, n, s, closed=0):
    c = '[' + ', '.join('-100' if i < closed else str(((i * 13 + s + 6) % 11) / 10.0 - 0.5) for i in range(o)) + ']'
    return ('layer %s dense %d { weight %s; bias %s; activation relu;\n  gate lowrank 8 { norm { eps 1e-05; weight %s; bias %s; }\n'
            '    a %s; a_bias %s; activation gelu; b %s; bias %s; threshold 0.5; } }'
            % (name, o, m(o, n, s), r(o, s), r(n, s + 1), r(n, s + 2), m(8, n, s + 3), r(8, s + 4), m(o, 8, s + 5), c))
print('model w;\ninput 40;')
print(layer('fc1', 72, 40, 1))
print(layer('fc2', 64, 72, 9, 16))
print('output out dense 3 { weight %s; }' % m(3, 64, 5))" > "$t/w.dg"
cat > "$t/wd.c" <<'DRV'
#include <stdio.h>
#include "w.h"
int main(void)
{
    float in[40], out[3];
    int open[3];
    for (int s = 0; s < 60; s++) {
        for (int i = 0; i < 40; i++) in[i] = (float)((s * 41 + i * 7) % 23) / 5.0f - 2.0f;
        if (s % 10 == 0) in[0] = 40.0f; /* far from the mean: the gate norm's exact variance pass */
        w_infer_open(in, out, open);
        printf("%a %a %a %d %d\n", out[0], out[1], out[2], open[0], open[1]);
    }
    return 0;
}
DRV
for tl in 16 0; do
    expect 0 "gated model, tile $tl" -- "$dgc" "$t/w.dg" --tile $tl -o "$t/w.c"
    gcc -std=c99 -O2 -mavx2 -I"$t" -o "$t/wg" "$t/wd.c" "$t/w.c" -lm && tcc -I"$t" -o "$t/wt" "$t/wd.c" "$t/w.c" -lm &&
        "$t/wg" > "$t/wg.txt" && "$t/wt" > "$t/wt.txt" && cmp -s "$t/wg.txt" "$t/wt.txt" && ok \
        || bad "gated C with vectors differs from the portable C (tile $tl)"
    [ "$(cut -d' ' -f4 "$t/wg.txt" | sort -u | wc -l)" -gt 2 ] && ok || bad "the gates open a varying number of units (tile $tl)"
done
grep -q '__builtin_ia32_movmskps256' "$t/w.c" && grep -q 'w_lut\[m8\]' "$t/w.c" && grep -q 'h\[oq + 0\] = ' "$t/w.c" && ok \
    || bad "the row-wise gated C uses movemask, the list table and packed values"
expect 0 "gated model, tiles" -- "$dgc" "$t/w.dg" -o "$t/w.c"
grep -q 'if (tms\[b0 + 0\] && tms\[b0 + 1\] && tms\[b0 + 2\] && tms\[b0 + 3\])' "$t/w.c" && ok \
    || bad "the tiled gated C has blocks of four tiles"

summary cli-tile
