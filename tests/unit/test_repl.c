/* The REPL's pure parts: splitting and merging typed declarations
 * (repl_edit), mask pictures (repl_mask), Tab candidates (repl_complete). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "repl_complete.h"
#include "repl_edit.h"
#include "repl_mask.h"

static void test_incomplete(void **state)
{
    (void)state;
    assert_false(re_incomplete("model m;"));
    assert_true(re_incomplete("layer h dense 2 {"));
    assert_true(re_incomplete("layer h dense 2 { gate linear {\n weight [[1]]; }"));
    assert_false(re_incomplete("layer h dense 2 { gate linear { } }"));
    /* Braces inside strings and comments do not count. */
    assert_false(re_incomplete("labels \"{\", \"b\";"));
    assert_false(re_incomplete("model m; # {"));
    assert_false(re_incomplete("model m; // {"));
    assert_false(re_incomplete("model m; /* { */"));
    assert_true(re_incomplete("model m; /* still a comment"));
    assert_false(re_incomplete("labels \"\\\"{\";")); /* an escaped quote */
}

static void test_split(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    re_source s = {0};
    char err[128];
    const char *text = "# head\nmodel m;\ninput 2 { scale 0.5; }\n"
                       "layer h dense 2 { gate linear { weight [[1,0],[0,1]]; } }\n"
                       "labels \"a;\", \"b}\";\noutput o dense 2 { weight [[1,0],[0,1]]; }\n";
    assert_int_equal(re_split(&a, text, &s, err, sizeof err), 0);
    assert_int_equal(s.n, 5);
    assert_string_equal(s.s[0].key, "model");
    assert_string_equal(s.s[0].name, "m");
    assert_string_equal(s.s[0].text, "# head\nmodel m;"); /* comments stay with it */
    assert_string_equal(s.s[1].text, "input 2 { scale 0.5; }");
    assert_string_equal(s.s[2].key, "layer");
    assert_string_equal(s.s[2].name, "h");
    assert_string_equal(s.s[3].name, "a;");
    assert_string_equal(s.s[3].text, "labels \"a;\", \"b}\";");
    assert_string_equal(s.s[4].name, "o");
    re_source bad = {0};
    assert_int_equal(re_split(&a, "model m", &bad, err, sizeof err), -1);
    assert_non_null(strstr(err, "'model' is not terminated"));
    assert_int_equal(re_split(&a, "layer h dense 2 { } }", &bad, err, sizeof err), -1);
    assert_non_null(strstr(err, "expected a declaration"));
    assert_int_equal(re_split(&a, "5;", &bad, err, sizeof err), -1);
    ar_free(&a);
}

static void test_merge(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    re_source s = {0};
    char err[128];
    assert_int_equal(re_split(&a, "output o dense 1 { weight [[1]]; }\nlayer h dense 1 {}\n", &s,
                              err, sizeof err), 0);
    assert_string_equal(re_missing(&a, &s), "model, input");
    re_source add = {0};
    assert_int_equal(re_split(&a, "input 1; model m; layer g dense 1 {} weights \"w.npz\";"
                                  " weights \"v.npz\"; weights \"w.npz\";",
                              &add, err, sizeof err), 0);
    re_source before = re_copy(&a, &s);
    for (int i = 0; i < add.n; i++) {
        const char *how = re_merge(&a, &s, &add.s[i]);
        assert_string_equal(how, i == 5 ? "replaced" : "added");
    }
    assert_int_equal(before.n, 2); /* the copy is untouched */
    assert_null(re_missing(&a, &s));
    /* The language's order, layers in the order they were added. */
    assert_string_equal(re_text(&a, &s),
                        "model m;\nweights \"w.npz\";\nweights \"v.npz\";\ninput 1;\n"
                        "layer h dense 1 {}\nlayer g dense 1 {}\n"
                        "output o dense 1 { weight [[1]]; }\n");
    re_source rep = {0};
    assert_int_equal(re_split(&a, "layer h dense 3 {} output p dense 2 {} model n;", &rep, err,
                              sizeof err), 0);
    for (int i = 0; i < rep.n; i++) assert_string_equal(re_merge(&a, &s, &rep.s[i]), "replaced");
    assert_string_equal(re_text(&a, &s),
                        "model n;\nweights \"w.npz\";\nweights \"v.npz\";\ninput 1;\n"
                        "layer h dense 3 {}\nlayer g dense 1 {}\noutput p dense 2 {}\n");
    assert_true(re_is_decl_key("layer"));
    assert_false(re_is_decl_key("eval"));
    ar_free(&a);
}

static void test_mask(void **state)
{
    (void)state;
    char pic[RM_WIDTH + 1];
    unsigned char m5[5] = {1, 0, 0, 1, 1};
    assert_int_equal(rm_picture(m5, 5, RM_WIDTH, pic), 5);
    assert_string_equal(pic, "#..##");
    /* 8 units in 4 cells of 2: none, one (a half), both, none. */
    unsigned char m8[8] = {0, 0, 1, 0, 1, 1, 0, 0};
    assert_int_equal(rm_per_cell(8, 4), 2);
    assert_int_equal(rm_picture(m8, 8, 4, pic), 4);
    assert_string_equal(pic, ".+#.");
    /* 9 units in cells of 3 (the last one short): under a half is '-'. */
    unsigned char m9[9] = {1, 0, 0, 1, 1, 0, 1, 1, 1};
    assert_int_equal(rm_picture(m9, 9, 4, pic), 3);
    assert_string_equal(pic, "-+#");
    unsigned char big[1000] = {0};
    big[999] = 1;
    assert_int_equal(rm_picture(big, 1000, RM_WIDTH, pic), 63);
    assert_int_equal(pic[62], '-');
    assert_int_equal(pic[0], '.');
}

static int has(const rcp_result *r, const char *s)
{
    for (int i = 0; i < r->n; i++)
        if (!strcmp(r->cands[i], s)) return 1;
    return 0;
}

static void test_complete(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    repl r;
    memset(&r, 0, sizeof r);
    rcp_result res;
    rcp_complete(&a, &r, "s", 1, &res);
    assert_int_equal(res.start, 0);
    assert_int_equal(res.n, 3);
    assert_string_equal(res.cands[0], "set");
    assert_string_equal(res.cands[1], "show");
    assert_string_equal(res.cands[2], "source");
    assert_string_equal(rcp_common(&a, &res), "s");
    rcp_complete(&a, &r, "eval 1 2; se", 12, &res); /* only the first word is a command */
    assert_int_equal(res.n, 0);
    rcp_complete(&a, &r, "la", 2, &res); /* declaration keys too */
    assert_int_equal(res.n, 2);
    assert_true(has(&res, "labels") && has(&res, "layer"));
    rcp_complete(&a, &r, "set fc1 t", 9, &res);
    assert_int_equal(res.start, 8);
    assert_int_equal(res.n, 2);
    assert_string_equal(rcp_common(&a, &res), "t");
    assert_true(has(&res, "threshold") && has(&res, "temperature"));
    /* Layer names come from the loaded model. */
    mdl_op ops[2];
    memset(ops, 0, sizeof ops);
    ops[0].name = "fc1";
    ops[1].name = "fc2";
    mdl_model m;
    memset(&m, 0, sizeof m);
    m.n_ops = 2;
    m.ops = ops;
    repl_build b;
    memset(&b, 0, sizeof b);
    b.m = &m;
    r.b = &b;
    rcp_complete(&a, &r, "show f", 6, &res);
    assert_int_equal(res.n, 2);
    assert_string_equal(rcp_common(&a, &res), "fc");
    rcp_complete(&a, &r, "set  fc2 ", 9, &res);
    assert_int_equal(res.n, 3); /* the third word: a setting */
    /* Files, in a directory made for the test. */
    char dir[] = "/tmp/dgc_complete_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/model.dg", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(path, sizeof path, "%s/models", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/.hidden", dir);
    f = fopen(path, "w");
    fclose(f);
    char line[300];
    snprintf(line, sizeof line, "load %s/mo", dir);
    rcp_complete(&a, &r, line, (int)strlen(line), &res);
    assert_int_equal(res.n, 2);
    snprintf(path, sizeof path, "%s/model.dg", dir);
    assert_string_equal(res.cands[0], path);
    snprintf(path, sizeof path, "%s/models/", dir); /* directories end in '/' */
    assert_string_equal(res.cands[1], path);
    snprintf(line, sizeof line, "load %s/", dir);
    rcp_complete(&a, &r, line, (int)strlen(line), &res);
    assert_int_equal(res.n, 2); /* no hidden files unless asked */
    snprintf(line, sizeof line, "eval %s/.h", dir);
    rcp_complete(&a, &r, line, (int)strlen(line), &res);
    assert_int_equal(res.n, 1);
    rcp_complete(&a, &r, "eval ra", 7, &res);
    assert_true(has(&res, "random"));
    rcp_complete(&a, &r, "quit x", 6, &res);
    assert_int_equal(res.n, 0);
    snprintf(path, sizeof path, "rm -rf '%s'", dir);
    assert_int_equal(system(path), 0);
    ar_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_incomplete), cmocka_unit_test(test_split),
        cmocka_unit_test(test_merge),      cmocka_unit_test(test_mask),
        cmocka_unit_test(test_complete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
