/* JSON writing: escapes and numbers. */
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

static void test_json(void **state)
{
    (void)state;
    char buf[256] = {0};
    FILE *f = fmemopen(buf, sizeof buf, "w");
    json_str(f, "a\"b\\c\n\x01");
    fputc(' ', f);
    json_num(f, 0.1);
    fputc(' ', f);
    json_num(f, 1.0 / 0.0);
    fputc(' ', f);
    json_num(f, 3);
    fclose(f);
    assert_string_equal(buf, "\"a\\\"b\\\\c\\n\\u0001\" 0.1 null 3");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
