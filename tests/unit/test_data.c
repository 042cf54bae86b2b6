/* test_data: the input readers. Every fixture is written at test time, so
 * the bytes each test feeds are in front of the reader of this file; the
 * malformed ones (ragged CSV, truncated IDX, bad gzip, ...) must fail with
 * the exact one-line reason, never crash. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>
#include "data.h"

static arena A;
static char dir[] = "/tmp/dgc-test-data-XXXXXX";
static char err[256];

static int setup(void **state)
{
    (void)state;
    ar_init(&A);
    err[0] = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ar_free(&A);
    return 0;
}

static const char *fixture(const char *name, const void *bytes, size_t n, int gz)
{
    const char *path = ar_printf(&A, "%s/%s", dir, name);
    if (gz) {
        gzFile g = gzopen(path, "wb");
        assert_non_null(g);
        assert_int_equal(gzwrite(g, bytes, (unsigned)n), (int)n);
        gzclose(g);
    } else {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(bytes, 1, n, f), n);
        fclose(f);
    }
    return path;
}

static const char *text(const char *name, const char *s) { return fixture(name, s, strlen(s), 0); }

static void load_ok(const char *path, long first, long limit, data_set *ds)
{
    if (data_load(&A, path, first, limit, ds, err, sizeof err)) fail_msg("%s: %s", path, err);
}

static void load_fails(const char *path, long first, long limit, const char *want)
{
    data_set ds;
    assert_int_equal(data_load(&A, path, first, limit, &ds, err, sizeof err), -1);
    assert_string_equal(err, want);
}

static void csv_rows(void **state)
{
    (void)state;
    data_set ds;
    load_ok(text("a.csv", "# comment\nx,y,z\n1, 2,3\n\n4 5 6  # trailing\n-7e-1,8.5,9\n"), 0, -1, &ds);
    assert_int_equal(ds.rows, 3);
    assert_int_equal(ds.total, 3);
    assert_int_equal(ds.dim, 3);
    const float want[] = {1, 2, 3, 4, 5, 6, -0.7f, 8.5f, 9};
    for (int i = 0; i < 9; i++) assert_true(ds.x[i] == want[i]);
    assert_null(ds.labels);
    load_ok(ds.path, 1, 1, &ds);
    assert_int_equal(ds.rows, 1);
    assert_int_equal(ds.first, 1);
    assert_true(ds.x[0] == 4 && ds.x[2] == 6);
    load_ok(ds.path, 2, 100, &ds); /* the limit is clipped to the file */
    assert_int_equal(ds.rows, 1);
    assert_true(ds.x[1] == 8.5f);
}

static void csv_errors(void **state)
{
    (void)state;
    load_fails(text("r.csv", "1,2,3\n4,5\n"), 0, -1, "line 2 has 2 values, expected 3 as on the first row");
    load_fails(text("s.csv", "1,2\n3\n"), 0, -1, "line 2 has 1 value, expected 2 as on the first row");
    load_fails(text("w.csv", "1,2\n3,abc\n"), 0, -1, "line 2: 'abc' is not a number");
    load_fails(text("e.csv", "1,,2\n"), 0, -1, "line 1: empty value");
    load_fails(text("t.csv", "1,2,\n"), 0, -1, "line 1: empty value");
    load_fails(text("n.csv", "1,nan\n"), 0, -1, "line 1: a value is not a finite float");
    load_fails(text("h.csv", "a,b\nc,d\n"), 0, -1, "line 2: 'c' is not a number");
    load_fails(text("z.csv", "# nothing\n\n"), 0, -1, "the file holds no rows");
    load_fails(text("y.csv", "# one row, one typo\n1,2,x\n\n"), 0, -1,
               "the file holds no rows (line 2, not all numbers, was taken as a header)");
    load_fails(text("o.csv", "1\n2\n"), 2, -1, "row index 2 is out of range (the file has 2 rows)");
    load_fails(fixture("bin.csv", "1\0002", 3, 0), 0, -1, "not a CSV, .npy or IDX file (binary data)");
    load_fails(ar_printf(&A, "%s/none.csv", dir), 0, -1, "cannot open: No such file or directory");
}

/* IDX: 3 images of 2x2 ubyte pixels. */
static const unsigned char idx3[] = {0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2,
                                     0, 1, 2, 3, 10, 11, 12, 13, 255, 254, 253, 252};

static void idx_plain_and_gz(void **state)
{
    (void)state;
    for (int gz = 0; gz < 2; gz++) {
        data_set ds;
        load_ok(fixture(gz ? "i.gz" : "i.idx", idx3, sizeof idx3, gz), 1, -1, &ds);
        assert_int_equal(ds.rows, 2);
        assert_int_equal(ds.total, 3);
        assert_int_equal(ds.dim, 4);
        assert_true(ds.x[0] == 10 && ds.x[3] == 13 && ds.x[4] == 255 && ds.x[7] == 252);
    }
}

static void idx_types(void **state)
{
    (void)state;
    /* 1-D int16 -300 and 2; then 1x2 float32 1.5, -2; then double 0.25 */
    const unsigned char s16[] = {0, 0, 0x0B, 1, 0, 0, 0, 2, 0xFE, 0xD4, 0, 2};
    const unsigned char f32[] = {0, 0, 0x0D, 2, 0, 0, 0, 1, 0, 0, 0, 2,
                                 0x3F, 0xC0, 0, 0, 0xC0, 0, 0, 0};
    const unsigned char f64[] = {0, 0, 0x0E, 1, 0, 0, 0, 1, 0x3F, 0xD0, 0, 0, 0, 0, 0, 0};
    const unsigned char s8[] = {0, 0, 0x09, 1, 0, 0, 0, 1, 0xFF};
    data_set ds;
    load_ok(fixture("s16", s16, sizeof s16, 0), 0, -1, &ds);
    assert_int_equal(ds.rows, 2);
    assert_int_equal(ds.dim, 1);
    assert_true(ds.x[0] == -300 && ds.x[1] == 2);
    load_ok(fixture("f32", f32, sizeof f32, 0), 0, -1, &ds);
    assert_int_equal(ds.dim, 2);
    assert_true(ds.x[0] == 1.5f && ds.x[1] == -2);
    load_ok(fixture("f64", f64, sizeof f64, 0), 0, -1, &ds);
    assert_true(ds.x[0] == 0.25f);
    load_ok(fixture("s8", s8, sizeof s8, 0), 0, -1, &ds);
    assert_true(ds.x[0] == -1);
}

static void idx_errors(void **state)
{
    (void)state;
    load_fails(fixture("tr.idx", idx3, sizeof idx3 - 1, 0), 0, -1,
               "truncated IDX file: the header promises 12 bytes of data, the file has 11");
    load_fails(fixture("trh.idx", idx3, 9, 0), 0, -1, "truncated IDX header (9 bytes)");
    load_fails(fixture("trg.gz", idx3, sizeof idx3 - 5, 1), 0, -1,
               "truncated IDX file: the header promises 12 bytes of data, the file has 7");
    unsigned char big[sizeof idx3 + 1];
    memcpy(big, idx3, sizeof idx3);
    big[sizeof idx3] = 7;
    load_fails(fixture("big.idx", big, sizeof big, 0), 0, -1, "IDX file has 1 bytes after its data");
    const unsigned char huge[] = {0, 0, 8, 2, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    load_fails(fixture("huge.idx", huge, sizeof huge, 0), 0, -1, "IDX dimension 1 is too large");
    load_fails(fixture("r.idx", idx3, sizeof idx3, 0), 3, 1, "row index 3 is out of range (the file has 3 rows)");
}

static void bad_gzip(void **state)
{
    (void)state;
    /* A gzip header followed by bytes that are not deflate data. */
    const unsigned char junk[] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 0, 1};
    data_set ds;
    assert_int_equal(data_load(&A, fixture("junk.gz", junk, sizeof junk, 0), 0, -1, &ds, err, sizeof err), -1);
    assert_non_null(strstr(err, "bad gzip data: "));
    /* A real gzip stream cut in half. */
    const char *p = fixture("whole.gz", idx3, sizeof idx3, 1);
    FILE *f = fopen(p, "rb");
    unsigned char buf[256];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_int_equal(data_load(&A, fixture("half.gz", buf, n / 2, 0), 0, -1, &ds, err, sizeof err), -1);
    assert_non_null(strstr(err, "bad gzip data: "));
}

/* A 2x3 float32 .npy and a 1-D int64 one, headers written by hand. */
static const char *npy(const char *name, const char *dict, const void *data, size_t n)
{
    char hdr[128];
    size_t len = strlen(dict);
    size_t pad = 64 - (10 + len + 1) % 64;
    memcpy(hdr, "\x93NUMPY\x01\x00", 8);
    hdr[8] = (char)(len + pad + 1);
    hdr[9] = 0;
    memcpy(hdr + 10, dict, len);
    memset(hdr + 10 + len, ' ', pad);
    hdr[10 + len + pad] = '\n';
    size_t h = 10 + len + pad + 1;
    char *all = ar_alloc(&A, h + n);
    memcpy(all, hdr, h);
    memcpy(all + h, data, n);
    return fixture(name, all, h + n, 0);
}

static void npy_rows(void **state)
{
    (void)state;
    const float v[] = {1, 2, 3, 4, 5, 6};
    data_set ds;
    load_ok(npy("x.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", v, sizeof v), 1, -1, &ds);
    assert_int_equal(ds.rows, 1);
    assert_int_equal(ds.total, 2);
    assert_int_equal(ds.dim, 3);
    assert_true(ds.x[0] == 4 && ds.x[2] == 6);
    load_ok(npy("v.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", v, sizeof v), 0, -1, &ds);
    assert_int_equal(ds.rows, 1);
    assert_int_equal(ds.dim, 6);
    load_ok(npy("c.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3), }", v, sizeof v), 0, -1, &ds);
    assert_int_equal(ds.dim, 6);
    load_fails(npy("t.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 3), }", v, sizeof v), 0, -1,
               "tensor 't': data is 24 bytes but shape [3, 3] of '<f4' needs 36");
    load_fails(npy("s.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", v, 4), 0, -1,
               "the array is a scalar; expected rows of values");
    /* The magic decides, whatever the name (standard input has none). */
    load_ok(npy("x.npy2", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", v, sizeof v), 0, -1, &ds);
    assert_int_equal(ds.rows, 2);
    assert_int_equal(ds.dim, 3);
}

static void labels(void **state)
{
    (void)state;
    const unsigned char l1[] = {0, 0, 8, 1, 0, 0, 0, 3, 7, 0, 9};
    const char *lp = fixture("l.idx", l1, sizeof l1, 1);
    data_set ds;
    load_ok(fixture("i.idx", idx3, sizeof idx3, 0), 1, 2, &ds);
    assert_int_equal(data_load_labels(&A, lp, &ds, err, sizeof err), 0);
    assert_int_equal(ds.labels[0], 0);
    assert_int_equal(ds.labels[1], 9);
    /* a 1-D .npy is a column of labels, where as data it is one row */
    const float lv[] = {4, 5, 6};
    const char *ln = npy("l.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", lv, sizeof lv);
    assert_int_equal(data_load_labels(&A, ln, &ds, err, sizeof err), 0);
    assert_int_equal(ds.labels[0], 5);
    assert_int_equal(ds.labels[1], 6);
    assert_int_equal(data_load_labels(&A, text("l.csv", "label\n1\n2\n3\n"), &ds, err, sizeof err), 0);
    assert_int_equal(ds.labels[0], 2);
    assert_int_equal(data_load_labels(&A, text("l2.csv", "1\n2\n"), &ds, err, sizeof err), -1);
    assert_string_equal(err, "2 labels for 3 rows of data");
    assert_int_equal(data_load_labels(&A, text("l3.csv", "1\n2.5\n3\n"), &ds, err, sizeof err), -1);
    assert_string_equal(err, "label 1 is 2.5, not a class index");
    assert_int_equal(data_load_labels(&A, text("l4.csv", "1\n-2\n3\n"), &ds, err, sizeof err), -1);
    assert_string_equal(err, "label 1 is -2, not a class index");
    assert_int_equal(data_load_labels(&A, text("l5.csv", "1 1\n2 2\n3 3\n"), &ds, err, sizeof err), -1);
    assert_string_equal(err, "labels must be one value per row, not 2");
}

/* Mutated files (bytes flipped, cut short) fail cleanly or load; never a
 * crash or a read out of bounds (run under valgrind or ASan to see). */
static void fuzz(void **state)
{
    (void)state;
    const char *p = fixture("z.gz", idx3, sizeof idx3, 1);
    FILE *f = fopen(p, "rb");
    unsigned char gz[256], csv[] = "a,b\n1,2\n3,4 # c\n5e3,-6\n", buf[256];
    size_t ngz = fread(gz, 1, sizeof gz, f);
    fclose(f);
    uint32_t seed = 99;
    for (int k = 0; k < 600; k++) {
        const unsigned char *src = k % 3 == 0 ? gz : k % 3 == 1 ? idx3 : csv;
        size_t n = k % 3 == 0 ? ngz : k % 3 == 1 ? sizeof idx3 : sizeof csv - 1;
        memcpy(buf, src, n);
        for (int m = 0; m < 1 + k % 4; m++) {
            seed = seed * 1664525u + 1013904223u;
            buf[(seed >> 8) % n] ^= (unsigned char)(1u << (seed >> 28 & 7));
        }
        seed = seed * 1664525u + 1013904223u;
        size_t cut = k % 5 == 0 ? (seed >> 8) % n : n;
        data_set ds;
        err[0] = 0;
        int rc = data_load(&A, fixture("fz", buf, cut, 0), 0, -1, &ds, err, sizeof err);
        if (rc) assert_true(err[0] != 0);
        else assert_true(ds.rows > 0 && ds.dim > 0);
    }
}

/* The real thing, when the machine has it (tools/install-deps installs it). */
static void fashion_mnist(void **state)
{
    (void)state;
    const char *img = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
    if (access(img, R_OK)) fail_msg("%s is missing: run tools/install-deps", img);
    data_set ds;
    load_ok(img, 9998, 5, &ds);
    assert_int_equal(ds.rows, 2);
    assert_int_equal(ds.total, 10000);
    assert_int_equal(ds.dim, 784);
    float mx = 0;
    for (int i = 0; i < 2 * 784; i++) mx = ds.x[i] > mx ? ds.x[i] : mx;
    assert_true(mx > 100 && mx <= 255);
    assert_int_equal(
        data_load_labels(&A, "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz", &ds, err, sizeof err),
        0);
    assert_true(ds.labels[0] >= 0 && ds.labels[0] <= 9 && ds.labels[1] <= 9);
}

int main(void)
{
    if (!mkdtemp(dir)) return perror("mkdtemp"), 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(csv_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(csv_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(idx_plain_and_gz, setup, teardown),
        cmocka_unit_test_setup_teardown(idx_types, setup, teardown),
        cmocka_unit_test_setup_teardown(idx_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_gzip, setup, teardown),
        cmocka_unit_test_setup_teardown(npy_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(labels, setup, teardown),
        cmocka_unit_test_setup_teardown(fuzz, setup, teardown),
        cmocka_unit_test_setup_teardown(fashion_mnist, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) rc = 1;
    return rc;
}
