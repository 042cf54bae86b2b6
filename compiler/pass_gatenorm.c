/* pass_gatenorm: a gate's LayerNorm affine folded into the gate's first
 * matrix M (G of a linear gate, A of a low-rank one) and its bias:
 *     M (n * w + b) + c = (M diag w) n + (M b + c),   n = (s - mean) / std,
 * computed in double and rounded once. The generated code then needs no
 * normalised vector: M n = (M s - mean * rowsum(M)) / std, a dot product
 * over the source's open elements only (emit_gate.c). */
#include "ir.h"

static void fold(arena *a, ir_gate *g)
{
    int lin = g->kind == GATE_LINEAR, rows = lin ? g->n : g->rank, n = g->n_src;
    float *M = lin ? g->G : g->A;
    const float *w = g->norm.weight, *b = g->norm.bias;
    float **bias = lin ? &g->c : &g->a_bias;
    if (b && !*bias) *bias = ir_zeros(a, rows);
    for (int r = 0; r < rows; r++) {
        float *row = M + (long)r * n;
        if (b) {
            double s = (*bias)[r];
            for (int i = 0; i < n; i++) s += (double)row[i] * (double)b[i];
            (*bias)[r] = (float)s;
        }
        if (w)
            for (int i = 0; i < n; i++) row[i] *= w[i];
    }
    g->norm.weight = g->norm.bias = NULL;
}

void ir_pass_gate_norm(arena *a, ir_program *p)
{
    for (int i = 0; i < p->n_layers; i++) {
        ir_gate *g = &p->layers[i].gate;
        if (mdl_gate_dynamic(g->kind) && g->has_norm &&
            (g->norm.weight || g->norm.bias))
            fold(a, g);
    }
}
