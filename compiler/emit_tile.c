/* emit_tile: a dense layer laid out in tiles (ir_layer.tile = T units).
 * Weights are input-major inside each tile: tile t (units j0 = t*T ..
 * j0+w) stores W[j0+u][i] at WT[j0*n_in + i*w + u], so every input read is
 * one contiguous multiply-add over the tile's w accumulators, which
 * compilers vectorise. A gated layer first decides its tile's units into a
 * bit mask; an all-closed tile costs that one branch. The input list (open
 * units of the previous layer) is walked once per open tile. The last tile
 * may be narrower (w = n_out mod T). */
#include "emit_int.h"

int em_permuted(const ir_layer *l)
{
    for (int j = 0; j < l->n_out; j++)
        if (l->unit_index[j] != j) return 1;
    return 0;
}

const char *em_unit(em *e, int li, const char *j)
{
    const ir_layer *l = &e->p->layers[li];
    return em_permuted(l) ? ar_printf(&e->a, "%s[%s]", em_name(e, li, "unit"), j) : j;
}

/* Storage width of a tile of w units: whole vectors (a 10-unit output: 16
 * lanes, not 8 and two scalars; a 3-unit tail: one vector, not three
 * scalar chains). The padding lanes hold zero weights and are computed but
 * never stored. */
static int padded(const em *e, int w)
{
    int vw = e->p->vw;
    if (vw <= 1 || w % vw == 0) return w;
    return (w / vw + 1) * vw;
}

void em_tile_data(em *e, int li)
{
    const ir_layer *l = &e->p->layers[li];
    int n = l->n_out, m = l->n_in, T = l->tile, full = n / T, tail = n % T;
    if (em_vec_used(&e->v[li]) && m > 0) {
        long size = (long)full * m * padded(e, T) + (long)m * padded(e, tail);
        float *wt = ar_array(&e->a, (size_t)size, sizeof *wt);
        for (int j0 = 0; j0 < n; j0 += T) {
            int w = n - j0 < T ? n - j0 : T, pw = padded(e, w);
            float *tw = wt + (long)(j0 / T) * m * padded(e, T);
            for (int i = 0; i < m; i++)
                for (int u = 0; u < w; u++) tw[(long)i * pw + u] = l->W[(long)(j0 + u) * m + i];
        }
        em_farray(e, em_name(e, li, "WT"), wt, (int)size, 0);
    }
    if (l->b) em_farray(e, em_name(e, li, "b"), l->b, n, 0);
}

/* acc[u] += x[i] * WT[tile][i][u] over the inputs the layer's list names. */
static void inputs_loop(em *e, int li, int pw, const char *ind)
{
    const ir_layer *l = &e->p->layers[li];
    em_axpy(e, ind, "x", li, l->n_in,
            ar_printf(&e->a, "%s + (long)(j0 / %d) * %ld", em_name(e, li, "WT"), l->tile,
                      (long)l->n_in * padded(e, l->tile)),
            pw, NULL);
}

/* dst[j0 + u] = open ? act(acc[u]) : closed value, a vector at a time: the
 * open bits of tm become lane masks (relu and identity only). Opens an
 * #if whose #else is the portable loop the caller writes. fashion_lowrank's
 * fc2: 1% of the gated time. */
static void masked_store(em *e, int li, int w, const char *dst, const char *ind)
{
    const ir_layer *l = &e->p->layers[li];
    const char *P = e->pre;
    int vw = e->p->vw, closed0 = l->closed_value == 0.0f;
    em_printf(e, "#if defined(__GNUC__) && !defined(__TINYC__)\n%s{\n", ind);
    em_printf(e, "%s    const %s_vi bit = {", ind, P);
    for (int u = 0; u < vw; u++) em_printf(e, "%s%d", u ? ", " : "", 1 << u);
    em_printf(e, "};\n%s    const %s_vf zero = {0.0f}", ind, P);
    if (!closed0) {
        em_printf(e, ", cv = {");
        for (int u = 0; u < vw; u++) em_printf(e, "%s%s", u ? ", " : "", em_fstr(e, l->closed_value));
        em_printf(e, "}");
    }
    em_printf(e, ";\n%s    %s_vf a;\n%s    %s_vi m;\n", ind, P, ind, P);
    for (int c = 0; c < w / vw; c++) {
        em_printf(e, "%s    __builtin_memcpy(&a, acc + %d, sizeof a);\n", ind, c * vw);
        if (l->act == ACT_RELU) em_printf(e, "%s    a = (%s_vf)((%s_vi)a & (a > zero));\n", ind, P, P);
        em_printf(e, "%s    m = (bit & (int32_t)(tm >> %d)) != 0;\n", ind, c * vw);
        if (closed0) em_printf(e, "%s    a = (%s_vf)((%s_vi)a & m);\n", ind, P, P);
        else em_printf(e, "%s    a = (%s_vf)(((%s_vi)a & m) | ((%s_vi)cv & ~m));\n", ind, P, P, P);
        em_printf(e, "%s    __builtin_memcpy(%s + j0 + %d, &a, sizeof a);\n", ind, dst, c * vw);
    }
    em_printf(e, "%s    (void)zero;\n%s}\n#else\n", ind, ind);
}

/* tm: the open bits of the tile of width w at j0, and the mask bytes. */
static void tile_decide(em *e, int li, int w, const char *cond, const char *ind)
{
    em_printf(e, "%suint32_t tm = 0;\n", ind);
    em_open_bits(e, ind, "tm", "j0", w, cond, em_gate_zthr(e, li));
    em_printf(e, "%sif (mk) for (int u = 0; u < %d; u++) mk[%s] = (unsigned char)(tm >> u & 1u);\n", ind, w,
              em_unit(e, li, "j0 + u"));
}

/* An all-closed tile: its closed values, then on to the next (or out). */
static void tile_closed(em *e, int li, int w, const char *dst, const char *next, const char *ind)
{
    em_printf(e, "%sif (!tm) {\n", ind);
    em_printf(e, "%s    for (int u = 0; u < %d; u++) %s[j0 + u] = %s;\n", ind, w, dst,
              em_fstr(e, e->p->layers[li].closed_value));
    em_printf(e, "%s    %s\n%s}\n", ind, next, ind);
}

/* float acc[] = the biases of the tile at j0 (0 in the padding lanes). */
static void tile_acc(em *e, int li, int w, const char *ind)
{
    const ir_layer *l = &e->p->layers[li];
    int pw = padded(e, w);
    em_printf(e, "%sfloat acc[%d];\n", ind, pw);
    if (l->b)
        em_printf(e, "%sfor (int u = 0; u < %d; u++) acc[u] = %s[j0 + u];\n", ind, w, em_name(e, li, "b"));
    else
        em_printf(e, "%sfor (int u = 0; u < %d; u++) acc[u] = 0.0f;\n", ind, w);
    if (pw > w) em_printf(e, "%sfor (int u = %d; u < %d; u++) acc[u] = 0.0f;\n", ind, w, pw);
}

/* dst[j0 + u] from acc[u] (the closed value where tm says closed, when
 * gated), then the tile's open units appended to the list hl. */
static void tile_finish(em *e, int li, int w, int gated, const char *dst, int list, const char *ind)
{
    const ir_layer *l = &e->p->layers[li];
    int vstore = gated && em_gnu_vectors(e) && w % e->p->vw == 0 && (l->act == ACT_RELU || l->act == ACT_IDENTITY);
    if (vstore) masked_store(e, li, w, dst, ind);
    em_printf(e, "%sfor (int u = 0; u < %d; u++) {\n%s    float a = acc[u];\n", ind, w, ind);
    if (gated) {
        em_printf(e, "%s    %s[j0 + u] = tm >> u & 1u ? ", ind, dst);
        em_act(e, l->act, "a");
        em_printf(e, " : %s;\n", em_fstr(e, l->closed_value));
    } else {
        em_printf(e, "%s    %s[j0 + u] = ", ind, dst);
        em_act(e, l->act, "a");
        em_printf(e, ";\n");
    }
    em_printf(e, "%s}\n", ind);
    if (vstore) em_printf(e, "#endif\n");
    if (gated && list && e->p->vw > 1) {
        /* One entry per open unit, eight units per table lookup
         * (em_mask_to_list). */
        const char *ty = em_idx_type(e->list_n[e->v[li + 1].slot]);
        for (int q = 0; q < (w + 7) / 8; q++)
            em_mask_to_list(e, ind, "hl", ty, ar_printf(&e->a, "j0 + %d", 8 * q),
                            ar_printf(&e->a, "tm >> %d & 255u", 8 * q));
    } else if (gated && !list && e->p->vw > 1) { /* the count alone: a loop per tile was 1% */
        em_printf(e, "#if defined(__GNUC__) && !defined(__TINYC__)\n%scnt += __builtin_popcount(tm);\n#else\n", ind);
        em_printf(e, "%sfor (int u = 0; u < %d; u++)\n%s    cnt += (int)(tm >> u & 1u);\n#endif\n", ind, w, ind);
    } else if (gated) {
        em_printf(e, "%sfor (int u = 0; u < %d; u++)\n", ind, w);
        if (list)
            em_printf(e, "%s    hl[cnt] = (%s)(j0 + u), cnt += (int)(tm >> u & 1u);\n", ind,
                      em_idx_type(e->list_n[e->v[li + 1].slot]));
        else
            em_printf(e, "%s    cnt += (int)(tm >> u & 1u);\n", ind);
    }
}

/* One tile of width w starting at unit j0 (a variable in scope). */
static void tile_body(em *e, int li, int w, const char *cond, const char *dst, int list, int in_loop)
{
    const char *ind = "        ";
    if (cond) {
        tile_decide(e, li, w, cond, ind);
        tile_closed(e, li, w, dst, in_loop ? "continue;" : "return cnt;", ind);
    }
    tile_acc(e, li, w, ind);
    inputs_loop(e, li, padded(e, w), ind);
    tile_finish(e, li, w, cond != NULL, dst, list, ind);
}

/* Tiles per block: a gated layer decides every tile first; a block of B
 * tiles all open then takes one pass over the inputs for all of them
 * (B x T / vw vector sums, eight on x86-64: one index, one value and one
 * loop branch per input for the block, where tile by tile each tile had
 * its own, and a loop exit per tile to mispredict). A block with a closed
 * tile goes tile by tile. fashion_lowrank's fc2 (every tile open on most
 * inputs): 2% of its gated time. 0: no blocks. */
static int block_tiles(const em *e, const ir_layer *l)
{
    int vw = e->p->vw, T = l->tile;
    if (!em_gnu_vectors(e) || T % vw) return 0;
    int B = 8 / (T / vw);
    return B >= 2 && l->n_out / T >= B ? B : 0;
}

int em_tile_blocks(const em *e, int li)
{
    const ir_layer *l = &e->p->layers[li];
    return l->tile > 0 && ir_dyn_gate(l) && l->gate.src != GSRC_SELF ? block_tiles(e, l) : 0;
}

/* Tiles ti = b0 .. b0+B (tms[] decided) when all are open. */
static void block_body(em *e, int li, int B, const char *dst, int list)
{
    const ir_layer *l = &e->p->layers[li];
    int T = l->tile;
    const char *ind = "            ";
    em_printf(e, "%sfloat blk[%d];\n", ind, B * T);
    if (l->b)
        em_printf(e, "%sfor (int u = 0; u < %d; u++) blk[u] = %s[b0 * %d + u];\n", ind, B * T,
                  em_name(e, li, "b"), T);
    else
        em_printf(e, "%sfor (int u = 0; u < %d; u++) blk[u] = 0.0f;\n", ind, B * T);
    const char **bases = ar_array(&e->a, (size_t)B, sizeof *bases);
    for (int t = 0; t < B; t++)
        bases[t] = ar_printf(&e->a, "%s + (long)(b0 + %d) * %ld", em_name(e, li, "WT"), t, (long)l->n_in * T);
    em_axpy_block(e, ind, "x", li, l->n_in, bases, B, T);
    for (int t = 0; t < B; t++) {
        em_printf(e, "%s{\n%s    const int j0 = (b0 + %d) * %d;\n", ind, ind, t, T);
        em_printf(e, "%s    const uint32_t tm = tms[b0 + %d];\n%s    const float *acc = blk + %d;\n", ind, t, ind,
                  t * T);
        tile_finish(e, li, T, 1, dst, list, ar_printf(&e->a, "%s    ", ind));
        em_printf(e, "%s}\n", ind);
    }
}

/* Full tiles of a gated layer in blocks of B (block_tiles). */
/* Tile ti (a loop variable in scope) alone, its bits decided in tms[ti]. */
static void decided_tile(em *e, int li, const char *dst, int list, const char *ind)
{
    int T = e->p->layers[li].tile;
    em_printf(e, "%sconst int j0 = ti * %d;\n%sconst uint32_t tm = tms[ti];\n", ind, T, ind);
    tile_closed(e, li, T, dst, "continue;", ind);
    tile_acc(e, li, T, ind);
    inputs_loop(e, li, padded(e, T), ind);
    tile_finish(e, li, T, 1, dst, list, ind);
}

static void tile_blocks(em *e, int li, int B, const char *cond, const char *dst, int list)
{
    const ir_layer *l = &e->p->layers[li];
    int T = l->tile, full = l->n_out / T, nb = full / B * B;
    em_printf(e, "    uint32_t tms[%d];\n", full);
    em_printf(e, "    for (int ti = 0; ti < %d; ti++) {\n        const int j0 = ti * %d;\n", full, T);
    tile_decide(e, li, T, cond, "        ");
    em_printf(e, "        tms[ti] = tm;\n    }\n");
    em_printf(e, "    for (int b0 = 0; b0 < %d; b0 += %d) {\n        if (", nb, B);
    for (int t = 0; t < B; t++) em_printf(e, "%stms[b0 + %d]", t ? " && " : "", t);
    em_printf(e, ") {\n");
    block_body(e, li, B, dst, list);
    em_printf(e, "            continue;\n        }\n");
    em_printf(e, "        for (int ti = b0; ti < b0 + %d; ti++) {\n", B);
    decided_tile(e, li, dst, list, "            ");
    em_printf(e, "        }\n    }\n");
    if (full > nb) {
        em_printf(e, "    for (int ti = %d; ti < %d; ti++) {\n", nb, full);
        decided_tile(e, li, dst, list, "        ");
        em_printf(e, "    }\n");
    }
}

/* The layer's rows in tiles. cond: the open condition on j (gated), or NULL. */
void em_tile_rows(em *e, int li, const char *cond, const char *dst, int list)
{
    const ir_layer *l = &e->p->layers[li];
    int T = l->tile, n = l->n_out, full = n / T, tail = n % T, B = cond ? block_tiles(e, l) : 0;
    if (cond) em_printf(e, "    int cnt = 0;\n");
    if (B) {
        tile_blocks(e, li, B, cond, dst, list);
    } else if (full > 0) {
        em_printf(e, "    for (int ti = 0; ti < %d; ti++) {\n        const int j0 = ti * %d;\n", full, T);
        tile_body(e, li, T, cond, dst, list, 1);
        em_printf(e, "    }\n");
    }
    if (tail > 0) {
        em_printf(e, "    {\n        const int j0 = %d;\n", full * T);
        tile_body(e, li, tail, cond, dst, list, 0);
        em_printf(e, "    }\n");
    }
    if (cond) em_printf(e, "    return cnt;\n");
}
