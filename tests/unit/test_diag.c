/* Diagnostics: the gcc-style format, caret placement, tabs, the error cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "diag.h"

static char buf[8192];
static FILE *out;

static int setup(void **state)
{
    (void)state;
    memset(buf, 0, sizeof buf);
    out = fmemopen(buf, sizeof buf, "w");
    diag_init(out);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fclose(out);
    return 0;
}

static void test_error_with_caret(void **state)
{
    (void)state;
    const char *src = "model m;\n  activation relux;\n";
    diag_source("m.dg", src, strlen(src));
    diag_error(diag_loc("m.dg", 2, 14, 5), "unknown activation '%s'", "relux");
    fflush(out);
    assert_string_equal(buf, "m.dg:2:14: error: unknown activation 'relux'\n"
                             "    2 |   activation relux;\n"
                             "      |              ^~~~~\n");
    assert_int_equal(diag_errors(), 1);
}

static void test_tabs_keep_alignment(void **state)
{
    (void)state;
    const char *src = "\tbias x;";
    diag_source("t.dg", src, strlen(src));
    diag_error(diag_loc("t.dg", 1, 7, 1), "bad");
    fflush(out);
    assert_string_equal(buf, "t.dg:1:7: error: bad\n"
                             "    1 | \tbias x;\n"
                             "      | \t     ^\n");
}

static void test_long_line_window(void **state)
{
    (void)state;
    static char src[1001];
    memset(src, 'a', 1000);
    memcpy(src + 499, "BAD", 3); /* columns 500..502 */
    diag_source("l.dg", src, strlen(src));
    diag_error(diag_loc("l.dg", 1, 500, 3), "bad");
    fflush(out);
    char want[512], line[200];
    memset(line, 'a', 160);
    memcpy(line + 60, "BAD", 3);
    line[160] = 0;
    snprintf(want, sizeof want, "l.dg:1:500: error: bad\n    1 | ...%s...\n      | %*s^~~\n", line,
             3 + 60, "");
    assert_string_equal(buf, want);
}

static void test_no_location(void **state)
{
    (void)state;
    diag_error(diag_noloc("w.npz"), "cannot open");
    diag_fatal_msg("unknown option '%s'", "-x");
    diag_warning(diag_noloc(NULL), "careful");
    fflush(out);
    assert_string_equal(buf, "w.npz: error: cannot open\n"
                             "dgc: error: unknown option '-x'\n"
                             "dgc: warning: careful\n");
    assert_int_equal(diag_errors(), 2);
}

static void test_caret_clipped_to_line(void **state)
{
    (void)state;
    const char *src = "ab\ncd";
    diag_source("c.dg", src, strlen(src));
    diag_error(diag_loc("c.dg", 2, 2, 10), "x");
    diag_error(diag_loc("c.dg", 9, 1, 1), "past the end"); /* no source line: no quote */
    fflush(out);
    assert_string_equal(buf, "c.dg:2:2: error: x\n"
                             "    2 | cd\n"
                             "      |  ^\n"
                             "c.dg:9:1: error: past the end\n");
}

static void test_error_cap(void **state)
{
    (void)state;
    for (int i = 0; i < DIAG_MAX_ERRORS + 5; i++) diag_error(diag_noloc("f"), "e%d", i);
    fflush(out);
    assert_true(diag_too_many());
    assert_int_equal(diag_errors(), DIAG_MAX_ERRORS);
    assert_non_null(strstr(buf, "too many errors"));
    assert_null(strstr(buf, "e20"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_error_with_caret, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tabs_keep_alignment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_line_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_location, setup, teardown),
        cmocka_unit_test_setup_teardown(test_caret_clipped_to_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_cap, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
