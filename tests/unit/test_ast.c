/* Parser and scanner: statements, arguments, arrays, numbers, locations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ast.h"

static char errbuf[8192];

static ast_file *parse(arena *a, const char *text)
{
    FILE *f = fmemopen(errbuf, sizeof errbuf, "w");
    diag_init(f);
    diag_source("t.dg", text, strlen(text));
    ast_file *r = ast_parse(a, "t.dg", text, strlen(text));
    fclose(f);
    return r;
}

static void test_statements_and_blocks(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    ast_file *f = parse(&a, "model m;\nlayer fc dense 3 { activation relu; gate static { } }\n");
    assert_non_null(f);
    ast_stmt *s = f->stmts;
    assert_string_equal(s->key, "model");
    assert_int_equal(s->nargs, 1);
    assert_string_equal(s->args[0]->text, "m");
    assert_false(s->has_block);
    s = s->next;
    assert_string_equal(s->key, "layer");
    assert_int_equal(s->loc.line, 2);
    assert_int_equal(s->loc.col, 1);
    assert_int_equal(s->nargs, 3);
    assert_int_equal(s->args[2]->kind, AV_INT);
    assert_true(s->args[2]->num == 3);
    assert_true(s->has_block);
    assert_string_equal(s->block->key, "activation");
    assert_string_equal(s->block->next->key, "gate");
    assert_true(s->block->next->has_block);
    assert_null(s->block->next->block);
    assert_null(s->next);
    ar_free(&a);
}

static void test_numbers(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    ast_file *f = parse(&a, "x 0.1 -2 +3.5e2 0x1.8p+1 -0x1p-126 .25 1e-50;");
    assert_non_null(f);
    ast_val **v = f->stmts->args;
    assert_int_equal(f->stmts->nargs, 7);
    assert_true(v[0]->fnum == 0.1f && v[0]->num == 0.1);
    assert_int_equal(v[1]->kind, AV_INT);
    assert_true(v[1]->num == -2);
    assert_true(v[2]->num == 350);
    assert_true(v[3]->fnum == 3.0f);
    assert_true(v[4]->fnum == -0x1p-126f);
    assert_true(v[5]->num == 0.25);
    assert_true(v[6]->fnum == 0.0f);
    assert_int_equal(v[1]->loc.col, 7); /* the sign is part of the number's span */
    ar_free(&a);
}

static void test_hex_float_round_trip(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    const float vals[] = {0.1f, -3.14159274f, 1e-40f, 65504.0f, 0x1.fffffep+127f};
    char text[512] = "x";
    for (int i = 0; i < 5; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), " %a", (double)vals[i]);
    strcat(text, ";");
    ast_file *f = parse(&a, text);
    assert_non_null(f);
    for (int i = 0; i < 5; i++) assert_memory_equal(&f->stmts->args[i]->fnum, &vals[i], 4);
    ar_free(&a);
}

static void test_arrays_strings_shapes(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    ast_file *f = parse(&a, "w [[1, 2], [3 4]] \"a\\\"b\\x41\\n\" 28x28x3;");
    assert_non_null(f);
    ast_val **v = f->stmts->args;
    assert_int_equal(v[0]->kind, AV_ARRAY);
    assert_int_equal(v[0]->nitems, 2);
    assert_int_equal(v[0]->items[1]->nitems, 2);
    assert_true(v[0]->items[1]->items[1]->num == 4);
    assert_int_equal(v[1]->kind, AV_STRING);
    assert_string_equal(v[1]->text, "a\"bA\n");
    assert_int_equal(v[2]->kind, AV_SHAPE);
    assert_int_equal(v[2]->ndims, 3);
    assert_int_equal(v[2]->dims[2], 3);
    ar_free(&a);
}

static void test_comments(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    ast_file *f = parse(&a, "# one\n// two\n/* three\n four */ k 1; /* x */ j;");
    assert_non_null(f);
    assert_string_equal(f->stmts->key, "k");
    assert_int_equal(f->stmts->loc.line, 4);
    assert_int_equal(f->stmts->loc.col, 10);
    assert_string_equal(f->stmts->next->key, "j");
    ar_free(&a);
}

static void expect_error(const char *text, const char *msg)
{
    arena a;
    ar_init(&a);
    assert_null(parse(&a, text));
    if (!strstr(errbuf, msg)) fail_msg("expected '%s' in:\n%s", msg, errbuf);
    ar_free(&a);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("k 1", "t.dg:1:4: error: expected ';' or '{' at end of file");
    expect_error("k 12abc;", "t.dg:1:3: error: malformed number '12abc'");
    expect_error("k \"abc;", "missing terminating");
    expect_error("k $;", "t.dg:1:3: error: unexpected character '$'");
    expect_error("k \x01;", "unexpected byte 0x01");
    expect_error("k [1, , 2];", "error:");
    expect_error("k 1e99999;", "out of range");
    expect_error("k \"\\x00\";", "strings hold no NUL");
    expect_error("k \"\\xg1\";", "two hex digits");
    expect_error("k { j 1 }", "t.dg:1:9: error: expected ';' or '{' before '}'");
    static char deep[2 + 20000 + 1];
    memcpy(deep, "k ", 2);
    memset(deep + 2, '[', 20000);
    expect_error(deep, "arrays or blocks nested too deeply");
}

static void test_several_errors_one_run(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    assert_null(parse(&a, "a { b 1 }\nc { d 2 }\n"));
    assert_non_null(strstr(errbuf, "t.dg:1:9:"));
    assert_non_null(strstr(errbuf, "t.dg:2:9:"));
    ar_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_statements_and_blocks),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_hex_float_round_trip),
        cmocka_unit_test(test_arrays_strings_shapes),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_several_errors_one_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
