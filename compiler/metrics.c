/* metrics: see metrics.h for the definitions; this file only counts. */
#include "metrics.h"

/* A dynamic gate with apply pre leaves act(0) in its closed units; when that
 * is not 0 the consumer must still read them. */
static int closed_is_nonzero(const mdl_op *op)
{
    const mdl_gate *g = &op->gate;
    int dynamic = mdl_gate_dynamic(g->kind);
    return dynamic && g->apply == APPLY_PRE && mdl_act_eval(op->act, 0.0) != 0.0;
}

/* How many of the producer's units the next dense op must read. */
static int units_read(const mdl_op *producer, const interp_layer *L)
{
    if (producer->kind == OP_LAYERNORM || closed_is_nonzero(producer)) return L->n;
    return L->n_open;
}

static int rows_computed(const mdl_op *op, const interp_layer *L)
{
    const mdl_gate *g = &op->gate;
    if (g->kind == GATE_NONE) return op->n_out;
    if (g->kind != GATE_STATIC && g->src == GSRC_SELF) return op->n_out;
    return L->n_open;
}

static long long gate_macs(const mdl_gate *g)
{
    switch (g->kind) {
    case GATE_LINEAR: return (long long)g->n * g->n_src;
    case GATE_LOWRANK: return (long long)g->rank * (g->n_src + g->n);
    case GATE_NONE:
    case GATE_STATIC: break;
    }
    return 0;
}

void metrics_compute(arena *a, const mdl_model *m, const interp_result *r, metrics *out)
{
    out->in_ratio = m->n_in > 0 ? (double)r->input.n_open / m->n_in : 1.0;
    out->n_layers = m->n_ops;
    out->layers = ar_array(a, (size_t)(m->n_ops > 0 ? m->n_ops : 1), sizeof *out->layers);
    out->dense_macs = out->exec_macs = out->gate_macs = 0;
    /* Features are only ever closed by the static input gate: deleted columns. */
    int inputs = r->input.n_open;
    for (int i = 0; i < m->n_ops; i++) {
        const mdl_op *op = &m->ops[i];
        const interp_layer *L = &r->layers[i];
        metrics_layer *ml = &out->layers[i];
        ml->n = L->n;
        ml->n_open = L->n_open;
        ml->act_ratio = L->n > 0 ? (double)L->n_open / L->n : 1.0;
        if (op->kind == OP_DENSE) {
            ml->inputs_read = inputs;
            ml->rows_computed = rows_computed(op, L);
            ml->dense_macs = (long long)op->n_in * op->n_out;
            ml->exec_macs = (long long)ml->inputs_read * ml->rows_computed;
            ml->gate_macs = gate_macs(&op->gate);
            out->dense_macs += ml->dense_macs;
            out->exec_macs += ml->exec_macs;
            out->gate_macs += ml->gate_macs;
        }
        inputs = units_read(op, L);
    }
    double d = out->dense_macs > 0 ? (double)out->dense_macs : 1.0;
    out->rel_mac = (double)out->exec_macs / d;
    out->rel_mac_gate = (double)(out->exec_macs + out->gate_macs) / d;
}

void metrics_acc_init(arena *a, metrics_acc *acc, const mdl_model *m)
{
    acc->n_samples = 0;
    acc->n_layers = m->n_ops;
    acc->in_ratio = acc->rel_mac = acc->rel_mac_gate = 0;
    acc->act_ratio = ar_array(a, (size_t)(m->n_ops > 0 ? m->n_ops : 1), sizeof(double));
}

void metrics_acc_add(metrics_acc *acc, const metrics *x)
{
    acc->n_samples++;
    acc->in_ratio += x->in_ratio;
    for (int i = 0; i < acc->n_layers && i < x->n_layers; i++)
        acc->act_ratio[i] += x->layers[i].act_ratio;
    acc->rel_mac += x->rel_mac;
    acc->rel_mac_gate += x->rel_mac_gate;
}

void metrics_acc_finish(metrics_acc *acc)
{
    if (acc->n_samples == 0) return;
    double n = (double)acc->n_samples;
    acc->in_ratio /= n;
    for (int i = 0; i < acc->n_layers; i++) acc->act_ratio[i] /= n;
    acc->rel_mac /= n;
    acc->rel_mac_gate /= n;
}
