/* test_jit: the libtcc JIT. Models compiled in memory agree with the
 * reference interpreter (docs/testing.md, through agree.c); C that tcc
 * refuses is an internal error carrying tcc's message, never a crash. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "agree.h"
#include "diag.h"
#include "front.h"
#include "jit.h"

static arena A;
static char *diag_text;
static size_t diag_len;
static FILE *diag_mem;

static int setup(void **state)
{
    (void)state;
    ar_init(&A);
    diag_mem = open_memstream(&diag_text, &diag_len);
    diag_init(diag_mem);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fclose(diag_mem);
    free(diag_text);
    diag_text = NULL;
    ar_free(&A);
    return 0;
}

static const char *diag_out(void)
{
    fflush(diag_mem);
    return diag_text ? diag_text : "";
}

static uint32_t seed = 12345;
static float rnd(float lo, float hi)
{
    seed = seed * 1664525u + 1013904223u;
    return lo + (hi - lo) * (float)(seed >> 8) / 16777216.0f;
}

/* Every activation, every gate kind and decision that needs a helper or a
 * math function (erff, tanhf, expf, sqrtf through the norms). */
static const char every_kind[] =
    "model k;\ninput 3 { scale 0.5; }\n"
    "layer a dense 4 { weight [[1,2,3],[-1,0.5,2],[0.3,-2,1],[2,2,-1]]; activation gelu;\n"
    "  gate lowrank 2 { norm { eps 1e-5; } a [[1,0,1],[0,1,-1]]; b [[1,0],[0,1],[1,1],[-1,1]];\n"
    "  activation tanh; threshold 0.4; min_keep 1; } }\n"
    "layer n layernorm { eps 1e-5; }\n"
    "layer b dense 5 { weight [[1,0,0,1],[0,1,0,1],[1,1,1,1],[-1,0,1,0],[0.5,0.5,-1,2]];\n"
    "  activation gelu_tanh; gate linear { from self; weight [[1,0,0,0,0],[0,1,0,0,0],\n"
    "  [0,0,1,0,0],[0,0,0,1,0],[0,0,0,0,1]]; topk 2; } }\n"
    "layer c dense 3 { weight [[1,0,1,0,1],[0,1,0,1,0],[1,1,1,1,1]]; bias [0.1,0.2,0.3];\n"
    "  activation sigmoid; gate static { logits [1,-1,1]; } }\n"
    "output o dense 2 { weight [[1,2,3],[3,2,1]]; softmax; }\n";

static mdl_model *load_text(const char *text)
{
    mdl_model *m = front_load_text(&A, "k.dg", text, strlen(text), ".");
    assert_non_null(m);
    return m;
}

static void check_agrees(const mdl_model *m, jit_model *j, int samples)
{
    int n_ops = m->n_ops, nm = jit_mask_size(j);
    float *x = ar_array(&A, (size_t)m->n_in, sizeof *x), *y = ar_array(&A, (size_t)m->n_out, sizeof *y);
    int *open = ar_array(&A, (size_t)n_ops, sizeof *open);
    unsigned char *mask = ar_array(&A, (size_t)nm, 1);
    agree_tally t = {0};
    for (int s = 0; s < samples; s++) {
        for (int i = 0; i < m->n_in; i++) x[i] = rnd(-3, 3);
        interp_result r;
        interp_run(&A, m, x, &r);
        int cls = jit_infer(j, x, y, open, mask);
        char why[200];
        agree_verdict v = agree_check(m, &r, y, cls, open, mask, why, sizeof why);
        if (v == AGREE_BAD) fail_msg("sample %d: %s", s, why);
        agree_count(&t, v);
        assert_int_equal(jit_infer(j, x, NULL, NULL, NULL), cls); /* NULLs are allowed */
    }
    assert_true(t.ok >= samples / 2); /* most samples really compared */
    assert_true(t.flips * 20 <= samples);
}

static void every_kind_agrees(void **state)
{
    (void)state;
    mdl_model *m = load_text(every_kind);
    double ms = -1;
    jit_model *j = jit_compile(ir_lower(&A, m), &ms);
    assert_non_null(j);
    assert_true(ms > 0);
    assert_int_equal(jit_n_in(j), 3);
    assert_int_equal(jit_n_out(j), 2);
    assert_int_equal(jit_n_layers(j), 5);
    assert_int_equal(jit_mask_size(j), 4 + 4 + 5 + 3 + 2);
    const int want_off[] = {0, 4, 8, 13, 16}, want_units[] = {4, 4, 5, 3, 2};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(jit_layer_offset(j)[i], want_off[i]);
        assert_int_equal(jit_layer_units(j)[i], want_units[i]);
    }
    check_agrees(m, j, 200);
    jit_free(j);
    assert_string_equal(diag_out(), "");
}

static void demo_agrees(void **state)
{
    (void)state;
    mdl_model *m = front_load_file(&A, "models/demo.dg");
    assert_non_null(m);
    jit_model *j = jit_compile(ir_lower(&A, m), NULL);
    assert_non_null(j);
    check_agrees(m, j, 200);
    jit_free(j);
}

/* Two models live side by side: the fixed prefix does not clash. */
static void two_models(void **state)
{
    (void)state;
    mdl_model *m1 = load_text(every_kind);
    mdl_model *m2 = load_text("model t;\ninput 2;\noutput o dense 2 { weight [[1,0],[0,-1]]; }\n");
    jit_model *j1 = jit_compile(ir_lower(&A, m1), NULL), *j2 = jit_compile(ir_lower(&A, m2), NULL);
    assert_non_null(j1);
    assert_non_null(j2);
    float in[3] = {1, 2, 3}, out[2];
    assert_int_equal(jit_infer(j2, in, out, NULL, NULL), 0);
    assert_true(out[0] == 1.0f && out[1] == -2.0f);
    jit_free(j2);
    check_agrees(m1, j1, 20);
    jit_free(j1);
}

static void bad_c_is_internal_error(void **state)
{
    (void)state;
    jit_model *j = jit_compile_source("broken", "int dgc_jit_infer_mask(void) { return ; ", 1, 1, 1);
    assert_null(j);
    const char *d = diag_out();
    assert_non_null(strstr(d, "dgc: error: internal error: libtcc refused the C emitted for model 'broken'"));
    assert_non_null(strstr(d, "<string>:1:")); /* tcc's own message follows */
    assert_int_equal(diag_errors(), 1);
}

static void missing_entry_point(void **state)
{
    (void)state;
    jit_model *j = jit_compile_source("empty", "int unrelated(void) { return 1; }\n", 1, 1, 1);
    assert_null(j);
    assert_non_null(strstr(diag_out(), "found no entry point"));
}

static void undefined_symbol(void **state)
{
    (void)state;
    jit_model *j = jit_compile_source("undef", "int no_such_fn(int);\n"
                                               "int dgc_jit_infer_mask(void) { return no_such_fn(1); }\n",
                                      1, 1, 1);
    assert_null(j);
    assert_non_null(strstr(diag_out(), "no_such_fn"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(every_kind_agrees, setup, teardown),
        cmocka_unit_test_setup_teardown(demo_agrees, setup, teardown),
        cmocka_unit_test_setup_teardown(two_models, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_c_is_internal_error, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_entry_point, setup, teardown),
        cmocka_unit_test_setup_teardown(undefined_symbol, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
