/* test_evaluate: the eval engine. Accuracy, confusion and per-class figures
 * on data whose predictions are worked out by hand; the per-input metrics
 * from the JIT's open counts equal metrics.c's on the interpreter's result. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "evaluate.h"
#include "front.h"
#include "interp.h"

static arena A;

static int setup(void **state)
{
    (void)state;
    ar_init(&A);
    diag_init(stderr);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ar_free(&A);
    return 0;
}

static void compile_text(const char *text, ev_model *em)
{
    mdl_model *m = front_load_text(&A, "t.dg", text, strlen(text), ".");
    assert_non_null(m);
    assert_int_equal(ev_compile(&A, m, em), 0);
}

/* out = x: the class is the larger input. */
static const char ident[] = "model id;\ninput 2;\noutput o dense 2 { weight [[1,0],[0,1]]; }\n";

static long last_done = -1, last_total = -1;
static int progress(void *ctx, long done, long total)
{
    (*(int *)ctx)++;
    last_done = done;
    last_total = total;
    return 0;
}

static void accuracy_and_confusion(void **state)
{
    (void)state;
    ev_model em;
    compile_text(ident, &em);
    assert_int_equal(em.params, 4);
    assert_int_equal(em.weight_bytes, 16);
    float x[] = {1, 0, 0, 1, 2, 1, 0, 3};   /* predicted 0, 1, 0, 1 */
    int labels[] = {0, 1, 1, 1};            /* so 3 right; true 1 taken for 0 once */
    data_set ds = {"mem", 4, 0, 4, 2, x, labels};
    ev_result r;
    char err[128];
    int calls = 0;
    assert_int_equal(ev_run(&A, &em, &ds, progress, &calls, &r, err, sizeof err), 0);
    assert_true(calls >= 1);
    assert_int_equal(last_done, 4);
    assert_int_equal(last_total, 4);
    assert_int_equal(r.samples, 4);
    assert_int_equal(r.correct, 3);
    assert_true(r.accuracy == 0.75);
    assert_int_equal(r.confusion[0], 1); /* true 0 -> 0 */
    assert_int_equal(r.confusion[1], 0);
    assert_int_equal(r.confusion[2], 1); /* true 1 -> 0 */
    assert_int_equal(r.confusion[3], 2);
    assert_true(r.per_class[0] == 1.0);
    assert_true(fabs(r.per_class[1] - 2.0 / 3.0) < 1e-12);
    /* Ungated: everything runs, relMAC 1, all units open. */
    assert_true(r.acc.rel_mac == 1.0 && r.acc.rel_mac_gate == 1.0 && r.acc.act_ratio[0] == 1.0);
    ev_pair p[3];
    assert_int_equal(ev_confused(&r, p, 3), 1);
    assert_int_equal(p[0].truth, 1);
    assert_int_equal(p[0].pred, 0);
    assert_int_equal(p[0].count, 1);
    ds.labels = NULL; /* unlabelled: no accuracy, still metrics */
    assert_int_equal(ev_run(&A, &em, &ds, NULL, NULL, &r, err, sizeof err), 0);
    assert_int_equal(r.labelled, 0);
    assert_int_equal(r.samples, 4);
    ev_release(&em);
}

static void data_must_fit(void **state)
{
    (void)state;
    ev_model em;
    compile_text(ident, &em);
    float x[6] = {0};
    int labels[2] = {0, 2};
    data_set ds = {"d.csv", 2, 0, 2, 3, x, NULL};
    ev_result r;
    char err[128];
    assert_int_equal(ev_run(&A, &em, &ds, NULL, NULL, &r, err, sizeof err), -1);
    assert_string_equal(err, "rows have 3 values; model 'id' takes 2 inputs");
    ds.dim = 2;
    ds.first = 5;
    ds.labels = labels;
    assert_int_equal(ev_run(&A, &em, &ds, NULL, NULL, &r, err, sizeof err), -1);
    assert_string_equal(err, "label of row 6 is 2; model 'id' has 2 classes");
    ev_release(&em);
}

static void confused_order(void **state)
{
    (void)state;
    long conf[9] = {5, 2, 3, /**/ 3, 5, 0, /**/ 1, 7, 5};
    ev_result r;
    memset(&r, 0, sizeof r);
    r.n_classes = 3;
    r.confusion = conf;
    ev_pair p[3];
    assert_int_equal(ev_confused(&r, p, 3), 3);
    /* 7 (2->1), then the two 3s by true class: (0->2), (1->0) */
    assert_true(p[0].truth == 2 && p[0].pred == 1 && p[0].count == 7);
    assert_true(p[1].truth == 0 && p[1].pred == 2 && p[1].count == 3);
    assert_true(p[2].truth == 1 && p[2].pred == 0 && p[2].count == 3);
}

/* metrics from the JIT's open counts == metrics.c on the interpreter. */
static void metrics_match_interpreter(void **state)
{
    (void)state;
    ev_model em;
    assert_int_equal(ev_load(&A, "models/demo.dg", &em), 0);
    uint32_t seed = 7;
    int compared = 0;
    for (int s = 0; s < 100; s++) {
        float x[8];
        for (int i = 0; i < 8; i++) {
            seed = seed * 1664525u + 1013904223u;
            x[i] = (float)(seed >> 8) / 16777216.0f * 8 - 4;
        }
        interp_result ref;
        interp_run(&A, em.m, x, &ref);
        if (ref.n_near) continue;
        metrics want;
        metrics_compute(&A, em.m, &ref, &want);
        ev_sample got;
        ev_one(&A, &em, x, &got);
        assert_int_equal(got.cls, ref.cls);
        assert_true(got.met.exec_macs == want.exec_macs);
        assert_true(got.met.gate_macs == want.gate_macs);
        assert_true(got.met.rel_mac == want.rel_mac && got.met.rel_mac_gate == want.rel_mac_gate);
        assert_true(got.met.in_ratio == want.in_ratio);
        for (int l = 0; l < em.m->n_ops; l++) assert_int_equal(got.met.layers[l].n_open, want.layers[l].n_open);
        compared++;
    }
    assert_true(compared > 80);
    assert_true(em.weight_bytes > 0 && em.params > 0);
    ev_release(&em);
}

/* A static input gate: its closed features are not read by the first layer. */
static void input_gate_metrics(void **state)
{
    (void)state;
    ev_model em;
    compile_text("model g;\ninput 4 { gate static { logits [1, -1, 2, -3]; } }\n"
                 "output o dense 2 { weight [[1,1,1,1],[1,-1,1,-1]]; }\n", &em);
    float x[4] = {1, 2, 3, 4};
    ev_sample s;
    ev_one(&A, &em, x, &s);
    assert_true(s.met.in_ratio == 0.5);   /* 2 of 4 features open */
    assert_true(s.met.rel_mac == 0.5);    /* 2 x 2 of 4 x 2 MACs */
    ev_release(&em);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(accuracy_and_confusion, setup, teardown),
        cmocka_unit_test_setup_teardown(data_must_fit, setup, teardown),
        cmocka_unit_test_setup_teardown(confused_order, setup, teardown),
        cmocka_unit_test_setup_teardown(metrics_match_interpreter, setup, teardown),
        cmocka_unit_test_setup_teardown(input_gate_metrics, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
