/* emit_gate: a dynamic gate's weights, the code that computes its logits
 * z[0..n) and the decision. The decision needs no expf: a threshold is one
 * float compare against the folded zthr; top-k and min_keep use the
 * PFX_topk helper (emit.c).
 *
 * G and A are stored input-major (GT, AT) so each open element of the
 * source is one vectorisable multiply-add over the gate's rows, and closed
 * elements (zeros) cost nothing. A gate norm needs no normalised vector:
 * ir_pass_gate_norm folded its affine into G or A, and
 *     M n = (M s - mean * rowsum(M)) / std
 * where mean and variance count the unlisted elements as the zeros they
 * are. */
#include <string.h>
#include "emit_int.h"

/* The vector the gate reads: the layer input x (list v[li]) or its own
 * output h (every element). */
typedef struct gsrc {
    const char *x;
    int vi;  /* list of v[vi], or -1: all of n */
    int n;
    int norm;
} gsrc;

static gsrc source(em *e, int li)
{
    const ir_gate *g = &e->p->layers[li].gate;
    gsrc s;
    s.norm = g->has_norm && g->n_src > 0;
    s.n = g->n_src;
    s.x = g->src == GSRC_SELF ? "h" : "x";
    s.vi = g->src == GSRC_SELF ? -1 : li;
    return s;
}

/* Whether the source has an element the logits read (else G or A is not emitted). */
static int cols_used(em *e, const gsrc *s)
{
    return s->vi >= 0 ? em_vec_used(&e->v[s->vi]) : s->n > 0;
}

int em_gate_reads_x(em *e, int li)
{
    const ir_gate *g = &e->p->layers[li].gate;
    if (g->src != GSRC_INPUT) return 0;
    gsrc s = source(e, li);
    return cols_used(e, &s);
}

/* m [rows][cols] as [cols][rows]: gate logits are computed input-major,
 * z[0..n) += v * MT[i][0..n), one vectorisable loop per listed input. */
static float *transpose(em *e, const float *m, int rows, int cols)
{
    float *t = ar_array(&e->a, (size_t)rows * (size_t)cols + 1, sizeof *t);
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) t[(long)c * rows + r] = m[(long)r * cols + c];
    return t;
}

/* Rows of G or A per chunk: with vectors, the sums of a chunk of 2 vw rows
 * stay in registers over the inputs; sums of 256 rows lived in memory,
 * a load and a store per vector per input (fashion_self's gates from 256
 * and 128 units: 57% of its time). Without vectors, one chunk. */
static int chunk(const em *e, int rows)
{
    int c = 2 * e->p->vw;
    return e->p->vw > 1 && rows > c ? c : rows;
}

/* m [rows][cols] input-major per chunk of c rows (a narrower last one):
 * chunk q (rows r0 = q c ..) at t[r0 cols ..] as [cols][width]. */
static float *transpose_chunks(em *e, const float *m, int rows, int cols, int c)
{
    float *t = ar_array(&e->a, (size_t)rows * (size_t)cols + 1, sizeof *t);
    for (int r0 = 0; r0 < rows; r0 += c) {
        int w = rows - r0 < c ? rows - r0 : c;
        for (int u = 0; u < w; u++)
            for (int i = 0; i < cols; i++)
                t[(long)r0 * cols + (long)i * w + u] = m[(long)(r0 + u) * cols + i];
    }
    return t;
}

static float *rowsum(em *e, const float *m, int rows, int cols)
{
    float *r = ar_array(&e->a, (size_t)rows + 1, sizeof *r);
    for (int i = 0; i < rows; i++) {
        double s = 0;
        for (int c = 0; c < cols; c++) s += m[(long)i * cols + c];
        r[i] = (float)s;
    }
    return r;
}

/* One lane and more than 16 rows: M s is computed row-major, four rows at
 * a time sharing each read of s, their sums in registers; input-major, the
 * sums of many rows would live in memory (fashion_self's gates on the
 * Cortex-M4F). M is then stored as is (G, A). */
static int row_major(const em *e, int rows) { return e->p->vw == 1 && rows > 16; }

void em_gate_data(em *e, int li)
{
    const ir_gate *g = &e->p->layers[li].gate;
    gsrc s = source(e, li);
    int used = cols_used(e, &s), lin = g->kind == GATE_LINEAR, rows = lin ? g->n : g->rank;
    const float *M = lin ? g->G : g->A;
    if (used && rows > 0 && row_major(e, rows))
        em_farray(e, em_name(e, li, lin ? "G" : "A"), M, rows, s.n);
    else if (used && rows > 0)
        em_farray(e, em_name(e, li, lin ? "GT" : "AT"), transpose_chunks(e, M, rows, s.n, chunk(e, rows)),
                  rows * s.n, 0);
    if (used && s.norm && rows > 0) em_farray(e, em_name(e, li, "S"), rowsum(e, M, rows, s.n), rows, 0);
    if (!lin) {
        if (g->a_bias) em_farray(e, em_name(e, li, "ab"), g->a_bias, g->rank, 0);
        if (g->n > 0) em_farray(e, em_name(e, li, "BT"), transpose(e, g->B, g->n, g->rank), g->rank, g->n);
    }
    if (g->c) em_farray(e, em_name(e, li, "c"), g->c, g->n, 0);
}

/* acc += term(i) over all n elements, in vw lanes (vectorisable in a fixed
 * order); term(i) is pre + "[i]" + mid + "[i]" + post (mid NULL: pre[i]). */
static void lane_sum(em *e, const char *acc, const char *pre, const char *mid, const char *post, int n)
{
    /* Four sets of lanes when long enough: four chains of adds in flight. */
    int vw = e->p->vw > 1 ? e->p->vw : 1, sets = n >= 8 * vw ? 4 : 1;
    int nv = vw > 1 ? n / (vw * sets) * (vw * sets) : 0;
    if (nv > 0) {
        em_printf(e, "    {\n");
        for (int q = 0; q < sets; q++) em_printf(e, "        float ls%d[%d] = {0.0f};\n", q, vw);
        em_printf(e, "        for (int i = 0; i < %d; i += %d) {\n", nv, vw * sets);
        for (int q = 0; q < sets; q++) {
            const char *il = ar_printf(&e->a, "[i + %d + l]", q * vw);
            em_printf(e, "            for (int l = 0; l < %d; l++) ls%d[l] += %s%s", vw, q, pre, il);
            if (mid) em_printf(e, "%s%s%s", mid, il, post);
            em_printf(e, ";\n");
        }
        em_printf(e, "        }\n");
        for (int q = 1; q < sets; q++)
            em_printf(e, "        for (int l = 0; l < %d; l++) ls0[l] += ls%d[l];\n", vw, q);
        em_lanes_add(e, "        ", acc, "ls0", vw);
        em_printf(e, "    }\n");
    }
    const char *i1 = "[i]";
    if (n > nv) {
        em_printf(e, "    for (int i = %d; i < %d; i++) %s += %s%s", nv, n, acc, pre, i1);
        if (mid) em_printf(e, "%s%s%s", mid, i1, post);
        em_printf(e, ";\n");
    }
}

/* acc += the sum of x[0..cnt) (mean NULL) or of (x[k] - mean)^2, packed
 * values in lanes: one chain of adds per lane instead of one for all
 * (fashion_lowrank's fc2 gate over 44 open inputs). */
static void packed_sum(em *e, const char *x, const char *cnt, const char *acc, const char *mean)
{
    int vw = e->p->vw;
    const char *t = mean ? ar_printf(&e->a, "(%s[k + l] - %s) * (%s[k + l] - %s)", x, mean, x, mean)
                         : ar_printf(&e->a, "%s[k + l]", x);
    const char *t1 = mean ? ar_printf(&e->a, "(%s[k] - %s) * (%s[k] - %s)", x, mean, x, mean)
                          : ar_printf(&e->a, "%s[k]", x);
    em_printf(e, "    {\n        float ls[%d] = {0.0f};\n        int k = 0;\n", vw);
    em_printf(e, "        for (; k + %d <= %s; k += %d)\n", vw, cnt, vw);
    em_printf(e, "            for (int l = 0; l < %d; l++) ls[l] += %s;\n", vw, t);
    em_lanes_add(e, "        ", acc, "ls", vw);
    em_printf(e, "        for (; k < %s; k++) %s += %s;\n    }\n", cnt, acc, t1);
}

/* gm, gv and ginv from the statistics em_axpy gathered in the A x pass
 * (one pass over x less): gm held the sum of x - gk, gq that of
 * (x - gk)^2, gk = x[0] (close to the mean, so little cancels). When the
 * variance is under an eighth of gq / n, rounding in gq could matter:
 * then the exact second pass over x - gm. fashion_lowrank's fc1 gate:
 * about 2% of the gated time. */
static void norm_var(em *e, int li, const gsrc *s)
{
    const char *n = em_fstr(e, (float)s->n);
    em_printf(e, "    gv = (gq - gm * (gm / %s)) / %s;\n", n, n);
    em_printf(e, "    gm = gk + gm / %s;\n", n);
    em_printf(e, "    if (!(gv * 8.0f >= gq / %s)) {\n        gv = 0.0f;\n", n);
    lane_sum(e, "gv", ar_printf(&e->a, "(%s", s->x), ar_printf(&e->a, " - gm) * (%s", s->x), " - gm)", s->n);
    em_printf(e, "        gv /= %s;\n    }\n", n);
    em_printf(e, "    const float ginv = 1.0f / sqrtf(gv + %s);\n",
              em_fstr(e, (float)e->p->layers[li].gate.norm.eps));
}

/* gm, ginv: mean and 1/std of the source, unlisted elements being 0. */
static void norm_stats(em *e, int li, const gsrc *s)
{
    const ir_gate *g = &e->p->layers[li].gate;
    const em_vec *v = s->vi >= 0 ? &e->v[s->vi] : NULL;
    const char *n = em_fstr(e, (float)s->n);
    if (!cols_used(e, s)) { /* every element 0: mean and variance 0 */
        em_printf(e, "    const float ginv = 1.0f / sqrtf(%s);\n", em_fstr(e, (float)g->norm.eps));
        return;
    }
    em_printf(e, "    float gm = 0.0f, gv = 0.0f;\n");
    if (!v || v->list == LIST_ALL) {
        lane_sum(e, "gm", s->x, NULL, NULL, s->n);
        em_printf(e, "    gm /= %s;\n", n);
        lane_sum(e, "gv", ar_printf(&e->a, "(%s", s->x), ar_printf(&e->a, " - gm) * (%s", s->x), " - gm)",
                 s->n);
    } else {
        const char *cnt = v->list == LIST_STATIC ? ar_printf(&e->a, "%d", v->n_list) : "xn";
        const char *lst = v->list == LIST_STATIC ? em_list_name(e, s->vi) : "xl";
        /* a packed vector holds the listed values in list order */
        const char *xk = v->packed ? ar_printf(&e->a, "%s[k]", s->x) : ar_printf(&e->a, "%s[%s[k]]", s->x, lst);
        if (v->packed && e->p->vw > 1) {
            packed_sum(e, s->x, cnt, "gm", NULL);
            em_printf(e, "    gm /= %s;\n", n);
            packed_sum(e, s->x, cnt, "gv", "gm");
        } else {
            em_printf(e, "    for (int k = 0; k < %s; k++) gm += %s;\n", cnt, xk);
            em_printf(e, "    gm /= %s;\n", n);
            em_printf(e, "    for (int k = 0; k < %s; k++) { float d = %s - gm; gv += d * d; }\n", cnt, xk);
        }
        em_printf(e, "    gv += (float)(%d - %s) * gm * gm; /* the unlisted zeros */\n", s->n, cnt);
    }
    em_printf(e, "    gv /= %s;\n", n);
    em_printf(e, "    const float ginv = 1.0f / sqrtf(gv + %s);\n", em_fstr(e, (float)g->norm.eps));
}

/* acc[0..rows) = m s row-major (see row_major), over the source's list. */
static void rows_fill(em *e, const gsrc *s, int rows, const char *m)
{
    const em_vec *v = s->vi >= 0 ? &e->v[s->vi] : NULL;
    const char *cnt = ar_printf(&e->a, "%d", v ? v->n : s->n), *i = "k";
    if (v && v->list == LIST_STATIC) {
        cnt = ar_printf(&e->a, "%d", v->n_list);
        i = ar_printf(&e->a, "%s[k]", em_list_name(e, s->vi));
    } else if (v && v->list == LIST_DYN) {
        cnt = "xn", i = "xl[k]";
    }
    em_printf(e, "        int rq = 0;\n        for (; rq + 4 <= %d; rq += 4) {\n", rows);
    em_printf(e, "            const float *m0 = %s[rq], *m1 = %s[rq + 1], *m2 = %s[rq + 2], *m3 = %s[rq + 3];\n",
              m, m, m, m);
    em_printf(e, "            float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;\n");
    em_printf(e, "            for (int k = 0; k < %s; k++) {\n                const int i = %s;\n", cnt, i);
    em_printf(e, "                const float v = %s[i];\n", s->x);
    for (int q = 0; q < 4; q++) em_printf(e, "                a%d += m%d[i] * v;\n", q, q);
    em_printf(e, "            }\n");
    for (int q = 0; q < 4; q++) em_printf(e, "            acc[rq + %d] = a%d;\n", q, q);
    em_printf(e, "        }\n");
    if (rows % 4) {
        em_printf(e, "        for (; rq < %d; rq++) {\n            float a = 0.0f;\n", rows);
        em_printf(e, "            for (int k = 0; k < %s; k++) {\n                const int i = %s;\n", cnt, i);
        em_printf(e, "                a += %s[rq][i] * %s[i];\n            }\n", m, s->x);
        em_printf(e, "            acc[rq] = a;\n        }\n");
    }
}

/* ms[r0 .. r0+w) = rows r0.. of M times s, in registers (acc). */
static void chunk_sums(em *e, int li, const gsrc *s, const char *what, const char *r0, int w)
{
    em_printf(e, "            float acc[%d];\n", w);
    em_printf(e, "            for (int u = 0; u < %d; u++) acc[u] = 0.0f;\n", w);
    const char *base = ar_printf(&e->a, "%s + (long)(%s) * %d", em_name(e, li, what), r0, s->n);
    em_axpy(e, "            ", s->x, s->vi, s->n, base, w, NULL);
    em_printf(e, "            for (int u = 0; u < %d; u++) ms[%s + u] = acc[u];\n", w, r0);
}

/* Opens a block computing acc[0..rows) = M s (row-major on one lane, by
 * chunks in ms[] on vector targets) and a loop over r that leaves a = row
 * r's value (normalised when the gate has a norm); the caller finishes the
 * loop body and closes both. */
static void first_matrix(em *e, int li, const gsrc *s, int rows, const char *what, int fused)
{
    int c = rows > 0 ? chunk(e, rows) : 1, full = rows / c * c;
    if (cols_used(e, s) && row_major(e, rows)) {
        em_printf(e, "    {\n        float acc[%d];\n", rows);
        rows_fill(e, s, rows, em_name(e, li, what[0] == 'G' ? "G" : "A"));
        em_printf(e, "        for (int r = 0; r < %d; r++) {\n            float a = acc[r];\n", rows);
    } else if (c == rows || !cols_used(e, s)) {
        em_printf(e, "    {\n        float acc[%d];\n        for (int u = 0; u < %d; u++) acc[u] = 0.0f;\n",
                  rows, rows);
        static const em_stats st = {"gk", "gm", "gq"};
        if (cols_used(e, s)) em_axpy(e, "        ", s->x, s->vi, s->n, em_name(e, li, what), rows, fused ? &st : NULL);
        if (fused) norm_var(e, li, s);
        em_printf(e, "        for (int r = 0; r < %d; r++) {\n            float a = acc[r];\n", rows);
    } else {
        em_printf(e, "    {\n        float ms[%d];\n", rows);
        if (full > 0) {
            em_printf(e, "        for (int r0 = 0; r0 < %d; r0 += %d) {\n", full, c);
            chunk_sums(e, li, s, what, "r0", c);
            em_printf(e, "        }\n");
        }
        if (rows > full) {
            em_printf(e, "        {\n");
            chunk_sums(e, li, s, what, ar_printf(&e->a, "%d", full), rows - full);
            em_printf(e, "        }\n");
        }
        em_printf(e, "        for (int r = 0; r < %d; r++) {\n            float a = ms[r];\n", rows);
    }
    if (s->norm && cols_used(e, s))
        em_printf(e, "            a = (a - gm * %s[r]) * ginv;\n", em_name(e, li, "S"));
    else if (s->norm)
        em_printf(e, "            (void)ginv;\n");
}

/* acc[0..w) += v * bt[r][j0 + u]; with one lane written out sum by sum,
 * which gcc -O2 keeps in registers (a loop's array it keeps in memory). */
static void chunk_axpy(em *e, const char *ind, const char *acc, const char *v, const char *bt,
                       const char *r, const char *j0, int w)
{
    if (e->p->vw != 1) {
        em_printf(e, "%sfor (int u = 0; u < %d; u++) %s[u] += %s * %s[%s][%s + u];\n", ind, w, acc, v, bt,
                  r, j0);
        return;
    }
    for (int u = 0; u < w; u++)
        em_printf(e, "%s%s[%d] += %s * %s[%s][%s + %d];\n", ind, acc, u, v, bt, r, j0, u);
}

/* z = B t + c in chunks of units whose sums stay in registers: two sets
 * of accumulators over alternate r, so two chains of adds per vector. */
static void lowrank_chunk(em *e, int li, const char *j0, int w)
{
    const ir_gate *g = &e->p->layers[li].gate;
    const char *bt = em_name(e, li, "BT");
    int two = g->rank >= 2;
    if (g->c)
        em_printf(e, "        float za[%d];\n        for (int u = 0; u < %d; u++) za[u] = %s[%s + u];\n", w,
                  w, em_name(e, li, "c"), j0);
    else
        em_printf(e, "        float za[%d] = {0.0f};\n", w);
    if (two) em_printf(e, "        float zb[%d] = {0.0f};\n", w);
    em_printf(e, "        for (int r = 0; r < %d; r += %d) {\n", two ? g->rank / 2 * 2 : g->rank,
              two ? 2 : 1);
    em_printf(e, "            const float v0 = t[r]%s;\n", two ? ", v1 = t[r + 1]" : "");
    chunk_axpy(e, "            ", "za", "v0", bt, "r", j0, w);
    if (two) chunk_axpy(e, "            ", "zb", "v1", bt, "r + 1", j0, w);
    em_printf(e, "        }\n");
    if (two && g->rank % 2) {
        const char *last = ar_printf(&e->a, "%d", g->rank - 1);
        chunk_axpy(e, "        ", "za", ar_printf(&e->a, "t[%s]", last), bt, last, j0, w);
    }
    em_printf(e, "        for (int u = 0; u < %d; u++) z[%s + u] = za[u]%s;\n", w, j0,
              two ? " + zb[u]" : "");
}

/* With vectors (vw > 1), chunks of WIDE arrays of 2 vw units: the sums of
 * one r are WIDE x 2 independent vector adds (eight chains on x86-64, what
 * keeps both add ports busy), t[r] is read once per chunk, and each array
 * is one statement per loop so compilers keep it in registers (one array
 * of 8 vw stays in memory). The sums start at 0 and c is added last: gcc
 * spilled an array loaded from c. On fashion_lowrank this took 10% off
 * the gated time (docs/layout.md says how it was timed). */
enum { WIDE = 4 };

static void lowrank_wide(em *e, int li, int c)
{
    const ir_gate *g = &e->p->layers[li].gate;
    static const char *const zn[WIDE] = {"za", "zb", "zc", "zd"};
    em_printf(e, "    for (int j0 = 0; j0 < %d; j0 += %d) {\n", g->n / (WIDE * c) * (WIDE * c), WIDE * c);
    em_printf(e, "        float za[%d] = {0.0f}, zb[%d] = {0.0f}, zc[%d] = {0.0f}, zd[%d] = {0.0f};\n", c,
              c, c, c);
    em_printf(e, "        for (int r = 0; r < %d; r++) {\n", g->rank);
    em_printf(e, "            const float v = t[r], *b = %s[r] + j0;\n", em_name(e, li, "BT"));
    for (int q = 0; q < WIDE; q++)
        em_printf(e, "            for (int u = 0; u < %d; u++) %s[u] += v * b[%d + u];\n", c, zn[q], q * c);
    em_printf(e, "        }\n");
    for (int q = 0; q < WIDE; q++) {
        em_printf(e, "        for (int u = 0; u < %d; u++) z[j0 + %d + u] = %s[u]", c, q * c, zn[q]);
        if (g->c) em_printf(e, " + %s[j0 + %d + u]", em_name(e, li, "c"), q * c);
        em_printf(e, ";\n");
    }
    em_printf(e, "    }\n");
}

static void lowrank_z(em *e, int li)
{
    const ir_gate *g = &e->p->layers[li].gate;
    int vw = e->p->vw > 1 ? e->p->vw : 4, c = 2 * vw;
    int wide = e->p->vw > 1 ? g->n / (WIDE * c) * (WIDE * c) : 0, full = g->n / c * c;
    if (wide > 0) lowrank_wide(e, li, c);
    if (full > wide) {
        em_printf(e, "    for (int j0 = %d; j0 < %d; j0 += %d) {\n", wide, full, c);
        lowrank_chunk(e, li, "j0", c);
        em_printf(e, "    }\n");
    }
    if (g->n > full) {
        em_printf(e, "    {\n");
        lowrank_chunk(e, li, ar_printf(&e->a, "%d", full), g->n - full);
        em_printf(e, "    }\n");
    }
}

/* t[0..rank) = gelu(t): blocks of eight by PFX_gelu8, then unit by unit. */
static void gelu8(em *e, int rank)
{
    em_printf(e, "    for (int r = 0; r < %d; r += 8) %s_gelu8(t + r);\n", rank / 8 * 8, e->pre);
    if (rank % 8) {
        em_printf(e, "    for (int r = %d; r < %d; r++) t[r] = ", rank / 8 * 8, rank);
        em_act(e, ACT_GELU, "t[r]");
        em_printf(e, ";\n");
    }
}

int em_gelu8(const em *e, const ir_layer *l)
{
    return e->p->vw > 1 && l->gate.hidden_act == ACT_GELU && l->gate.rank >= 8;
}

/* The source's mean and variance come out of the M s pass (em_axpy's
 * statistics, then norm_var): a whole source, M s in one chunk of vector
 * sums (first_matrix). fashion_lowrank's fc1 gate: both passes over its
 * 784 inputs but in the rare exact case. */
static int fuse_mean(em *e, const gsrc *s, int rows)
{
    int whole = s->vi < 0 || e->v[s->vi].list == LIST_ALL;
    return cols_used(e, s) && whole && !row_major(e, rows) && chunk(e, rows) == rows && em_axpy_sums(e, rows);
}

void em_gate_logits(em *e, int li)
{
    const ir_gate *g = &e->p->layers[li].gate;
    gsrc s = source(e, li);
    em_printf(e, "    float z[%d];\n", g->n);
    int fused = s.norm && fuse_mean(e, &s, g->kind == GATE_LOWRANK ? g->rank : g->n);
    if (fused) em_printf(e, "    const float gk = %s[0];\n    float gm = 0.0f, gq = 0.0f, gv;\n", s.x);
    else if (s.norm) norm_stats(e, li, &s);
    if (g->kind == GATE_LOWRANK) {
        em_printf(e, "    float t[%d];\n", g->rank);
        first_matrix(e, li, &s, g->rank, "AT", fused);
        if (g->a_bias) em_printf(e, "            a += %s[r];\n", em_name(e, li, "ab"));
        int vec = em_gelu8(e, &e->p->layers[li]);
        em_printf(e, "            t[r] = ");
        em_act(e, vec ? ACT_IDENTITY : g->hidden_act, "a");
        em_printf(e, ";\n        }\n    }\n");
        if (vec) gelu8(e, g->rank);
        lowrank_z(e, li);
        return;
    }
    first_matrix(e, li, &s, g->n, "GT", fused);
    if (g->c) em_printf(e, "            a += %s[r];\n", em_name(e, li, "c"));
    em_printf(e, "            z[r] = a;\n        }\n    }\n");
}

static float zthr(const ir_gate *g)
{
    if (g->folded) return g->zthr;
    mdl_gate m;
    memset(&m, 0, sizeof m);
    m.thr = g->thr, m.tau = g->tau;
    return (float)mdl_gate_zthr(&m);
}

const char *em_gate_zthr(em *e, int li)
{
    const ir_gate *g = &e->p->layers[li].gate;
    return g->decide == DECIDE_THRESHOLD && g->min_keep <= 0 ? em_fstr(e, zthr(g)) : NULL;
}

const char *em_gate_decide(em *e, int li)
{
    const ir_gate *g = &e->p->layers[li].gate;
    if (g->decide == DECIDE_THRESHOLD) {
        const char *cmp = ar_printf(&e->a, "z[j] > %s", em_fstr(e, zthr(g)));
        if (g->min_keep <= 0) return cmp;
        em_printf(e, "    unsigned char m[%d];\n    uint32_t q[%d];\n    int nm = 0;\n", g->n, g->n);
        em_printf(e, "    for (int j = 0; j < %d; j++) { m[j] = %s; nm += m[j]; }\n", g->n, cmp);
        em_printf(e, "    if (nm < %d) %s_topk(z, q, m, %d, %d); /* min_keep */\n", g->min_keep,
                  e->pre, g->n, g->min_keep);
        return "m[j]";
    }
    em_printf(e, "    unsigned char m[%d];\n    uint32_t q[%d];\n", g->n, g->n);
    em_printf(e, "    %s_topk(z, q, m, %d, %d);\n", e->pre, g->n, g->k);
    return "m[j]";
}
