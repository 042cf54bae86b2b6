/* Suggestions for mistyped names. */
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

static void test_suggest(void **state)
{
    (void)state;
    const char *keys[] = {"weight", "bias", "activation", "gate"};
    assert_string_equal(sg_closest("wieght", keys, 4), "weight");
    assert_string_equal(sg_closest("activaton", keys, 4), "activation");
    assert_null(sg_closest("zzz", keys, 4));
    assert_null(sg_closest("ga", keys, 4)); /* too short to be a typo of 'gate' */
    assert_null(sg_closest("weight", keys, 4)); /* an exact match is not a suggestion */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_suggest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
