/* test_pass_input: the input preprocessing folded into the first layer and
 * a gate reading the input; what cannot be folded exactly is left alone. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "front.h"
#include "ir.h"

static mdl_model *load(arena *a, const char *text)
{
    mdl_model *m = front_load_text(a, "t.dg", text, strlen(text), ".");
    assert_non_null(m);
    return m;
}

/* The model's preprocessed feature j of raw input x. */
static double pre(const mdl_model *m, const float *x, int j)
{
    double v = (double)x[j] * m->scale + m->offset;
    if (m->mean) v -= m->mean[j];
    if (m->std) v /= m->std[j];
    return v;
}

/* Row r of M [rows][n] + bias over x2 (model) and over the raw kept
 * features (IR, index feat) agree. */
static void same_rows(const mdl_model *m, const float *M, const float *bias, int rows, const float *FM,
                      const float *fbias, const ir_program *p, const float *x)
{
    for (int r = 0; r < rows; r++) {
        double want = bias ? bias[r] : 0.0, got = fbias ? fbias[r] : 0.0;
        for (int j = 0; j < m->n_in; j++) want += (double)M[(long)r * m->n_in + j] * pre(m, x, j);
        for (int f = 0; f < p->n_feat; f++) got += (double)FM[(long)r * p->n_feat + f] * x[p->feat_index[f]];
        assert_true(fabs(want - got) <= 1e-5 * (1.0 + fabs(want)));
    }
}

static const float raw[3][3] = {{0, 255, 17}, {128, 3, 250}, {255, 255, 0}};

static const char *lin =
    "model t;\ninput 3 { scale 0.5; offset 1; mean [0.25, -1, 2]; std [2, 0.5, 4]; }\n"
    "layer a dense 2 { weight [[1, -2, 3], [0.5, 4, -1]]; bias [0.1, -0.2];\n"
    "  gate lowrank 1 { a [[1, 2, -3]]; b [[1], [-1]]; threshold 0.5; } }\n"
    "output out dense 2 { weight [[1, 2], [3, 4]]; }\n";

static void folds_layer_and_gate(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    mdl_model *m = load(&a, lin);
    ir_program *p = ir_lower(&a, m);
    assert_null(p->mean);
    assert_null(p->std);
    assert_true(p->scale == 1.0 && p->offset == 0.0);
    const ir_layer *l = &p->layers[0];
    const mdl_op *o = &m->ops[0];
    for (int i = 0; i < 3; i++) {
        same_rows(m, o->W, o->b, 2, l->W, l->b, p, raw[i]);
        same_rows(m, o->gate.A, o->gate.a_bias, 1, l->gate.A, l->gate.a_bias, p, raw[i]);
    }
    /* --dense folds the layer too */
    p = ir_lower_for(&a, m, ir_target_default(), NULL, 1);
    assert_null(p->mean);
    same_rows(m, o->W, o->b, 2, p->layers[0].W, p->layers[0].b, p, raw[1]);
    ar_free(&a);
}

static const char *normed =
    "model t;\ninput 3 { scale 0.5; mean 0.25; std 2; }\n"
    "layer a dense 2 { weight [[1, -2, 3], [0.5, 4, -1]];\n"
    "  gate linear { norm { eps 0.01; } weight [[1, 2, -3], [0, 1, 1]]; threshold 0.5; } }\n"
    "output out dense 2 { weight [[1, 2], [3, 4]]; }\n";

static void gate_norm_eps(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    mdl_model *m = load(&a, normed);
    ir_program *p = ir_lower(&a, m);
    assert_null(p->mean);
    /* LN(x/4 - 1/8) = LN(x) with eps 0.01 * 16; the gate matrix unchanged */
    assert_true(fabs(p->layers[0].gate.norm.eps - 0.16) < 1e-12);
    assert_memory_equal(p->layers[0].gate.G, m->ops[0].gate.G, 6 * sizeof(float));
    same_rows(m, m->ops[0].W, m->ops[0].b, 2, p->layers[0].W, p->layers[0].b, p, raw[2]);
    ar_free(&a);
}

/* Per-feature mean under a gate LayerNorm: not a scalar affine, not folded. */
static const char *unfoldable =
    "model t;\ninput 3 { scale 0.5; mean [0.25, 0, 1]; std 2; }\n"
    "layer a dense 2 { weight [[1, -2, 3], [0.5, 4, -1]];\n"
    "  gate linear { norm { eps 0.01; } weight [[1, 2, -3], [0, 1, 1]]; threshold 0.5; } }\n"
    "output out dense 2 { weight [[1, 2], [3, 4]]; }\n";

static void left_alone(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    mdl_model *m = load(&a, unfoldable);
    ir_program *p = ir_lower(&a, m);
    assert_non_null(p->mean);
    assert_true(p->scale == 0.5);
    assert_memory_equal(p->layers[0].W, m->ops[0].W, 6 * sizeof(float));
    assert_true(p->layers[0].gate.norm.eps == 0.01);
    ar_free(&a);
}

/* A static input gate: the kept features' columns are folded. */
static const char *gated =
    "model t;\ninput 3 { scale 0.5; offset 1; mean [0.25, -1, 2]; std [2, 0.5, 4];\n"
    "  gate static { logits [5, -5, 5]; } }\n"
    "layer a dense 2 { weight [[1, -2, 3], [0.5, 4, -1]]; bias [0.1, -0.2]; }\n"
    "output out dense 2 { weight [[1, 2], [3, 4]]; }\n";

static void static_input_gate(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    mdl_model *m = load(&a, gated);
    ir_program *p = ir_lower(&a, m);
    assert_int_equal(p->n_feat, 2);
    assert_null(p->mean);
    /* feature 1 is closed: it holds 0 after preprocessing, so its column
     * drops out of the model's sum too */
    const float W[6] = {1, 0, 3, 0.5f, 0, -1};
    for (int i = 0; i < 3; i++) same_rows(m, W, m->ops[0].b, 2, p->layers[0].W, p->layers[0].b, p, raw[i]);
    ar_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(folds_layer_and_gate),
        cmocka_unit_test(gate_norm_eps),
        cmocka_unit_test(left_alone),
        cmocka_unit_test(static_input_gate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
