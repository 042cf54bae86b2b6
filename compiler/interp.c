/* interp: the reference interpreter (see interp.h).
 *
 * Everything is computed in double, straight from the checked model, in the
 * order docs/language.md states it: preprocessing, the input gate, then each
 * op. Gate decisions use the literal probability test sigmoid(z/tau) > thr,
 * never the folded logit threshold, so the oracle does not share the
 * compiler's shortcut. Speed does not matter here; obviousness does.
 *
 * Near flags (docs/testing.md) mark the units whose decision could flip
 * under a different summation order:
 *   - threshold: |z - b| <= INTERP_NEAR_REL * max(1, |b|), b = mdl_gate_zthr.
 *   - top-k: let zk be the k-th largest logit and zk1 the (k+1)-th. Only if
 *     zk - zk1 <= margin (margin = INTERP_NEAR_REL * max(1, |zk|)) can the
 *     selection change; then every unit with |z - zk| <= margin is near.
 *     This is "near iff |z - zk| <= margin and some unit on the other side
 *     of the decision lies within the margin": for a closed unit the other
 *     side is the k-th unit itself, for an open one it is the (k+1)-th.
 *     With k == n nothing can change, so nothing is near.
 *   - min_keep: the threshold rule always (a unit crossing the threshold
 *     can switch the fallback on or off); when the fallback was taken, the
 *     top-k rule with k = min_keep as well.
 *   - static gates are decided at compile time from the same double
 *     computation, so they are never near.
 *   - a layernorm whose input variance is above 0 and below its eps: all
 *     its units. */
#include "interp.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static double *vec(arena *a, int n)
{
    return ar_array(a, (size_t)(n > 0 ? n : 1), sizeof(double));
}

/* A layer with every unit open and nothing near; gates refine it later. */
static void layer_init(arena *a, interp_layer *L, int n)
{
    L->n = n;
    L->open = ar_array(a, (size_t)(n > 0 ? n : 1), 1);
    L->near = ar_array(a, (size_t)(n > 0 ? n : 1), 1);
    memset(L->open, 1, (size_t)n);
    L->z = NULL;
    L->h = vec(a, n);
}

static void layer_count(interp_layer *L)
{
    L->n_open = L->n_near = 0;
    for (int j = 0; j < L->n; j++) {
        L->n_open += L->open[j];
        L->n_near += L->near[j];
    }
}

/* y = LayerNorm(x): biased variance, (x - mean) / sqrt(var + eps), then the
 * optional affine (weight NULL = 1, bias NULL = 0). Returns the variance. */
static double layernorm(const mdl_norm *nm, const double *x, double *y, int n)
{
    double mean = 0, var = 0;
    for (int i = 0; i < n; i++) mean += x[i];
    mean /= n;
    for (int i = 0; i < n; i++) var += (x[i] - mean) * (x[i] - mean);
    var /= n;
    double sd = sqrt(var + nm->eps);
    for (int i = 0; i < n; i++) {
        double v = (x[i] - mean) / sd;
        if (nm->weight) v *= nm->weight[i];
        if (nm->bias) v += nm->bias[i];
        y[i] = v;
    }
    return var;
}

/* y = b + M x, M [rows][cols] row-major, b NULL = 0. */
static void matvec(const float *M, const float *b, const double *x, int rows, int cols,
                   double *y)
{
    for (int r = 0; r < rows; r++) {
        double s = 0;
        const float *row = M + (size_t)r * (size_t)cols;
        for (int i = 0; i < cols; i++) s += (double)row[i] * x[i];
        y[r] = (b ? (double)b[r] : 0.0) + s;
    }
}

/* ---- gate decisions ---- */

typedef struct zrank {
    double z;
    int i;
} zrank;

/* "a ranks above b": larger first; a NaN (only from non-finite inputs)
 * ranks below everything so qsort still sees a consistent order. */
static int z_above(double a, double b)
{
    if (isnan(a)) return 0;
    if (isnan(b)) return 1;
    return a > b;
}

/* Larger logit first; ties to the lower index. */
static int cmp_zrank(const void *pa, const void *pb)
{
    const zrank *a = pa, *b = pb;
    if (z_above(a->z, b->z)) return -1;
    if (z_above(b->z, a->z)) return 1;
    return (a->i > b->i) - (a->i < b->i);
}

/* Open exactly the k largest logits; OR the top-k near rule into near[]
 * (the caller may already have marked threshold-near units). */
static void decide_topk(arena *a, const double *z, int n, int k, unsigned char *open,
                        unsigned char *near)
{
    zrank *v = ar_array(a, (size_t)(n > 0 ? n : 1), sizeof *v);
    for (int i = 0; i < n; i++) v[i].z = z[i], v[i].i = i;
    qsort(v, (size_t)n, sizeof *v, cmp_zrank);
    if (k > n) k = n;
    memset(open, 0, (size_t)n);
    for (int i = 0; i < k; i++) open[v[i].i] = 1;
    if (k < 1 || k >= n) return;
    double zk = v[k - 1].z, margin = INTERP_NEAR_REL * fmax(1.0, fabs(zk));
    if (!(zk - v[k].z <= margin)) return;
    for (int j = 0; j < n; j++)
        if (fabs(z[j] - zk) <= margin) near[j] = 1;
}

/* The normative test, computed literally: open iff sigmoid(z/tau) > thr. */
static int threshold_open(const mdl_gate *g, double z)
{
    double p = 1.0 / (1.0 + exp(-z / g->tau));
    return p > g->thr;
}

static void decide_threshold(arena *a, const mdl_gate *g, const double *z, int n,
                             unsigned char *open, unsigned char *near)
{
    double b = mdl_gate_zthr(g), margin = INTERP_NEAR_REL * fmax(1.0, fabs(b));
    int count = 0;
    for (int j = 0; j < n; j++) {
        open[j] = (unsigned char)threshold_open(g, z[j]);
        near[j] = fabs(z[j] - b) <= margin;
        count += open[j];
    }
    if (g->min_keep > 0 && count < g->min_keep) decide_topk(a, z, n, g->min_keep, open, near);
}

/* Fill L->open and L->near from the logits L->z. */
static void decide(arena *a, const mdl_gate *g, interp_layer *L)
{
    if (g->decide == DECIDE_TOPK) {
        memset(L->near, 0, (size_t)L->n);
        decide_topk(a, L->z, L->n, g->k, L->open, L->near);
    } else {
        decide_threshold(a, g, L->z, L->n, L->open, L->near);
    }
    /* Decided once at compile time from this same computation: cannot flip. */
    if (g->kind == GATE_STATIC) memset(L->near, 0, (size_t)L->n);
}

/* z for a gate. x is the layer's input, u its activations (for from self). */
static void gate_logits(arena *a, const mdl_gate *g, const double *x, const double *u,
                        double *z)
{
    if (g->kind == GATE_STATIC) {
        for (int j = 0; j < g->n; j++) z[j] = g->logits[j];
        return;
    }
    const double *s = g->src == GSRC_SELF ? u : x;
    if (g->has_norm) {
        double *t = vec(a, g->n_src);
        layernorm(&g->norm, s, t, g->n_src);
        s = t;
    }
    if (g->kind == GATE_LINEAR) {
        matvec(g->G, g->c, s, g->n, g->n_src, z);
        return;
    }
    double *t = vec(a, g->rank);
    matvec(g->A, g->a_bias, s, g->rank, g->n_src, t);
    for (int r = 0; r < g->rank; r++) t[r] = mdl_act_eval(g->hidden_act, t[r]);
    matvec(g->B, g->c, t, g->n, g->rank, z);
}

/* ---- the stages ---- */

/* Preprocessing and the input gate: r->input.h holds the features the first
 * op reads, a closed feature being exactly 0. */
static void run_input(arena *a, const mdl_model *m, const float *in, interp_layer *L)
{
    layer_init(a, L, m->n_in);
    for (int f = 0; f < m->n_in; f++) {
        double x = (double)in[f] * m->scale + m->offset;
        if (m->mean) x -= m->mean[f];
        if (m->std) x /= m->std[f];
        L->h[f] = x;
    }
    if (m->in_gate.kind != GATE_NONE) {
        L->z = vec(a, m->n_in);
        gate_logits(a, &m->in_gate, L->h, L->h, L->z);
        decide(a, &m->in_gate, L);
        for (int f = 0; f < m->n_in; f++)
            if (!L->open[f]) L->h[f] = 0;
    }
    layer_count(L);
}

static void run_layernorm(arena *a, const mdl_op *op, const double *x, interp_layer *L)
{
    layer_init(a, L, op->n_out);
    /* Below eps the variance no longer normalises: the output grows with
     * the input's absolute deviations, whose float rounding (a cancelling
     * sum upstream) it amplifies up to 1/sqrt(eps) times. Its units count
     * as near, so outputs after it are not compared (docs/testing.md). An
     * input of equal values (all closed: zeros) is exact: not near. */
    double var = layernorm(&op->norm, x, L->h, op->n_in);
    if (var > 0 && var < op->norm.eps) memset(L->near, 1, (size_t)L->n);
    layer_count(L);
}

/* Dense op: u = act(W x + b), then the gate. The output op is checked to have
 * no gate and the identity activation, so it needs no special case here. */
static void run_dense(arena *a, const mdl_op *op, const double *x, interp_layer *L)
{
    int n = op->n_out;
    layer_init(a, L, n);
    double *u = vec(a, n);
    matvec(op->W, op->b, x, n, op->n_in, u);
    for (int j = 0; j < n; j++) u[j] = mdl_act_eval(op->act, u[j]);
    const mdl_gate *g = &op->gate;
    if (g->kind == GATE_NONE) {
        memcpy(L->h, u, (size_t)n * sizeof *u);
    } else {
        L->z = vec(a, n);
        gate_logits(a, g, x, u, L->z);
        decide(a, g, L);
        /* post: m * act(a) = 0; pre: act(m * a) = act(0) (0.5 for sigmoid). */
        double closed = g->apply == APPLY_PRE ? mdl_act_eval(op->act, 0.0) : 0.0;
        for (int j = 0; j < n; j++) L->h[j] = L->open[j] ? u[j] : closed;
    }
    layer_count(L);
}

/* In place: subtract the max (exp cannot overflow), exp, normalise. */
static void softmax(double *v, int n)
{
    double mx = v[0], sum = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > mx) mx = v[i];
    for (int i = 0; i < n; i++) {
        v[i] = exp(v[i] - mx);
        sum += v[i];
    }
    for (int i = 0; i < n; i++) v[i] /= sum;
}

/* Strict > keeps the first of equal values: ties go to the lower index. */
static int argmax(const double *v, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[best]) best = i;
    return best;
}

void interp_run(arena *a, const mdl_model *m, const float *in, interp_result *r)
{
    memset(r, 0, sizeof *r);
    run_input(a, m, in, &r->input);
    r->n_near = r->input.n_near;
    r->n_layers = m->n_ops;
    r->layers = ar_array(a, (size_t)(m->n_ops > 0 ? m->n_ops : 1), sizeof *r->layers);
    const double *x = r->input.h;
    for (int i = 0; i < m->n_ops; i++) {
        const mdl_op *op = &m->ops[i];
        interp_layer *L = &r->layers[i];
        if (op->kind == OP_LAYERNORM) run_layernorm(a, op, x, L);
        else run_dense(a, op, x, L);
        r->n_near += L->n_near;
        x = L->h;
    }
    /* The output layer's h is the model's output: probabilities with softmax. */
    interp_layer *out = &r->layers[m->n_ops - 1];
    if (m->ops[m->n_ops - 1].softmax) softmax(out->h, out->n);
    r->n_out = out->n;
    r->out = out->h;
    r->cls = argmax(r->out, r->n_out);
}
