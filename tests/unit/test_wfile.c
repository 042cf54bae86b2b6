/* Unit tests for wfile: fixtures written by real NumPy (see
 * tests/data/wfile/make_fixtures.py), malformed files written here into a
 * temporary directory, and a truncate/flip sweep that must never crash.
 * Run from the repository root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wfile.h"

#define FIX "tests/data/wfile/"

static arena A;
static wf_set S;
static char err[512];
static char tmpdir[] = "/tmp/test_wfile.XXXXXX";

/* ---- helpers ---------------------------------------------------------------- */

static int fresh(void **state)
{
    (void)state;
    ar_init(&A);
    memset(&S, 0, sizeof S);
    err[0] = 0;
    return 0;
}

static int release(void **state)
{
    (void)state;
    ar_free(&A);
    return 0;
}

static int group_setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    DIR *d = opendir(tmpdir);
    if (d) {
        struct dirent *e;
        char p[600];
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
                if (rmdir(p) != 0) unlink(p);
            }
        closedir(d);
    }
    rmdir(tmpdir);
    return 0;
}

/* Path of name inside the temporary directory (static buffer, one at a time
 * per slot so two paths can be alive together). */
static const char *tmp_path(const char *name)
{
    static char buf[4][600];
    static int slot;
    slot = (slot + 1) % 4;
    snprintf(buf[slot], sizeof buf[slot], "%s/%s", tmpdir, name);
    return buf[slot];
}

static const char *write_tmp(const char *name, const void *data, size_t len)
{
    const char *p = tmp_path(name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return p;
}

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open fixture %s (run from the repository root)", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void load_ok(const char *path)
{
    if (wf_load(&A, path, &S, err, sizeof err) != 0) fail_msg("%s: %s", path, err);
}

/* The load must fail, leave the set as it was, and say something
 * containing want on one line. */
static void load_fails(const char *path, const char *want)
{
    int n0 = S.n;
    err[0] = 0;
    int rc = wf_load(&A, path, &S, err, sizeof err);
    if (rc != -1) fail_msg("%s: expected failure mentioning '%s', got rc %d", path, want, rc);
    if (!strstr(err, want)) fail_msg("%s: error '%s' does not mention '%s'", path, err, want);
    assert_null(strchr(err, '\n'));
    assert_int_equal(S.n, n0);
}

static const wf_tensor *need(const char *name)
{
    const wf_tensor *t = wf_find(&S, name);
    if (!t) fail_msg("tensor '%s' not loaded", name);
    return t;
}

static void check_shape(const wf_tensor *t, int ndim, int64_t d0, int64_t d1, int64_t d2)
{
    int64_t want[3] = {d0, d1, d2};
    assert_int_equal(t->ndim, ndim);
    size_t count = 1;
    for (int i = 0; i < ndim; i++) {
        assert_int_equal(t->shape[i], want[i]);
        count *= (size_t)want[i];
    }
    assert_int_equal(t->count, count);
}

/* Exact float comparison (bitwise, so -0 and nan payloads would show). */
static void check_values(const wf_tensor *t, const float *want, size_t n)
{
    assert_int_equal(t->count, n);
    for (size_t i = 0; i < n; i++)
        if (memcmp(&t->data[i], &want[i], sizeof(float)) != 0)
            fail_msg("%s[%zu] = %.9g, want %.9g", t->name, i, (double)t->data[i], (double)want[i]);
}

/* A .npy image with the given header dict, padded like NumPy does. */
static size_t make_npy(unsigned char *out, int version, const char *dict, const void *data,
                       size_t dlen)
{
    size_t pre = version == 1 ? 10 : 12, dl = strlen(dict);
    size_t hlen = dl + 1;
    hlen += (64 - (pre + hlen) % 64) % 64;
    memcpy(out, "\x93NUMPY", 6);
    out[6] = (unsigned char)version;
    out[7] = 0;
    for (size_t i = 0; i < (version == 1 ? 2u : 4u); i++)
        out[8 + i] = (unsigned char)(hlen >> (8 * i));
    memcpy(out + pre, dict, dl);
    memset(out + pre + dl, ' ', hlen - dl - 1);
    out[pre + hlen - 1] = '\n';
    if (dlen) memcpy(out + pre + hlen, data, dlen);
    return pre + hlen + dlen;
}

static const char *npy_tmp(const char *name, const char *dict, const void *data, size_t dlen)
{
    unsigned char buf[4096];
    assert_true(dlen < 3000);
    return write_tmp(name, buf, make_npy(buf, 1, dict, data, dlen));
}

/* A .safetensors image: 8-byte length, JSON, data. */
static const char *st_tmp(const char *name, const char *json, const void *data, size_t dlen)
{
    unsigned char buf[8192];
    size_t jl = strlen(json);
    assert_true(8 + jl + dlen <= sizeof buf);
    for (int i = 0; i < 8; i++) buf[i] = (unsigned char)((uint64_t)jl >> (8 * i));
    memcpy(buf + 8, json, jl);
    if (dlen) memcpy(buf + 8 + jl, data, dlen);
    return write_tmp(name, buf, 8 + jl + dlen);
}

/* ---- .npy fixtures ---------------------------------------------------------- */

static void test_npy_f32_2d(void **state)
{
    (void)state;
    load_ok(FIX "f32_2d.npy");
    assert_int_equal(S.n, 1);
    const wf_tensor *t = need("f32_2d");
    check_shape(t, 2, 2, 3, 0);
    assert_string_equal(t->dtype, "<f4");
    assert_string_equal(t->file, FIX "f32_2d.npy");
    assert_int_equal(t->converted, 0);
    const float want[] = {-1, -0.5f, 0, 0.5f, 1, 1.5f};
    check_values(t, want, 6);
}

static void test_npy_f64_converted(void **state)
{
    (void)state;
    load_ok(FIX "f64.npy");
    const wf_tensor *t = need("f64");
    check_shape(t, 1, 5, 0, 0);
    assert_string_equal(t->dtype, "<f8");
    assert_int_equal(t->converted, 1);
    volatile double big = 1e300;   /* out of float range: inf under IEEE */
    const float want[] = {(float)0.1, (float)(1.0 / 3.0), -2.5f, (float)big, (float)1e-50};
    check_values(t, want, 5);
    assert_true(isinf(t->data[3]) && t->data[3] > 0);
    assert_true(t->data[4] == 0.0f);
}

static void test_npy_fortran_order(void **state)
{
    (void)state;
    load_ok(FIX "fortran.npy");
    const wf_tensor *t = need("fortran");
    check_shape(t, 3, 2, 3, 4);
    float want[24];
    for (int i = 0; i < 24; i++) want[i] = (float)i;
    check_values(t, want, 24);
}

static void test_npy_scalar_and_int_vector(void **state)
{
    (void)state;
    load_ok(FIX "scalar.npy");
    load_ok(FIX "vec_i4.npy");
    const wf_tensor *t = need("scalar");
    assert_int_equal(t->ndim, 0);
    assert_int_equal(t->count, 1);
    assert_true(t->data[0] == 3.25f);
    t = need("vec_i4");
    check_shape(t, 1, 5, 0, 0);
    assert_string_equal(t->dtype, "<i4");
    assert_int_equal(t->converted, 1);
    const float want[] = {-3, 0, 7, 2147483648.0f, -2147483648.0f};
    check_values(t, want, 5);
}

static void test_npy_big_endian_and_half(void **state)
{
    (void)state;
    load_ok(FIX "be_f8.npy");
    load_ok(FIX "f16.npy");
    const wf_tensor *t = need("be_f8");
    assert_string_equal(t->dtype, ">f8");
    const float be[] = {1.5f, -0.25f, 1024.0f};
    check_values(t, be, 3);
    t = need("f16");
    assert_string_equal(t->dtype, "<f2");
    assert_int_equal(t->converted, 1);
    const float half[] = {1, -2, 0.5f, 65504.0f, 5.9604644775390625e-08f, INFINITY};
    check_values(t, half, 6);
}

static void test_npy_format_versions(void **state)
{
    (void)state;
    load_ok(FIX "v2.npy");
    load_ok(FIX "v3.npy");
    const float v2[] = {1, 2, 3, 4}, v3[] = {5, 6, 7};
    check_shape(need("v2"), 2, 2, 2, 0);
    check_values(need("v2"), v2, 4);
    check_values(need("v3"), v3, 3);
}

static void test_npy_complex_rejected(void **state)
{
    (void)state;
    load_fails(FIX "complex.npy", "dtype '<c8' is not supported");
    load_fails(FIX "complex.npy", "tensor 'complex'");
}

/* Hand-built headers: byte orders and item sizes NumPy also writes. */
static void test_npy_handbuilt_dtypes(void **state)
{
    (void)state;
    const unsigned char be4[] = {0x3f, 0x80, 0, 0, 0xc0, 0x20, 0, 0};   /* 1, -2.5 */
    load_ok(npy_tmp("be4.npy", "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", be4, 8));
    const float w1[] = {1, -2.5f};
    check_values(need("be4"), w1, 2);
    assert_int_equal(need("be4")->converted, 0);

    const unsigned char u1[] = {0, 1, 255};
    load_ok(npy_tmp("u1.npy", "{\"descr\": \"|u1\", \"shape\": (3L,), \"fortran_order\": False}", u1, 3));
    const float w2[] = {0, 1, 255};
    check_values(need("u1"), w2, 3);

    const unsigned char bi8[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe};  /* -2 */
    load_ok(npy_tmp("bi8.npy", "{'descr': '>i8', 'fortran_order': True, 'shape': (1, 1)}", bi8, 8));
    const float w3[] = {-2};
    check_values(need("bi8"), w3, 1);

    /* fortran order with a 2x3 of small ints, stored column-major */
    const unsigned char f2x3[] = {0, 3, 1, 4, 2, 5};
    load_ok(npy_tmp("fo.npy", "{'descr': '|i1', 'fortran_order': True, 'shape': (2, 3), }", f2x3, 6));
    const float w4[] = {0, 1, 2, 3, 4, 5};
    check_values(need("fo"), w4, 6);

    /* zero-size dimension: allowed, no data */
    load_ok(npy_tmp("z.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }", "", 0));
    assert_int_equal(need("z")->count, 0);
}

/* ---- malformed .npy ----------------------------------------------------------- */

static void test_npy_bad_magic_and_truncation(void **state)
{
    (void)state;
    load_fails(write_tmp("m.npy", "\x93NUMPX\x01\x00\x10\x00", 10), "bad magic");
    load_fails(write_tmp("m.npy", "", 0), "bad magic");
    load_fails(write_tmp("m.npy", "\x93NUMPY\x01\x00", 8), "truncated .npy header");
    load_fails(write_tmp("m.npy", "\x93NUMPY\x02\x00\x10\x00", 10), "truncated .npy header");
    load_fails(write_tmp("m.npy", "\x93NUMPY\x04\x00\x10\x00", 10), "version 4.0");
    /* header length 0x7600 but only a few bytes follow */
    load_fails(write_tmp("m.npy", "\x93NUMPY\x01\x00\x00\x76{'descr'", 18), "runs past the end");
    /* v2 header length near 4 GiB */
    load_fails(write_tmp("m.npy", "\x93NUMPY\x02\x00\xff\xff\xff\xff{}", 14), "runs past the end");
}

static void test_npy_shape_overflow(void **state)
{
    (void)state;
    float x = 1;
    load_fails(npy_tmp("big.npy",
                       "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
                       &x, 4),
               "too large");
    load_fails(npy_tmp("big.npy",
                       "{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952,), }",
                       &x, 4),
               "tensor 'big': shape [2305843009213693952] is too large");
    load_fails(npy_tmp("big.npy",
                       "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }",
                       &x, 4),
               "'shape' is not a tuple of integers");
    load_fails(npy_tmp("big.npy",
                       "{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }",
                       &x, 4),
               "more than 8 dimensions");
}

static void test_npy_data_size_mismatch(void **state)
{
    (void)state;
    float d[10] = {0};
    load_fails(npy_tmp("short.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (10,), }", d, 8),
               "tensor 'short': data is 8 bytes but shape [10] of '<f4' needs 40");
    load_fails(npy_tmp("long.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", d, 8),
               "data is 8 bytes");
}

static void test_npy_bad_header_dict(void **state)
{
    (void)state;
    float d = 0;
    static const struct { const char *dict, *want; } cases[] = {
        {"{'descr': '<f4', 'fortran_order': False}", "needs 'descr', 'fortran_order' and 'shape'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", "unexpected or repeated key 'x'"},
        {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", "repeated key 'descr'"},
        {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}", "structured dtypes"},
        {"{'descr': '<f4', 'fortran_order': false, 'shape': (1,)}", "not True or False"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1)}", "'shape' is not a tuple"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", "'shape' is not a tuple"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} junk", "after the closing"},
        {"['descr']", "expected '{'"},
        {"{'descr': '<f4' 'fortran_order': False, 'shape': (1,)}", "expected ',' or '}'"},
        {"{'descr: '<f4', 'fortran_order': False, 'shape': (1,)}", "expected a quoted key"},
        {"{'descr': '|b1', 'fortran_order': False, 'shape': (1,)}", "dtype '|b1' is not supported"},
        {"{'descr': '<U5', 'fortran_order': False, 'shape': (1,)}", "dtype '<U5' is not supported"},
        {"{'descr': '|O', 'fortran_order': False, 'shape': (1,)}", "dtype '|O' is not supported"},
        {"{'descr': '<f16', 'fortran_order': False, 'shape': (1,)}", "dtype '<f16' is not supported"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        load_fails(npy_tmp("h.npy", cases[i].dict, &d, 4), cases[i].want);
}

/* ---- .npz ---------------------------------------------------------------------- */

static void test_npz_stored_all_dtypes(void **state)
{
    (void)state;
    load_ok(FIX "dtypes.npz");
    assert_int_equal(S.n, 8);
    const wf_tensor *t = need("fc1.weight");
    check_shape(t, 2, 2, 2, 0);
    const float w[] = {1, 2, 3, 4};
    check_values(t, w, 4);
    assert_int_equal(t->converted, 0);
    static const struct { const char *name, *dtype; float v[2]; } cases[] = {
        {"be", ">f8", {1.5f, -3}},
        {"half", "<f2", {0.5f, -1}},
        {"u8", "|u1", {0, 255}},
        {"i8", "|i1", {-128, 127}},
        {"i16", "<i2", {-32768, 32767}},
        {"i64", "<i8", {-1099511627776.0f, 1099511627776.0f}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        t = need(cases[i].name);
        assert_string_equal(t->dtype, cases[i].dtype);
        assert_int_equal(t->converted, 1);
        check_values(t, cases[i].v, 2);
    }
    const float nine[] = {9};
    check_values(need("blk/conv.weight"), nine, 1);
    assert_null(wf_find(&S, "blk/conv.weight.npy"));
}

static void test_npz_compressed(void **state)
{
    (void)state;
    load_ok(FIX "compressed.npz");
    const wf_tensor *t = need("w");
    check_shape(t, 2, 8, 8, 0);
    float w[64];
    for (int i = 0; i < 64; i++) w[i] = (float)i / 4;
    check_values(t, w, 64);
    float z[16] = {0};
    check_values(need("b"), z, 16);
}

static void test_npz_zip64_directory(void **state)
{
    (void)state;
    load_ok(FIX "zip64.npz");
    const float x[] = {0.25f, 0.5f, 0.75f};
    check_shape(need("x"), 2, 1, 3, 0);
    check_values(need("x"), x, 3);
    float y[32];
    for (int i = 0; i < 32; i++) y[i] = -1.5f;
    check_values(need("y"), y, 32);
    assert_int_equal(need("y")->converted, 1);
}

/* Position of the n-th occurrence of a byte string. */
static size_t find_bytes(const unsigned char *b, size_t len, const char *s, size_t sl, int nth)
{
    for (size_t i = 0; i + sl <= len; i++)
        if (!memcmp(b + i, s, sl) && nth-- == 0) return i;
    fail_msg("pattern not found (%d)", nth);
    return 0;
}

static void test_npz_bad_crc_and_structure(void **state)
{
    (void)state;
    size_t n;
    unsigned char *b = read_all(FIX "dtypes.npz", &n);
    unsigned char *c = malloc(n);
    assert_non_null(c);

    /* a flipped data byte in the second member: CRC mismatch, set unchanged */
    memcpy(c, b, n);
    size_t at = find_bytes(c, n, "\x93NUMPY", 6, 1);
    c[n > at + 100 ? at + 100 : at + 10] ^= 0x40;
    load_fails(write_tmp("crc.npz", c, n), "CRC-32 mismatch");
    load_fails(write_tmp("crc.npz", c, n), "tensor 'be'");

    /* cut before the end record, or not a zip at all */
    load_fails(write_tmp("cut.npz", b, n - 1), "no end of central directory");
    load_fails(write_tmp("cut.npz", "PK\x05\x06", 4), "no end of central directory");

    /* central directory offset pointing past the end */
    memcpy(c, b, n);
    size_t e = find_bytes(c, n, "PK\x05\x06", 4, 0);
    c[e + 19] = 0x7f;
    load_fails(write_tmp("cd.npz", c, n), "central directory lies outside the file");

    /* first member's method set to bzip2 (12) */
    memcpy(c, b, n);
    size_t cd = find_bytes(c, n, "PK\x01\x02", 4, 0);
    c[cd + 10] = 12;
    load_fails(write_tmp("m.npz", c, n), "compression method 12");

    /* encrypted flag */
    memcpy(c, b, n);
    c[cd + 8] |= 1;
    load_fails(write_tmp("enc.npz", c, n), "encrypted");

    /* local header offset of the first member moved into the middle */
    memcpy(c, b, n);
    c[cd + 42] = 5;
    load_fails(write_tmp("lho.npz", c, n), "bad local header offset");

    /* second entry pointing at the first member's local header: overlap */
    memcpy(c, b, n);
    size_t cd2 = find_bytes(c, n, "PK\x01\x02", 4, 1);
    memcpy(c + cd2 + 42, c + cd + 42, 4);
    load_fails(write_tmp("ov.npz", c, n), "overlap");

    free(b);
    free(c);
}

static void test_npz_deflate_corrupt_and_size_lie(void **state)
{
    (void)state;
    size_t n;
    unsigned char *b = read_all(FIX "compressed.npz", &n);
    unsigned char *c = malloc(n);
    assert_non_null(c);
    size_t cd = find_bytes(b, n, "PK\x01\x02", 4, 0);

    /* an uncompressed size far beyond what deflate could produce */
    memcpy(c, b, n);
    c[cd + 24] = 0, c[cd + 25] = 0, c[cd + 26] = 0, c[cd + 27] = 0x70;
    load_fails(write_tmp("lie.npz", c, n), "impossible size");

    /* one byte more than the stream holds */
    memcpy(c, b, n);
    c[cd + 24]++;
    load_fails(write_tmp("plus1.npz", c, n), "corrupt");

    /* garbage in the deflate stream of the first member */
    memcpy(c, b, n);
    size_t lh = find_bytes(b, n, "PK\x03\x04", 4, 0);
    size_t data = lh + 30 + (size_t)(b[lh + 26] | b[lh + 27] << 8) + (size_t)(b[lh + 28] | b[lh + 29] << 8);
    for (size_t i = 0; i < 16; i++) c[data + 20 + i] ^= 0xa5;
    load_fails(write_tmp("garb.npz", c, n), "tensor 'w': zip member is corrupt");
    free(b);
    free(c);
}

static void test_npz_duplicate_member(void **state)
{
    (void)state;
    load_fails(FIX "dup.npz", "tensor 'a' is defined twice");
    assert_int_equal(S.n, 0);
}

/* ---- .safetensors ------------------------------------------------------------- */

static void test_safetensors_fixture(void **state)
{
    (void)state;
    load_ok(FIX "model.safetensors");
    assert_int_equal(S.n, 7);
    const wf_tensor *t = need("fc1.weight");
    check_shape(t, 2, 2, 3, 0);
    assert_string_equal(t->dtype, "F32");
    assert_int_equal(t->converted, 0);
    const float w[] = {-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f};
    check_values(t, w, 6);

    const float bias[] = {0.5f, -0.75f, 2048};
    check_values(need("fc1.bias"), bias, 3);
    assert_string_equal(need("fc1.bias")->dtype, "F16");

    /* bf16 keeps the top 16 bits of the float32 */
    float big = 3.0e38f;
    uint32_t u;
    memcpy(&u, &big, 4);
    u &= 0xffff0000u;
    memcpy(&big, &u, 4);
    const float emb[] = {1, -2, 0.15625f, big};
    check_values(need("emb"), emb, 4);

    const float idx[] = {-1, 0, 8589934592.0f};
    check_values(need("idx"), idx, 3);

    t = need("d");
    assert_int_equal(t->ndim, 0);
    assert_int_equal(t->count, 1);
    assert_true(t->data[0] == (float)0.1);

    const float cafe[] = {7, 200};
    check_values(need("caf\xc3\xa9"), cafe, 2);   /* "\u00e9" decoded to UTF-8 */

    t = need("empty");
    check_shape(t, 2, 0, 4, 0);
    assert_null(wf_find(&S, "__metadata__"));
}

static void test_safetensors_offsets(void **state)
{
    (void)state;
    float d[4] = {1, 2, 3, 4};
    load_fails(st_tmp("o.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,24]}}", d, 16),
               "tensor 'a': data_offsets [8, 24] are outside the data buffer (16 bytes)");
    load_fails(st_tmp("o.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,4]}}", d, 16),
               "outside the data buffer");
    load_fails(st_tmp("o.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", d, 16),
               "tensor 'a': data is 8 bytes but shape [3] of 'F32' needs 12");
    load_fails(st_tmp("o.safetensors",
                      "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                      "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", d, 16),
               "tensors 'a' and 'b' overlap");
    load_fails(st_tmp("o.safetensors",
                      "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", d, 16),
               "too large");
    load_fails(st_tmp("o.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,-4]}}", d, 16),
               "tensor 'a': 'data_offsets' is not a pair");
    /* header length larger than the file */
    load_fails(write_tmp("len.safetensors", "\xff\xff\xff\xff\xff\xff\xff\x7f{}", 10), "runs past the end");
    load_fails(write_tmp("len.safetensors", "\x02\x00\x00", 3), "truncated safetensors");

    /* good: out of order in the JSON, with a gap and unknown keys */
    load_ok(st_tmp("ok.safetensors",
                   "{\"__metadata__\":{\"k\":\"v\"},\"b\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[12,16],"
                   "\"extra\":[1,{\"x\":null}]},\"a\":{\"shape\":[2],\"data_offsets\":[0,8],\"dtype\":\"F32\"}}",
                   d, 16));
    const float a[] = {1, 2};
    check_values(need("a"), a, 2);
    assert_int_equal(need("b")->count, 1);
    assert_int_equal(S.t[0].name[0], 'a');   /* added in buffer order */
}

static void test_safetensors_bad_json(void **state)
{
    (void)state;
    static const struct { const char *json, *want; } cases[] = {
        {"", "expected '{'"},
        {"{", "expected a string"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},}", "expected a string"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}} x", "text after the header"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", "expected ',' or '}'"},
        {"{\"a\":{\"dtype\":\"F32,\"shape\":[1],\"data_offsets\":[0,4]}}", "expected ',' or '}'"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[01],\"data_offsets\":[0,4]}}", "expected ',' or ']'"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", "non-negative integer"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1e2],\"data_offsets\":[0,4]}}", "non-negative integer"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,4]}}", "non-negative integer"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", "tensor 'a': needs 'dtype', 'shape' and 'data_offsets'"},
        {"{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", "repeated key 'dtype'"},
        {"{\"a\\q\":{}}", "bad escape"},
        {"{\"a\\u12g4\":{}}", "bad \\u escape"},
        {"{\"a\\ud800\":{}}", "unpaired high surrogate"},
        {"{\"a\\udc00\":{}}", "lone low surrogate"},
        {"{\"a\\u0000\":{}}", "\\u0000"},
        {"{\"a\tb\":{}}", "control character"},
        {"{\"unterminated", "unterminated string"},
        {"{\"__metadata__\":{\"k\":tru}}", "expected a value"},
        {"{\"__metadata__\":{\"k\":-}}", "expected a value"},
        {"{\"__metadata__\":{\"k\":1.}}", "bad number"},
        {"{\"__metadata__\":{\"k\" \"v\"}}", "expected ':'"},
        {"{\"__metadata__\":[1 2]}", "expected ',' or ']'"},
        {"{\"a\\n\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", "control character"},
    };
    float d = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        load_fails(st_tmp("j.safetensors", cases[i].json, &d, 4), cases[i].want);

    /* deep nesting in the metadata must be refused, not recursed into */
    char deep[2100];
    size_t k = 0;
    k += (size_t)sprintf(deep, "{\"__metadata__\":");
    for (int i = 0; i < 1000; i++) deep[k++] = '[';
    for (int i = 0; i < 1000; i++) deep[k++] = ']';
    deep[k++] = '}';
    deep[k] = 0;
    load_fails(st_tmp("deep.safetensors", deep, "", 0), "nested too deeply");

    /* surrogate pair and escapes decode; metadata may hold anything valid */
    load_ok(st_tmp("esc.safetensors",
                   "{\"__metadata__\":{\"a\":[true,false,null,-1.5e-3,{\"\":\"\\\"\\\\\\/\\b\\f\\r\\t\"}]},"
                   " \"x\\ud83d\\ude00\\/y\" : {\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]} }  ",
                   &d, 4));
    need("x\xf0\x9f\x98\x80/y");
}

static void test_safetensors_dtypes(void **state)
{
    (void)state;
    unsigned char d[8] = {0x80, 0xff, 2, 0, 0, 0, 0, 0};
    load_fails(st_tmp("b.safetensors", "{\"m\":{\"dtype\":\"BOOL\",\"shape\":[1],\"data_offsets\":[0,1]}}", d, 1),
               "tensor 'm': dtype 'BOOL' is not supported");
    load_fails(st_tmp("b.safetensors", "{\"m\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", d, 1),
               "dtype 'F8_E4M3'");
    load_fails(st_tmp("b.safetensors", "{\"m\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", d, 4),
               "dtype 'f32'");
    load_ok(st_tmp("i.safetensors",
                   "{\"i8\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[0,2]},"
                   "\"i16\":{\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[2,4]},"
                   "\"u16\":{\"dtype\":\"U16\",\"shape\":[1],\"data_offsets\":[4,6]},"
                   "\"bf\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[6,8]}}", d, 8));
    const float i8[] = {-128, -1}, i16[] = {2}, u16[] = {0}, bf[] = {0};
    check_values(need("i8"), i8, 2);
    check_values(need("i16"), i16, 1);
    check_values(need("u16"), u16, 1);
    check_values(need("bf"), bf, 1);
    load_fails(st_tmp("dup.safetensors",
                      "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                      "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", d, 2),
               "tensor 'a' is defined twice");
}

/* ---- the set, errors about the file itself ----------------------------------- */

static void test_set_append_find_and_duplicates(void **state)
{
    (void)state;
    assert_null(wf_find(&S, "f32_2d"));
    load_ok(FIX "f32_2d.npy");
    load_ok(FIX "compressed.npz");
    load_ok(FIX "model.safetensors");
    for (int i = 0; i < 20; i++) {   /* grows the array past its first capacity */
        char name[32];
        snprintf(name, sizeof name, "g%02d.npy", i);
        float v = (float)i;
        load_ok(npy_tmp(name, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", &v, 4));
    }
    assert_int_equal(S.n, 1 + 2 + 7 + 20);
    assert_true(need("w")->data[63] == 15.75f);
    assert_true(need("g13")->data[0] == 13.0f);
    assert_true(need("f32_2d")->data[5] == 1.5f);   /* survived the copies */
    assert_string_equal(need("fc1.bias")->file, FIX "model.safetensors");
    assert_null(wf_find(&S, "fc1"));
    assert_null(wf_find(&S, "fc1.weight "));
    assert_null(wf_find(&S, NULL));

    load_fails(FIX "f32_2d.npy", "tensor 'f32_2d' is defined twice");
}

/* All or nothing: a file that fails half-way adds none of its tensors. */
static void test_failed_load_adds_nothing(void **state)
{
    (void)state;
    float one = 1;
    load_ok(npy_tmp("i64.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", &one, 4));
    /* dtypes.npz holds six fresh names before its own "i64" */
    load_fails(FIX "dtypes.npz", "tensor 'i64' is defined twice");
    assert_int_equal(S.n, 1);
    assert_null(wf_find(&S, "fc1.weight"));
    assert_null(wf_find(&S, "i8"));
    assert_true(need("i64")->data[0] == 1.0f);
    load_ok(FIX "compressed.npz");
    assert_int_equal(S.n, 3);
}

static void test_file_errors(void **state)
{
    (void)state;
    load_fails(FIX "make_fixtures.py", "unsupported weight file type (expected .npy, .npz or .safetensors)");
    load_fails("weights.bin", "unsupported weight file type");
    load_fails(FIX "no_such_file.npy", "cannot open: No such file or directory");
    const char *dir = tmp_path("adir.npz");
    assert_int_equal(mkdir(dir, 0700), 0);
    load_fails(dir, "not a regular file");
    load_fails(write_tmp(".npy", "\x93NUMPY", 6), "empty tensor name");
    /* a NULL or zero-size error buffer is allowed */
    assert_int_equal(wf_load(&A, "x.bin", &S, NULL, 0), -1);
    char small[8];
    assert_int_equal(wf_load(&A, FIX "complex.npy", &S, small, sizeof small), -1);
    assert_int_equal(strlen(small), 7);
}

/* ---- never crash on damaged input ---------------------------------------------- */

static const char *const fuzz_fixtures[] = {
    "f32_2d.npy", "f64.npy", "fortran.npy", "scalar.npy", "be_f8.npy", "v3.npy",
    "dtypes.npz", "compressed.npz", "zip64.npz", "model.safetensors",
};

/* Load a damaged image; success or a one-line error are both fine, as long
 * as a success is self-consistent (valgrind checks the memory). */
static int try_load(const char *name, const unsigned char *b, size_t n)
{
    const char *p = write_tmp(name, b, n);
    arena a;
    ar_init(&a);
    wf_set s = {0, 0, NULL};
    char e[256] = "";
    int rc = wf_load(&a, p, &s, e, sizeof e);
    if (rc != 0 && rc != -1) fail_msg("rc %d", rc);
    if (rc == -1) {
        if (!e[0] || strchr(e, '\n')) fail_msg("bad message '%s'", e);
        assert_int_equal(s.n, 0);
    }
    volatile float sum = 0;
    for (int i = 0; i < s.n; i++) {
        size_t c = 1;
        assert_true(s.t[i].ndim >= 0 && s.t[i].ndim <= WF_MAX_DIMS);
        for (int k = 0; k < s.t[i].ndim; k++) c *= (size_t)s.t[i].shape[k];
        assert_int_equal(c, s.t[i].count);
        assert_true(s.t[i].count <= 4 * n);
        for (size_t k = 0; k < s.t[i].count; k++) sum += s.t[i].data[k];
    }
    (void)sum;
    ar_free(&a);
    return rc;
}

static void test_fuzz_truncate(void **state)
{
    (void)state;
    for (size_t f = 0; f < sizeof fuzz_fixtures / sizeof fuzz_fixtures[0]; f++) {
        char path[256];
        snprintf(path, sizeof path, FIX "%s", fuzz_fixtures[f]);
        size_t n;
        unsigned char *b = read_all(path, &n);
        const char *ext = strrchr(fuzz_fixtures[f], '.');
        char name[64];
        snprintf(name, sizeof name, "trunc%s", ext);
        assert_int_equal(try_load(name, b, n), 0);
        for (size_t len = 0; len < n; len += len < 512 ? 1 : 7)
            if (try_load(name, b, len) != -1)
                fail_msg("%s cut to %zu bytes loaded without error", fuzz_fixtures[f], len);
        free(b);
    }
}

static void test_fuzz_flip(void **state)
{
    (void)state;
    static const unsigned char masks[] = {0xff, 0x01, 0x80};
    for (size_t f = 0; f < sizeof fuzz_fixtures / sizeof fuzz_fixtures[0]; f++) {
        char path[256];
        snprintf(path, sizeof path, FIX "%s", fuzz_fixtures[f]);
        size_t n;
        unsigned char *b = read_all(path, &n);
        const char *ext = strrchr(fuzz_fixtures[f], '.');
        char name[64];
        snprintf(name, sizeof name, "flip%s", ext);
        int failures = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t m = 0; m < sizeof masks; m++) {
                b[i] ^= masks[m];
                failures += try_load(name, b, n) != 0;
                b[i] ^= masks[m];
            }
        /* headers are in every fixture, so some flips must be caught */
        assert_true(failures > 0);
        free(b);
    }
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fresh, release)
    const struct CMUnitTest tests[] = {
        T(test_npy_f32_2d),
        T(test_npy_f64_converted),
        T(test_npy_fortran_order),
        T(test_npy_scalar_and_int_vector),
        T(test_npy_big_endian_and_half),
        T(test_npy_format_versions),
        T(test_npy_complex_rejected),
        T(test_npy_handbuilt_dtypes),
        T(test_npy_bad_magic_and_truncation),
        T(test_npy_shape_overflow),
        T(test_npy_data_size_mismatch),
        T(test_npy_bad_header_dict),
        T(test_npz_stored_all_dtypes),
        T(test_npz_compressed),
        T(test_npz_zip64_directory),
        T(test_npz_bad_crc_and_structure),
        T(test_npz_deflate_corrupt_and_size_lie),
        T(test_npz_duplicate_member),
        T(test_safetensors_fixture),
        T(test_safetensors_offsets),
        T(test_safetensors_bad_json),
        T(test_safetensors_dtypes),
        T(test_set_append_find_and_duplicates),
        T(test_failed_load_adds_nothing),
        T(test_file_errors),
        T(test_fuzz_truncate),
        T(test_fuzz_flip),
    };
#undef T
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
