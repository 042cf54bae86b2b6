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
static void inputs_loop(em *e, int li, int pw)
{
    const ir_layer *l = &e->p->layers[li];
    em_axpy(e, "        ", "x", li, l->n_in,
            ar_printf(&e->a, "%s + (long)(j0 / %d) * %ld", em_name(e, li, "WT"), l->tile,
                      (long)l->n_in * padded(e, l->tile)),
            pw, NULL);
}

/* dst[j0 + u] = open ? act(acc[u]) : closed value, a vector at a time: the
 * open bits of tm become lane masks (relu and identity only). Opens an
 * #if whose #else is the portable loop the caller writes. fashion_lowrank's
 * fc2: 1% of the gated time. */
static void masked_store(em *e, int li, int w, const char *dst)
{
    const ir_layer *l = &e->p->layers[li];
    const char *ind = "        ", *P = e->pre;
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

/* One tile of width w starting at unit j0 (a variable in scope). */
static void tile_body(em *e, int li, int w, const char *cond, const char *dst, int list, int in_loop)
{
    const ir_layer *l = &e->p->layers[li];
    int gated = cond != NULL;
    const char *ind = "        ";
    if (gated) {
        em_printf(e, "%suint32_t tm = 0;\n", ind);
        em_open_bits(e, ind, "tm", "j0", w, cond, em_gate_zthr(e, li));
        em_printf(e, "%sif (mk) for (int u = 0; u < %d; u++) mk[%s] = (unsigned char)(tm >> u & 1u);\n",
                  ind, w, em_unit(e, li, "j0 + u"));
        em_printf(e, "%sif (!tm) {\n", ind);
        em_printf(e, "%s    for (int u = 0; u < %d; u++) %s[j0 + u] = %s;\n", ind, w, dst,
                  em_fstr(e, l->closed_value));
        em_printf(e, "%s    %s\n%s}\n", ind, in_loop ? "continue;" : "return cnt;", ind);
    }
    int pw = padded(e, w);
    em_printf(e, "%sfloat acc[%d];\n", ind, pw);
    if (l->b)
        em_printf(e, "%sfor (int u = 0; u < %d; u++) acc[u] = %s[j0 + u];\n", ind, w, em_name(e, li, "b"));
    else
        em_printf(e, "%sfor (int u = 0; u < %d; u++) acc[u] = 0.0f;\n", ind, w);
    if (pw > w) em_printf(e, "%sfor (int u = %d; u < %d; u++) acc[u] = 0.0f;\n", ind, w, pw);
    inputs_loop(e, li, pw);
    int vstore = gated && em_gnu_vectors(e) && w % e->p->vw == 0 && (l->act == ACT_RELU || l->act == ACT_IDENTITY);
    if (vstore) masked_store(e, li, w, dst);
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
    } else if (gated) {
        em_printf(e, "%sfor (int u = 0; u < %d; u++)\n", ind, w);
        if (list)
            em_printf(e, "%s    hl[cnt] = (%s)(j0 + u), cnt += (int)(tm >> u & 1u);\n", ind,
                      em_idx_type(e->list_n[e->v[li + 1].slot]));
        else
            em_printf(e, "%s    cnt += (int)(tm >> u & 1u);\n", ind);
    }
}

/* The layer's rows in tiles. cond: the open condition on j (gated), or NULL. */
void em_tile_rows(em *e, int li, const char *cond, const char *dst, int list)
{
    const ir_layer *l = &e->p->layers[li];
    int T = l->tile, n = l->n_out, full = n / T, tail = n % T;
    if (cond) em_printf(e, "    int cnt = 0;\n");
    if (full > 0) {
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
