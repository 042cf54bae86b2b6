/* Output files appear whole or not at all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "arena.h"
#include "diag.h"
#include "json.h"
#include "outfile.h"
#include "suggest.h"

/* A FIFO stands in for /dev/null: written in place, never replaced by a
 * renamed temporary (which, as root, would replace the device). */
static void test_outfile_device(void **state)
{
    (void)state;
    char dir[] = "/tmp/dgc-of-XXXXXX", path[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/fifo", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    int rd = open(path, O_RDONLY | O_NONBLOCK);
    assert_true(rd >= 0);
    diag_init(stderr);
    outfile o;
    assert_int_equal(of_open(&o, path), 0);
    fputs("through", o.fp);
    assert_int_equal(of_commit(&o), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    char buf[16] = {0};
    assert_int_equal(read(rd, buf, sizeof buf - 1), 7);
    assert_string_equal(buf, "through");
    close(rd);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0); /* no temporary left beside it */
}

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
        cmocka_unit_test(test_outfile_device),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
