/* pass_tile: each dense layer's layout for the target.
 *   tiles    - units in tiles of t->tile, weights input-major inside a tile:
 *              an open input is one contiguous multiply-add over the tile
 *              (vectorisable), a tile whose units are all closed costs one
 *              branch, and a listed (sparse) input costs nothing when absent.
 *   row-wise - one dot product per open unit (tile 0): wins when open units
 *              are scattered so thinly that most open tiles hold one unit.
 * Without calibration every layer it can tile is tiled; with calibration a
 * gated layer compares the measured share of open tiles with the share of
 * open units. On a scalar target (one lane) a tile saves nothing over a
 * row but its branch, and scattered open units leave most tiles open: a
 * layer gated from its input is row-wise there, with or without
 * calibration. A gate that reads the layer's own output needs every row:
 * those are computed in tiles, ungated, then decided. Layers with units
 * fixed at compile time (const_mask) stay row-wise. */
#include <string.h>
#include "ir.h"

static const ir_target targets[] = {
    {"x86-64", 16, 8},   /* two AVX2 vectors per tile */
    /* Scalar cores: rows four at a time (emit_rows.c), whose sums stay in
     * registers; gcc -O2 keeps a tile's accumulator array in memory there
     * (fashion_dense on the M4F under qemu: 0.90M instructions in rows,
     * 1.86M in tiles of 8; on the M3 20.5M and 21.2M in tiles of 4). */
    {"cortex-m4", 0, 1}, /* single-precision FPU */
    {"cortex-m0", 0, 1}, /* no FPU (M0, M0+, M3) */
    {"generic", 8, 4},
    /* The JIT: tcc neither vectorises nor keeps arrays in registers, so it
     * gets the scalar layout (`make bench-jit`; dgc eval of fashion_lowrank
     * on the 10000 test images: 4.3 s with x86-64 tiles, 0.66 s with rows). */
    {"tcc", 0, 1},
};

const ir_target *ir_target_find(const char *name)
{
    for (size_t i = 0; i < sizeof targets / sizeof *targets; i++)
        if (!strcmp(targets[i].name, name)) return &targets[i];
    return NULL;
}

const ir_target *ir_target_default(void) { return &targets[0]; }

/* A row dot product over a listed input gathers; a tile's inner loop does
 * not. Relative cost of one open row against one unit of an open tile
 * (vector targets only: one lane never tiles a gated layer). LIST_IN 5, not
 * 3, put fashion_topk's fc2 (25% open, most tiles open) into tiles: -2.4%
 * instructions, -4% time in make bench. */
#define ROW_COST_DENSE_IN 1.5
#define ROW_COST_LIST_IN 5.0

static int tileable(const ir_layer *l)
{
    return l->kind == OP_DENSE && !l->const_mask && l->n_out > 0;
}

/* Mean share of open units and of tiles holding an open unit. */
static void open_shares(const ir_layer *l, const unsigned char *open, int n_samples, int tile,
                        double *units, double *tiles)
{
    long ou = 0, ot = 0, nt = (l->n_out + tile - 1) / tile;
    for (int s = 0; s < n_samples; s++) {
        const unsigned char *m = open + (long)s * l->n_out_model;
        for (int t = 0; t < nt; t++) {
            int any = 0;
            for (int j = t * tile; j < l->n_out && j < (t + 1) * tile; j++) {
                int o = m[l->unit_index[j]];
                ou += o;
                any |= o;
            }
            ot += any;
        }
    }
    *units = n_samples ? (double)ou / ((double)n_samples * l->n_out) : 1.0;
    *tiles = n_samples ? (double)ot / ((double)n_samples * (double)nt) : 1.0;
}

/* An ungated layer after a gated one whose closed units hold 0 can walk
 * the open list in tiles (share x n_in inputs, each a whole padded tile
 * plus an index and a gathered value) or take every input in rows (n_in x
 * n_out, contiguous). Calibration gives the share. fashion_lowrank's output
 * (10 units, 16-lane tiles, fc2 70% open): rows, 100 -> 68 ns. */
#define TILE_COST_LIST_IN 1.3

static int whole_input(const ir_program *p, int i, const ir_calib *c)
{
    const ir_layer *l = &p->layers[i], *prev = i > 0 ? &p->layers[i - 1] : NULL;
    int vw = p->vw;
    if (vw <= 1 || !prev || ir_dyn_gate(l) || !tileable(l) || l->n_in % vw) return 0;
    if (!ir_dyn_gate(prev) || prev->closed_value != 0.0f) return 0;
    if (!c || i - 1 >= c->n_layers || !c->open[i - 1] || !c->n_samples) return 0;
    double units, tiles;
    open_shares(prev, c->open[i - 1], c->n_samples, 1, &units, &tiles);
    int padded = (l->n_out + vw - 1) / vw * vw; /* the tiles' lanes over all units */
    return units * padded * TILE_COST_LIST_IN > l->n_out;
}

void ir_pass_tile(ir_program *p, const ir_target *t, const ir_calib *c)
{
    p->vw = t->vw > 0 ? t->vw : 1;
    for (int i = 0; i < p->n_layers; i++) {
        ir_layer *l = &p->layers[i];
        l->tile = tileable(l) ? t->tile : 0;
        l->whole_in = whole_input(p, i, c);
        /* Ungated rows over a whole input, eight at a time sharing each
         * read of x, beat input-major tiles on vector targets too:
         * fashion_lowrank --dense in 7.3 us row-wise, 8.2 us tiled (x86-64,
         * gcc -O2 -mavx2, the bench's images), so the --dense baseline is
         * the faster one. Over a listed input rows would gather, and rows
         * of a length not a multiple of vw straddle cache lines
         * (fashion_static: 2.9 us row-wise, 2.5 us tiled): tiles. */
        if (p->vw > 1 && !ir_dyn_gate(l) && !ir_listed_input(p, i) && l->n_in % p->vw == 0) l->tile = 0;
        if (!l->tile || !ir_dyn_gate(l) || l->gate.src == GSRC_SELF) continue;
        if (p->vw == 1) {
            l->tile = 0;
            continue;
        }
        if (!c || i >= c->n_layers || !c->open[i] || !c->n_samples) continue;
        const ir_layer *prev = i > 0 ? &p->layers[i - 1] : NULL;
        int listed_in = prev && ir_dyn_gate(prev) && prev->closed_value == 0.0f;
        double units, tiles;
        open_shares(l, c->open[i], c->n_samples, l->tile, &units, &tiles);
        if (units * (listed_in ? ROW_COST_LIST_IN : ROW_COST_DENSE_IN) < tiles) l->tile = 0;
    }
}
