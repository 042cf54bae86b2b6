/* Checker: what a model means once checked (defaults, bindings, ranges). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "front.h"

static char errbuf[16384];

static mdl_model *load(arena *a, const char *text)
{
    FILE *f = fmemopen(errbuf, sizeof errbuf, "w");
    diag_init(f);
    mdl_model *m = front_load_text(a, "t.dg", text, strlen(text), "tests/diag");
    fclose(f);
    return m;
}

#define OUT2 "output o dense 2 { weight [[1, 0], [0, 1]]; }\n"

static void test_defaults(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    mdl_model *m = load(&a, "model m;\ninput 2;\nlayer fc dense 2 { weight [[1, 2], [3, 4]];"
                            " gate linear { weight [[1, 0], [0, 1]]; } }\n" OUT2);
    assert_non_null(m);
    assert_string_equal(m->name, "m");
    assert_int_equal(m->n_in, 2);
    assert_true(m->scale == 1.0 && m->offset == 0.0);
    assert_null(m->mean);
    assert_int_equal(m->n_ops, 2);
    const mdl_op *fc = &m->ops[0];
    assert_int_equal(fc->act, ACT_IDENTITY);
    assert_null(fc->b);
    assert_int_equal(fc->gate.kind, GATE_LINEAR);
    assert_int_equal(fc->gate.src, GSRC_INPUT);
    assert_int_equal(fc->gate.decide, DECIDE_THRESHOLD);
    assert_int_equal(fc->gate.apply, APPLY_POST);
    assert_true(fc->gate.thr == 0.5 && fc->gate.tau == 1.0);
    assert_int_equal(fc->gate.min_keep, 0);
    assert_true(fc->W[3] == 4.0f);
    assert_true(m->ops[1].is_output);
    assert_int_equal(m->n_out, 2);
    assert_int_equal(m->params, 4 + 4 + 4);
    ar_free(&a);
}

static void test_topk_fraction_rounds_down(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    /* 7 units: 0.5 -> floor(3.5) = 3; 0.1 -> floor(0.7) = 0 -> at least 1. */
    const char *fmt = "model m;\ninput 1;\nlayer fc dense 7 { weight [[1],[1],[1],[1],[1],[1],[1]];"
                      " gate static { logits [1,2,3,4,5,6,7]; topk %s; } }\n"
                      "output o dense 1 { weight [[1,1,1,1,1,1,1]]; }\n";
    char text[512];
    const char *ks[] = {"0.5", "0.1", "1.0", "7", "2"};
    const int want[] = {3, 1, 7, 7, 2};
    for (int i = 0; i < 5; i++) {
        snprintf(text, sizeof text, fmt, ks[i]);
        mdl_model *m = load(&a, text);
        assert_non_null(m);
        assert_int_equal(m->ops[0].gate.decide, DECIDE_TOPK);
        assert_int_equal(m->ops[0].gate.k, want[i]);
    }
    ar_free(&a);
}

static void test_input_preprocessing(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    mdl_model *m = load(&a, "model m;\ninput 2x1 { scale 0.5; offset -1; mean 0.25; std [1, 2];"
                            " gate static { logits [3, -3]; threshold 0.7; } }\n" OUT2);
    assert_non_null(m);
    assert_int_equal(m->shape_rank, 2);
    assert_int_equal(m->shape[0], 2);
    assert_true(m->scale == 0.5 && m->offset == -1.0);
    assert_true(m->mean[0] == 0.25f && m->mean[1] == 0.25f);
    assert_true(m->std[1] == 2.0f);
    assert_int_equal(m->in_gate.kind, GATE_STATIC);
    assert_true(m->in_gate.thr == 0.7);
    ar_free(&a);
}

static void test_lowrank_self_pre(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    mdl_model *m = load(&a, "model m;\ninput 3;\nlayer fc dense 2 { weight [[1,2,3],[4,5,6]];"
                            " activation sigmoid;\n gate lowrank 1 { from self; norm { eps 0.001; }"
                            " a [[1, 1]]; b [[1], [2]]; activation gelu_tanh; apply pre;"
                            " min_keep 1; temperature 2; } }\n" OUT2);
    assert_non_null(m);
    const mdl_gate *g = &m->ops[0].gate;
    assert_int_equal(g->kind, GATE_LOWRANK);
    assert_int_equal(g->src, GSRC_SELF);
    assert_int_equal(g->n_src, 2);
    assert_int_equal(g->rank, 1);
    assert_true(g->has_norm);
    assert_true(g->norm.eps == 0.001);
    assert_null(g->norm.weight);
    assert_int_equal(g->hidden_act, ACT_GELU_TANH);
    assert_int_equal(g->apply, APPLY_PRE);
    assert_int_equal(g->min_keep, 1);
    assert_true(g->tau == 2.0);
    assert_true(g->B[1] == 2.0f);
    ar_free(&a);
}

static void test_weight_files(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    /* data/pair.npz holds fc.weight = arange(8)/8 as [2][4] and fc.bias = 0;
     * data/inf_bias.npy is float64 and must not bind (it has an infinity). */
    mdl_model *m = load(&a, "model m;\nweights \"data/pair.npz\";\ninput 4;\n"
                            "layer fc dense 2 { weight tensor \"fc.weight\"; bias tensor \"fc.bias\"; }\n"
                            OUT2);
    assert_non_null(m);
    for (int i = 0; i < 8; i++) assert_true(m->ops[0].W[i] == (float)i / 8);
    assert_true(m->ops[0].b[1] == 0.0f);
    ar_free(&a);
}

static void test_labels(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    mdl_model *m = load(&a, "model m;\ninput 2;\nlabels \"a\\\"\", \"b\\n\";\n" OUT2);
    assert_non_null(m);
    assert_string_equal(m->labels[0], "a\"");
    assert_string_equal(m->labels[1], "b\n");
    ar_free(&a);
}

static void test_errors_are_reported_together(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    assert_null(load(&a, "model m;\ninput 2;\nlayer fc dense 2 { weight [[1, 2], [3, 4]];"
                         " activation foo; gate linear { weight [[1]]; topk 9; } }\n" OUT2));
    assert_non_null(strstr(errbuf, "t.dg:3:56: error: unknown activation 'foo'"));
    assert_non_null(strstr(errbuf, "gate weight has shape [1, 1]; expected [2, 2]"));
    assert_non_null(strstr(errbuf, "topk must be between 1 and 2, not 9"));
    ar_free(&a);
}

static void test_limits(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    assert_null(load(&a, "model m;\ninput 1048577;\n" OUT2));
    assert_non_null(strstr(errbuf, "between 1 and 1048576"));
    assert_null(load(&a, "model m;\ninput 2;\nlayer fc dense 2 { weight [[1, 2], [3, 4]];"
                         " gate lowrank 5000 { } }\n" OUT2));
    assert_non_null(strstr(errbuf, "rank must be between 1 and 4096"));
    /* 65536 units x 1048576 inputs is refused before any tensor is read. */
    assert_null(load(&a, "model m;\ninput 1048576;\nlayer fc dense 65536 { weight tensor \"x\"; }\n"));
    assert_non_null(strstr(errbuf, "weights; the limit is"));
    ar_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_topk_fraction_rounds_down),
        cmocka_unit_test(test_input_preprocessing),
        cmocka_unit_test(test_lowrank_self_pre),
        cmocka_unit_test(test_weight_files),
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_errors_are_reported_together),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
