/* Front end as a whole (read, parse, check): mutated models never crash,
 * and every rejected input got at least one diagnostic with a position. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "front.h"

static const char seed[] =
    "model m;\n"
    "input 2x2 { scale 0.5; offset -1; mean 0; std [1, 2, 1, 1];\n"
    "  gate static { logits [1, -1, 2, 0.5]; threshold 0.6; } }\n"
    "labels \"a\", \"b\";\n"
    "layer fc1 dense 3 { weight [[1, 2, 3, 4], [0.5, -1, 0x1.8p1, 1e-2], [0, 0, 0, 1]];\n"
    "  bias [0, 0.1, -0.2]; activation relu;\n"
    "  gate lowrank 1 { norm { eps 1e-5; } a [[1, 0, 1, 0]]; b [[1], [2], [-1]];\n"
    "    activation gelu; bias [0, 0, 1]; min_keep 1; temperature 2; } }\n"
    "layer ln layernorm { eps 1e-5; weight [1, 1, 1]; }\n"
    "layer fc2 dense 2 { weight [[1, 1, 1], [1, -1, 0]]; activation sigmoid;\n"
    "  gate linear { from self; weight [[1, 0], [0, 1]]; topk 1; apply pre; } }\n"
    "output logits dense 2 { weight [[1, 0], [0, 1]]; softmax; }\n";

/* Bytes worth inserting: the language's punctuation and pieces of words. */
static const char *const pieces[] = {"{", "}", "[", "]", ";", ",", "-", "\"", "/*", "#",
                                     "0x", "1e", "9999999999", "x", "tensor", "gate", "\n",
                                     "\0", "\xff", "layer", "0.5", "[[", "]]"};

static uint64_t st = 88172645463325252ULL;
static uint32_t rnd(void)
{
    st ^= st << 13;
    st ^= st >> 7;
    st ^= st << 17;
    return (uint32_t)st;
}

static size_t mutate(char *buf, size_t len, size_t cap)
{
    int edits = 1 + (int)(rnd() % 4);
    for (int e = 0; e < edits; e++) {
        size_t at = len ? rnd() % len : 0;
        switch (rnd() % 4) {
        case 0: /* delete a run */ {
            size_t n = 1 + rnd() % 8;
            if (at + n > len) n = len - at;
            memmove(buf + at, buf + at + n, len - at - n);
            len -= n;
            break;
        }
        case 1: /* insert a piece */ {
            size_t i = rnd() % (sizeof pieces / sizeof *pieces);
            size_t n = pieces[i][0] ? strlen(pieces[i]) : 1;
            if (len + n >= cap) break;
            memmove(buf + at + n, buf + at, len - at);
            memcpy(buf + at, pieces[i], n);
            len += n;
            break;
        }
        case 2: /* flip a byte */
            if (len) buf[at] = (char)(rnd() & 0xff);
            break;
        default: /* duplicate a run */ {
            size_t n = 1 + rnd() % 32;
            if (at + n > len) n = len - at;
            if (len + n >= cap) break;
            memmove(buf + at + n, buf + at, len - at);
            len += n;
            break;
        }
        }
    }
    return len;
}

static void test_mutated_models(void **state)
{
    (void)state;
    char buf[4096], errs[1 << 16];
    int rejected = 0, accepted = 0;
    for (int i = 0; i < 20000; i++) {
        size_t len = mutate(memcpy(buf, seed, sizeof seed - 1), sizeof seed - 1, sizeof buf);
        FILE *f = fmemopen(errs, sizeof errs, "w");
        diag_init(f);
        arena a;
        ar_init(&a);
        mdl_model *m = front_load_text(&a, "f.dg", buf, len, ".");
        fclose(f);
        if (m) {
            accepted++;
            assert_int_equal(diag_errors(), 0);
            assert_true(m->n_ops >= 1 && m->ops[m->n_ops - 1].is_output);
        } else {
            rejected++;
            assert_true(diag_errors() > 0);
            if (!strstr(errs, "f.dg:")) fail_msg("rejected without a located error:\n%s", errs);
        }
        ar_free(&a);
    }
    assert_true(rejected > 15000); /* the mutations do break most models */
    assert_true(accepted > 0);    /* and some still check: the seed is valid */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mutated_models),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
