/* test_emit_tile: golden emitted C for the layouts (tiles with a tail and a
 * listed input, row groups, one lane, a permuted layer, the dense baseline) of one
 * small model: the text must match tests/emit/NAME.c byte for byte, and
 * compile warning-free with gcc -std=c99 -pedantic and tcc. What the code
 * computes is checked against the interpreter by tests/e2e.
 * DGC_UPDATE_GOLDEN=1 rewrites the golden files (review the diff). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "emit.h"
#include "emit_int.h"
#include "front.h"
#include "ir.h"

/* fc1: 5 units gated from the input (tiles of 2: two full and a tail);
 * fc2: 3 units gated, reading fc1's open list; out: 2. */
static const char *model_text =
    "model g;\ninput 3;\n"
    "layer fc1 dense 5 {\n"
    "    weight [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12], [13, 14, 15]];\n"
    "    bias [0.5, -0.5, 0.25, -0.25, 1];\n    activation relu;\n"
    "    gate linear { weight [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [0, 1, 1]];\n"
    "        bias [0.5, 0.5, 0.5, 0.5, 0.5]; threshold 0.5; }\n}\n"
    "layer fc2 dense 3 {\n"
    "    weight [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], [11, 12, 13, 14, 15]];\n    activation relu;\n"
    "    gate lowrank 1 { a [[1, -1, 1, -1, 1]]; activation relu; b [[1], [-1], [2]];\n"
    "        threshold 0.5; }\n}\n"
    "output out dense 2 { weight [[1, 2, 3], [4, 5, 6]]; bias [0.5, -0.5]; }\n";

static char *emit_text(const ir_program *p)
{
    char *text;
    size_t len;
    FILE *f = open_memstream(&text, &len);
    emit_opts o = {0};
    assert_int_equal(emit_c(p, &o, f, f), 0);
    fclose(f);
    return text;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = 0;
    fclose(f);
    return s;
}

static void compiles(const char *path)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             /* Never -o /dev/null: tcc run as root unlinks its output
              * first, turning the device into a regular file. */
             "gcc -std=c99 -Wall -Wextra -Werror -pedantic -O2 -c -o %s.gcc.o %s && "
             "tcc -Wall -Werror -c -o %s.tcc.o %s && rm -f %s.gcc.o %s.tcc.o",
             path, path, path, path, path, path);
    assert_int_equal(system(cmd), 0);
}

static void golden(const char *name, const ir_program *p)
{
    char path[256];
    snprintf(path, sizeof path, "tests/emit/%s.c", name);
    char *got = emit_text(p);
    const char *upd = getenv("DGC_UPDATE_GOLDEN");
    if (upd && !strcmp(upd, "1")) {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fputs(got, f);
        fclose(f);
    }
    char *want = slurp(path);
    if (!want) fail_msg("%s is missing (DGC_UPDATE_GOLDEN=1 writes it)", path);
    if (strcmp(got, want)) {
        int line = 1;
        const char *g = got, *w = want;
        for (; *g && *g == *w; g++, w++) line += *g == '\n';
        fail_msg("%s differs from the emitted C from line %d", path, line);
    }
    compiles(path);
    free(got);
    free(want);
}

static ir_program *lower(arena *a, int tile, int vw, int dense)
{
    const mdl_model *m = front_load_text(a, "g.dg", model_text, strlen(model_text), ".");
    assert_non_null(m);
    ir_target t = {"test", tile, vw};
    return ir_lower_for(a, m, &t, NULL, dense);
}

static void tiles(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    golden("tiles", lower(&a, 2, 2, 0));
    ar_free(&a);
}

/* One lane, no tiles (the Cortex-M presets): every layer row-wise, rows
 * four at a time. */
static void scalar(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    golden("scalar", lower(&a, 0, 1, 0));
    ar_free(&a);
}

static void rows(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    golden("rows", lower(&a, 0, 2, 0));
    ar_free(&a);
}

static void permuted(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    ir_program *p = lower(&a, 2, 2, 0);
    static const int perm[5] = {4, 2, 0, 3, 1};
    assert_int_equal(ir_permute_layer(&a, p, 0, perm), 0);
    golden("permuted", p);
    ar_free(&a);
}

static void dense(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    golden("dense", lower(&a, 4, 4, 1));
    ar_free(&a);
}

/* Builds a program of the emitted helper sources srcs (prefix t) and
 * main_src with gcc under each of opts, runs it: each run must exit 0. */
static void helper_program(const char *const *srcs, const char *main_src, const char *const *opts)
{
    char dir[] = "/tmp/dgc_helper_XXXXXX", path[64], cmd[512];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/h.c", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("#include <math.h>\n#include <stdio.h>\n#include <string.h>\n", f);
    for (; *srcs; srcs++)
        for (const char *c = *srcs; *c; c++) fputc(*c == '@' ? 't' : *c, f);
    fputs(main_src, f);
    fclose(f);
    for (; *opts; opts++) {
        if (!strcmp(*opts, "tcc")) /* the portable code, no GNU C vectors */
            snprintf(cmd, sizeof cmd, "tcc -Wall -Werror -o %s/h %s -lm && %s/h", dir, path, dir);
        else
            snprintf(cmd, sizeof cmd, "gcc -std=c99 -Wall -Wextra -Werror -pedantic %s -o %s/h %s -lm && %s/h",
                     *opts, dir, path, dir);
        assert_int_equal(system(cmd), 0);
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* The emitted erf against the C library's, in double, over [-6, 6]. */
static void erf_accuracy(void **state)
{
    (void)state;
    static const char *const srcs[] = {em_erf_src, NULL}, *const opts[] = {"-O2", NULL};
    helper_program(srcs,
                   "int main(void)\n{\n    double worst = 0;\n"
                   "    for (int k = -60000; k <= 60000; k++) {\n"
                   "        float x = (float)k * 1e-4f;\n"
                   "        double d = fabs((double)t_erf(x) - erf((double)x));\n"
                   "        if (d > worst) worst = d;\n    }\n"
                   "    printf(\"%.3g\\n\", worst);\n    return worst > 5e-7;\n}\n",
                   opts);
}

/* The vectorised GELU of gate hidden vectors gives the very values of the
 * unit-by-unit one (same operations, same order), in GNU C vectors (gcc,
 * with and without AVX) and in the portable loops (tcc); past the clamps,
 * infinities and NaN included (a NaN stays a NaN). */
static void gelu8_same(void **state)
{
    (void)state;
    static const char *const srcs[] = {em_erf_src, em_gelu_src, NULL};
    static const char *const opts[] = {"-O0", "-O2 -mavx2", "tcc", NULL};
    helper_program(srcs,
                   "int main(void)\n{\n    long bad = 0;\n"
                   "    for (int k = -60000; k <= 60016; k += 16) {\n"
                   "        float t[16], u[16];\n"
                   "        for (int r = 0; r < 16; r++) t[r] = u[r] = (float)(k + r) * 1e-4f;\n"
                   "        if (k > 60000) t[0] = u[0] = INFINITY, t[1] = u[1] = -INFINITY, t[2] = u[2] = NAN,\n"
                   "                       t[3] = u[3] = 1e30f, t[4] = u[4] = -1e30f;\n"
                   "        t_gelu8(t);\n"
                   "        t_gelu8(t + 8);\n"
                   "        for (int r = 0; r < 16; r++) {\n"
                   "            float g = 0.5f * u[r] * (1.0f + t_erf(u[r] * 0.70710678f));\n"
                   "            bad += isnan(g) ? !isnan(t[r]) : memcmp(&g, &t[r], sizeof g) != 0;\n        }\n    }\n"
                   "    printf(\"%ld differ\\n\", bad);\n    return bad != 0;\n}\n",
                   opts);
}

int main(void)
{
    diag_init(stderr);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tiles),
        cmocka_unit_test(scalar),
        cmocka_unit_test(rows),
        cmocka_unit_test(permuted),
        cmocka_unit_test(dense),
        cmocka_unit_test(erf_accuracy),
        cmocka_unit_test(gelu8_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
