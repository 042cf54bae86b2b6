/* test_emit: emitted C compiled with gcc -std=c99 -Wall -Wextra -Werror
 * -pedantic and with tcc -Wall -Werror, run on inputs, and compared with a
 * small double-precision reference written here from docs/language.md
 * (not from the compiler). Gate decisions within a small margin of their
 * boundary may differ between float and double; such samples are skipped
 * and counted, and too many of them fail the test. */
#include <ctype.h>
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "emit.h"
#include "ir.h"

enum { RMAX = 64, XMAX = 1 << 17, LMAX = 16, NSAMPLES = 12 };
#define NEAR_REL 1e-4
#define OUT_TOL 2e-4

static char dir[64];

/* ---- a tiny random source, so models and inputs are reproducible ---- */

static uint32_t rng = 12345;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}
static int rint_(int lo, int hi) { return lo + (int)(rnd() % (uint32_t)(hi - lo + 1)); }
static float rflt(float lo, float hi) { return lo + (hi - lo) * (float)(rnd() % 100000) / 100000.0f; }
static float *rarr(arena *a, long n, float lo, float hi)
{
    float *v = ar_array(a, (size_t)(n > 0 ? n : 1), sizeof *v);
    for (long i = 0; i < n; i++) v[i] = rflt(lo, hi);
    return v;
}

/* ---- the reference: the model semantics, in double ---- */

typedef struct ref {
    double out[RMAX];
    int cls;
    int open[LMAX];
    int near; /* a dynamic decision lies within the margin of its boundary */
} ref;

static const double *cmp_z;
static int cmp_idx(const void *a, const void *b)
{
    int i = *(const int *)a, j = *(const int *)b;
    if (cmp_z[i] != cmp_z[j]) return cmp_z[i] > cmp_z[j] ? -1 : 1;
    return i - j;
}

static void ref_topk(const double *z, int n, int k, unsigned char *open, int *near)
{
    static int idx[XMAX];
    for (int i = 0; i < n; i++) idx[i] = i;
    cmp_z = z;
    qsort(idx, (size_t)n, sizeof *idx, cmp_idx);
    memset(open, 0, (size_t)n);
    for (int i = 0; i < k; i++) open[idx[i]] = 1;
    if (k < n) {
        double d = fabs(z[idx[k - 1]] - z[idx[k]]);
        if (d > 0 && d < NEAR_REL * (1 + fabs(z[idx[k]]))) *near = 1;
    }
}

static int ref_decide(const mdl_gate *g, const double *z, int n, unsigned char *open, int *near)
{
    int cnt = 0;
    if (g->decide == DECIDE_TOPK) {
        ref_topk(z, n, g->k, open, near);
        return g->k;
    }
    double zthr = g->tau * log(g->thr / (1 - g->thr));
    for (int j = 0; j < n; j++) {
        open[j] = 1.0 / (1.0 + exp(-z[j] / g->tau)) > g->thr;
        cnt += open[j];
        if (fabs(z[j] - zthr) < NEAR_REL * fmax(1, fabs(zthr))) *near = 1;
    }
    if (cnt < g->min_keep) {
        ref_topk(z, n, g->min_keep, open, near);
        cnt = g->min_keep;
    }
    return cnt;
}

static void ref_norm(const double *x, double *y, int n, const mdl_norm *nm)
{
    double mean = 0, var = 0;
    for (int i = 0; i < n; i++) mean += x[i];
    mean /= n;
    for (int i = 0; i < n; i++) var += (x[i] - mean) * (x[i] - mean);
    var /= n;
    for (int i = 0; i < n; i++) {
        y[i] = (x[i] - mean) / sqrt(var + nm->eps);
        if (nm->weight) y[i] *= nm->weight[i];
        if (nm->bias) y[i] += nm->bias[i];
    }
}

static void ref_logits(const mdl_gate *g, const double *src, double *z)
{
    double s[RMAX], t[RMAX];
    if (g->has_norm) ref_norm(src, s, g->n_src, &g->norm);
    else memcpy(s, src, sizeof(double) * (size_t)g->n_src);
    for (int r = 0; g->kind == GATE_LOWRANK && r < g->rank; r++) {
        double a = g->a_bias ? g->a_bias[r] : 0;
        for (int i = 0; i < g->n_src; i++) a += (double)g->A[r * g->n_src + i] * s[i];
        t[r] = mdl_act_eval(g->hidden_act, a);
    }
    for (int j = 0; j < g->n; j++) {
        double a = g->c ? g->c[j] : 0;
        if (g->kind == GATE_LINEAR)
            for (int i = 0; i < g->n_src; i++) a += (double)g->G[j * g->n_src + i] * s[i];
        else
            for (int r = 0; r < g->rank; r++) a += (double)g->B[j * g->rank + r] * t[r];
        z[j] = a;
    }
}

static void ref_run(const mdl_model *m, const float *in, ref *r)
{
    static double x[XMAX], lz[XMAX];
    static unsigned char open[XMAX];
    double h[RMAX], z[RMAX], u[RMAX];
    int dummy = 0;
    memset(r, 0, sizeof *r);
    for (int f = 0; f < m->n_in; f++) {
        x[f] = in[f] * m->scale + m->offset;
        if (m->mean) x[f] -= m->mean[f];
        if (m->std) x[f] /= m->std[f];
    }
    if (m->in_gate.kind == GATE_STATIC) {
        for (int f = 0; f < m->n_in; f++) lz[f] = m->in_gate.logits[f];
        ref_decide(&m->in_gate, lz, m->n_in, open, &dummy);
        for (int f = 0; f < m->n_in; f++)
            if (!open[f]) x[f] = 0;
    }
    for (int i = 0; i < m->n_ops; i++) {
        const mdl_op *op = &m->ops[i];
        const mdl_gate *g = &op->gate;
        int n = op->n_out, cnt = n;
        if (op->kind == OP_LAYERNORM) {
            ref_norm(x, h, n, &op->norm);
            r->open[i] = n;
            memcpy(x, h, sizeof h);
            continue;
        }
        memset(open, 1, RMAX);
        for (int j = 0; j < n; j++) {
            double a = op->b ? op->b[j] : 0;
            for (int k = 0; k < op->n_in; k++) a += (double)op->W[j * op->n_in + k] * x[k];
            u[j] = op->is_output ? a : mdl_act_eval(op->act, a);
        }
        if (g->kind == GATE_STATIC) {
            for (int j = 0; j < n; j++) z[j] = g->logits[j];
            cnt = ref_decide(g, z, n, open, &dummy);
        } else if (g->kind != GATE_NONE) {
            ref_logits(g, g->src == GSRC_SELF ? u : x, z);
            cnt = ref_decide(g, z, n, open, &r->near);
        }
        double closed = g->apply == APPLY_PRE ? mdl_act_eval(op->act, 0) : 0;
        for (int j = 0; j < n; j++) h[j] = open[j] ? u[j] : closed;
        r->open[i] = cnt;
        memcpy(x, h, sizeof h);
    }
    int n = m->n_out;
    memcpy(r->out, x, sizeof(double) * (size_t)n);
    if (m->ops[m->n_ops - 1].softmax) {
        double mx = r->out[0], s = 0;
        for (int j = 1; j < n; j++) mx = fmax(mx, r->out[j]);
        for (int j = 0; j < n; j++) s += r->out[j] = exp(r->out[j] - mx);
        for (int j = 0; j < n; j++) r->out[j] /= s;
    }
    for (int j = 1; j < n; j++)
        if (r->out[j] > r->out[r->cls]) r->cls = j;
    /* a near tie in the outputs makes the class itself uncertain */
    for (int j = 0; j < n; j++)
        if (j != r->cls && r->out[r->cls] - r->out[j] < OUT_TOL * 4) r->near |= 2;
}

/* ---- models by hand ---- */

static mdl_op dense(const char *name, int n_in, int n_out, const float *W, const float *b, mdl_act act)
{
    mdl_op op;
    memset(&op, 0, sizeof op);
    op.kind = OP_DENSE;
    op.name = name;
    op.n_in = n_in;
    op.n_out = n_out;
    op.W = W;
    op.b = b;
    op.act = act;
    return op;
}

static mdl_model *new_model(arena *a, const char *name, int n_in, int n_ops)
{
    mdl_model *m = ar_alloc(a, sizeof *m);
    m->name = name;
    m->n_in = n_in;
    m->scale = 1.0;
    m->n_ops = n_ops;
    m->ops = ar_array(a, (size_t)n_ops, sizeof *m->ops);
    return m;
}

static void finish(mdl_model *m)
{
    m->ops[m->n_ops - 1].is_output = 1;
    m->n_out = m->ops[m->n_ops - 1].n_out;
}

static void random_gate(arena *a, mdl_gate *g, int n, int n_in)
{
    int kind = rint_(0, 5); /* none is most likely */
    memset(g, 0, sizeof *g);
    if (kind >= 4) return;
    g->kind = kind == 0 ? GATE_STATIC : kind == 1 || kind == 2 ? GATE_LINEAR : GATE_LOWRANK;
    g->n = n;
    g->thr = rflt(0.25f, 0.75f);
    g->tau = rint_(0, 2) ? 1.0 : 0.5;
    g->apply = rint_(0, 2) ? APPLY_POST : APPLY_PRE;
    if (rint_(0, 3) == 0) g->decide = DECIDE_TOPK, g->k = rint_(1, n);
    else if (rint_(0, 3) == 0) g->min_keep = rint_(1, n);
    if (g->kind == GATE_STATIC) {
        g->logits = rarr(a, n, -2, 2);
        return;
    }
    g->src = rint_(0, 2) ? GSRC_INPUT : GSRC_SELF;
    g->n_src = g->src == GSRC_INPUT ? n_in : n;
    if (rint_(0, 2) == 0) {
        g->has_norm = 1;
        g->norm.n = g->n_src;
        g->norm.eps = 1e-5;
        if (rint_(0, 1)) g->norm.weight = rarr(a, g->n_src, 0.5f, 1.5f);
        if (rint_(0, 1)) g->norm.bias = rarr(a, g->n_src, -0.5f, 0.5f);
    }
    if (rint_(0, 1)) g->c = rarr(a, n, -1, 1);
    if (g->kind == GATE_LINEAR) {
        g->G = rarr(a, (long)n * g->n_src, -1, 1);
        return;
    }
    g->rank = rint_(1, 4);
    g->hidden_act = (mdl_act)rint_(0, 5);
    g->A = rarr(a, (long)g->rank * g->n_src, -1, 1);
    g->B = rarr(a, (long)n * g->rank, -1, 1);
    if (rint_(0, 1)) g->a_bias = rarr(a, g->rank, -1, 1);
}

static mdl_model *random_model(arena *a, const char *name)
{
    int hidden = rint_(0, 4), n = rint_(1, 12);
    mdl_model *m = new_model(a, name, n, hidden + 1);
    if (rint_(0, 2) == 0) m->scale = 0.5, m->offset = 0.25;
    if (rint_(0, 2) == 0) m->mean = rarr(a, n, -0.5f, 0.5f), m->std = rarr(a, n, 0.5f, 2);
    if (rint_(0, 2) == 0) {
        m->in_gate.kind = GATE_STATIC;
        m->in_gate.n = n;
        m->in_gate.thr = 0.5;
        m->in_gate.tau = 1;
        m->in_gate.logits = rarr(a, n, -2, 1.5f);
    }
    for (int i = 0; i < hidden; i++) {
        mdl_op *op = &m->ops[i];
        const char *nm = ar_printf(a, "h%d", i);
        if (rint_(0, 5) == 0) {
            memset(op, 0, sizeof *op);
            op->kind = OP_LAYERNORM;
            op->name = nm;
            op->n_in = op->n_out = n;
            op->norm.n = n;
            op->norm.eps = 1e-5;
            if (rint_(0, 1)) op->norm.weight = rarr(a, n, 0.5f, 1.5f);
            if (rint_(0, 1)) op->norm.bias = rarr(a, n, -0.5f, 0.5f);
            continue;
        }
        int out = rint_(1, 12);
        *op = dense(nm, n, out, rarr(a, (long)out * n, -1, 1), rint_(0, 3) ? rarr(a, out, -0.5f, 0.5f) : NULL,
                    (mdl_act)rint_(0, 5));
        random_gate(a, &op->gate, out, n);
        if (op->gate.apply == APPLY_PRE && rint_(0, 1)) op->act = ACT_SIGMOID; /* closed: 0.5 */
        n = out;
    }
    int out = rint_(1, 6);
    m->ops[hidden] = dense("logits", n, out, rarr(a, (long)out * n, -1, 1),
                           rint_(0, 1) ? rarr(a, out, -0.5f, 0.5f) : NULL, ACT_IDENTITY);
    m->ops[hidden].softmax = rint_(0, 1);
    finish(m);
    return m;
}

/* ---- harness: emit, write a driver, compile, run, compare ---- */

typedef struct tcase {
    const mdl_model *m;
    const char *prefix;
    int ns;
    float *in; /* [ns][n_in] */
} tcase;

static void emit_files(const mdl_model *m, const char *prefix)
{
    arena a;
    ar_init(&a);
    ir_program *p = ir_lower(&a, m);
    char cpath[128], hpath[128], hname[64];
    snprintf(cpath, sizeof cpath, "%s/%s.c", dir, prefix);
    snprintf(hpath, sizeof hpath, "%s/%s.h", dir, prefix);
    snprintf(hname, sizeof hname, "%s.h", prefix);
    FILE *c = fopen(cpath, "w"), *h = fopen(hpath, "w");
    assert_non_null(c);
    assert_non_null(h);
    emit_opts o = {prefix, hname};
    assert_int_equal(emit_c(p, &o, c, h), 0);
    fclose(c);
    fclose(h);
    ar_free(&a);
}

static void write_driver(const tcase *tc, int n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/drv.c", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "#include <stdio.h>\n#include <string.h>\n");
    for (int t = 0; t < n; t++) fprintf(f, "#include \"%s.h\"\n", tc[t].prefix);
    for (int t = 0; t < n; t++) {
        const char *p = tc[t].prefix;
        char P[64];
        int ni = tc[t].m->n_in;
        for (int i = 0; i < 63 && p[i]; i++) P[i] = (char)toupper((unsigned char)p[i]), P[i + 1] = 0;
        fprintf(f, "static const float %s_in[%d][%d] = {\n", p, tc[t].ns, ni);
        for (int s = 0; s < tc[t].ns; s++) {
            fprintf(f, "    {");
            for (int i = 0; i < ni; i++) fprintf(f, "%s%af", i ? ", " : "", (double)tc[t].in[s * ni + i]);
            fprintf(f, "},\n");
        }
        fprintf(f, "};\n");
        fprintf(f, "static void run_%s(void)\n{\n"
                   "    for (int s = 0; s < %d; s++) {\n"
                   "        float y[%s_N_OUTPUT], y2[%s_N_OUTPUT];\n"
                   "        int open[%s_N_LAYERS];\n"
                   "        int c = %s_infer_open(%s_in[s], y, open);\n"
                   "        int c2 = %s_infer(%s_in[s], y2);\n"
                   "        printf(\"%d %%d %%d %%d\", s, c, c == c2 && !memcmp(y, y2, sizeof y));\n"
                   "        for (int l = 0; l < %s_N_LAYERS; l++) printf(\" %%d\", open[l]);\n"
                   "        for (int j = 0; j < %s_N_OUTPUT; j++) printf(\" %%a\", (double)y[j]);\n"
                   "        printf(\"\\n\");\n    }\n}\n",
                p, tc[t].ns, P, P, P, p, p, p, p, t, P, P);
    }
    fprintf(f, "int main(void)\n{\n");
    for (int t = 0; t < n; t++) fprintf(f, "    run_%s();\n", tc[t].prefix);
    fprintf(f, "    return 0;\n}\n");
    fclose(f);
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    if (rc) print_error("command failed (%d): %s\n", rc, cmd);
    return rc;
}

static const char *srcs(const tcase *tc, int n)
{
    static char buf[4096];
    buf[0] = 0;
    for (int t = 0; t < n; t++)
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " %s/%s.c", dir, tc[t].prefix);
    return buf;
}

/* Compares one line of driver output with the reference. Returns 1 when
 * the sample was skipped as near a decision boundary. */
static int check_line(const tcase *tc, char *line)
{
    char *p = line;
    int t = (int)strtol(p, &p, 10), s = (int)strtol(p, &p, 10);
    int cls = (int)strtol(p, &p, 10), same = (int)strtol(p, &p, 10);
    const mdl_model *m = tc[t].m;
    ref r;
    ref_run(m, tc[t].in + (long)s * m->n_in, &r);
    assert_int_equal(same, 1); /* _infer and _infer_open agree bit for bit */
    if (r.near & 1) return 1;
    for (int l = 0; l < m->n_ops; l++) {
        int o = (int)strtol(p, &p, 10);
        if (o != r.open[l]) {
            print_error("%s sample %d layer %d: %d open units, reference %d\n", tc[t].prefix, s, l, o, r.open[l]);
            fail();
        }
    }
    for (int j = 0; j < m->n_out; j++) {
        double y = strtod(p, &p);
        if (!(fabs(y - r.out[j]) <= OUT_TOL * (1 + fabs(r.out[j])))) {
            print_error("%s sample %d out[%d] = %.9g, reference %.9g\n", tc[t].prefix, s, j, y, r.out[j]);
            fail();
        }
    }
    if (!(r.near & 2)) assert_int_equal(cls, r.cls);
    return 0;
}

static void run_and_check(const tcase *tc, int n, const char *exe)
{
    char cmd[256], line[8192];
    snprintf(cmd, sizeof cmd, "%s/%s", dir, exe);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    int lines = 0, near = 0;
    while (fgets(line, sizeof line, f)) lines++, near += check_line(tc, line);
    assert_int_equal(pclose(f), 0);
    int want = 0;
    for (int t = 0; t < n; t++) want += tc[t].ns;
    assert_int_equal(lines, want);
    if (getenv("DGC_TEST_VERBOSE")) print_message("%s: %d samples, %d near a boundary\n", exe, lines, near);
    assert_true(near * 10 <= lines); /* a few near-boundary samples at most */
}

/* Emits every case, builds one driver with gcc and with tcc, checks both. */
static void check_cases(const tcase *tc, int n)
{
    for (int t = 0; t < n; t++) emit_files(tc[t].m, tc[t].prefix);
    write_driver(tc, n);
    const char *s = srcs(tc, n);
    assert_int_equal(sh("gcc -std=c99 -Wall -Wextra -Werror -pedantic -O2 -I%s -o %s/drv_gcc %s/drv.c%s -lm",
                        dir, dir, dir, s), 0);
    run_and_check(tc, n, "drv_gcc");
    for (int t = 0; t < n; t++)
        assert_int_equal(sh("tcc -Wall -Werror -c -o %s/%s.o %s/%s.c", dir, tc[t].prefix, dir, tc[t].prefix), 0);
    assert_int_equal(sh("tcc -Wall -Werror -I%s -o %s/drv_tcc %s/drv.c%s -lm", dir, dir, dir, s), 0);
    run_and_check(tc, n, "drv_tcc");
}

static tcase make_case(arena *a, const mdl_model *m, const char *prefix, int ns)
{
    tcase t = {m, prefix, ns, rarr(a, (long)ns * m->n_in, -1.5f, 1.5f)};
    return t;
}

/* ---- tests ---- */

/* What the lowered random models exercise; each must occur at least once. */
enum { C_LIN_IN, C_LIN_SELF, C_LOWRANK, C_TOPK, C_MINKEEP, C_NORM, C_CLOSED_NZ, C_KEPT,
       C_FEAT_KEPT, C_DELETED, C_LAYERNORM, C_SOFTMAX, C_N };

static void tally(const ir_program *p, int *cov)
{
    cov[C_FEAT_KEPT] += p->feat_const != NULL;
    cov[C_DELETED] += p->units_removed > 0;
    for (int i = 0; i < p->n_layers; i++) {
        const ir_layer *l = &p->layers[i];
        const ir_gate *g = &l->gate;
        cov[C_LAYERNORM] += l->kind == OP_LAYERNORM;
        cov[C_KEPT] += l->const_mask != NULL;
        cov[C_SOFTMAX] += l->softmax;
        if (g->kind != GATE_LINEAR && g->kind != GATE_LOWRANK) continue;
        cov[C_LIN_IN] += g->kind == GATE_LINEAR && g->src == GSRC_INPUT;
        cov[C_LIN_SELF] += g->src == GSRC_SELF;
        cov[C_LOWRANK] += g->kind == GATE_LOWRANK;
        cov[C_TOPK] += g->decide == DECIDE_TOPK;
        cov[C_MINKEEP] += g->min_keep > 0;
        cov[C_NORM] += g->has_norm;
        cov[C_CLOSED_NZ] += l->closed_value != 0;
    }
}

/* Random models until every coverage item occurred (at least MIN of them). */
static void random_models(void **state)
{
    (void)state;
    enum { MIN = 30, MAX = 150 };
    arena a;
    ar_init(&a);
    tcase tc[MAX];
    int cov[C_N] = {0}, n = 0, missing = C_N;
    rng = 2024;
    while (n < MAX && (n < MIN || missing)) {
        const char *p = ar_printf(&a, "r%d", n);
        tc[n] = make_case(&a, random_model(&a, p), p, NSAMPLES);
        arena b;
        ar_init(&b);
        tally(ir_lower(&b, tc[n].m), cov);
        ar_free(&b);
        n++;
        missing = 0;
        for (int c = 0; c < C_N; c++) missing += !cov[c];
    }
    for (int c = 0; c < C_N; c++)
        if (!cov[c]) print_error("coverage item %d never occurs\n", c);
    assert_int_equal(missing, 0);
    if (getenv("DGC_TEST_VERBOSE")) print_message("%d random models\n", n);
    check_cases(tc, n);
    ar_free(&a);
}

/* Gate logits tie exactly (G = 0, z = c): top-k opens the lower indices,
 * and the output, which weighs each unit differently, shows which. */
static void topk_ties(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    static const float W1[5 * 2] = {1, 0, 0, 1, 1, 1, 1, -1, 2, 0}, G[5 * 2] = {0};
    static const float c[5] = {1, 2, 2, 2, 0}, W2[2 * 5] = {1, 10, 100, 1000, 10000, 1, 2, 3, 4, 5};
    mdl_model *m = new_model(&a, "ties", 2, 2);
    m->ops[0] = dense("fc1", 2, 5, W1, NULL, ACT_IDENTITY);
    mdl_gate *g = &m->ops[0].gate;
    g->kind = GATE_LINEAR, g->n = 5, g->n_src = 2, g->G = G, g->c = c;
    g->decide = DECIDE_TOPK, g->k = 2, g->thr = 0.5, g->tau = 1;
    m->ops[1] = dense("out", 5, 2, W2, NULL, ACT_IDENTITY);
    finish(m);
    tcase tc[2];
    tc[0] = make_case(&a, m, "ties", 4);
    /* min_keep falls back to the same top-k when the threshold opens too few */
    mdl_model *m2 = new_model(&a, "mk", 2, 2);
    m2->ops[0] = m->ops[0];
    m2->ops[0].gate.decide = DECIDE_THRESHOLD;
    m2->ops[0].gate.thr = 0.95; /* sigmoid(2) = 0.88: nothing open */
    m2->ops[0].gate.min_keep = 3;
    m2->ops[1] = m->ops[1];
    finish(m2);
    tc[1] = make_case(&a, m2, "mk", 4);
    ref r;
    ref_run(m, tc[0].in, &r); /* the reference itself: units 1 and 2 open */
    double y = 10 * (tc[0].in[1] * 1.0) + 100 * (tc[0].in[0] + tc[0].in[1]);
    assert_true(fabs(r.out[0] - y) < 1e-5);
    check_cases(tc, 2);
    ar_free(&a);
}

/* Every unit of a layer statically closed (post; pre with a folded bias;
 * pre before a layer whose input gate then reads no column), and every input
 * feature closed: zero-sized layers compile and compute the right thing. */
static void all_deleted(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    static const float W1[3 * 2] = {1, 2, 3, 4, 5, 6}, lg[3] = {-5, -5, -5}, W2[2 * 3] = {1, 2, 3, -1, -2, -3};
    static const float b2[2] = {0.25f, -0.25f}, flg[2] = {-1, -1}, G[2 * 3] = {1, -1, 0.5f, -1, 1, 0.25f};
    static const float W3[2 * 2] = {1, 2, 3, 4};
    tcase tc[4];
    for (int v = 0; v < 4; v++) {
        const char *p = ar_printf(&a, "del%d", v);
        mdl_model *m = new_model(&a, p, 2, v == 3 ? 3 : 2);
        m->ops[0] = dense("fc1", 2, 3, W1, NULL, ACT_SIGMOID);
        if (v != 2) {
            mdl_gate *g = &m->ops[0].gate;
            g->kind = GATE_STATIC, g->n = 3, g->logits = lg, g->thr = 0.5, g->tau = 1;
            g->apply = v ? APPLY_PRE : APPLY_POST;
        } else {
            mdl_gate *g = &m->in_gate;
            g->kind = GATE_STATIC, g->n = 2, g->logits = flg, g->thr = 0.5, g->tau = 1;
        }
        if (v == 3) { /* z = G * 0.5 only: unit 0 (z = 0.25) open, unit 1 (z = 0.125) too */
            m->ops[1] = dense("fc2", 3, 2, W2, b2, ACT_SIGMOID);
            mdl_gate *g = &m->ops[1].gate;
            g->kind = GATE_LINEAR, g->n = 2, g->n_src = 3, g->G = G, g->thr = 0.53, g->tau = 1;
            g->apply = APPLY_PRE;
            m->ops[2] = dense("out", 2, 2, W3, NULL, ACT_IDENTITY);
        } else {
            m->ops[1] = dense("out", 3, 2, W2, b2, ACT_IDENTITY);
        }
        finish(m);
        tc[v] = make_case(&a, m, p, 3);
    }
    check_cases(tc, 4);
    ar_free(&a);
}

/* Static closures kept as constants: input features before a layernorm, and
 * a sigmoid unit (pre: constant 0.5) before a gate with a norm. */
static void kept_constants(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    rng = 77;
    static const float flg[4] = {1, -1, 1, -1}, lg[4] = {1, -1, -1, 1};
    mdl_model *m = new_model(&a, "keep", 4, 4);
    m->in_gate.kind = GATE_STATIC, m->in_gate.n = 4, m->in_gate.logits = flg;
    m->in_gate.thr = 0.5, m->in_gate.tau = 1;
    m->ops[0].kind = OP_LAYERNORM, m->ops[0].name = "ln", m->ops[0].n_in = m->ops[0].n_out = 4;
    m->ops[0].norm.n = 4, m->ops[0].norm.eps = 1e-5;
    m->ops[1] = dense("fc1", 4, 4, rarr(&a, 16, -1, 1), rarr(&a, 4, -1, 1), ACT_SIGMOID);
    mdl_gate *g = &m->ops[1].gate;
    g->kind = GATE_STATIC, g->n = 4, g->logits = lg, g->thr = 0.5, g->tau = 1, g->apply = APPLY_PRE;
    m->ops[2] = dense("fc2", 4, 3, rarr(&a, 12, -1, 1), NULL, ACT_RELU);
    g = &m->ops[2].gate;
    g->kind = GATE_LINEAR, g->n = 3, g->n_src = 4, g->G = rarr(&a, 12, -1, 1), g->thr = 0.5, g->tau = 1;
    g->has_norm = 1, g->norm.n = 4, g->norm.eps = 1e-5;
    m->ops[3] = dense("out", 3, 2, rarr(&a, 6, -1, 1), NULL, ACT_IDENTITY);
    finish(m);
    arena b;
    ar_init(&b);
    ir_program *p = ir_lower(&b, m);
    assert_non_null(p->feat_const);
    assert_non_null(p->layers[1].const_mask);
    ar_free(&b);
    tcase tc[1] = {make_case(&a, m, "keep", 8)};
    check_cases(tc, 1);
    ar_free(&a);
}

/* Weights round-trip exactly: a one-hot input reads one column back. */
static void exact_weights(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    static const float W[4 * 2] = {0.1f, -0.0f, 0x1p-149f, FLT_MAX, -FLT_MIN, 1.0f / 3, 0x1.fffffep-127f, -7e-39f};
    mdl_model *m = new_model(&a, "exact", 2, 1);
    m->ops[0] = dense("out", 2, 4, W, NULL, ACT_IDENTITY);
    finish(m);
    emit_files(m, "exact");
    char path[128];
    snprintf(path, sizeof path, "%s/exd.c", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "#include <stdio.h>\n#include \"exact.h\"\n"
               "int main(void)\n{\n"
               "    static const float in[2][2] = {{1, 0}, {0, 1}};\n"
               "    for (int i = 0; i < 2; i++) {\n"
               "        float y[EXACT_N_OUTPUT];\n"
               "        exact_infer(in[i], y);\n"
               "        for (int j = 0; j < EXACT_N_OUTPUT; j++) printf(\"%%a\\n\", (double)y[j]);\n"
               "    }\n    return 0;\n}\n");
    fclose(f);
    assert_int_equal(sh("gcc -std=c99 -Wall -Wextra -Werror -pedantic -I%s -o %s/exd %s/exd.c %s/exact.c -lm",
                        dir, dir, dir, dir), 0);
    snprintf(path, sizeof path, "%s/exd", dir);
    f = popen(path, "r");
    assert_non_null(f);
    char line[128];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 4; j++) {
            assert_non_null(fgets(line, sizeof line, f));
            float y = strtof(line, NULL), w = W[j * 2 + i];
            assert_true(y == w); /* -0 reads back as 0: 0 + -0 is +0 */
        }
    assert_int_equal(pclose(f), 0);
    snprintf(path, sizeof path, "%s/exact.c", dir);
    f = fopen(path, "r");
    assert_non_null(f);
    char text[65536];
    size_t len = fread(text, 1, sizeof text - 1, f);
    text[len] = 0;
    fclose(f);
    assert_non_null(strstr(text, "-0x0p+0f"));
    assert_non_null(strstr(text, "0x1p-149f"));
    assert_non_null(strstr(text, "0x1.99999ap-4f"));
    ar_free(&a);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    *len = fread(s, 1, (size_t)n, f);
    s[*len] = 0;
    fclose(f);
    return s;
}

static void deterministic(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    rng = 99;
    mdl_model *m = NULL;
    for (int i = 0; i < 8; i++) m = random_model(&a, "det"); /* a few in, for variety */
    char p1[128], p2[128];
    size_t l1, l2;
    emit_files(m, "det");
    snprintf(p1, sizeof p1, "%s/det.c", dir);
    snprintf(p2, sizeof p2, "%s/det.h", dir);
    char *c1 = slurp(p1, &l1), *h1 = slurp(p2, &l2);
    emit_files(m, "det");
    size_t l3, l4;
    char *c2 = slurp(p1, &l3), *h2 = slurp(p2, &l4);
    assert_true(l1 == l3 && !memcmp(c1, c2, l1));
    assert_true(l2 == l4 && !memcmp(h1, h2, l2));
    assert_null(strstr(c1, "0x7f")); /* no pointer values */
    free(c1), free(c2), free(h1), free(h2);
    ar_free(&a);
}

/* Labels with every awkward byte come back exactly and inject nothing. */
static void labels_escape(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    static const char *labels[4] = {"say \"hi\"\\", "two\nlines\t\x01\x7f\xff", "?\?= ?\?/ ?\?' trigraphs?",
                                    "\"); int x = (\""};
    static const float W[4] = {1, 2, 3, 4};
    mdl_model *m = new_model(&a, "lab", 1, 1);
    m->ops[0] = dense("out", 1, 4, W, NULL, ACT_IDENTITY);
    finish(m);
    m->labels = labels;
    emit_files(m, "lab");
    char path[128];
    snprintf(path, sizeof path, "%s/labd.c", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "#include <stdio.h>\n#include \"lab.h\"\n"
               "int main(void)\n{\n"
               "    for (int i = 0; i < LAB_N_OUTPUT; i++) {\n"
               "        for (const char *s = lab_labels[i]; *s; s++) printf(\"%%02x\", (unsigned char)*s);\n"
               "        printf(\"\\n\");\n"
               "    }\n"
               "    printf(\"%%s %%d %%d\\n\", lab_layer_names[0], lab_layer_units[0], LAB_N_LAYERS);\n"
               "    return 0;\n}\n");
    fclose(f);
    assert_int_equal(sh("gcc -std=c99 -Wall -Wextra -Werror -pedantic -Wtrigraphs -I%s -o %s/labd %s/labd.c %s/lab.c -lm",
                        dir, dir, dir, dir), 0);
    assert_int_equal(sh("tcc -Wall -Werror -c -o %s/lab.o %s/lab.c", dir, dir), 0);
    snprintf(path, sizeof path, "%s/labd", dir);
    f = popen(path, "r");
    assert_non_null(f);
    char line[1024], want[1024];
    for (int i = 0; i < 4; i++) {
        assert_non_null(fgets(line, sizeof line, f));
        want[0] = 0;
        for (const unsigned char *s = (const unsigned char *)labels[i]; *s; s++)
            snprintf(want + strlen(want), sizeof want - strlen(want), "%02x", *s);
        strcat(want, "\n");
        assert_string_equal(line, want);
    }
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "out 4 1\n");
    assert_int_equal(pclose(f), 0);
    ar_free(&a);
}

/* No header: the .c carries its declarations and compiles alone. */
static void inline_decls_and_bad_names(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    static const float W[2] = {1, 2};
    mdl_model *m = new_model(&a, "solo", 1, 1);
    m->ops[0] = dense("out", 1, 2, W, NULL, ACT_IDENTITY);
    finish(m);
    ir_program *p = ir_lower(&a, m);
    char path[128];
    snprintf(path, sizeof path, "%s/solo.c", dir);
    FILE *c = fopen(path, "w");
    assert_non_null(c);
    emit_opts o = {NULL, NULL};
    assert_int_equal(emit_c(p, &o, c, c), 0);
    fclose(c);
    size_t len;
    char *text = slurp(path, &len);
    assert_null(strstr(text, "#include \""));
    assert_non_null(strstr(text, "#define SOLO_N_OUTPUT 2"));
    assert_non_null(strstr(text, "int solo_infer(const float *in, float *out)"));
    char *second = strstr(text, "Generated by dgc");
    assert_non_null(second);
    assert_null(strstr(second + 1, "Generated by dgc")); /* the header was not appended */
    free(text);
    assert_int_equal(sh("gcc -std=c99 -Wall -Wextra -Werror -pedantic -c -o %s/solo.o %s/solo.c", dir, dir), 0);
    assert_int_equal(sh("tcc -Wall -Werror -c -o %s/solo.o %s/solo.c", dir, dir), 0);
    FILE *nul = fopen("/dev/null", "w");
    emit_opts bad1 = {"9lives", NULL}, bad2 = {"ok", "a\"b.h"};
    assert_int_equal(emit_c(p, &bad1, nul, NULL), -1);
    assert_int_equal(emit_c(p, &bad2, nul, NULL), -1);
    fclose(nul);
    ar_free(&a);
}

/* More than 65536 features: index lists switch to int32_t. */
static void wide_input(void **state)
{
    (void)state;
    enum { N = 70001 };
    arena a;
    ar_init(&a);
    rng = 5;
    mdl_model *m = new_model(&a, "wide", N, 1);
    float *lg = ar_array(&a, N, sizeof *lg);
    for (int i = 0; i < N; i++) lg[i] = i % 3 ? 1.0f : -1.0f;
    m->in_gate.kind = GATE_STATIC, m->in_gate.n = N, m->in_gate.logits = lg;
    m->in_gate.thr = 0.5, m->in_gate.tau = 1;
    m->ops[0] = dense("out", N, 2, rarr(&a, 2L * N, -0.01f, 0.01f), NULL, ACT_IDENTITY);
    finish(m);
    tcase tc[1] = {make_case(&a, m, "wide", 2)};
    check_cases(tc, 1);
    char path[128];
    size_t len;
    snprintf(path, sizeof path, "%s/wide.c", dir);
    char *text = slurp(path, &len);
    assert_non_null(strstr(text, "static const int32_t wide_in_feat[46667]"));
    free(text);
    ar_free(&a);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/dgc_test_emit_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    if (getenv("DGC_TEST_KEEP")) { /* keep the generated files to look at */
        print_message("generated files kept in %s\n", dir);
        return 0;
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) ? -1 : 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(random_models),
        cmocka_unit_test(topk_ties),
        cmocka_unit_test(all_deleted),
        cmocka_unit_test(kept_constants),
        cmocka_unit_test(exact_weights),
        cmocka_unit_test(deterministic),
        cmocka_unit_test(labels_escape),
        cmocka_unit_test(inline_decls_and_bad_names),
        cmocka_unit_test(wide_input),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
