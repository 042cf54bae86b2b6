/* ir_build: the checked model deep-copied into an ir_program. Every float
 * array is copied into the arena so the passes may rewrite it in place; the
 * checked model is never modified. */
#include <string.h>
#include "ir.h"

static float *copy_f(arena *a, const float *src, long n)
{
    if (!src) return NULL;
    float *d = ar_array(a, (size_t)(n > 0 ? n : 1), sizeof *d);
    if (n > 0) memcpy(d, src, (size_t)n * sizeof *d);
    return d;
}

float *ir_zeros(arena *a, int n) { return ar_array(a, (size_t)(n > 0 ? n : 1), sizeof(float)); }

static int *identity(arena *a, int n)
{
    int *v = ar_array(a, (size_t)(n > 0 ? n : 1), sizeof *v);
    for (int i = 0; i < n; i++) v[i] = i;
    return v;
}

static mdl_norm copy_norm(arena *a, const mdl_norm *src)
{
    mdl_norm d = *src;
    d.weight = copy_f(a, src->weight, src->n);
    d.bias = copy_f(a, src->bias, src->n);
    return d;
}

static void copy_gate(arena *a, ir_gate *d, const mdl_gate *g)
{
    memset(d, 0, sizeof *d);
    d->kind = g->kind;
    d->src = g->src;
    d->decide = g->decide;
    d->apply = g->apply;
    d->thr = g->thr;
    d->tau = g->tau;
    d->k = g->k;
    d->min_keep = g->min_keep;
    d->n = g->n;
    d->n_src = g->n_src;
    d->has_norm = g->has_norm;
    if (g->has_norm) d->norm = copy_norm(a, &g->norm);
    d->rank = g->rank;
    d->hidden_act = g->hidden_act;
    long n = g->n, ns = g->n_src, r = g->rank;
    switch (g->kind) {
    case GATE_STATIC:
        d->logits = copy_f(a, g->logits, n);
        break;
    case GATE_LINEAR:
        d->G = copy_f(a, g->G, n * ns);
        d->c = copy_f(a, g->c, n);
        break;
    case GATE_LOWRANK:
        d->A = copy_f(a, g->A, r * ns);
        d->a_bias = copy_f(a, g->a_bias, r);
        d->B = copy_f(a, g->B, n * r);
        d->c = copy_f(a, g->c, n);
        break;
    case GATE_NONE:
        break;
    }
}

static void copy_op(arena *a, ir_layer *l, const mdl_op *op)
{
    l->kind = op->kind;
    l->name = ar_strdup(a, op->name ? op->name : "");
    l->n_in = op->n_in;
    l->n_out = op->n_out;
    l->n_out_model = op->n_out;
    l->unit_index = identity(a, op->n_out);
    l->act = op->act;
    l->is_output = op->is_output;
    l->softmax = op->softmax;
    if (op->kind == OP_LAYERNORM) {
        l->norm = copy_norm(a, &op->norm);
        l->gate.kind = GATE_NONE;
        return;
    }
    l->W = copy_f(a, op->W, (long)op->n_out * op->n_in);
    l->b = copy_f(a, op->b, op->n_out);
    copy_gate(a, &l->gate, &op->gate);
}

ir_program *ir_build(arena *a, const mdl_model *m)
{
    ir_program *p = ar_alloc(a, sizeof *p);
    p->name = ar_strdup(a, m->name ? m->name : "model");
    p->n_in = m->n_in;
    p->shape_rank = m->shape_rank;
    memcpy(p->shape, m->shape, sizeof p->shape);
    p->scale = m->scale;
    p->offset = m->offset;
    p->mean = copy_f(a, m->mean, m->n_in);
    p->std = copy_f(a, m->std, m->n_in);
    p->n_feat = m->n_in;
    p->feat_index = identity(a, m->n_in);
    copy_gate(a, &p->in_gate, &m->in_gate);
    p->n_layers = m->n_ops;
    p->layers = ar_array(a, (size_t)(m->n_ops > 0 ? m->n_ops : 1), sizeof *p->layers);
    for (int i = 0; i < m->n_ops; i++) copy_op(a, &p->layers[i], &m->ops[i]);
    p->n_out = m->n_out;
    if (m->labels) {
        p->labels = ar_array(a, (size_t)(m->n_out > 0 ? m->n_out : 1), sizeof *p->labels);
        for (int i = 0; i < m->n_out; i++) p->labels[i] = ar_strdup(a, m->labels[i]);
    }
    p->params_model = m->params;
    return p;
}

ir_program *ir_lower_for(arena *a, const mdl_model *m, const ir_target *t, const ir_calib *c,
                         int dense)
{
    ir_program *p = ir_build(a, m);
    if (dense) ir_pass_dense(p);
    ir_pass_static(a, p);
    ir_pass_threshold(p);
    ir_pass_gate_norm(a, p);
    ir_pass_input(a, p);
    if (!dense) ir_pass_permute(a, p, c, t->tile);
    ir_pass_tile(p, t, dense ? NULL : c);
    return p;
}

ir_program *ir_lower(arena *a, const mdl_model *m)
{
    return ir_lower_for(a, m, ir_target_default(), NULL, 0);
}
