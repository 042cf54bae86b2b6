/* emit_gate: a dynamic gate's weights, the code that computes its logits
 * z[0..n) and the decision. The decision needs no expf: a threshold is one
 * float compare against the folded zthr; top-k and min_keep use the
 * PFX_topk helper (emit.c). */
#include <string.h>
#include "emit_int.h"

/* The vector the gate reads: the layer input x (list v[li]) or its own
 * output h (every element); "s" when a norm normalises it first. */
typedef struct gsrc {
    const char *x;
    int vi;  /* list of v[vi], or -1: all of n */
    int n;
    int norm;
} gsrc;

static gsrc source(em *e, int li)
{
    const ir_layer *l = &e->p->layers[li];
    const ir_gate *g = &l->gate;
    gsrc s;
    s.norm = g->has_norm && g->n_src > 0;
    s.n = g->n_src;
    if (g->src == GSRC_SELF) {
        s.x = s.norm ? "s" : "h";
        s.vi = -1;
    } else {
        s.x = s.norm ? "s" : "x";
        s.vi = s.norm ? -1 : li;
    }
    return s;
}

/* Whether G or A has a column the logits loop reads (else it is not emitted). */
static int cols_used(em *e, const gsrc *s)
{
    return s->vi >= 0 ? em_vec_used(&e->v[s->vi]) : s->n > 0;
}

int em_gate_reads_x(em *e, int li)
{
    const ir_gate *g = &e->p->layers[li].gate;
    if (g->src != GSRC_INPUT) return 0;
    gsrc s = source(e, li);
    return s.norm || cols_used(e, &s);
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

void em_gate_data(em *e, int li)
{
    const ir_gate *g = &e->p->layers[li].gate;
    gsrc s = source(e, li);
    if (s.norm && g->norm.weight) em_farray(e, em_name(e, li, "gnw"), g->norm.weight, s.n, 0);
    if (s.norm && g->norm.bias) em_farray(e, em_name(e, li, "gnb"), g->norm.bias, s.n, 0);
    int used = cols_used(e, &s);
    if (g->kind == GATE_LINEAR) {
        if (used && g->n > 0) em_farray(e, em_name(e, li, "GT"), transpose(e, g->G, g->n, s.n), s.n, g->n);
    } else {
        if (used) em_farray(e, em_name(e, li, "A"), g->A, g->rank, s.n);
        if (g->a_bias) em_farray(e, em_name(e, li, "ab"), g->a_bias, g->rank, 0);
        if (g->n > 0) em_farray(e, em_name(e, li, "BT"), transpose(e, g->B, g->n, g->rank), g->rank, g->n);
    }
    if (g->c) em_farray(e, em_name(e, li, "c"), g->c, g->n, 0);
}

static const char *opt(em *e, int li, const char *what, const void *present)
{
    return present ? em_name(e, li, what) : "(const float *)0";
}

/* z = B t + c in chunks of units whose sums stay in registers: two sets
 * of accumulators over alternate r, so two chains of adds per vector. */
static void lowrank_chunk(em *e, int li, const char *j0, int w)
{
    const ir_gate *g = &e->p->layers[li].gate;
    const char *bt = em_name(e, li, "BT");
    int two = g->rank >= 2;
    if (g->c) em_printf(e, "        float za[%d];\n        for (int u = 0; u < %d; u++) za[u] = %s[%s + u];\n", w, w, em_name(e, li, "c"), j0);
    else em_printf(e, "        float za[%d] = {0.0f};\n", w);
    if (two) em_printf(e, "        float zb[%d] = {0.0f};\n", w);
    em_printf(e, "        for (int r = 0; r < %d; r += %d) {\n", two ? g->rank / 2 * 2 : g->rank, two ? 2 : 1);
    em_printf(e, "            const float v0 = t[r]%s;\n", two ? ", v1 = t[r + 1]" : "");
    em_printf(e, "            for (int u = 0; u < %d; u++) za[u] += v0 * %s[r][%s + u];\n", w, bt, j0);
    if (two) em_printf(e, "            for (int u = 0; u < %d; u++) zb[u] += v1 * %s[r + 1][%s + u];\n", w, bt, j0);
    em_printf(e, "        }\n");
    if (two && g->rank % 2)
        em_printf(e, "        for (int u = 0; u < %d; u++) za[u] += t[%d] * %s[%d][%s + u];\n", w, g->rank - 1, bt, g->rank - 1, j0);
    em_printf(e, "        for (int u = 0; u < %d; u++) z[%s + u] = za[u]%s;\n", w, j0, two ? " + zb[u]" : "");
}

static void lowrank_z(em *e, int li)
{
    const ir_gate *g = &e->p->layers[li].gate;
    int vw = e->p->vw > 1 ? e->p->vw : 4, c = 2 * vw, full = g->n / c * c;
    if (full > 0) {
        em_printf(e, "    for (int j0 = 0; j0 < %d; j0 += %d) {\n", full, c);
        lowrank_chunk(e, li, "j0", c);
        em_printf(e, "    }\n");
    }
    if (g->n > full) {
        em_printf(e, "    {\n");
        lowrank_chunk(e, li, ar_printf(&e->a, "%d", full), g->n - full);
        em_printf(e, "    }\n");
    }
}

void em_gate_logits(em *e, int li)
{
    const ir_gate *g = &e->p->layers[li].gate;
    gsrc s = source(e, li);
    em_printf(e, "    float z[%d];\n", g->n);
    if (s.norm) {
        em_printf(e, "    float s[%d];\n", s.n);
        em_printf(e, "    %s_norm(%s, s, %d, %s, %s, %s);\n", e->pre,
                  g->src == GSRC_SELF ? "h" : "x", s.n, em_fstr(e, (float)g->norm.eps),
                  opt(e, li, "gnw", g->norm.weight), opt(e, li, "gnb", g->norm.bias));
    }
    if (g->kind == GATE_LOWRANK) {
        em_printf(e, "    float t[%d];\n", g->rank);
        em_printf(e, "    for (int r = 0; r < %d; r++) {\n        float a = 0.0f;\n", g->rank);
        em_dot(e, "        ", ar_printf(&e->a, "%s[r]", em_name(e, li, "A")), s.x, s.vi, s.n);
        if (g->a_bias) em_printf(e, "        a += %s[r];\n", em_name(e, li, "ab"));
        em_printf(e, "        t[r] = ");
        em_act(e, g->hidden_act, "a");
        em_printf(e, ";\n    }\n");
    }
    if (g->kind == GATE_LOWRANK) {
        lowrank_z(e, li);
        return;
    }
    if (g->c) em_printf(e, "    for (int j = 0; j < %d; j++) z[j] = %s[j];\n", g->n, em_name(e, li, "c"));
    else em_printf(e, "    for (int j = 0; j < %d; j++) z[j] = 0.0f;\n", g->n);
    if (!cols_used(e, &s)) return;
    const em_vec *v = s.vi >= 0 ? &e->v[s.vi] : NULL;
    const char *gt = em_name(e, li, "GT");
    if (!v || v->list == LIST_ALL)
        em_printf(e, "    for (int i = 0; i < %d; i++) {\n", s.n);
    else if (v->list == LIST_STATIC)
        em_printf(e, "    for (int k = 0; k < %d; k++) {\n        const int i = %s[k];\n", v->n_list,
                  em_list_name(e, s.vi));
    else
        em_printf(e, "    for (int k = 0; k < xn; k++) {\n        const int i = xl[k];\n");
    em_printf(e, "        const float v = %s[i];\n", s.x);
    em_printf(e, "        for (int j = 0; j < %d; j++) z[j] += v * %s[i][j];\n    }\n", g->n, gt);
}

const char *em_gate_decide(em *e, int li)
{
    const ir_gate *g = &e->p->layers[li].gate;
    if (g->decide == DECIDE_THRESHOLD) {
        float zthr = g->zthr;
        if (!g->folded) {
            mdl_gate m;
            memset(&m, 0, sizeof m);
            m.thr = g->thr, m.tau = g->tau;
            zthr = (float)mdl_gate_zthr(&m);
        }
        const char *cmp = ar_printf(&e->a, "z[j] > %s", em_fstr(e, zthr));
        if (g->min_keep <= 0) return cmp;
        em_printf(e, "    unsigned char m[%d];\n    float q[%d];\n    int nm = 0;\n", g->n, g->n);
        em_printf(e, "    for (int j = 0; j < %d; j++) { m[j] = %s; nm += m[j]; }\n", g->n, cmp);
        em_printf(e, "    if (nm < %d) %s_topk(z, q, m, %d, %d); /* min_keep */\n", g->min_keep,
                  e->pre, g->n, g->min_keep);
        return "m[j]";
    }
    em_printf(e, "    unsigned char m[%d];\n    float q[%d];\n", g->n, g->n);
    em_printf(e, "    %s_topk(z, q, m, %d, %d);\n", e->pre, g->n, g->k);
    return "m[j]";
}
