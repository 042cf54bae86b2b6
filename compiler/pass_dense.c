/* pass_dense: every dynamic gate dropped, every unit computed: the dense
 * baseline (`dgc --dense`) that gated code is measured against. Static
 * gates are already folded by ir_pass_static, which is exact. */
#include "ir.h"

void ir_pass_dense(ir_program *p)
{
    for (int i = 0; i < p->n_layers; i++) {
        ir_layer *l = &p->layers[i];
        if (l->gate.kind == GATE_LINEAR || l->gate.kind == GATE_LOWRANK) {
            l->gate.kind = GATE_NONE;
            l->closed_value = 0.0f;
        }
    }
}
