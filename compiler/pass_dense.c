/* pass_dense: every gate dropped, every unit computed: the dense baseline
 * (`dgc --dense`) that gated code is measured against. Runs before
 * ir_pass_static, so static gates (the input gate included) are dropped
 * too and nothing is deleted: the baseline is the model's full layers. */
#include "ir.h"

void ir_pass_dense(ir_program *p)
{
    p->in_gate.kind = GATE_NONE;
    for (int i = 0; i < p->n_layers; i++) {
        p->layers[i].gate.kind = GATE_NONE;
        p->layers[i].closed_value = 0.0f;
    }
}
