/* Arena: alignment, zeroing, big blocks, strings. */
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
#include "arena.h"
#include "diag.h"
#include "json.h"
#include "outfile.h"
#include "suggest.h"

static void test_arena(void **state)
{
    (void)state;
    arena a;
    ar_init(&a);
    char *small = ar_alloc(&a, 3);
    assert_true(((uintptr_t)small & 15) == 0);
    for (int i = 0; i < 3; i++) assert_int_equal(small[i], 0);
    double *big = ar_array(&a, 100000, sizeof *big); /* larger than a block */
    assert_true(((uintptr_t)big & 15) == 0);
    big[99999] = 1.5;
    char *after = ar_alloc(&a, 5); /* still served after a big block */
    assert_non_null(after);
    assert_string_equal(ar_printf(&a, "%s-%d", "x", 42), "x-42");
    assert_string_equal(ar_strndup(&a, "abcdef", 3), "abc");
    ar_free(&a);
    assert_null(a.head);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
