/* Output files appear whole or not at all. */
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

static void test_outfile_commit_and_abort(void **state)
{
    (void)state;
    char dir[] = "/tmp/dgc-of-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/out.c", dir);
    diag_init(stderr);
    outfile o;
    assert_int_equal(of_open(&o, path), 0);
    fputs("hello\n", o.fp);
    assert_int_equal(access(path, F_OK), -1); /* nothing at the destination yet */
    assert_int_equal(of_commit(&o), 0);
    FILE *f = fopen(path, "r");
    char line[16] = {0};
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    assert_string_equal(line, "hello\n");
    assert_int_equal(of_open(&o, path), 0);
    fputs("partial", o.fp);
    of_abort(&o); /* the old file stays, no temporary is left */
    f = fopen(path, "r");
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    assert_string_equal(line, "hello\n");
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0); /* empty: the temporary is gone */
    snprintf(path, sizeof path, "%s/no/such/dir.c", dir);
    FILE *errs = fopen("/dev/null", "w");
    diag_init(errs);
    assert_int_equal(of_open(&o, path), -1);
    assert_int_equal(diag_errors(), 1);
    fclose(errs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outfile_commit_and_abort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
