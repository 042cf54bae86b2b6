/* test_ir: ir_build, ir_pass_static, ir_pass_threshold on models built by
 * hand. Expected values are worked out here, not read back from the code. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "ir.h"

/* ---- building checked models by hand ---- */

static mdl_op dense(const char *name, int n_in, int n_out, const float *W, const float *b,
                    mdl_act act)
{
    mdl_op op;
    memset(&op, 0, sizeof op);
    op.kind = OP_DENSE;
    op.name = name;
    op.n_in = n_in;
    op.n_out = n_out;
    op.W = W;
    op.b = b;
    op.act = act;
    return op;
}

static mdl_op output(int n_in, int n_out, const float *W, const float *b)
{
    mdl_op op = dense("out", n_in, n_out, W, b, ACT_IDENTITY);
    op.is_output = 1;
    return op;
}

static mdl_op layernorm(const char *name, int n)
{
    mdl_op op;
    memset(&op, 0, sizeof op);
    op.kind = OP_LAYERNORM;
    op.name = name;
    op.n_in = op.n_out = n;
    op.norm.n = n;
    op.norm.eps = 1e-5;
    return op;
}

static mdl_gate gate_static(int n, const float *logits, double thr, mdl_apply apply)
{
    mdl_gate g;
    memset(&g, 0, sizeof g);
    g.kind = GATE_STATIC;
    g.decide = DECIDE_THRESHOLD;
    g.apply = apply;
    g.thr = thr;
    g.tau = 1.0;
    g.n = n;
    g.logits = logits;
    return g;
}

static mdl_gate gate_linear(int n, int n_src, const float *G, const float *c)
{
    mdl_gate g;
    memset(&g, 0, sizeof g);
    g.kind = GATE_LINEAR;
    g.src = GSRC_INPUT;
    g.decide = DECIDE_THRESHOLD;
    g.thr = 0.5;
    g.tau = 1.0;
    g.n = n;
    g.n_src = n_src;
    g.G = G;
    g.c = c;
    return g;
}

static mdl_model model(int n_in, mdl_op *ops, int n_ops)
{
    mdl_model m;
    memset(&m, 0, sizeof m);
    m.name = "t";
    m.n_in = n_in;
    m.scale = 1.0;
    m.n_ops = n_ops;
    m.ops = ops;
    m.n_out = ops[n_ops - 1].n_out;
    return m;
}

static void assert_floats(const float *got, const float *want, int n)
{
    for (int i = 0; i < n; i++) {
        if (memcmp(&got[i], &want[i], sizeof(float))) {
            print_error("element %d: got %a, want %a\n", i, (double)got[i], (double)want[i]);
            fail();
        }
    }
}

static void assert_ints(const int *got, const int *want, int n)
{
    for (int i = 0; i < n; i++) assert_int_equal(got[i], want[i]);
}

/* ---- ir_build ---- */

static void build_copies(void **state)
{
    (void)state;
    static const float W1[2 * 3] = {1, 2, 3, 4, 5, 6}, b1[2] = {0.5f, -0.5f};
    static const float W2[2 * 2] = {1, 0, 0, 1}, mean[3] = {1, 2, 3}, sd[3] = {2, 2, 2};
    static const char *labels[2] = {"a", "b"};
    mdl_op ops[2] = {dense("fc1", 3, 2, W1, b1, ACT_RELU), output(2, 2, W2, NULL)};
    mdl_model m = model(3, ops, 2);
    m.mean = mean;
    m.std = sd;
    m.labels = labels;
    arena a;
    ar_init(&a);
    ir_program *p = ir_build(&a, &m);
    assert_int_equal(p->n_layers, 2);
    assert_int_equal(p->n_feat, 3);
    assert_ints(p->feat_index, (int[]){0, 1, 2}, 3);
    assert_null(p->feat_const);
    const ir_layer *l = &p->layers[0];
    assert_string_equal(l->name, "fc1");
    assert_int_equal(l->n_out_model, 2);
    assert_ints(l->unit_index, (int[]){0, 1}, 2);
    assert_true(l->W != W1 && l->b != b1 && p->mean != mean);
    assert_floats(l->W, W1, 6);
    assert_floats(l->b, b1, 2);
    assert_floats(p->mean, mean, 3);
    assert_null(p->layers[1].b);
    assert_true(p->layers[1].is_output);
    assert_string_equal(p->labels[1], "b");
    l->W[0] = 99; /* the passes rewrite in place; the model must not change */
    assert_true(W1[0] == 1);
    ar_free(&a);
}

/* ---- ir_pass_static: deletion ---- */

static void static_delete_post(void **state)
{
    (void)state;
    static const float W1[4 * 3] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    static const float b1[4] = {0.1f, 0.2f, 0.3f, 0.4f};
    static const float lg[4] = {2, -1, 0.5f, -3}; /* open: 0, 2 */
    static const float W2[2 * 4] = {1, 2, 3, 4, 5, 6, 7, 8}, b2[2] = {0.5f, -0.5f};
    mdl_op ops[2] = {dense("fc1", 3, 4, W1, b1, ACT_SIGMOID), output(4, 2, W2, b2)};
    ops[0].gate = gate_static(4, lg, 0.5, APPLY_POST);
    mdl_model m = model(3, ops, 2);
    arena a;
    ar_init(&a);
    ir_program *p = ir_lower(&a, &m);
    const ir_layer *l = &p->layers[0], *o = &p->layers[1];
    assert_int_equal(l->gate.kind, GATE_NONE);
    assert_int_equal(l->n_out, 2);
    assert_int_equal(l->n_out_model, 4);
    assert_ints(l->unit_index, (int[]){0, 2}, 2);
    assert_floats(l->W, (float[]){1, 2, 3, 7, 8, 9}, 6);
    assert_floats(l->b, (float[]){0.1f, 0.3f}, 2);
    assert_int_equal(o->n_in, 2);
    assert_floats(o->W, (float[]){1, 3, 5, 7}, 4);
    assert_floats(o->b, b2, 2); /* post: closed units held 0, nothing to fold */
    assert_null(l->const_mask);
    assert_int_equal(p->units_removed, 2);
    ar_free(&a);
}

/* apply pre with sigmoid: a closed unit holds sigmoid(0) = 0.5, folded into
 * the consumer's bias and into its linear gate's bias. */
static void static_pre_fold_linear(void **state)
{
    (void)state;
    static const float W1[4 * 2] = {1, 1, 2, 2, 3, 3, 4, 4};
    static const float lg[4] = {-1, 1, -2, 3}; /* closed: 0, 2 */
    /* columns 0 and 2 are the closed ones */
    static const float W2[3 * 4] = {2, 9, 1, 8, 4, 9, 0.5f, 8, -6, 9, 8, 8};
    static const float b2[3] = {1, 2, 3};
    static const float G[3 * 4] = {1, 5, 3, 6, 0, 5, 4, 6, 2, 5, -2, 6};
    static const float c[3] = {0.1f, 0.2f, 0.3f};
    static const float W3[1 * 3] = {1, 1, 1};
    mdl_op ops[3] = {dense("fc1", 2, 4, W1, NULL, ACT_SIGMOID),
                     dense("fc2", 4, 3, W2, b2, ACT_RELU), output(3, 1, W3, NULL)};
    ops[0].gate = gate_static(4, lg, 0.5, APPLY_PRE);
    ops[1].gate = gate_linear(3, 4, G, c);
    mdl_model m = model(2, ops, 3);
    arena a;
    ar_init(&a);
    ir_program *p = ir_lower(&a, &m);
    const ir_layer *l2 = &p->layers[1];
    assert_int_equal(p->layers[0].n_out, 2);
    assert_ints(p->layers[0].unit_index, (int[]){1, 3}, 2);
    assert_int_equal(l2->n_in, 2);
    assert_floats(l2->W, (float[]){9, 8, 9, 8, 9, 8}, 6);
    /* b + 0.5 * (col0 + col2) */
    assert_floats(l2->b, (float[]){2.5f, 4.25f, 4.0f}, 3);
    assert_int_equal(l2->gate.n_src, 2);
    assert_floats(l2->gate.G, (float[]){5, 6, 5, 6, 5, 6}, 6);
    /* 0.1f + 2 and 0.2f + 2, rounded once to float; 0.3f + 0 */
    assert_floats(l2->gate.c, (float[]){2.1f, 2.2f, 0.3f}, 3);
    assert_int_equal(p->units_removed, 2);
    ar_free(&a);
}

/* The fold sums in double and rounds once: 1 + 2^-24 + 2^-24 is 1 + 2^-23,
 * where float accumulation would give 1. */
static void static_fold_in_double(void **state)
{
    (void)state;
    static const float W1[2 * 1] = {1, 1};
    static const float lg[2] = {-1, -1};
    static const float W2[1 * 2] = {0x1p-23f, 0x1p-23f}, b2[1] = {1};
    mdl_op ops[2] = {dense("fc1", 1, 2, W1, NULL, ACT_SIGMOID), output(2, 1, W2, b2)};
    ops[0].gate = gate_static(2, lg, 0.5, APPLY_PRE);
    mdl_model m = model(1, ops, 2);
    arena a;
    ar_init(&a);
    ir_program *p = ir_lower(&a, &m);
    assert_int_equal(p->layers[0].n_out, 0); /* every unit deleted */
    assert_int_equal(p->layers[1].n_in, 0);
    assert_floats(p->layers[1].b, (float[]){1.0f + 0x1p-23f}, 1);
    assert_int_equal(p->units_removed, 2);
    ar_free(&a);
}

static void static_pre_fold_lowrank(void **state)
{
    (void)state;
    static const float W1[3 * 1] = {1, 2, 3};
    static const float lg[3] = {-1, 1, -1}; /* closed: 0, 2 */
    static const float W2[2 * 3] = {1, 2, 3, 4, 5, 6};
    static const float A[2 * 3] = {2, 7, 6, -4, 7, 0}, B[2 * 2] = {1, 2, 3, 4};
    static const float W3[1 * 2] = {1, 1};
    mdl_op ops[3] = {dense("fc1", 1, 3, W1, NULL, ACT_SIGMOID),
                     dense("fc2", 3, 2, W2, NULL, ACT_RELU), output(2, 1, W3, NULL)};
    ops[0].gate = gate_static(3, lg, 0.5, APPLY_PRE);
    mdl_gate *g = &ops[1].gate;
    memset(g, 0, sizeof *g);
    g->kind = GATE_LOWRANK;
    g->decide = DECIDE_TOPK;
    g->k = 1;
    g->thr = 0.5, g->tau = 1;
    g->n = 2, g->n_src = 3, g->rank = 2;
    g->A = A, g->B = B;
    mdl_model m = model(1, ops, 3);
    arena a;
    ar_init(&a);
    ir_program *p = ir_lower(&a, &m);
    const ir_gate *ig = &p->layers[1].gate;
    assert_int_equal(ig->n_src, 1);
    assert_floats(ig->A, (float[]){7, 7}, 2);
    assert_floats(ig->a_bias, (float[]){4, -2}, 2); /* 0.5 * (col0 + col2) */
    assert_floats(ig->B, B, 4);
    assert_null(ig->c);
    assert_floats(p->layers[1].b, (float[]){2, 5}, 2); /* 0.5*(1+3), 0.5*(4+6) */
    assert_int_equal(ig->folded, 0);                   /* top-k: no threshold */
    ar_free(&a);
}

/* ---- ir_pass_static: constants kept ---- */

static void static_keep_before_layernorm(void **state)
{
    (void)state;
    static const float W1[3 * 2] = {1, 2, 3, 4, 5, 6};
    static const float lg[3] = {1, -1, 1};
    static const float W2[1 * 3] = {1, 1, 1};
    mdl_op ops[3] = {dense("fc1", 2, 3, W1, NULL, ACT_SIGMOID), layernorm("ln", 3),
                     output(3, 1, W2, NULL)};
    ops[0].gate = gate_static(3, lg, 0.5, APPLY_PRE);
    mdl_model m = model(2, ops, 3);
    arena a;
    ar_init(&a);
    ir_program *p = ir_lower(&a, &m);
    const ir_layer *l = &p->layers[0];
    assert_int_equal(l->gate.kind, GATE_NONE);
    assert_int_equal(l->n_out, 3);
    assert_non_null(l->const_mask);
    assert_int_equal(l->const_mask[0], 0);
    assert_int_equal(l->const_mask[1], 1);
    assert_int_equal(l->const_mask[2], 0);
    assert_true(l->const_val[1] == 0.5f);
    assert_int_equal(p->layers[1].n_in, 3);
    assert_int_equal(p->units_removed, 0);
    ar_free(&a);
}

/* A gate norm over the layer input needs the whole vector; one over the
 * layer's own output does not, so there the input units can go. */
static void static_keep_for_gate_norm(void **state)
{
    (void)state;
    static const float W1[2 * 1] = {1, 2}, lg[2] = {1, -1};
    static const float W2[2 * 2] = {1, 2, 3, 4}, G[2 * 2] = {1, 0, 0, 1};
    static const float W3[1 * 2] = {1, 1};
    for (int self = 0; self < 2; self++) {
        mdl_op ops[3] = {dense("fc1", 1, 2, W1, NULL, ACT_RELU), dense("fc2", 2, 2, W2, NULL, ACT_RELU),
                         output(2, 1, W3, NULL)};
        ops[0].gate = gate_static(2, lg, 0.5, APPLY_POST);
        ops[1].gate = gate_linear(2, 2, G, NULL);
        ops[1].gate.has_norm = 1;
        ops[1].gate.norm.n = 2;
        ops[1].gate.norm.eps = 1e-5;
        ops[1].gate.src = self ? GSRC_SELF : GSRC_INPUT;
        mdl_model m = model(1, ops, 3);
        arena a;
        ar_init(&a);
        ir_program *p = ir_lower(&a, &m);
        if (self) {
            assert_int_equal(p->layers[0].n_out, 1);
            assert_int_equal(p->layers[1].n_in, 1);
            assert_floats(p->layers[1].W, (float[]){1, 3}, 2);
            assert_floats(p->layers[1].gate.G, G, 4); /* reads fc2's own output */
            assert_int_equal(p->units_removed, 1);
        } else {
            assert_int_equal(p->layers[0].n_out, 2);
            assert_int_equal(p->layers[0].const_mask[1], 1);
            assert_true(p->layers[0].const_val[1] == 0.0f);
            assert_int_equal(p->layers[1].n_in, 2);
            assert_int_equal(p->units_removed, 0);
        }
        ar_free(&a);
    }
}

/* ---- the input feature gate ---- */

static void input_gate(void **state)
{
    (void)state;
    static const float lg[4] = {1, -1, -1, 1};
    static const float W1[2 * 4] = {1, 2, 3, 4, 5, 6, 7, 8}, W2[1 * 2] = {1, 1};
    static const float W3[1 * 4] = {1, 1, 1, 1};
    mdl_op ops[2] = {dense("fc1", 4, 2, W1, NULL, ACT_RELU), output(2, 1, W2, NULL)};
    mdl_model m = model(4, ops, 2);
    m.in_gate = gate_static(4, lg, 0.5, APPLY_POST);
    arena a;
    ar_init(&a);
    ir_program *p = ir_lower(&a, &m);
    assert_int_equal(p->in_gate.kind, GATE_NONE);
    assert_int_equal(p->n_in, 4);
    assert_int_equal(p->n_feat, 2);
    assert_ints(p->feat_index, (int[]){0, 3}, 2);
    assert_null(p->feat_const);
    assert_int_equal(p->layers[0].n_in, 2);
    assert_floats(p->layers[0].W, (float[]){1, 4, 5, 8}, 4);
    assert_int_equal(p->units_removed, 2);
    ar_free(&a);

    /* before a layernorm the features stay, as constant 0 */
    mdl_op ops2[2] = {layernorm("ln", 4), output(4, 1, W3, NULL)};
    mdl_model m2 = model(4, ops2, 2);
    m2.in_gate = gate_static(4, lg, 0.5, APPLY_POST);
    ar_init(&a);
    p = ir_lower(&a, &m2);
    assert_int_equal(p->n_feat, 4);
    assert_non_null(p->feat_const);
    assert_int_equal(p->feat_const[0], 0);
    assert_int_equal(p->feat_const[1], 1);
    assert_int_equal(p->feat_const[2], 1);
    assert_int_equal(p->feat_const[3], 0);
    assert_int_equal(p->units_removed, 0);
    ar_free(&a);
}

/* ---- static decisions: top-k ties, min_keep, temperature ---- */

static const int *kept_units(mdl_gate g, int n, arena *a, int *n_kept)
{
    static float W1[16], W2[16];
    for (int i = 0; i < 16; i++) W1[i] = W2[i] = (float)i;
    mdl_op *ops = ar_array(a, 2, sizeof *ops);
    ops[0] = dense("fc1", 1, n, W1, NULL, ACT_RELU);
    ops[0].gate = g;
    ops[1] = output(n, 1, W2, NULL);
    mdl_model *m = ar_alloc(a, sizeof *m);
    *m = model(1, ops, 2);
    ir_program *p = ir_lower(a, m);
    *n_kept = p->layers[0].n_out;
    return p->layers[0].unit_index;
}

static void static_decisions(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    int n;
    static const float tie[5] = {1, 3, 3, 2, 3};
    mdl_gate g = gate_static(5, tie, 0.5, APPLY_POST);
    g.decide = DECIDE_TOPK;
    g.k = 2;
    const int *u = kept_units(g, 5, &a, &n);
    assert_int_equal(n, 2);
    assert_ints(u, (int[]){1, 2}, 2); /* ties to the lower index */

    static const float low[4] = {0.5f, 1.0f, -1, 0.7f}; /* sigmoid all < 0.9 */
    g = gate_static(4, low, 0.9, APPLY_POST);
    g.min_keep = 2;
    u = kept_units(g, 4, &a, &n);
    assert_int_equal(n, 2);
    assert_ints(u, (int[]){1, 3}, 2);

    /* thr 0.7, tau 2: open iff z > 2 ln(7/3) = 1.69459... */
    static const float near[4] = {1.69f, 1.70f, 5, -5};
    g = gate_static(4, near, 0.7, APPLY_POST);
    g.tau = 2;
    u = kept_units(g, 4, &a, &n);
    assert_int_equal(n, 2);
    assert_ints(u, (int[]){1, 2}, 2);

    /* min_keep already met: the threshold alone decides */
    static const float many[3] = {1, 2, -3};
    g = gate_static(3, many, 0.5, APPLY_POST);
    g.min_keep = 1;
    u = kept_units(g, 3, &a, &n);
    assert_int_equal(n, 2);
    assert_ints(u, (int[]){0, 1}, 2);
    ar_free(&a);
}

/* ---- ir_pass_threshold and closed values ---- */

static void threshold_and_closed_value(void **state)
{
    (void)state;
    static const float W[2 * 2] = {1, 2, 3, 4}, G[2 * 2] = {1, 0, 0, 1};
    static const float W3[1 * 2] = {1, 1};
    mdl_op ops[4] = {dense("a", 2, 2, W, NULL, ACT_SIGMOID), dense("b", 2, 2, W, NULL, ACT_SIGMOID),
                     dense("c", 2, 2, W, NULL, ACT_RELU), output(2, 1, W3, NULL)};
    ops[0].gate = gate_linear(2, 2, G, NULL); /* thr 0.5: zthr 0 */
    ops[0].gate.apply = APPLY_PRE;            /* closed: sigmoid(0) */
    ops[1].gate = gate_linear(2, 2, G, NULL);
    ops[1].gate.thr = 0.7, ops[1].gate.tau = 2;
    ops[2].gate = gate_linear(2, 2, G, NULL);
    ops[2].gate.apply = APPLY_PRE; /* relu(0) = 0 */
    ops[2].gate.decide = DECIDE_TOPK, ops[2].gate.k = 1;
    mdl_model m = model(2, ops, 4);
    arena a;
    ar_init(&a);
    ir_program *p = ir_lower(&a, &m);
    assert_true(p->layers[0].gate.folded);
    assert_true(p->layers[0].gate.zthr == 0.0f);
    assert_true(p->layers[0].closed_value == 0.5f);
    assert_true(p->layers[1].gate.folded);
    assert_true(p->layers[1].gate.zthr == 1.6945957f); /* 2 ln(7/3) = 1.69459572077... */
    double pr = 1.0 / (1.0 + exp(-(double)p->layers[1].gate.zthr / 2));
    assert_true(fabs(pr - 0.7) < 1e-7);
    assert_true(p->layers[1].closed_value == 0.0f); /* post */
    assert_false(p->layers[2].gate.folded);
    assert_true(p->layers[2].closed_value == 0.0f);
    for (int i = 0; i < p->n_layers; i++) assert_int_not_equal(p->layers[i].gate.kind, GATE_STATIC);
    assert_int_equal(p->units_removed, 0);
    ar_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(build_copies),
        cmocka_unit_test(static_delete_post),
        cmocka_unit_test(static_pre_fold_linear),
        cmocka_unit_test(static_fold_in_double),
        cmocka_unit_test(static_pre_fold_lowrank),
        cmocka_unit_test(static_keep_before_layernorm),
        cmocka_unit_test(static_keep_for_gate_norm),
        cmocka_unit_test(input_gate),
        cmocka_unit_test(static_decisions),
        cmocka_unit_test(threshold_and_closed_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
