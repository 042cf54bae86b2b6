/* emit_list: the open list of every vector (which elements may be non-zero)
 * and the column loops that iterate over it. Column skipping lives here:
 * a dense consumer only visits listed elements; the rest hold 0. */
#include <string.h>
#include "emit_int.h"

int em_rows(const ir_layer *l)
{
    if (l->kind != OP_DENSE) return l->n_out;
    int n = 0;
    for (int j = 0; j < l->n_out; j++) n += !(l->const_mask && l->const_mask[j]);
    return n;
}

int em_vec_used(const em_vec *v)
{
    return v->list == LIST_STATIC ? v->n_list > 0 : v->n > 0;
}

/* A unit kept constant is listed only when its constant is not 0. */
static void static_list(em *e, em_vec *v, const unsigned char *cmask, const float *cval)
{
    v->list = LIST_STATIC;
    v->idx = ar_array(&e->a, (size_t)(v->n > 0 ? v->n : 1), sizeof *v->idx);
    for (int j = 0; j < v->n; j++)
        if (!cmask[j] || (cval && cval[j] != 0.0f)) v->idx[v->n_list++] = j;
}

void em_plan(em *e)
{
    const ir_program *p = e->p;
    int nl = p->n_layers;
    e->v = ar_array(&e->a, (size_t)nl + 1, sizeof *e->v);
    e->v[0].n = p->n_feat;
    /* Which vectors are lists: ir_listed_input, the rule ir_pass_tile's
     * layout choice reads too; here only static or dynamic is decided. */
    if (ir_listed_input(p, 0)) static_list(e, &e->v[0], p->feat_const, NULL);
    for (int i = 0; i < nl; i++) {
        const ir_layer *l = &p->layers[i];
        em_vec *v = &e->v[i + 1];
        v->n = l->n_out;
        v->slot = (i + 1) % 2;
        if (ir_listed_input(p, i + 1)) {
            if (l->kind == OP_DENSE && l->const_mask) static_list(e, v, l->const_mask, l->const_val);
            else v->list = LIST_DYN;
        }
        if (l->kind == OP_LAYERNORM) e->need_norm = 1;
        if (l->kind == OP_DENSE && l->act == ACT_GELU && em_rows(l) > 0) e->need_erf = 1;
        if (ir_dyn_gate(l) && l->gate.kind == GATE_LOWRANK && l->gate.hidden_act == ACT_GELU) {
            int v8 = em_gelu8(e, l); /* erf left for the units past the blocks of 8 */
            e->need_gelu8 |= v8;
            if (!v8 || l->gate.rank % 8) e->need_erf = 1;
        }
        if (ir_dyn_gate(l) && (l->gate.decide == DECIDE_TOPK || l->gate.min_keep > 0))
            e->need_topk = 1;
    }
    /* A list is worth passing on only to a dense consumer that computes rows.
     * The output layer writes out[], so its vector needs no buffer. */
    for (int i = 0; i < nl; i++) {
        const ir_layer *c = &p->layers[i];
        em_vec *v = &e->v[i];
        v->passed = c->kind == OP_DENSE && em_rows(c) > 0 && v->list != LIST_ALL && em_vec_used(v);
        int need = v->n > 0 ? v->n : 1;
        if (need > e->buf_n[v->slot]) e->buf_n[v->slot] = need;
        if (v->list == LIST_DYN && v->passed && v->n > e->list_n[v->slot])
            e->list_n[v->slot] = v->n;
    }
    /* A layer computed row-wise after its gate writes its open values in
     * list order when its consumer only walks the list: that consumer reads
     * x[k], not x[xl[k]] (one load less per input and per open tile of
     * fashion_lowrank's fc2). Vector targets only: the scalar presets'
     * code is measured on the Cortex-M under qemu. */
    for (int i = 0; i + 1 < nl && p->vw > 1; i++) {
        const ir_layer *l = &p->layers[i];
        em_vec *v = &e->v[i + 1];
        v->packed = ir_dyn_gate(l) && l->gate.src != GSRC_SELF && !l->tile && v->list == LIST_DYN && v->passed;
    }
    /* Lists built by table (em_mask_to_list): every open list of a layer
     * computed row-wise after its gate, a tiled one's when passed on. */
    for (int i = 0; i < nl && p->vw > 1; i++) {
        const ir_layer *l = &p->layers[i];
        const em_vec *out = &e->v[i + 1];
        if (ir_dyn_gate(l) && l->gate.src != GSRC_SELF && (!l->tile || (out->list == LIST_DYN && out->passed)))
            e->need_lut = 1;
    }
}

const char *em_list_name(em *e, int vi)
{
    return vi == 0 ? ar_printf(&e->a, "%s_in_list", e->pre) : em_name(e, vi - 1, "list");
}

void em_dot(em *e, const char *ind, const char *row, const char *x, int vi, int n)
{
    const em_vec *v = vi >= 0 ? &e->v[vi] : NULL;
    if (!v || v->list == LIST_ALL) {
        if (v) n = v->n;
        /* Fixed-order lane partial sums, vectorisable without -ffast-math;
         * four sets of lanes keep four chains of adds in flight. One
         * statement per loop so compilers turn each into whole vectors. */
        int vw = e->p->vw > 1 ? e->p->vw : 0, sets = n >= 8 * vw ? 4 : 1;
        int step = vw * sets, nv = vw ? n / step * step : 0;
        if (nv < 2 * vw) nv = 0;
        if (nv > 0) {
            em_printf(e, "%s{\n", ind);
            for (int q = 0; q < sets; q++) em_printf(e, "%s    float ps%d[%d] = {0.0f};\n", ind, q, vw);
            em_printf(e, "%s    for (int i = 0; i < %d; i += %d) {\n", ind, nv, step);
            for (int q = 0; q < sets; q++)
                em_printf(e, "%s        for (int l = 0; l < %d; l++) ps%d[l] += %s[i + %d + l] * %s[i + %d + l];\n",
                          ind, vw, q, row, q * vw, x, q * vw);
            em_printf(e, "%s    }\n", ind);
            for (int q = 1; q < sets; q++)
                em_printf(e, "%s    for (int l = 0; l < %d; l++) ps0[l] += ps%d[l];\n", ind, vw, q);
            if (n / vw * vw > nv) /* whole vectors left after the sets */
                em_printf(e, "%s    for (int i = %d; i < %d; i += %d)\n"
                             "%s        for (int l = 0; l < %d; l++) ps0[l] += %s[i + l] * %s[i + l];\n",
                          ind, nv, n / vw * vw, vw, ind, vw, row, x);
            em_lanes_add(e, ar_printf(&e->a, "%s    ", ind), "a", "ps0", vw);
            em_printf(e, "%s}\n", ind);
        }
        if (nv > 0) nv = n / vw * vw;
        if (n > nv)
            em_printf(e, "%sfor (int i = %d; i < %d; i++) a += %s[i] * %s[i];\n", ind, nv, n, row, x);
        return;
    }
    if (v->list == LIST_STATIC) {
        if (v->n_list > 0)
            em_printf(e, "%sfor (int k = 0; k < %d; k++) { int i = %s[k]; a += %s[i] * %s[i]; }\n",
                      ind, v->n_list, em_list_name(e, vi), row, x);
        return;
    }
    if (v->packed)
        em_printf(e, "%sfor (int k = 0; k < xn; k++) a += %s[xl[k]] * %s[k];\n", ind, row, x);
    else
        em_printf(e, "%sfor (int k = 0; k < xn; k++) { int i = xl[k]; a += %s[i] * %s[i]; }\n", ind,
                  row, x);
}

/* Sets of accumulators: each input's multiply-add would wait on the
 * previous one's add unless inputs alternate between sets; enough sets for
 * about four chains of adds in flight. (Eight, four sets of two-vector
 * tiles, made fashion_static's ungated tiles over 571 inputs 4% slower and
 * fashion_lowrank's gated ones 1%.) */
static int acc_sets(const em *e, int w)
{
    int vw = e->p->vw > 0 ? e->p->vw : 1, chains = (w + vw - 1) / vw, s = 1;
    while (s < 4 && s * chains < 4) s *= 2;
    return s;
}

static const char *acc_name(int k) { return k == 0 ? "acc" : k == 1 ? "acc1" : k == 2 ? "acc2" : "acc3"; }

/* What em_axpy's loops read for input k + q: its value and its index. */
typedef struct axin {
    const char *x, *list; /* list NULL: the input itself is k */
    int packed;           /* x[k] is the value of listed element list[k] */
} axin;

static const char *ax_idx(em *e, const axin *in, int q)
{
    return in->list ? ar_printf(&e->a, "%s[k + %d]", in->list, q) : ar_printf(&e->a, "k + %d", q);
}

static const char *ax_val(em *e, const axin *in, int q)
{
    if (in->packed || !in->list) return ar_printf(&e->a, "%s[k + %d]", in->x, q);
    return ar_printf(&e->a, "%s[%s]", in->x, ax_idx(e, in, q));
}

/* The loop heads of em_axpy: pass 0 steps `step` inputs, pass 1 the rest
 * one at a time. Returns 0 when the pass has nothing to do. */
static int ax_head(em *e, const char *ind, int pass, int step, int n_const, const char *count)
{
    if (pass == 1 && step == 1) return 0;
    if (n_const >= 0 && (pass == 0 ? n_const < step : n_const % step == 0)) return 0;
    if (pass == 0 && n_const >= 0)
        em_printf(e, "%sfor (; k < %d; k += %d) {\n", ind, n_const / step * step, step);
    else if (pass == 0)
        em_printf(e, "%sfor (; k + %d < %s; k += %d) {\n", ind, step - 1, count, step);
    else
        em_printf(e, "%sfor (; k < %s; k++) {\n", ind, count);
    return 1;
}

/* One input's share of the statistics (the tail, one at a time). */
static void stats_one(em *e, const char *ind, const axin *in, const em_stats *st)
{
    const char *x = ax_val(e, in, 0);
    em_printf(e, "%s%s += %s - %s;\n%s%s += (%s - %s) * (%s - %s);\n", ind, st->sum, x, st->k, ind, st->sq, x,
              st->k, x, st->k);
}

/* The same sums in GNU C vectors (PFX_vf), lane for lane and in the same
 * order as the portable loops: set q's vector c is a<q>_<c>; set 0 starts
 * from acc. With st, lanes sv and qv gather the input's statistics too. */
static void ax_vectors(em *e, const char *ind, const axin *in, int S, int step, int n_const, const char *count,
                       const char *base, int w, const em_stats *st)
{
    int vw = e->p->vw, V = w / vw;
    em_printf(e, "%s%s_vf wv", ind, e->pre);
    for (int c = 0; c < V; c++) em_printf(e, ", a0_%d", c);
    for (int q = 1; q < S; q++)
        for (int c = 0; c < V; c++) em_printf(e, ", a%d_%d = {0.0f}", q, c);
    if (st) em_printf(e, ", sv = {0.0f}, qv = {0.0f}");
    em_printf(e, ";\n");
    for (int c = 0; c < V; c++) em_printf(e, "%s__builtin_memcpy(&a0_%d, acc + %d, sizeof wv);\n", ind, c, c * vw);
    for (int pass = 0; pass < 2; pass++) {
        int st_n = pass == 0 ? step : 1;
        if (!ax_head(e, ind, pass, step, n_const, count)) continue;
        for (int h = 0; st && pass == 0 && h < st_n / vw; h++)
            em_printf(e, "%s    __builtin_memcpy(&wv, %s + k + %d, sizeof wv);\n%s    wv -= %s;\n"
                         "%s    sv += wv;\n%s    qv += wv * wv;\n", ind, in->x, h * vw, ind, st->k, ind, ind);
        if (st && pass == 1) stats_one(e, ar_printf(&e->a, "%s    ", ind), in, st);
        for (int q = 0; q < st_n; q++) {
            em_printf(e, "%s    {\n%s        const float xq = %s, *wq = %s + (long)(%s) * %d;\n", ind, ind,
                      ax_val(e, in, q), base, ax_idx(e, in, q), w);
            for (int c = 0; c < V; c++)
                em_printf(e, "%s        __builtin_memcpy(&wv, wq + %d, sizeof wv);\n%s        a%d_%d += xq * wv;\n",
                          ind, c * vw, ind, q % S, c);
            em_printf(e, "%s    }\n", ind);
        }
        em_printf(e, "%s}\n", ind);
    }
    for (int c = 0; c < V; c++) {
        for (int q = 1; q < S; q++) em_printf(e, "%sa0_%d += a%d_%d;\n", ind, c, q, c);
        em_printf(e, "%s__builtin_memcpy(acc + %d, &a0_%d, sizeof wv);\n", ind, c * vw, c);
    }
    if (st) {
        em_printf(e, "%s{\n%s    float ls[%d], lq[%d];\n%s    __builtin_memcpy(ls, &sv, sizeof ls);\n"
                     "%s    __builtin_memcpy(lq, &qv, sizeof lq);\n", ind, ind, vw, vw, ind, ind);
        em_lanes_add(e, ar_printf(&e->a, "%s    ", ind), st->sum, "ls", vw);
        em_lanes_add(e, ar_printf(&e->a, "%s    ", ind), st->sq, "lq", vw);
        em_printf(e, "%s}\n", ind);
    }
}

/* acc[0..w) += x * row over the listed inputs, inputs alternating between
 * S sets of accumulators. A constant count gets constant bounds (no dead
 * loop indexing past a static list). st (or NULL): statistics of the whole
 * of x gathered in the same pass (vector targets; callers check
 * em_axpy_sums). */
void em_axpy(em *e, const char *ind, const char *x, int vi, int n, const char *base, int w, const em_stats *st)
{
    const em_vec *v = vi >= 0 ? &e->v[vi] : NULL;
    if (v && !em_vec_used(v)) return;
    if (!v && n == 0) return;
    em_list kind = v ? v->list : LIST_ALL;
    int S = acc_sets(e, w), most = v ? v->n : n;
    while (S > 1 && S > most) S /= 2; /* never more sets than inputs */
    int n_const = kind == LIST_ALL ? most : kind == LIST_STATIC ? v->n_list : -1;
    const char *count = n_const >= 0 ? ar_printf(&e->a, "%d", n_const) : "xn";
    axin in = {x, kind == LIST_ALL ? NULL : kind == LIST_STATIC ? em_list_name(e, vi) : "xl",
               kind == LIST_DYN && v->packed};
    if (st && (kind != LIST_ALL || !em_axpy_sums(e, w))) st = NULL;
    int vw = e->p->vw, step = st && vw > S ? vw : S; /* statistics read x by whole vectors */
    const char *in2 = ar_printf(&e->a, "%s    ", ind);
    em_printf(e, "%s{\n", ind);
    int vec = em_gnu_vectors(e) && w % vw == 0;
    if (vec) em_printf(e, "%s    int k = 0;\n", ind);
    if (vec) {
        em_printf(e, "#if defined(__GNUC__) && !defined(__TINYC__)\n");
        ax_vectors(e, in2, &in, S, step, n_const, count, base, w, st);
        em_printf(e, "#else\n");
    }
    for (int k = 1; k < S; k++) em_printf(e, "%s    float %s[%d] = {0.0f};\n", ind, acc_name(k), w);
    if (st) em_printf(e, "%s    float ls[%d] = {0.0f}, lq[%d] = {0.0f};\n", ind, vw, vw);
    if (!vec) em_printf(e, "%s    int k = 0;\n", ind);
    for (int pass = 0; pass < 2; pass++) {
        int st_n = pass == 0 ? step : 1;
        if (!ax_head(e, in2, pass, step, n_const, count)) continue;
        for (int h = 0; st && pass == 0 && h < st_n / vw; h++) {
            const char *d = ar_printf(&e->a, "(%s[k + %d + l] - %s)", x, h * vw, st->k);
            em_printf(e, "%s        for (int l = 0; l < %d; l++) ls[l] += %s;\n", ind, vw, d);
            em_printf(e, "%s        for (int l = 0; l < %d; l++) lq[l] += %s * %s;\n", ind, vw, d, d);
        }
        if (st && pass == 1) stats_one(e, ar_printf(&e->a, "%s        ", ind), &in, st);
        for (int q = 0; q < st_n; q++)
            em_printf(e, "%s        const float x%d = %s, *w%d = %s + (long)(%s) * %d;\n", ind, q,
                      ax_val(e, &in, q), q, base, ax_idx(e, &in, q), w);
        /* One statement per loop: compilers unroll each into whole vectors.
         * With one lane, up to 16 sums written out one by one: gcc -O2
         * keeps them in registers then, but an array summed in a loop in
         * memory (Cortex-M4F: about 3 instructions per multiply-add instead
         * of 7). */
        for (int q = 0; q < st_n; q++) {
            if (vw == 1 && w <= 16) {
                for (int u = 0; u < w; u++)
                    em_printf(e, "%s        %s[%d] += x%d * w%d[%d];\n", ind, acc_name(q % S), u, q, q, u);
                continue;
            }
            em_printf(e, "%s        for (int u = 0; u < %d; u++) %s[u] += x%d * w%d[u];\n", ind, w,
                      acc_name(q % S), q, q);
        }
        em_printf(e, "%s    }\n", ind);
    }
    for (int k = 1; k < S; k++)
        em_printf(e, "%s    for (int u = 0; u < %d; u++) acc[u] += %s[u];\n", ind, w, acc_name(k));
    if (st) {
        em_lanes_add(e, in2, st->sum, "ls", vw);
        em_lanes_add(e, in2, st->sq, "lq", vw);
    }
    if (vec) em_printf(e, "#endif\n");
    em_printf(e, "%s}\n", ind);
}

/* blk[t w .. t w + w) += x * (bases[t] + i w)[0..w) for t < B over the
 * listed inputs i: one pass for B tiles, one set of sums (B w / vw
 * vectors, in registers with GNU C vectors). */
void em_axpy_block(em *e, const char *ind, const char *x, int vi, int n, const char *const *bases, int B, int w)
{
    const em_vec *v = vi >= 0 ? &e->v[vi] : NULL;
    if ((v && !em_vec_used(v)) || (!v && n == 0)) return;
    em_list kind = v ? v->list : LIST_ALL;
    const char *count = kind == LIST_ALL ? ar_printf(&e->a, "%d", v ? v->n : n)
                        : kind == LIST_STATIC ? ar_printf(&e->a, "%d", v->n_list) : "xn";
    axin in = {x, kind == LIST_ALL ? NULL : kind == LIST_STATIC ? em_list_name(e, vi) : "xl",
               kind == LIST_DYN && v->packed};
    int vw = e->p->vw, V = w / vw, vec = em_gnu_vectors(e) && w % vw == 0;
    em_printf(e, "%s{\n", ind);
    /* the bases as pointers of their own: gcc then keeps them in registers
     * (as offsets from one base it reloaded them from the stack) */
    em_printf(e, "%s    const float *b0w = %s", ind, bases[0]);
    for (int t = 1; t < B; t++) em_printf(e, ", *b%dw = %s", t, bases[t]);
    em_printf(e, ";\n");
    if (vec) {
        em_printf(e, "#if defined(__GNUC__) && !defined(__TINYC__)\n%s    %s_vf wv", ind, e->pre);
        for (int c = 0; c < B * V; c++) em_printf(e, ", a%d", c);
        em_printf(e, ";\n");
        for (int c = 0; c < B * V; c++) em_printf(e, "%s    __builtin_memcpy(&a%d, blk + %d, sizeof wv);\n", ind, c, c * vw);
    }
    em_printf(e, "%s    for (int k = 0; k < %s; k++) {\n", ind, count);
    em_printf(e, "%s        const float xq = %s;\n", ind, ax_val(e, &in, 0));
    em_printf(e, "%s        const long o = (long)(%s) * %d;\n", ind, ax_idx(e, &in, 0), w);
    if (vec) {
        for (int t = 0; t < B; t++)
            for (int c = 0; c < V; c++)
                em_printf(e, "%s        __builtin_memcpy(&wv, b%dw + o + %d, sizeof wv);\n%s        a%d += xq * wv;\n",
                          ind, t, c * vw, ind, t * V + c);
        em_printf(e, "%s    }\n", ind);
        for (int c = 0; c < B * V; c++) em_printf(e, "%s    __builtin_memcpy(blk + %d, &a%d, sizeof wv);\n", ind, c * vw, c);
        em_printf(e, "#else\n%s    for (int k = 0; k < %s; k++) {\n", ind, count);
        em_printf(e, "%s        const float xq = %s;\n", ind, ax_val(e, &in, 0));
        em_printf(e, "%s        const long o = (long)(%s) * %d;\n", ind, ax_idx(e, &in, 0), w);
    }
    for (int t = 0; t < B; t++)
        em_printf(e, "%s        for (int u = 0; u < %d; u++) blk[%d + u] += xq * b%dw[o + u];\n", ind, w, t * w, t);
    em_printf(e, "%s    }\n", ind);
    if (vec) em_printf(e, "#endif\n");
    em_printf(e, "%s}\n", ind);
}

/* acc += the sum of lanes[0..vw) as a tree (halves added lane-wise), so
 * the adds form a chain of log2(vw) steps instead of vw. */
void em_lanes_add(em *e, const char *ind, const char *acc, const char *lanes, int vw)
{
    int w = vw;
    while (w > 2 && w % 2 == 0) {
        w /= 2;
        em_printf(e, "%sfor (int l = 0; l < %d; l++) %s[l] += %s[l + %d];\n", ind, w, lanes, lanes, w);
    }
    em_printf(e, "%sfor (int l = 0; l < %d; l++) %s += %s[l];\n", ind, w, acc, lanes);
}

/* var |= (unsigned)(cond) << u for the units j0 + u, u < w (w <= 32).
 * When cond is the plain threshold z[j] > thr and whole vectors fit, x86
 * builds each vector's bits with one compare and movemask: fashion_lowrank's
 * fc1 decisions took 61 ns by the portable loop, 26 ns so. */
void em_open_bits(em *e, const char *ind, const char *var, const char *j0, int w, const char *cond,
                  const char *thr)
{
    int vw = e->p->vw;
    const char *isa = vw == 8 ? "__AVX__" : vw == 4 ? "__SSE__" : NULL;
    int vec = thr && isa && em_gnu_vectors(e) && w % vw == 0;
    if (vec) {
        em_printf(e, "#if defined(__GNUC__) && !defined(__TINYC__) && defined(%s)\n", isa);
        em_printf(e, "%s{\n%s    %s_vf zv, tv = {", ind, ind, e->pre);
        for (int l = 0; l < vw; l++) em_printf(e, "%s%s", l ? ", " : "", thr);
        em_printf(e, "};\n");
        for (int c = 0; c < w / vw; c++) {
            em_printf(e, "%s    __builtin_memcpy(&zv, z + %s + %d, sizeof zv);\n", ind, j0, c * vw);
            em_printf(e, "%s    %s |= (unsigned)%s((%s_vf)(zv > tv)) << %d;\n", ind, var,
                      vw == 8 ? "__builtin_ia32_movmskps256" : "__builtin_ia32_movmskps", e->pre, c * vw);
        }
        em_printf(e, "%s}\n#else\n", ind);
    }
    em_printf(e, "%sfor (int u = 0; u < %d; u++) {\n%s    const int j = %s + u;\n", ind, w, ind, j0);
    em_printf(e, "%s    %s |= (unsigned)(%s) << u;\n%s}\n", ind, var, cond, ind);
    if (vec) em_printf(e, "#endif\n");
}

/* One list entry per set bit of the 8-bit mask m8, lowest first, from the
 * tables PFX_lut (the set bits of each byte) and PFX_lutn (how many):
 * eight stores and no branch, where a loop over the bits mispredicts its
 * exit once per mask; a 16-bit list takes the eight entries as one vector
 * with GNU C (fashion_lowrank's fc1 decisions: 1%). Writes up to 7 entries
 * past the count: list buffers have LIST_SLACK spare entries. */
void em_mask_to_list(em *e, const char *ind, const char *list, const char *ty, const char *base,
                     const char *m8)
{
    const char *P = e->pre;
    em_printf(e, "%s{\n%s    const unsigned m8 = %s;\n", ind, ind, m8);
    int vec = !strcmp(ty, "uint16_t");
    if (vec) {
        em_printf(e, "#if defined(__GNUC__) && !defined(__TINYC__)\n");
        em_printf(e, "%s    %s_v8u ev;\n%s    __builtin_memcpy(&ev, %s_lut[m8], sizeof ev);\n", ind, P, ind, P);
        em_printf(e, "%s    ev += (uint16_t)(%s);\n%s    __builtin_memcpy(%s + cnt, &ev, sizeof ev);\n#else\n", ind,
                  base, ind, list);
    }
    em_printf(e, "%s    for (int q = 0; q < 8; q++) %s[cnt + q] = (%s)(%s + %s_lut[m8][q]);\n", ind, list, ty, base, P);
    if (vec) em_printf(e, "#endif\n");
    em_printf(e, "%s    cnt += %s_lutn[m8];\n%s}\n", ind, P, ind);
}
