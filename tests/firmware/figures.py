#!/usr/bin/python3
"""fw-figures: flash, RAM and stack per model and target, and instructions
per inference on Cortex-M under qemu, gated vs dense; prints
docs/results-firmware.md. Run by `make fw-figures`, which builds everything
this reads.
usage: figures.py FW_BUILD_DIR "TARGETS" "RUN_TARGETS" MODEL.dg...

Instructions: qemu -icount shift=0 advances virtual time 1 ns per guest
instruction; SysTick counts the processor clock, so ticks are proportional
to instructions. The firmware calibrates the ratio with a loop of known
length (2 instructions per turn) and prints SysTick ticks per inference."""
import os
import re
import statistics
import subprocess
import sys

fw, targets, run_targets, models = sys.argv[1], sys.argv[2].split(), sys.argv[3].split(), sys.argv[4:]
BOARD = {"m4f": "mps2-an386", "m3": "mps2-an385"}
CPU = {"m4f": "Cortex-M4F (hard float)", "m3": "Cortex-M3 (soft float)",
       "m0": "Cortex-M0 (soft float)", "rv32": "rv32imafc (ilp32f)"}
TOOL = {"rv32": "riscv64-unknown-elf"}
CALIB_TURNS = 100000


def sh(*cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def sections(obj, tool):
    """code = .text*, weights = .rodata* (and RISC-V .srodata*), ram = data + bss."""
    code = ro = ram = 0
    for line in sh(tool + "-size", "-A", obj).splitlines():
        f = line.split()
        if len(f) < 2 or not f[1].isdigit():
            continue
        size = int(f[1])
        if f[0].startswith(".text"):
            code += size
        elif re.match(r"\.s?rodata", f[0]):
            ro += size
        elif re.match(r"\.(s?data|s?bss)", f[0]):
            ram += size
    return code, ro, ram


def stack(ci, entry):
    """Deepest stack from entry in gcc's -fcallgraph-info=su graph; calls
    into libraries (no size known) are listed, not counted."""
    size, edges, ext = {}, {}, set()
    for line in open(ci):
        m = re.match(r'node: \{ title: "([^"]*)" label: "[^"]*\\n(\d+) bytes', line)
        if m:
            size[m.group(1)] = int(m.group(2))
            continue
        m = re.match(r'node: \{ title: "([^"]*)"', line)
        if m:
            ext.add(m.group(1))
            continue
        m = re.match(r'edge: \{ sourcename: "([^"]*)" targetname: "([^"]*)"', line)
        if m:
            edges.setdefault(m.group(1), set()).add(m.group(2))
    libs = set()

    def deep(f, seen):
        if f in ext and f not in size:
            libs.add(f)
            return 0
        if f in seen:
            raise SystemExit("figures: recursion through %s in %s" % (f, ci))
        return size.get(f, 0) + max([deep(g, seen | {f}) for g in edges.get(f, ())] or [0])

    key = next(k for k in size if k == entry or k.endswith(":" + entry))
    # libgcc's soft-float helpers and mem* are leaf functions: only libm is named.
    return deep(key, frozenset()), sorted(f for f in libs if not f.startswith("__") and
                                          f not in ("memset", "memcpy", "memmove"))


def run(elf, board):
    out = elf[:-4] + ".icount.txt"
    if os.path.exists(out):
        os.remove(out)
    subprocess.run(["timeout", "300", "qemu-system-arm", "-M", board, "-icount", "shift=0",
                    "-display", "none", "-monitor", "none", "-serial", "none",
                    "-chardev", "file,id=semi,path=" + out,
                    "-semihosting-config", "enable=on,target=native,chardev=semi",
                    "-kernel", elf], check=True)
    text = open(out).read()
    calib = int(re.search(r"^calibrate turns %d ticks (\d+)$" % CALIB_TURNS, text, re.M).group(1))
    ticks = [int(t) for t in re.findall(r"^img \d+ cls \d+ ticks (\d+)$", text, re.M)]
    if "\ndone\n" not in text or not ticks:
        raise SystemExit("figures: %s did not finish" % elf)
    per_tick = 2.0 * CALIB_TURNS / calib
    return out, calib, per_tick, [t * per_tick for t in ticks]


def check(model, out, *opts):
    line = sh(os.path.join(fw, "fw_check"), *opts, model, os.path.join(fw, "images/fw_images.bin"), out)
    m = re.search(r"relMAC ([\d.]+) relMAC\+gate ([\d.]+)", line)
    return float(m.group(1)), float(m.group(2))


rows_mem, rows_ins, calibs = [], [], set()
for model in models:
    name = os.path.basename(model)[:-3]
    for t in targets:
        tool = TOOL.get(t, "arm-none-eabi")
        g = os.path.join(fw, "cross", t, name + ".o")
        d = os.path.join(fw, "cross-dense", t, name + ".o")
        gc, gr, gram = sections(g, tool)
        dc, dr, _ = sections(d, tool)
        st, libs = stack(g[:-2] + ".ci", name + "_infer_mask")
        dst, _ = stack(d[:-2] + ".ci", name + "_infer_mask")
        rows_mem.append("| %s | %s | %d | %d | %d | %d%s | %d | %d | %d |" % (
            name, t, gc, gr, gram, st, " + " + ", ".join(libs) if libs else "", dc, dr, dst))
    for t in run_targets:
        base = os.path.join(fw, "fig", t, name)
        gout, gcal, per_tick, gi = run(base + "/fw.elf", BOARD[t])
        dout, dcal, _, di = run(base + "-dense/fw.elf", BOARD[t])
        calibs.add("%s: %d ticks for %d instructions (%.1f instructions per tick)"
                   % (t, gcal, 2 * CALIB_TURNS, per_tick))
        rel, relg = check(model, gout)
        check(model, dout, "--dense")   # the dense build must agree with its own reference
        g_mean, d_mean = statistics.mean(gi), statistics.mean(di)
        rows_ins.append("| %s | %s | %.0f | %.0f .. %.0f | %.0f | %.3f | %.3f | %.3f |" % (
            name, t, g_mean, min(gi), max(gi), d_mean, g_mean / d_mean, rel, relg))

print("""# Firmware figures

Generated by `make fw-figures` (tests/firmware/figures.py); do not edit by hand.
Models: %s.
Compiler flags: `-std=c99 -O2` with the target flags of mk/firmware.mk
(arm-none-eabi-gcc 12.2, riscv64-unknown-elf-gcc 12.2).
Each target's C comes from dgc with the preset mk/firmware.mk gives it
(`FW_DGC_<target>`: m4f and rv32 `--target cortex-m4`, m3 and m0
`--target cortex-m0`). "Dense" is the same model compiled with `dgc --dense`
and the same preset: every gate dropped (static ones too), every unit computed.

## Flash and RAM of the model's code

Bytes in the model's object file (the generated .c alone: no board code, no
C library). Code is `.text`; weights are `.rodata`, everything `static
const` and so flash: the weights, a few hundred bytes of labels and layer
names, and the constant tables of the mask API; static RAM is `.data` + `.bss`, which generated code never
has: all working buffers are on the stack. Stack is the deepest call path
from `PREFIX_infer_mask` in gcc's `-fcallgraph-info=su` graph; library
functions it calls (libm) add their own, not counted here.

| model | target | code | weights | static RAM | stack | dense code | dense weights | dense stack |
|---|---|---:|---:|---:|---:|---:|---:|---:|
%s

## Instructions per inference on Cortex-M (qemu)

Each firmware runs the %s-image test set under `qemu-system-arm -icount shift=0`
(one guest instruction = 1 ns of virtual time) and reads SysTick around each
call of `PREFIX_infer_mask` (the same call for gated and dense); a loop of
known length calibrates ticks to instructions (%s). Resolution: one tick.
These are instructions executed, not cycles: qemu models no pipeline, wait
states or flash latency. relMAC and relMAC+gate are the paper's metrics over
the same images, from the reference interpreter (fw_check), which also
checked every run's outputs and masks.

| model | target | gated: mean | gated: min .. max | dense: mean | gated / dense | relMAC | relMAC+gate |
|---|---|---:|---:|---:|---:|---:|---:|
%s
""" % (", ".join(models), "\n".join(rows_mem), 8, "; ".join(sorted(calibs)), "\n".join(rows_ins)))
