/* pass_static: static gates decided at compile time.
 *
 * A static gate (the input feature gate, or a layer gate of kind static) is
 * independent of the input, so its mask is computed here with exactly the
 * model semantics (docs/language.md, "Gates"), in double as the reference
 * interpreter does. A closed unit holds a constant (0 for apply post, act(0)
 * for apply pre, 0 for an input feature). Then either:
 *   - the consumer is a dense layer that does not need the whole vector:
 *     the unit is deleted (its row in the producer, its column in the
 *     consumer and in the consumer's input gate), the constant times the
 *     column folded into the consumer's biases; or
 *   - the consumer needs the whole vector (a layernorm, or a gate with a
 *     norm over the layer input): the unit is kept as a constant. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ir.h"

typedef struct zi {
    float z;
    int i;
} zi;

/* Larger logit first; ties to the lower index. */
static int cmp_zi(const void *pa, const void *pb)
{
    const zi *a = pa, *b = pb;
    if (a->z > b->z) return -1;
    if (a->z < b->z) return 1;
    return (a->i > b->i) - (a->i < b->i);
}

/* open[] = the k largest logits. */
static void mark_topk(arena *a, const float *z, int n, int k, unsigned char *open)
{
    zi *v = ar_array(a, (size_t)(n > 0 ? n : 1), sizeof *v);
    for (int i = 0; i < n; i++) v[i].z = z[i], v[i].i = i;
    qsort(v, (size_t)n, sizeof *v, cmp_zi);
    memset(open, 0, (size_t)n);
    for (int i = 0; i < k && i < n; i++) open[v[i].i] = 1;
}

/* The static gate's mask, as the interpreter decides it. Returns open units. */
static int decide(arena *a, const ir_gate *g, unsigned char *open)
{
    int n = g->n, cnt = 0;
    if (g->decide == DECIDE_TOPK) {
        mark_topk(a, g->logits, n, g->k, open);
        return g->k < n ? g->k : n;
    }
    for (int j = 0; j < n; j++) {
        double p = 1.0 / (1.0 + exp(-(double)g->logits[j] / g->tau));
        open[j] = p > g->thr;
        cnt += open[j];
    }
    if (g->min_keep > cnt) {
        mark_topk(a, g->logits, n, g->min_keep, open);
        cnt = g->min_keep < n ? g->min_keep : n;
    }
    return cnt;
}

/* A consumer that reads every element of its input vector cannot lose one. */
static int needs_whole(const ir_layer *c)
{
    if (c->kind == OP_LAYERNORM) return 1;
    const ir_gate *g = &c->gate;
    return mdl_gate_dynamic(g->kind) && g->src == GSRC_INPUT &&
           g->has_norm;
}

/* bias[r] += cv * M[r][closed columns], in double, rounded once. */
static void fold(float *bias, const float *M, int rows, int cols, const unsigned char *open,
                 float cv)
{
    for (int r = 0; r < rows; r++) {
        double s = bias[r];
        for (int j = 0; j < cols; j++)
            if (!open[j]) s += (double)cv * (double)M[(long)r * cols + j];
        bias[r] = (float)s;
    }
}

/* Keep only the open columns of M [rows][cols], in place. */
static void compact_cols(float *M, int rows, int cols, const unsigned char *open)
{
    long k = 0;
    for (int r = 0; r < rows; r++)
        for (int j = 0; j < cols; j++)
            if (open[j]) M[k++] = M[(long)r * cols + j];
}

/* Delete the closed inputs of dense layer c, folding their constant cv. */
static void drop_columns(arena *a, ir_layer *c, const unsigned char *open, int n_open, float cv)
{
    int n = c->n_in;
    ir_gate *g = &c->gate;
    int gate_reads = mdl_gate_dynamic(g->kind) && g->src == GSRC_INPUT;
    if (cv != 0) {
        if (!c->b) c->b = ir_zeros(a, c->n_out);
        fold(c->b, c->W, c->n_out, n, open, cv);
        if (gate_reads && g->kind == GATE_LINEAR) {
            if (!g->c) g->c = ir_zeros(a, g->n);
            fold(g->c, g->G, g->n, n, open, cv);
        } else if (gate_reads) {
            if (!g->a_bias) g->a_bias = ir_zeros(a, g->rank);
            fold(g->a_bias, g->A, g->rank, n, open, cv);
        }
    }
    compact_cols(c->W, c->n_out, n, open);
    if (gate_reads && g->kind == GATE_LINEAR) compact_cols(g->G, g->n, n, open);
    if (gate_reads && g->kind == GATE_LOWRANK) compact_cols(g->A, g->rank, n, open);
    if (gate_reads) g->n_src = n_open;
    c->n_in = n_open;
}

/* Delete the closed units of dense layer l (its rows). */
static void drop_rows(ir_layer *l, const unsigned char *open)
{
    int k = 0;
    for (int j = 0; j < l->n_out; j++) {
        if (!open[j]) continue;
        memmove(l->W + (long)k * l->n_in, l->W + (long)j * l->n_in,
                (size_t)l->n_in * sizeof *l->W);
        if (l->b) l->b[k] = l->b[j];
        l->unit_index[k] = l->unit_index[j];
        k++;
    }
    l->n_out = k;
}

static void input_gate(arena *a, ir_program *p)
{
    ir_gate *g = &p->in_gate;
    if (g->kind != GATE_STATIC) return;
    g->kind = GATE_NONE;
    if (p->n_layers < 1) return;
    int n = p->n_feat;
    unsigned char *open = ar_alloc(a, (size_t)(n > 0 ? n : 1));
    int n_open = decide(a, g, open);
    ir_layer *c = &p->layers[0];
    if (needs_whole(c)) {
        if (n_open < n) {
            p->feat_const = ar_alloc(a, (size_t)n);
            for (int f = 0; f < n; f++) p->feat_const[f] = !open[f];
        }
    } else {
        drop_columns(a, c, open, n_open, 0.0f);
        int k = 0;
        for (int f = 0; f < n; f++)
            if (open[f]) p->feat_index[k++] = p->feat_index[f];
        p->n_feat = k;
        p->units_removed += n - k;
    }
}

static void layer_gate(arena *a, ir_program *p, int i)
{
    ir_layer *l = &p->layers[i];
    ir_gate *g = &l->gate;
    if (g->kind != GATE_STATIC) return;
    int n = l->n_out;
    unsigned char *open = ar_alloc(a, (size_t)(n > 0 ? n : 1));
    int n_open = decide(a, g, open);
    float cv = g->apply == APPLY_PRE ? (float)mdl_act_eval(l->act, 0.0) : 0.0f;
    g->kind = GATE_NONE;
    if (n_open == n || i + 1 >= p->n_layers) return;
    ir_layer *c = &p->layers[i + 1];
    if (needs_whole(c)) {
        l->const_mask = ar_alloc(a, (size_t)n);
        l->const_val = ir_zeros(a, n);
        for (int j = 0; j < n; j++)
            if (!open[j]) l->const_mask[j] = 1, l->const_val[j] = cv;
        return;
    }
    drop_columns(a, c, open, n_open, cv);
    drop_rows(l, open);
    p->units_removed += n - n_open;
}

void ir_pass_static(arena *a, ir_program *p)
{
    input_gate(a, p);
    for (int i = 0; i < p->n_layers; i++) layer_gate(a, p, i);
    for (int i = 0; i < p->n_layers; i++) {
        ir_layer *l = &p->layers[i];
        l->closed_value = 0.0f;
        if (mdl_gate_dynamic(l->gate.kind) &&
            l->gate.apply == APPLY_PRE)
            l->closed_value = (float)mdl_act_eval(l->act, 0.0);
    }
}
