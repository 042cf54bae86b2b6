/* pass_threshold: a threshold decision sigmoid(z/tau) > thr becomes one float
 * compare z > zthr per layer, so generated code needs no expf on the gate path. */
#include <string.h>
#include "ir.h"

static void fold(ir_gate *g)
{
    if (g->kind != GATE_LINEAR && g->kind != GATE_LOWRANK) return;
    if (g->decide != DECIDE_THRESHOLD) return;
    /* Through mdl_gate_zthr so the IR and every other consumer agree. */
    mdl_gate m;
    memset(&m, 0, sizeof m);
    m.thr = g->thr;
    m.tau = g->tau;
    g->zthr = (float)mdl_gate_zthr(&m);
    g->folded = 1;
}

void ir_pass_threshold(ir_program *p)
{
    for (int i = 0; i < p->n_layers; i++) fold(&p->layers[i].gate);
}
