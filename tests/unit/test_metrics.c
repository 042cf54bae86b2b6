/* test_metrics: relMAC, relMAC+gate and activation ratios on hand-built
 * models whose open counts are known; the expected MAC counts are worked
 * out by hand next to each test. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "metrics.h"

static arena A;

#define assert_near(got, want, tol)                                                  \
    do {                                                                             \
        double g_ = (got), w_ = (want);                                              \
        if (!(fabs(g_ - w_) <= (tol)))                                               \
            fail_msg("%s = %.17g, want %.17g (tol %g)", #got, g_, w_, (double)(tol)); \
    } while (0)

static int setup(void **state)
{
    (void)state;
    ar_init(&A);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ar_free(&A);
    return 0;
}

/* Metrics read only sizes and gate kinds from the model, so weights can be
 * left NULL where the interpreter does not run. */
static mdl_op dense(int n_in, int n_out)
{
    mdl_op op;
    memset(&op, 0, sizeof op);
    op.kind = OP_DENSE;
    op.name = "fc";
    op.n_in = n_in;
    op.n_out = n_out;
    op.act = ACT_RELU;
    return op;
}

static mdl_gate gate(mdl_gate_kind kind, mdl_gate_src src, int n, int n_src)
{
    mdl_gate g;
    memset(&g, 0, sizeof g);
    g.kind = kind;
    g.src = src;
    g.decide = DECIDE_THRESHOLD;
    g.thr = 0.5;
    g.tau = 1;
    g.n = n;
    g.n_src = n_src;
    return g;
}

static mdl_model model(int n_in, mdl_op *ops, int n_ops)
{
    mdl_model m;
    memset(&m, 0, sizeof m);
    m.name = "t";
    m.n_in = n_in;
    m.scale = 1;
    m.ops = ops;
    m.n_ops = n_ops;
    ops[n_ops - 1].is_output = 1;
    ops[n_ops - 1].act = ACT_IDENTITY;
    m.n_out = ops[n_ops - 1].n_out;
    return m;
}

static void fake_layer(interp_layer *L, int n, int n_open)
{
    memset(L, 0, sizeof *L);
    L->n = n;
    L->n_open = n_open;
    L->open = ar_array(&A, (size_t)n, 1);
    L->near = ar_array(&A, (size_t)n, 1);
    memset(L->open, 1, (size_t)n_open);
}

/* An interpreter result with the given open counts (first units open). */
static interp_result fake_result(const mdl_model *m, int in_open, const int *n_open)
{
    interp_result r;
    memset(&r, 0, sizeof r);
    fake_layer(&r.input, m->n_in, in_open);
    r.n_layers = m->n_ops;
    r.layers = ar_array(&A, (size_t)m->n_ops, sizeof *r.layers);
    for (int i = 0; i < m->n_ops; i++) fake_layer(&r.layers[i], m->ops[i].n_out, n_open[i]);
    return r;
}

/* input 4 (static gate: 3 open)
 * op0 dense 4->6, linear gate from input: 2 open
 * op1 dense 6->5, lowrank r=2 gate from self: 3 open
 * op2 layernorm 5
 * op3 dense 5->4, static gate: 1 open
 * op4 output 4->3 */
static void test_mixed_model(void **state)
{
    (void)state;
    mdl_op ops[5];
    ops[0] = dense(4, 6);
    ops[0].gate = gate(GATE_LINEAR, GSRC_INPUT, 6, 4);
    ops[1] = dense(6, 5);
    ops[1].gate = gate(GATE_LOWRANK, GSRC_SELF, 5, 5);
    ops[1].gate.rank = 2;
    memset(&ops[2], 0, sizeof ops[2]);
    ops[2].kind = OP_LAYERNORM;
    ops[2].n_in = ops[2].n_out = 5;
    ops[3] = dense(5, 4);
    ops[3].gate = gate(GATE_STATIC, GSRC_INPUT, 4, 0);
    ops[4] = dense(4, 3);
    mdl_model m = model(4, ops, 5);
    m.in_gate = gate(GATE_STATIC, GSRC_INPUT, 4, 0);
    interp_result r = fake_result(&m, 3, (const int[]){2, 3, 5, 1, 3});
    metrics x;
    metrics_compute(&A, &m, &r, &x);

    /* op0: 3 features read x 2 rows (gate from input skips rows) */
    assert_int_equal(x.layers[0].inputs_read, 3);
    assert_int_equal(x.layers[0].rows_computed, 2);
    assert_int_equal(x.layers[0].dense_macs, 24);
    assert_int_equal(x.layers[0].exec_macs, 6);
    assert_int_equal(x.layers[0].gate_macs, 24);      /* 6 * 4 */
    /* op1: 2 inputs x all 5 rows (from self: every row computed to decide) */
    assert_int_equal(x.layers[1].inputs_read, 2);
    assert_int_equal(x.layers[1].rows_computed, 5);
    assert_int_equal(x.layers[1].exec_macs, 10);
    assert_int_equal(x.layers[1].dense_macs, 30);
    assert_int_equal(x.layers[1].gate_macs, 20);      /* 2 * (5 + 5) */
    /* op2: layernorm, no MACs */
    assert_int_equal(x.layers[2].dense_macs, 0);
    assert_int_equal(x.layers[2].exec_macs, 0);
    /* op3: all 5 layernorm outputs x 1 open row; static gate costs nothing */
    assert_int_equal(x.layers[3].inputs_read, 5);
    assert_int_equal(x.layers[3].exec_macs, 5);
    assert_int_equal(x.layers[3].gate_macs, 0);
    /* op4: 1 input x 3 rows */
    assert_int_equal(x.layers[4].exec_macs, 3);
    assert_int_equal(x.layers[4].dense_macs, 12);

    /* dense 24 + 30 + 20 + 12 = 86; executed 6 + 10 + 5 + 3 = 24; gate 44 */
    assert_int_equal(x.dense_macs, 86);
    assert_int_equal(x.exec_macs, 24);
    assert_int_equal(x.gate_macs, 44);
    assert_near(x.rel_mac, 24.0 / 86.0, 0);
    assert_near(x.rel_mac_gate, 68.0 / 86.0, 0);

    assert_near(x.in_ratio, 0.75, 0);
    assert_near(x.layers[0].act_ratio, 2.0 / 6.0, 0);
    assert_near(x.layers[1].act_ratio, 0.6, 0);
    assert_near(x.layers[2].act_ratio, 1, 0);
    assert_near(x.layers[3].act_ratio, 0.25, 0);
    assert_near(x.layers[4].act_ratio, 1, 0);
}

/* input 3, op0 dense 3->4 with a dynamic gate (1 open), output 4->2.
 * dense MACs 12 + 8 = 20; gate MACs 4 * 3 = 12. */
static void test_apply_pre_columns(void **state)
{
    (void)state;
    mdl_op ops[2];
    ops[0] = dense(3, 4);
    ops[0].gate = gate(GATE_LINEAR, GSRC_INPUT, 4, 3);
    ops[1] = dense(4, 2);
    mdl_model m = model(3, ops, 2);
    interp_result r = fake_result(&m, 3, (const int[]){1, 2});
    metrics x;

    /* post: 3*1 + 1*2 = 5 */
    metrics_compute(&A, &m, &r, &x);
    assert_int_equal(x.exec_macs, 5);
    assert_near(x.rel_mac, 5.0 / 20.0, 0);
    assert_near(x.rel_mac_gate, 17.0 / 20.0, 0);

    /* pre + relu: closed units hold relu(0) = 0, still skippable: 5 */
    ops[0].gate.apply = APPLY_PRE;
    metrics_compute(&A, &m, &r, &x);
    assert_int_equal(x.exec_macs, 5);

    /* pre + sigmoid: closed units hold 0.5, the output reads all 4 columns:
     * 3*1 + 4*2 = 11; with the gate 23/20 > 1 (the gate costs more than it saves) */
    ops[0].act = ACT_SIGMOID;
    metrics_compute(&A, &m, &r, &x);
    assert_int_equal(x.layers[1].inputs_read, 4);
    assert_int_equal(x.exec_macs, 11);
    assert_near(x.rel_mac, 11.0 / 20.0, 0);
    assert_near(x.rel_mac_gate, 23.0 / 20.0, 0);

    /* static + pre + sigmoid: closed units are deleted, their constant folded
     * into the next bias: 3*1 + 1*2 = 5, and no gate MACs */
    ops[0].gate = gate(GATE_STATIC, GSRC_INPUT, 4, 0);
    ops[0].gate.apply = APPLY_PRE;
    metrics_compute(&A, &m, &r, &x);
    assert_int_equal(x.exec_macs, 5);
    assert_int_equal(x.gate_macs, 0);
}

static void test_ungated_is_dense(void **state)
{
    (void)state;
    mdl_op ops[2] = {dense(5, 7), dense(7, 2)};
    mdl_model m = model(5, ops, 2);
    interp_result r = fake_result(&m, 5, (const int[]){7, 2});
    metrics x;
    metrics_compute(&A, &m, &r, &x);
    assert_int_equal(x.dense_macs, 35 + 14);
    assert_int_equal(x.exec_macs, 35 + 14);
    assert_near(x.rel_mac, 1, 0);
    assert_near(x.rel_mac_gate, 1, 0);
}

/* Through the interpreter: op0 dense 2->2 identity, gate z = x (linear from
 * input), output 2->1. dense 4 + 2 = 6, gate 2*2 = 4.
 *   x = [1,  1]: 2 open: exec 2*2 + 2*1 = 6 -> relMAC 1,  +gate 10/6
 *   x = [1, -1]: 1 open: exec 2*1 + 1*1 = 3 -> relMAC .5, +gate 7/6
 * means: act ratio .75 and 1, relMAC .75, relMAC+gate 17/12. */
static void test_accumulate(void **state)
{
    (void)state;
    static const float I2[] = {1, 0, 0, 1}, W1[] = {1, 1};
    mdl_op ops[2] = {dense(2, 2), dense(2, 1)};
    ops[0].W = I2;
    ops[0].act = ACT_IDENTITY;
    ops[0].gate = gate(GATE_LINEAR, GSRC_INPUT, 2, 2);
    ops[0].gate.G = I2;
    ops[1].W = W1;
    mdl_model m = model(2, ops, 2);

    metrics_acc acc;
    metrics_acc_init(&A, &acc, &m);
    static const float in[2][2] = {{1, 1}, {1, -1}};
    static const int want_open[2] = {2, 1};
    for (int s = 0; s < 2; s++) {
        interp_result r;
        metrics x;
        interp_run(&A, &m, in[s], &r);
        assert_int_equal(r.layers[0].n_open, want_open[s]);
        metrics_compute(&A, &m, &r, &x);
        metrics_acc_add(&acc, &x);
    }
    metrics_acc_finish(&acc);
    assert_int_equal(acc.n_samples, 2);
    assert_near(acc.in_ratio, 1, 0);
    assert_near(acc.act_ratio[0], 0.75, 0);
    assert_near(acc.act_ratio[1], 1, 0);
    assert_near(acc.rel_mac, 0.75, 0);
    assert_near(acc.rel_mac_gate, 17.0 / 12.0, 1e-15);

    /* Nothing added: all zero, no division by zero. */
    metrics_acc_init(&A, &acc, &m);
    metrics_acc_finish(&acc);
    assert_int_equal(acc.n_samples, 0);
    assert_near(acc.rel_mac, 0, 0);
    assert_near(acc.act_ratio[0], 0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mixed_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply_pre_columns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ungated_is_dense, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accumulate, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
