#!/bin/sh
# check_object.sh OBJ NM SIZE "LIBM" [single]: checks one cross-compiled
# model object.
#  - external symbols: only mem* and the compiler's soft-float helpers, plus
#    the libm functions listed in LIBM (what fw_libm says the model needs);
#    so no malloc, no printf, nothing else from the C library;
#  - single: the target's FPU is single-precision (M4F, rv32imafc): no
#    double-precision helper either (no double arithmetic in generated C);
#  - no writable data: no .data/.bss (or RISC-V small-data) bytes, no
#    writable symbols;
#  - the weights are read-only: some .rodata.
# Prints one line; exit status 1 on the first failing object check.
obj=$1 nm=$2 size=$3 libm=$4 single=$5
fail() { echo "check_object: $obj: $*" >&2; exit 1; }
[ -f "$obj" ] || fail "missing"
for s in $($nm -u "$obj" | awk '{print $NF}'); do
    case $single:$s in
    single:__aeabi_d*|single:__aeabi_*2d|single:__*df2|single:__*df3|single:__*dfsi|single:__*sidf|single:__*dfsf2|single:__*sfdf2|single:__*dfdi|single:__*didf|single:__*unsdfsi|single:__*unsidf)
        fail "uses double-precision helper '$s' on a single-precision FPU" ;;
    esac
    case $s in
    memcpy|memset|memmove) ;;
    __aeabi_*|__*sf2|__*sf3|__*df2|__*df3|__*sfsi|__*sisf|__*sfdi|__*disf|__*dfsi|__*sidf|__*sfdf2|__*dfsf2|__*unsisf|__*unssisf) ;;
    *) case " $libm " in
       *" $s "*) ;;
       *) fail "uses external symbol '$s' (allowed: mem*, soft-float helpers, ${libm:-no libm})" ;;
       esac ;;
    esac
done
w=$($size -A "$obj" | awk '$1 ~ /^\.(data|bss|sdata|sbss|tbss|tdata)/ && $2 > 0 {printf "%s(%s) ", $1, $2}')
[ -z "$w" ] || fail "writable sections: $w"
w=$($nm "$obj" | awk '$2 ~ /^[bBdDcCgGsSvV]$/ {printf "%s ", $3}')
[ -z "$w" ] || fail "writable symbols: $w"
ro=$($size -A "$obj" | awk '$1 ~ /^\.s?rodata/ {n += $2} END {print n + 0}')
[ "$ro" -gt 0 ] || fail "no .rodata: where are the weights?"
text=$($size -A "$obj" | awk '$1 ~ /^\.text/ {n += $2} END {print n + 0}')
echo "  ok $obj: text $text, rodata $ro, no data/bss, externals: $($nm -u "$obj" | awk '{printf "%s ", $NF}')"
