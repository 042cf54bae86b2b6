/* fw_libm: prints the libm functions a model's generated C may call, from
 * the checked model: activations (gelu: erff; gelu_tanh, tanh: tanhf;
 * sigmoid: expf), softmax (expf), LayerNorm layers and gate norms (sqrtf).
 * Gate decisions need none. fw-cross allows exactly these in an object.
 *
 * usage: fw_libm MODEL.dg */
#include <stdio.h>
#include "front.h"

enum { F_ERFF, F_TANHF, F_EXPF, F_SQRTF, F_COUNT };
static const char *const fnames[F_COUNT] = {"erff", "tanhf", "expf", "sqrtf"};

static void need_act(mdl_act act, int *need)
{
    switch (act) {
    case ACT_GELU: need[F_ERFF] = 1; break;
    case ACT_GELU_TANH:
    case ACT_TANH: need[F_TANHF] = 1; break;
    case ACT_SIGMOID: need[F_EXPF] = 1; break;
    case ACT_IDENTITY:
    case ACT_RELU: break;
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fw_libm MODEL.dg\n");
        return 2;
    }
    arena a;
    ar_init(&a);
    diag_init(stderr);
    const mdl_model *m = front_load_file(&a, argv[1]);
    if (!m) return 1;
    int need[F_COUNT] = {0};
    for (int l = 0; l < m->n_ops; l++) {
        const mdl_op *op = &m->ops[l];
        if (op->kind == OP_LAYERNORM) {
            need[F_SQRTF] = 1;
            continue;
        }
        need_act(op->act, need);
        need[F_EXPF] |= op->softmax;
        if (op->gate.kind == GATE_LINEAR || op->gate.kind == GATE_LOWRANK) {
            need[F_SQRTF] |= op->gate.has_norm;
            if (op->gate.kind == GATE_LOWRANK) need_act(op->gate.hidden_act, need);
        }
    }
    for (int f = 0, first = 1; f < F_COUNT; f++)
        if (need[f]) printf("%s%s", first ? "" : " ", fnames[f]), first = 0;
    printf("\n");
    ar_free(&a);
    return 0;
}
