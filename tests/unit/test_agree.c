/* test_agree: the agreement rule of docs/testing.md on hand-made compiled
 * runs against the interpreter: outputs within tolerance, the class, and a
 * near tie between the two largest outputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "agree.h"
#include "front.h"
#include "interp.h"

/* out0 = x0 + x1, out1 = the same sum, out2 = x0: outputs 0 and 1 tie. */
static const char *tie =
    "model t;\ninput 2;\n"
    "output out dense 3 { weight [[1, 1], [1, 1], [1, 0]]; }\n";

static agree_verdict check(const mdl_model *m, const interp_result *r, const float *out, int cls)
{
    int open[1] = {m->n_out};
    unsigned char mask[3] = {1, 1, 1};
    char why[160];
    return agree_check(m, r, out, cls, open, mask, why, sizeof why);
}

static void outputs_and_class(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    mdl_model *m = front_load_text(&a, "t.dg", tie, strlen(tie), ".");
    assert_non_null(m);
    interp_result r;
    const float in[2] = {0.75f, 0.5f};
    interp_run(&a, m, in, &r);
    assert_int_equal(r.cls, 0); /* ties to the lower index */
    float out[3] = {(float)r.out[0], (float)r.out[1], (float)r.out[2]};
    assert_int_equal(check(m, &r, out, 0), AGREE_OK);
    /* the tied output: float rounding may rank either first */
    assert_true(agree_class(&r, 3, 1));
    assert_int_equal(check(m, &r, out, 1), AGREE_OK);
    /* a clearly smaller output is not a tie (1.25 against 0.75) */
    assert_false(agree_class(&r, 3, 2));
    assert_int_equal(check(m, &r, out, 2), AGREE_BAD);
    assert_false(agree_class(&r, 3, 3));
    /* within AGREE_TOL, and beyond it */
    out[2] = (float)(r.out[2] * (1 + AGREE_TOL / 2));
    assert_int_equal(check(m, &r, out, 0), AGREE_OK);
    out[2] = (float)(r.out[2] + 4 * AGREE_TOL);
    assert_int_equal(check(m, &r, out, 0), AGREE_BAD);
    ar_free(&a);
}

int main(void)
{
    diag_init(stderr);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(outputs_and_class),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
