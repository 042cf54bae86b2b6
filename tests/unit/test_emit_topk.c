/* test_emit_topk: the emitted top-k helpers (emit.c em_topk_src, the radix
 * select, and em_topk_vec_src, the binary search for vector targets), compiled
 * with gcc -std=c99 -pedantic and run against a reference that counts, for
 * each unit, the larger logits and the equal ones at lower indices: open
 * iff fewer than k. Logits cover ties, -0 against +0, negatives, infinities,
 * subnormals, a spread of 1e-30 and of 1e30, a range inside one float
 * exponent, all equal, and every k from 1 to n on small sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include "emit.h"
#include "emit_int.h"

static const char driver[] =
    "#include <math.h>\n"
    "#include <stdio.h>\n"
    "static uint32_t seed = 12345u;\n"
    "static uint32_t rnd(void) { seed = seed * 1664525u + 1013904223u; return seed >> 8; }\n"
    "static float value(int mode)\n"
    "{\n"
    "    float u = (float)(rnd() % 2000001u) / 1000000.0f - 1.0f; /* [-1, 1] */\n"
    "    switch (mode) {\n"
    "    case 0: { int v = (int)(rnd() % 5u) - 2; return v == 0 && rnd() % 2u ? -0.0f : (float)v; }\n"
    "    case 1: return u * 1e-30f;\n"
    "    case 2: return u * 1e30f;\n"
    "    case 3: return 1.0f + fabsf(u) * 0.5f; /* one exponent */\n"
    "    case 4: return rnd() % 8u == 0 ? (rnd() % 2u ? INFINITY : -INFINITY) : u * 1e-40f;\n"
    "    case 5: return 0.375f;\n"
    "    default: return u * 8.0f;\n"
    "    }\n"
    "}\n"
    "int main(void)\n"
    "{\n"
    "    static float z[300];\n"
    "    static uint32_t q[300];\n"
    "    static unsigned char m[300];\n"
    "    long checked = 0;\n"
    "    for (int trial = 0; trial < 3000; trial++) {\n"
    "        int mode = trial % 7, n = trial % 50 == 0 ? 300 : 1 + (int)(rnd() % 64u);\n"
    "        for (int j = 0; j < n; j++) z[j] = value(mode);\n"
    "        for (int k = 1; k <= n; k += n > 64 ? 37 : 1) {\n"
    "            t_topk(z, q, m, n, k);\n"
    "            for (int j = 0; j < n; j++) {\n"
    "                int before = 0;\n"
    "                for (int i = 0; i < n; i++) before += z[i] > z[j] || (z[i] == z[j] && i < j);\n"
    "                if (m[j] != (before < k)) {\n"
    "                    printf(\"trial %d mode %d n %d k %d unit %d (%a): got %d\\n\", trial, mode, n, k, j,\n"
    "                           (double)z[j], m[j]);\n"
    "                    return 1;\n"
    "                }\n"
    "            }\n"
    "            checked++;\n"
    "        }\n"
    "    }\n"
    "    printf(\"%ld selections\\n\", checked);\n"
    "    return 0;\n"
    "}\n";

static void check_source(const char *src)
{
    char dir[] = "/tmp/dgc_topk_XXXXXX", path[64], cmd[512];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/topk.c", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("#include <stdint.h>\n", f);
    for (const char *c = src; *c; c++) fputc(*c == '@' ? 't' : *c, f);
    fputs(driver, f);
    fclose(f);
    snprintf(cmd, sizeof cmd,
             "gcc -std=c99 -Wall -Wextra -Werror -pedantic -Wdouble-promotion -O2 -o %s/topk %s -lm && %s/topk",
             dir, path, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void radix_select(void **state)
{
    (void)state;
    check_source(em_topk_src);
}

static void binary_search(void **state)
{
    (void)state;
    check_source(em_topk_vec_src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(radix_select),
        cmocka_unit_test(binary_search),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
