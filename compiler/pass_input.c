/* pass_input: the input's affine preprocessing folded into the first layer,
 * so the generated code reads raw features (no scale, offset, mean or std per
 * feature per inference). With x' = a x + c per feature (a = s/std,
 * c = (o - mean)/std):
 *     W x' + b = (W diag a) x + (b + W c),
 * in double, rounded once. A gate reading the input folds its first matrix
 * the same way; a gate LayerNorm is unchanged by a scalar affine up to its
 * eps (LN(a x + c) = LN(x) with eps / a^2, a > 0), so it is folded only when
 * a and c are the same for every kept feature. Anything that is not exact up
 * to float rounding is left alone (the reference interpreter never folds). */
#include "ir.h"

/* a[f], c[f] of kept feature f. */
static void affine(const ir_program *p, int f, double *a, double *c)
{
    int j = p->feat_index[f];
    double sd = p->std ? (double)p->std[j] : 1.0, mu = p->mean ? (double)p->mean[j] : 0.0;
    *a = (double)(float)p->scale / sd;
    *c = ((double)(float)p->offset - mu) / sd;
}

/* M [rows][n] and its bias (created when missing and needed). */
static void fold_matrix(arena *a, const ir_program *p, float *M, float **bias, int rows, int n)
{
    double *va = ar_array(a, (size_t)(n > 0 ? n : 1), sizeof *va);
    double *vc = ar_array(a, (size_t)(n > 0 ? n : 1), sizeof *vc);
    int anyc = 0;
    for (int f = 0; f < n; f++) {
        affine(p, f, &va[f], &vc[f]);
        anyc |= vc[f] != 0.0;
    }
    if (anyc && !*bias) *bias = ar_array(a, (size_t)(rows > 0 ? rows : 1), sizeof **bias);
    for (int r = 0; r < rows; r++) {
        float *row = M + (long)r * n;
        if (anyc) {
            double s = (*bias)[r];
            for (int f = 0; f < n; f++) s += (double)row[f] * vc[f];
            (*bias)[r] = (float)s;
        }
        for (int f = 0; f < n; f++) row[f] = (float)((double)row[f] * va[f]);
    }
}

/* The gate on the first layer reads x'; 1 when it can read x instead. */
static int gate_ok(const ir_program *p, const ir_gate *g)
{
    if (g->kind != GATE_LINEAR && g->kind != GATE_LOWRANK) return g->kind == GATE_NONE;
    if (g->src != GSRC_INPUT) return 1;
    if (g->n_src != p->n_feat) return 0;
    if (!g->has_norm) return 1;
    double a0, c0, a, c;
    if (p->n_feat == 0) return 0;
    affine(p, 0, &a0, &c0);
    for (int f = 1; f < p->n_feat; f++) {
        affine(p, f, &a, &c);
        if ((float)a != (float)a0 || (float)c != (float)c0) return 0;
    }
    return a0 > 0.0;
}

void ir_pass_input(arena *a, ir_program *p)
{
    if (p->n_layers == 0 || p->feat_const) return;
    if ((float)p->scale == 1.0f && (float)p->offset == 0.0f && !p->mean && !p->std) return;
    ir_layer *l = &p->layers[0];
    ir_gate *g = &l->gate;
    if (l->kind != OP_DENSE || l->n_in != p->n_feat || !gate_ok(p, g)) return;
    fold_matrix(a, p, l->W, &l->b, l->n_out, l->n_in);
    if (mdl_gate_dynamic(g->kind) && g->src == GSRC_INPUT) {
        if (g->has_norm) {
            double a0, c0;
            affine(p, 0, &a0, &c0);
            g->norm.eps /= a0 * a0;
        } else if (g->kind == GATE_LINEAR) {
            fold_matrix(a, p, g->G, &g->c, g->n, g->n_src);
        } else {
            fold_matrix(a, p, g->A, &g->a_bias, g->rank, g->n_src);
        }
    }
    p->scale = 1.0;
    p->offset = 0.0;
    p->mean = p->std = NULL;
}
