/* wfile: load .npy, .npz and .safetensors weight files as float32 tensors.
 *
 * A file is read whole into one transient buffer and parsed from there.
 * Every size or offset a header claims is checked against the bytes that are
 * really present before it is used, so hostile input can make wf_load fail
 * but never read out of bounds, loop forever, or allocate more than a small
 * multiple of what the file could actually fill. Integers and floats are
 * assembled byte by byte (memcpy, no unaligned pointer casts), so the code
 * does not depend on the host's byte order except in one guarded fast path. */
#define ZLIB_CONST
#include "wfile.h"
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

/* ---- context and errors ------------------------------------------------ */

typedef struct ctx {
    arena *a;
    wf_set *set;
    const char *file;   /* arena copy of the path, stored in each tensor */
    char *err;
    size_t errlen;
} ctx;

static int fail(ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(ctx *c, const char *fmt, ...)
{
    if (c->err && c->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err, c->errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Names and dtypes come from the file, so they may hold newlines or be
 * huge; messages are one line, so show them tamed and shortened. */
static const char *show(ctx *c, const char *s, size_t n)
{
    enum { SHOW_MAX = 80 };
    size_t m = n > SHOW_MAX ? SHOW_MAX : n;
    char *o = ar_alloc(c->a, m + 4);
    for (size_t i = 0; i < m; i++) {
        unsigned char ch = (unsigned char)s[i];
        o[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
    }
    if (m < n) memcpy(o + m, "...", 3);
    return o;
}

static const char *shows(ctx *c, const char *s) { return show(c, s, strlen(s)); }

/* Like fail, with "tensor 'name': " in front. */
static int fail_t(ctx *c, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_t(ctx *c, const char *name, const char *fmt, ...)
{
    if (c->err && c->errlen) {
        int k = snprintf(c->err, c->errlen, "tensor '%s': ", shows(c, name));
        if (k >= 0 && (size_t)k < c->errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(c->err + k, c->errlen - (size_t)k, fmt, ap);
            va_end(ap);
        }
    }
    return -1;
}

/* ---- little helpers ------------------------------------------------------ */

static uint16_t rd16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rd64(const unsigned char *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* "[2, 3]" for messages. */
static const char *fmt_shape(ctx *c, int ndim, const int64_t *shape)
{
    char buf[WF_MAX_DIMS * 24 + 4];
    size_t k = 0;
    buf[k++] = '[';
    for (int i = 0; i < ndim; i++)
        k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%lld", i ? ", " : "",
                              (long long)shape[i]);
    buf[k++] = ']';
    buf[k] = 0;
    return ar_strdup(c->a, buf);
}

/* ---- dtypes and conversion ---------------------------------------------- */

enum { K_F16, K_BF16, K_F32, K_F64, K_INT, K_UINT };

typedef struct dtype {
    int kind;
    int size;   /* bytes per element: 1, 2, 4 or 8 */
    int big;    /* big-endian in the file */
} dtype;

static float f32_from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* IEEE half to float: every half is exactly a float, so this is exact. */
static float f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) << 31;
    uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ffu;
    if (exp == 0x1f)                        /* inf, nan: keep the payload */
        return f32_from_bits(sign | 0x7f800000u | man << 13);
    if (exp == 0) {
        if (man == 0) return f32_from_bits(sign);
        /* Subnormal half: shift the mantissa up until it is normal. */
        int e = -1;
        do { man <<= 1; e++; } while (!(man & 0x400u));
        return f32_from_bits(sign | (uint32_t)(112 - e) << 23 | (man & 0x3ffu) << 13);
    }
    return f32_from_bits(sign | (exp + 112) << 23 | man << 13);
}

static uint64_t load_uint(const unsigned char *p, int size, int big)
{
    uint64_t v = 0;
    for (int i = 0; i < size; i++)
        v |= (uint64_t)p[big ? size - 1 - i : i] << (8 * i);
    return v;
}

static float elem_to_f32(const unsigned char *p, const dtype *d)
{
    uint64_t v = load_uint(p, d->size, d->big);
    switch (d->kind) {
    case K_F16: return f16_to_f32((uint16_t)v);
    case K_BF16: return f32_from_bits((uint32_t)v << 16);   /* bf16 = top half */
    case K_F32: return f32_from_bits((uint32_t)v);
    case K_F64: {
        double x;              /* integer and double share byte order */
        memcpy(&x, &v, sizeof x);
        return (float)x;       /* round to nearest; nan/inf stay nan/inf */
    }
    case K_UINT: return (float)v;
    default: {
        int bits = 8 * d->size;
        if (bits < 64 && (v >> (bits - 1) & 1)) v |= ~(uint64_t)0 << bits;
        int64_t s;             /* memcpy: two's complement without impl-defined casts */
        memcpy(&s, &v, sizeof s);
        return (float)s;
    }
    }
}

static int host_is_le(void)
{
    uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* Convert count elements to float32 in C order. A Fortran-order source
 * walks the first index fastest; keep its multi-index and the matching C
 * offset up to date as it advances. */
static void convert(float *dst, const unsigned char *src, size_t count, const dtype *d,
                    int fortran, int ndim, const int64_t *shape)
{
    if (!fortran || ndim < 2) {
        if (d->kind == K_F32 && !d->big && host_is_le()) {
            memcpy(dst, src, count * sizeof *dst);
            return;
        }
        for (size_t i = 0; i < count; i++) dst[i] = elem_to_f32(src + i * (size_t)d->size, d);
        return;
    }
    size_t stride[WF_MAX_DIMS];
    int64_t idx[WF_MAX_DIMS] = {0};
    stride[ndim - 1] = 1;
    for (int k = ndim - 2; k >= 0; k--) stride[k] = stride[k + 1] * (size_t)shape[k + 1];
    size_t off = 0;
    for (size_t i = 0; i < count; i++) {
        dst[off] = elem_to_f32(src + i * (size_t)d->size, d);
        for (int k = 0; k < ndim; k++) {
            if (++idx[k] < shape[k]) {
                off += stride[k];
                break;
            }
            off -= stride[k] * (size_t)(shape[k] - 1);
            idx[k] = 0;
        }
    }
}

/* ---- the set ---------------------------------------------------------------- */

/* Element count of a shape, or -1 when it does not fit in size_t. A zero
 * dimension makes the product 0 whatever the others are. */
static int shape_count(int ndim, const int64_t *shape, size_t *count)
{
    size_t n = 1;
    for (int i = 0; i < ndim; i++)
        if (shape[i] == 0) {
            *count = 0;
            return 0;
        }
    for (int i = 0; i < ndim; i++) {
        if ((uint64_t)shape[i] > SIZE_MAX / n) return -1;
        n *= (size_t)shape[i];
    }
    *count = n;
    return 0;
}

static int name_ok(ctx *c, const char *name)
{
    if (!*name) return fail(c, "empty tensor name");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return fail_t(c, name, "tensor name contains a control character");
    return 0;
}

/* Append one tensor whose raw data is src[0..nbytes). The caller has
 * checked that src lies inside the file; this checks the data size against
 * the shape before allocating anything. */
static int add_tensor(ctx *c, const char *name, const char *dtname, const dtype *d,
                      int ndim, const int64_t *shape, int fortran,
                      const unsigned char *src, size_t nbytes)
{
    size_t count = 0;
    if (name_ok(c, name)) return -1;
    if (shape_count(ndim, shape, &count) || count > SIZE_MAX / 8)
        return fail_t(c, name, "shape %s is too large", fmt_shape(c, ndim, shape));
    size_t need = count * (size_t)d->size;
    if (nbytes != need)
        return fail_t(c, name, "data is %zu bytes but shape %s of '%s' needs %zu",
                      nbytes, fmt_shape(c, ndim, shape), shows(c, dtname), need);
    wf_set *s = c->set;
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->t[i].name, name) == 0)
            return fail(c, "tensor '%s' is defined twice", shows(c, name));
    if (s->n == s->cap) {
        if (s->cap > INT_MAX / 2) return fail(c, "too many tensors");
        int cap = s->cap ? s->cap * 2 : 16;
        wf_tensor *t = ar_array(c->a, (size_t)cap, sizeof *t);
        if (s->n) memcpy(t, s->t, (size_t)s->n * sizeof *t);
        s->t = t;
        s->cap = cap;
    }
    wf_tensor *t = &s->t[s->n];
    memset(t, 0, sizeof *t);
    t->name = name;
    t->file = c->file;
    t->dtype = dtname;
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++) t->shape[i] = shape[i];
    t->count = count;
    t->data = ar_array(c->a, count ? count : 1, sizeof(float));
    t->converted = d->kind != K_F32;
    convert(t->data, src, count, d, fortran, ndim, shape);
    s->n++;
    return 0;
}

/* ---- .npy -------------------------------------------------------------------- */

/* Cursor over the header dict text, a Python literal such as
 * "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }". */
typedef struct cur {
    const unsigned char *s;
    size_t i, n;
} cur;

static void cur_ws(cur *k)
{
    while (k->i < k->n && (k->s[k->i] == ' ' || k->s[k->i] == '\t' ||
                           k->s[k->i] == '\n' || k->s[k->i] == '\r'))
        k->i++;
}

static int cur_eat(cur *k, char ch)
{
    cur_ws(k);
    if (k->i < k->n && k->s[k->i] == ch) {
        k->i++;
        return 1;
    }
    return 0;
}

static int cur_word(cur *k, const char *w)
{
    size_t m = strlen(w);
    cur_ws(k);
    if (k->n - k->i >= m && memcmp(k->s + k->i, w, m) == 0) {
        k->i += m;
        return 1;
    }
    return 0;
}

/* A quoted string without escapes (NumPy never writes any in these fields). */
static int cur_str(cur *k, const unsigned char **str, size_t *len)
{
    cur_ws(k);
    if (k->i >= k->n || (k->s[k->i] != '\'' && k->s[k->i] != '"')) return -1;
    unsigned char q = k->s[k->i++];
    size_t b = k->i;
    while (k->i < k->n && k->s[k->i] != q) {
        if (k->s[k->i] == '\\' || k->s[k->i] == '\n') return -1;
        k->i++;
    }
    if (k->i >= k->n) return -1;
    *str = k->s + b;
    *len = k->i++ - b;
    return 0;
}

/* Shape tuple: "()", "(5,)", "(2, 3)"; Python 2 files may write "3L". */
static int cur_shape(cur *k, int *ndim, int64_t *shape, int *too_many)
{
    *ndim = 0;
    *too_many = 0;
    if (!cur_eat(k, '(')) return -1;
    if (cur_eat(k, ')')) return 0;
    for (;;) {
        cur_ws(k);
        if (k->i >= k->n || k->s[k->i] < '0' || k->s[k->i] > '9') return -1;
        int64_t v = 0;
        while (k->i < k->n && k->s[k->i] >= '0' && k->s[k->i] <= '9') {
            int dig = k->s[k->i++] - '0';
            if (v > (INT64_MAX - dig) / 10) return -1;
            v = v * 10 + dig;
        }
        if (k->i < k->n && k->s[k->i] == 'L') k->i++;
        if (*ndim == WF_MAX_DIMS) *too_many = 1;
        else shape[(*ndim)++] = v;
        int comma = cur_eat(k, ',');
        if (cur_eat(k, ')')) return *ndim == 1 && !comma ? -1 : 0;   /* "(5)" is no tuple */
        if (!comma) return -1;
    }
}

/* NumPy dtype string: byte order, kind letter, item size ("<f4", "|u1"). */
static int npy_dtype(const unsigned char *s, size_t n, dtype *d)
{
    d->big = 0;
    if (n && (s[0] == '<' || s[0] == '>' || s[0] == '|' || s[0] == '=')) {
        d->big = s[0] == '>';
        s++, n--;
    }
    if (n != 2) return -1;
    d->size = s[1] - '0';
    if (d->size != 1 && d->size != 2 && d->size != 4 && d->size != 8) return -1;
    switch (s[0]) {
    case 'f':
        if (d->size == 1) return -1;
        d->kind = d->size == 2 ? K_F16 : d->size == 4 ? K_F32 : K_F64;
        return 0;
    case 'i': d->kind = K_INT; return 0;
    case 'u': d->kind = K_UINT; return 0;
    default: return -1;   /* bool, complex, strings, objects, dates, ... */
    }
}

/* Parse one .npy image p[0..n) as tensor name (an arena string). */
static int parse_npy(ctx *c, const char *name, const unsigned char *p, size_t n)
{
    if (n < 6 || memcmp(p, "\x93NUMPY", 6) != 0)
        return fail_t(c, name, "not a .npy file (bad magic)");
    if (n < 10) return fail_t(c, name, "truncated .npy header");
    if (p[7] != 0 || p[6] < 1 || p[6] > 3)
        return fail_t(c, name, "unsupported .npy format version %d.%d", p[6], p[7]);
    size_t hstart = p[6] == 1 ? 10 : 12;
    if (n < hstart) return fail_t(c, name, "truncated .npy header");
    size_t hlen = p[6] == 1 ? rd16(p + 8) : rd32(p + 8);
    if (hlen > n - hstart)
        return fail_t(c, name, ".npy header length %zu runs past the end of the data (%zu bytes left)",
                      hlen, n - hstart);

    cur k = {p + hstart, 0, hlen};
    const unsigned char *descr = NULL;
    size_t descr_len = 0;
    int fortran = -1, ndim = -1, too_many = 0;
    int64_t shape[WF_MAX_DIMS];
    if (!cur_eat(&k, '{')) return fail_t(c, name, "bad .npy header: expected '{'");
    while (!cur_eat(&k, '}')) {
        const unsigned char *key;
        size_t klen;
        if (cur_str(&k, &key, &klen) || !cur_eat(&k, ':'))
            return fail_t(c, name, "bad .npy header: expected a quoted key and ':'");
        if (klen == 5 && !memcmp(key, "descr", 5) && !descr) {
            cur_ws(&k);
            if (k.i < k.n && k.s[k.i] == '[')
                return fail_t(c, name, "structured dtypes are not supported");
            if (cur_str(&k, &descr, &descr_len))
                return fail_t(c, name, "bad .npy header: 'descr' is not a string");
        } else if (klen == 13 && !memcmp(key, "fortran_order", 13) && fortran < 0) {
            if (cur_word(&k, "True")) fortran = 1;
            else if (cur_word(&k, "False")) fortran = 0;
            else return fail_t(c, name, "bad .npy header: 'fortran_order' is not True or False");
        } else if (klen == 5 && !memcmp(key, "shape", 5) && ndim < 0) {
            if (cur_shape(&k, &ndim, shape, &too_many))
                return fail_t(c, name, "bad .npy header: 'shape' is not a tuple of integers");
        } else {
            return fail_t(c, name, "bad .npy header: unexpected or repeated key '%s'",
                          show(c, (const char *)key, klen));
        }
        if (!cur_eat(&k, ',')) {
            if (!cur_eat(&k, '}')) return fail_t(c, name, "bad .npy header: expected ',' or '}'");
            break;
        }
    }
    cur_ws(&k);
    if (k.i != k.n) return fail_t(c, name, "bad .npy header: text after the closing '}'");
    if (!descr || fortran < 0 || ndim < 0)
        return fail_t(c, name, "bad .npy header: it needs 'descr', 'fortran_order' and 'shape'");

    const char *dtname = ar_strndup(c->a, (const char *)descr, descr_len);
    dtype d;
    if (npy_dtype(descr, descr_len, &d))
        return fail_t(c, name, "dtype '%s' is not supported (expected a float or integer type)",
                      shows(c, dtname));
    if (too_many)
        return fail_t(c, name, "more than %d dimensions are not supported", WF_MAX_DIMS);
    return add_tensor(c, name, dtname, &d, ndim, shape, fortran, p + hstart + hlen,
                      n - hstart - hlen);
}

static int load_npy(ctx *c, const char *path, const unsigned char *p, size_t n)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *name = ar_strndup(c->a, base, strlen(base) - 4);   /* drop ".npy" */
    if (!*name) return fail(c, "empty tensor name");
    return parse_npy(c, name, p, n);
}

/* ---- overlap check shared by .npz and .safetensors ------------------------ */

/* Tensors whose bytes overlap would let a small file fill memory many times
 * over, and never happen in files real tools write, so they are refused. */
typedef struct range {
    uint64_t lo, hi;
    size_t idx;           /* which member or entry it belongs to */
} range;

static int range_cmp(const void *x, const void *y)
{
    const range *a = x, *b = y;
    return a->lo < b->lo ? -1 : a->lo > b->lo ? 1 : 0;
}

/* Sorts r by start; returns 1 and the idx of two overlapping ranges, or 0. */
static int find_overlap(range *r, size_t n, size_t *x, size_t *y)
{
    qsort(r, n, sizeof *r, range_cmp);
    size_t last = SIZE_MAX;   /* the range reaching furthest so far */
    for (size_t i = 0; i < n; i++) {
        if (r[i].lo == r[i].hi) continue;          /* empty ranges overlap nothing */
        if (last != SIZE_MAX && r[i].lo < r[last].hi) {
            *x = r[last].idx;
            *y = r[i].idx;
            return 1;
        }
        if (last == SIZE_MAX || r[i].hi > r[last].hi) last = i;
    }
    return 0;
}

/* ---- .npz -------------------------------------------------------------------- */

typedef struct member {
    const char *name;     /* arena copy of the member name */
    uint32_t crc;
    int method;
    uint64_t csize, usize, lho;
    uint64_t data;        /* offset of the member's bytes (after the local header) */
} member;

enum { ZIP_EOCD = 22, ZIP_CDH = 46, ZIP_LFH = 30, ZIP64_EOCD = 56, ZIP64_LOC = 20 };

/* The end of central directory record: search backwards from the end, as an
 * archive comment (up to 65535 bytes) may follow it. */
static int find_eocd(const unsigned char *p, size_t n, size_t *at)
{
    if (n < ZIP_EOCD) return -1;
    size_t lo = n - ZIP_EOCD > 0xffff ? n - ZIP_EOCD - 0xffff : 0;
    for (size_t e = n - ZIP_EOCD + 1; e-- > lo;)
        if (rd32(p + e) == 0x06054b50 && e + ZIP_EOCD + rd16(p + e + 20) == n) {
            *at = e;
            return 0;
        }
    return -1;
}

/* Locate the central directory: offset, size, entry count, and where it must
 * end (the zip64 record or the classic one). */
static int zip_directory(ctx *c, const unsigned char *p, size_t n, uint64_t *cd_off,
                         uint64_t *cd_size, uint64_t *entries)
{
    size_t e;
    if (find_eocd(p, n, &e))
        return fail(c, "not a zip archive, or truncated (no end of central directory record)");
    if (rd16(p + e + 4) != 0 || rd16(p + e + 6) != 0)
        return fail(c, "multi-disk zip archives are not supported");
    uint64_t end = e;
    *entries = rd16(p + e + 10);
    *cd_size = rd32(p + e + 12);
    *cd_off = rd32(p + e + 16);
    int saturated = *entries == 0xffff || *cd_size == 0xffffffff || *cd_off == 0xffffffff;
    if (e >= ZIP64_LOC && rd32(p + e - ZIP64_LOC) == 0x07064b50) {
        const unsigned char *loc = p + e - ZIP64_LOC;
        uint64_t z = rd64(loc + 8);
        if (rd32(loc + 4) != 0) return fail(c, "multi-disk zip archives are not supported");
        if (z > e - ZIP64_LOC || e - ZIP64_LOC - z < ZIP64_EOCD || rd32(p + z) != 0x06064b50)
            return fail(c, "bad zip64 end of central directory locator");
        if (rd32(p + z + 16) != 0 || rd32(p + z + 20) != 0)
            return fail(c, "multi-disk zip archives are not supported");
        *entries = rd64(p + z + 32);
        *cd_size = rd64(p + z + 40);
        *cd_off = rd64(p + z + 48);
        end = z;
    } else if (saturated) {
        return fail(c, "zip64 end of central directory record is missing");
    }
    if (*cd_off > end || *cd_size > end - *cd_off)
        return fail(c, "central directory lies outside the file");
    if (*entries > *cd_size / ZIP_CDH) return fail(c, "central directory is truncated");
    return 0;
}

/* Sizes and offset saturated at 0xffffffff in a central directory entry
 * are in its zip64 extra field (id 1), in this order, only those saturated. */
static int zip64_extra(const unsigned char *x, size_t xlen, member *m, int need_u, int need_c,
                       int need_o)
{
    while (xlen >= 4) {
        unsigned id = rd16(x), sz = rd16(x + 2);
        if (sz > xlen - 4) return -1;
        if (id == 1) {
            size_t k = 0;
            if (need_u) { if (k + 8 > sz) return -1; m->usize = rd64(x + 4 + k); k += 8; }
            if (need_c) { if (k + 8 > sz) return -1; m->csize = rd64(x + 4 + k); k += 8; }
            if (need_o) { if (k + 8 > sz) return -1; m->lho = rd64(x + 4 + k); k += 8; }
            return 0;
        }
        x += 4 + sz;
        xlen -= 4 + sz;
    }
    return need_u || need_c || need_o ? -1 : 0;
}

/* Read central directory entry i at *pos (bounded by end) into m. */
static int zip_entry(ctx *c, const unsigned char *p, size_t n, uint64_t *pos, uint64_t end,
                     member *m)
{
    const unsigned char *h = p + *pos;
    if (end - *pos < ZIP_CDH || rd32(h) != 0x02014b50)
        return fail(c, "bad central directory entry");
    size_t nlen = rd16(h + 28), xlen = rd16(h + 30), clen = rd16(h + 32);
    if (end - *pos - ZIP_CDH < nlen + xlen + clen) return fail(c, "central directory is truncated");
    const char *nm = (const char *)h + ZIP_CDH;
    if (memchr(nm, 0, nlen)) return fail(c, "zip member name contains a NUL byte");
    m->name = ar_strndup(c->a, nm, nlen);
    unsigned flags = rd16(h + 8);
    m->method = rd16(h + 10);
    m->crc = rd32(h + 16);
    m->csize = rd32(h + 20);
    m->usize = rd32(h + 24);
    m->lho = rd32(h + 42);
    if (zip64_extra(h + ZIP_CDH + nlen, xlen, m, m->usize == 0xffffffff,
                    m->csize == 0xffffffff, m->lho == 0xffffffff))
        return fail(c, "member '%s': bad zip64 extra field", shows(c, m->name));
    if (flags & 1) return fail(c, "member '%s' is encrypted", shows(c, m->name));
    if (rd16(h + 34) != 0 && rd16(h + 34) != 0xffff)
        return fail(c, "multi-disk zip archives are not supported");
    *pos += ZIP_CDH + nlen + xlen + clen;

    /* The local header repeats name and extra with its own lengths; the
     * member's bytes follow it. Sizes come from the central directory. */
    if (m->lho > n || n - m->lho < ZIP_LFH || rd32(p + m->lho) != 0x04034b50)
        return fail(c, "member '%s': bad local header offset", shows(c, m->name));
    m->data = m->lho + ZIP_LFH + rd16(p + m->lho + 26) + rd16(p + m->lho + 28);
    if (m->data > n || m->csize > n - m->data)
        return fail(c, "member '%s' runs past the end of the file", shows(c, m->name));
    return 0;
}

/* Raw deflate src into exactly dlen bytes of dst. zlib counts in uInt, so
 * feed it in pieces that fit. */
static int inflate_raw(const unsigned char *src, size_t slen, unsigned char *dst, size_t dlen)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return -1;
    size_t in_left = slen, out_left = dlen;
    z.next_in = src;
    z.next_out = dst;
    int rc;
    do {
        if (z.avail_in == 0 && in_left) {
            z.avail_in = in_left > UINT_MAX ? UINT_MAX : (uInt)in_left;
            in_left -= z.avail_in;
        }
        if (z.avail_out == 0 && out_left) {
            z.avail_out = out_left > UINT_MAX ? UINT_MAX : (uInt)out_left;
            out_left -= z.avail_out;
        }
        rc = inflate(&z, Z_NO_FLUSH);   /* Z_OK means progress was made */
    } while (rc == Z_OK);
    int ok = rc == Z_STREAM_END && out_left == 0 && z.avail_out == 0;
    inflateEnd(&z);
    return ok ? 0 : -1;
}

static uint32_t crc_of(const unsigned char *p, size_t n)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    while (n) {
        uInt k = n > UINT_MAX ? UINT_MAX : (uInt)n;
        crc = crc32(crc, p, k);
        p += k;
        n -= k;
    }
    return (uint32_t)crc;
}

/* Extract member m (into a transient buffer when deflated), check its CRC
 * and load it as a .npy image. */
static int npz_member(ctx *c, const unsigned char *p, const member *m)
{
    size_t len = strlen(m->name);
    if (len && m->name[len - 1] == '/') return 0;           /* a directory entry */
    if (!ends_with(m->name, ".npy"))
        return fail(c, "member '%s' is not a .npy file", shows(c, m->name));
    const char *name = ar_strndup(c->a, m->name, len - 4);
    if (!*name) return fail(c, "empty tensor name");
    const unsigned char *src = p + m->data;
    unsigned char *buf = NULL;
    if (m->method == 0) {
        if (m->usize != m->csize)
            return fail_t(c, name, "stored zip member has different compressed and plain sizes");
    } else if (m->method == 8) {
        /* Deflate cannot expand more than 1032:1; a larger claim is a lie
         * meant to make us allocate, so refuse it before allocating. */
        if (m->usize / 1032 > m->csize + 1 || m->usize > SIZE_MAX / 2)
            return fail_t(c, name, "zip member claims an impossible size (%llu bytes from %llu)",
                          (unsigned long long)m->usize, (unsigned long long)m->csize);
        buf = malloc(m->usize ? (size_t)m->usize : 1);
        if (!buf) return fail_t(c, name, "out of memory inflating the zip member");
        if (inflate_raw(src, (size_t)m->csize, buf, (size_t)m->usize)) {
            free(buf);
            return fail_t(c, name, "zip member is corrupt (deflate data error or wrong size)");
        }
        src = buf;
    } else {
        return fail_t(c, name, "zip compression method %d is not supported (only stored and deflate)",
                      m->method);
    }
    int rc;
    if (crc_of(src, (size_t)m->usize) != m->crc)
        rc = fail_t(c, name, "zip member is corrupt (CRC-32 mismatch)");
    else
        rc = parse_npy(c, name, src, (size_t)m->usize);
    free(buf);
    return rc;
}

static int load_npz(ctx *c, const unsigned char *p, size_t n)
{
    uint64_t cd_off = 0, cd_size = 0, entries = 0;
    if (zip_directory(c, p, n, &cd_off, &cd_size, &entries)) return -1;
    if (entries == 0) return 0;
    /* entries <= cd_size / 46 <= n / 46, so these allocations are bounded. */
    member *m = malloc((size_t)entries * sizeof *m);
    range *r = malloc((size_t)entries * sizeof *r);
    int rc = 0;
    if (!m || !r) {
        rc = fail(c, "out of memory reading the zip directory");
        goto out;
    }
    uint64_t pos = cd_off;
    for (size_t i = 0; i < entries && !rc; i++) {
        rc = zip_entry(c, p, n, &pos, cd_off + cd_size, &m[i]);
        r[i] = (range){m[i].lho, m[i].data + m[i].csize, i};
    }
    size_t x, y;
    if (!rc && find_overlap(r, (size_t)entries, &x, &y))
        rc = fail(c, "zip members '%s' and '%s' overlap", shows(c, m[x].name),
                  shows(c, m[y].name));
    for (uint64_t i = 0; i < entries && !rc; i++) rc = npz_member(c, p, &m[i]);
out:
    free(m);
    free(r);
    return rc;
}

/* ---- .safetensors: a small strict JSON reader ----------------------------- */

typedef struct jp {
    ctx *c;
    const unsigned char *s;
    size_t i, n;
    int depth;
} jp;

enum { JSON_MAX_DEPTH = 64 };

static int jfail(jp *j, const char *what)
{
    return fail(j->c, "bad safetensors header: %s at JSON offset %zu", what, j->i);
}

static void jws(jp *j)
{
    while (j->i < j->n && (j->s[j->i] == ' ' || j->s[j->i] == '\t' ||
                           j->s[j->i] == '\n' || j->s[j->i] == '\r'))
        j->i++;
}

static int jeat(jp *j, char ch)
{
    jws(j);
    if (j->i < j->n && j->s[j->i] == ch) {
        j->i++;
        return 1;
    }
    return 0;
}

static int hex4(const unsigned char *s, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        int ch = s[i], d;
        if (ch >= '0' && ch <= '9') d = ch - '0';
        else if (ch >= 'a' && ch <= 'f') d = ch - 'a' + 10;
        else if (ch >= 'A' && ch <= 'F') d = ch - 'A' + 10;
        else return -1;
        *v = *v << 4 | (unsigned)d;
    }
    return 0;
}

static size_t put_utf8(unsigned char *o, unsigned long cp)
{
    if (cp < 0x80) { o[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xc0 | cp >> 6);
        o[1] = (unsigned char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xe0 | cp >> 12);
        o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
        o[2] = (unsigned char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (unsigned char)(0xf0 | cp >> 18);
    o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
    o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
    o[3] = (unsigned char)(0x80 | (cp & 0x3f));
    return 4;
}

/* The character a one-letter escape such as \n stands for, or 0. */
static unsigned char simple_escape(unsigned char esc)
{
    switch (esc) {
    case '"': return '"';
    case '\\': return '\\';
    case '/': return '/';
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    default: return 0;
    }
}

/* A JSON string. With out, it is decoded into the arena (the decoded form is
 * never longer than the escaped one) and may not contain U+0000, since it
 * becomes a C string; without out it is only validated. */
static int jstring(jp *j, const char **out)
{
    jws(j);
    if (j->i >= j->n || j->s[j->i] != '"') return jfail(j, "expected a string");
    size_t b = ++j->i, e = b;
    while (e < j->n && j->s[e] != '"') e += j->s[e] == '\\' ? 2 : 1;
    if (e >= j->n) return jfail(j, "unterminated string");
    unsigned char *o = out ? ar_alloc(j->c->a, e - b + 1) : NULL;
    size_t k = 0;
    while (j->i < e) {
        unsigned char ch = j->s[j->i];
        if (ch < 0x20) return jfail(j, "control character in string");
        if (ch != '\\') {
            if (o) o[k] = ch;
            k++;
            j->i++;
            continue;
        }
        unsigned char esc = j->s[j->i + 1];   /* in bounds: e skipped it */
        unsigned char plain = simple_escape(esc);
        if (plain) {
            if (o) o[k] = plain;
            k++;
            j->i += 2;
            continue;
        }
        if (esc != 'u') return jfail(j, "bad escape in string");
        unsigned hi, lo;
        unsigned long cp;
        if (e - j->i < 6 || hex4(j->s + j->i + 2, &hi)) return jfail(j, "bad \\u escape");
        j->i += 6;
        if (hi >= 0xdc00 && hi <= 0xdfff) return jfail(j, "lone low surrogate in \\u escape");
        if (hi >= 0xd800 && hi <= 0xdbff) {
            if (e - j->i < 6 || j->s[j->i] != '\\' || j->s[j->i + 1] != 'u' ||
                hex4(j->s + j->i + 2, &lo) || lo < 0xdc00 || lo > 0xdfff)
                return jfail(j, "unpaired high surrogate in \\u escape");
            j->i += 6;
            cp = 0x10000 + ((unsigned long)(hi - 0xd800) << 10) + (lo - 0xdc00);
        } else {
            cp = hi;
        }
        if (o && cp == 0) return jfail(j, "\\u0000 in a name");
        if (o) k += put_utf8(o + k, cp);
        else k++;
    }
    j->i = e + 1;
    if (o) {
        o[k] = 0;
        *out = (const char *)o;
    }
    return 0;
}

/* A JSON number, by the grammar. *v gets its value when it is a
 * non-negative integer that fits in 63 bits; *is_uint says whether it was. */
static int jnumber(jp *j, uint64_t *v, int *is_uint)
{
    jws(j);
    const unsigned char *s = j->s;
    size_t i = j->i;
    int neg = 0, frac = 0, overflow = 0;
    uint64_t x = 0;
    if (i < j->n && s[i] == '-') neg = 1, i++;
    if (i >= j->n || s[i] < '0' || s[i] > '9') return jfail(j, "expected a value");
    if (s[i] == '0') {
        i++;
    } else {
        while (i < j->n && s[i] >= '0' && s[i] <= '9') {
            unsigned d = s[i++] - '0';
            if (x > ((uint64_t)INT64_MAX - d) / 10) overflow = 1;
            else x = x * 10 + d;
        }
    }
    if (i < j->n && s[i] == '.') {
        frac = 1;
        if (++i >= j->n || s[i] < '0' || s[i] > '9') return jfail(j, "bad number");
        while (i < j->n && s[i] >= '0' && s[i] <= '9') i++;
    }
    if (i < j->n && (s[i] == 'e' || s[i] == 'E')) {
        frac = 1;
        i++;
        if (i < j->n && (s[i] == '+' || s[i] == '-')) i++;
        if (i >= j->n || s[i] < '0' || s[i] > '9') return jfail(j, "bad number");
        while (i < j->n && s[i] >= '0' && s[i] <= '9') i++;
    }
    j->i = i;
    *v = x;
    *is_uint = !neg && !frac && !overflow;
    return 0;
}

static int juint(jp *j, uint64_t *v)
{
    int ok;
    if (jnumber(j, v, &ok)) return -1;
    if (!ok) return jfail(j, "expected a non-negative integer below 2^63");
    return 0;
}

/* Check and skip any value; depth bounds the recursion on hostile nesting. */
static int jskip(jp *j)
{
    jws(j);
    if (j->i >= j->n) return jfail(j, "expected a value");
    unsigned char ch = j->s[j->i];
    if (ch == '"') return jstring(j, NULL);
    if (ch == '{' || ch == '[') {
        char close = ch == '{' ? '}' : ']';
        if (++j->depth > JSON_MAX_DEPTH) return jfail(j, "nested too deeply");
        j->i++;
        if (!jeat(j, close)) {
            do {
                if (ch == '{') {
                    if (jstring(j, NULL)) return -1;
                    if (!jeat(j, ':')) return jfail(j, "expected ':'");
                }
                if (jskip(j)) return -1;
            } while (jeat(j, ','));
            if (!jeat(j, close)) return jfail(j, ch == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
        }
        j->depth--;
        return 0;
    }
    static const char *const words[] = {"true", "false", "null"};
    for (int w = 0; w < 3; w++) {
        size_t m = strlen(words[w]);
        if (j->n - j->i >= m && memcmp(j->s + j->i, words[w], m) == 0) {
            j->i += m;
            return 0;
        }
    }
    uint64_t v;
    int ok;
    return jnumber(j, &v, &ok);
}

/* One tensor entry of the header, before its data is looked at. */
typedef struct st_entry {
    const char *name, *dtname;
    int ndim;
    int64_t shape[WF_MAX_DIMS];
    uint64_t begin, end;
} st_entry;

/* {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}; other keys
 * are skipped, as the reference reader does. */
static int st_info(jp *j, st_entry *t)
{
    int have_dtype = 0, have_shape = 0, have_off = 0;
    if (!jeat(j, '{')) return jfail(j, "expected '{' for a tensor");
    if (!jeat(j, '}')) {
        do {
            const char *key;
            if (jstring(j, &key)) return -1;
            if (!jeat(j, ':')) return jfail(j, "expected ':'");
            if (!strcmp(key, "dtype")) {
                if (have_dtype++) return jfail(j, "repeated key 'dtype'");
                if (jstring(j, &t->dtname)) return -1;
            } else if (!strcmp(key, "shape")) {
                if (have_shape++) return jfail(j, "repeated key 'shape'");
                t->ndim = 0;
                if (!jeat(j, '[')) return jfail(j, "expected '[' for a shape");
                if (!jeat(j, ']')) {
                    do {
                        uint64_t v;
                        if (juint(j, &v)) return -1;
                        if (t->ndim == WF_MAX_DIMS)
                            return fail_t(j->c, t->name, "more than %d dimensions are not supported",
                                          WF_MAX_DIMS);
                        t->shape[t->ndim++] = (int64_t)v;
                    } while (jeat(j, ','));
                    if (!jeat(j, ']')) return jfail(j, "expected ',' or ']'");
                }
            } else if (!strcmp(key, "data_offsets")) {
                if (have_off++) return jfail(j, "repeated key 'data_offsets'");
                if (!jeat(j, '[') || juint(j, &t->begin) || !jeat(j, ',') || juint(j, &t->end) ||
                    !jeat(j, ']'))
                    return fail_t(j->c, t->name, "'data_offsets' is not a pair of integers");
            } else if (jskip(j)) {
                return -1;
            }
        } while (jeat(j, ','));
        if (!jeat(j, '}')) return jfail(j, "expected ',' or '}'");
    }
    if (!have_dtype || !have_shape || !have_off)
        return fail_t(j->c, t->name, "needs 'dtype', 'shape' and 'data_offsets'");
    return 0;
}

static int st_dtype(const char *s, dtype *d)
{
    static const struct { const char *name; int kind, size; } tab[] = {
        {"F64", K_F64, 8}, {"F32", K_F32, 4}, {"F16", K_F16, 2}, {"BF16", K_BF16, 2},
        {"I64", K_INT, 8}, {"I32", K_INT, 4}, {"I16", K_INT, 2}, {"I8", K_INT, 1},
        {"U64", K_UINT, 8}, {"U32", K_UINT, 4}, {"U16", K_UINT, 2}, {"U8", K_UINT, 1},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (!strcmp(s, tab[i].name)) {
            d->kind = tab[i].kind;
            d->size = tab[i].size;
            d->big = 0;
            return 0;
        }
    return -1;
}

static int name_cmp(const void *x, const void *y)
{
    return strcmp(((const st_entry *)x)->name, ((const st_entry *)y)->name);
}

/* Parse the header object into a transient array of entries. */
static int st_header(jp *j, st_entry **out, size_t *count)
{
    size_t n = 0, cap = 0;
    st_entry *t = NULL;
    *out = NULL;
    if (!jeat(j, '{')) return jfail(j, "expected '{'");
    if (!jeat(j, '}')) {
        do {
            const char *key;
            if (jstring(j, &key)) return -1;
            if (!jeat(j, ':')) return jfail(j, "expected ':'");
            if (!strcmp(key, "__metadata__")) {
                if (jskip(j)) return -1;
                continue;
            }
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                st_entry *g = realloc(t, cap * sizeof *t);
                if (!g) return fail(j->c, "out of memory reading the safetensors header");
                *out = t = g;
            }
            memset(&t[n], 0, sizeof t[n]);
            t[n].name = key;
            if (st_info(j, &t[n])) return -1;
            *count = ++n;
        } while (jeat(j, ','));
        if (!jeat(j, '}')) return jfail(j, "expected ',' or '}'");
    }
    jws(j);
    if (j->i != j->n) return jfail(j, "text after the header object");
    return 0;
}

static int load_safetensors(ctx *c, const unsigned char *p, size_t n)
{
    if (n < 8) return fail(c, "truncated safetensors file (no header length)");
    uint64_t hlen = rd64(p);
    if (hlen > n - 8)
        return fail(c, "safetensors header length %llu runs past the end of the file",
                    (unsigned long long)hlen);
    const unsigned char *data = p + 8 + hlen;
    size_t dlen = n - 8 - (size_t)hlen;
    jp j = {c, p + 8, 0, (size_t)hlen, 0};
    st_entry *t = NULL;
    size_t count = 0;
    range *r = NULL;
    int rc = st_header(&j, &t, &count);
    if (rc || count == 0) goto out;

    /* Duplicates first (sorted by name), so a repeated entry is reported as
     * such rather than as an overlap. */
    qsort(t, count, sizeof *t, name_cmp);
    for (size_t i = 1; i < count && !rc; i++)
        if (!strcmp(t[i - 1].name, t[i].name))
            rc = fail(c, "tensor '%s' is defined twice", shows(c, t[i].name));
    r = malloc(count * sizeof *r);
    if (!rc && !r) rc = fail(c, "out of memory reading the safetensors header");
    for (size_t i = 0; i < count && !rc; i++) {
        dtype d;
        if (st_dtype(t[i].dtname, &d))
            rc = fail_t(c, t[i].name, "dtype '%s' is not supported", shows(c, t[i].dtname));
        else if (t[i].begin > t[i].end || t[i].end > dlen)
            rc = fail_t(c, t[i].name,
                        "data_offsets [%llu, %llu] are outside the data buffer (%zu bytes)",
                        (unsigned long long)t[i].begin, (unsigned long long)t[i].end, dlen);
        else
            r[i] = (range){t[i].begin, t[i].end, i};
    }
    size_t x, y;
    if (!rc && find_overlap(r, count, &x, &y))
        rc = fail(c, "tensors '%s' and '%s' overlap in the data buffer", shows(c, t[x].name),
                  shows(c, t[y].name));
    /* Add in buffer order, which is the order the writer used. */
    for (size_t i = 0; i < count && !rc; i++) {
        const st_entry *e = &t[r[i].idx];
        dtype d;
        st_dtype(e->dtname, &d);
        rc = add_tensor(c, e->name, e->dtname, &d, e->ndim, e->shape, 0, data + e->begin,
                        (size_t)(e->end - e->begin));
    }
out:
    free(t);
    free(r);
    return rc;
}

/* ---- entry points ------------------------------------------------------------ */

static int read_whole(ctx *c, const char *path, unsigned char **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return fail(c, "cannot open: %s", strerror(errno));
    struct stat st;
    int rc = 0;
    *buf = NULL;
    if (fstat(fileno(f), &st) != 0) {
        rc = fail(c, "cannot stat: %s", strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        rc = fail(c, "not a regular file");
    } else if (st.st_size < 0 || (uintmax_t)st.st_size > SIZE_MAX / 2) {
        rc = fail(c, "file is too large");
    } else {
        *len = (size_t)st.st_size;
        *buf = malloc(*len ? *len : 1);
        if (!*buf) {
            rc = fail(c, "out of memory reading the file (%zu bytes)", *len);
        } else if (fread(*buf, 1, *len, f) != *len) {
            rc = ferror(f) ? fail(c, "read error: %s", strerror(errno))
                           : fail(c, "file shrank while it was being read");
        }
    }
    fclose(f);
    if (rc) {
        free(*buf);
        *buf = NULL;
    }
    return rc;
}

int wf_load(arena *a, const char *path, wf_set *set, char *err, size_t errlen)
{
    ctx c = {a, set, NULL, err, errlen};
    if (err && errlen) err[0] = 0;
    int kind = ends_with(path, ".npy") ? 1 : ends_with(path, ".npz") ? 2
             : ends_with(path, ".safetensors") ? 3 : 0;
    if (!kind) return fail(&c, "unsupported weight file type (expected .npy, .npz or .safetensors)");
    unsigned char *buf = NULL;
    size_t len = 0;
    if (read_whole(&c, path, &buf, &len)) return -1;
    c.file = ar_strdup(a, path);
    int n0 = set->n;
    int rc = kind == 1 ? load_npy(&c, path, buf, len)
           : kind == 2 ? load_npz(&c, buf, len) : load_safetensors(&c, buf, len);
    free(buf);
    /* All or nothing: drop what a failed file had added already. */
    if (rc) set->n = n0;
    return rc;
}

const wf_tensor *wf_find(const wf_set *set, const char *name)
{
    if (!set || !name) return NULL;
    for (int i = 0; i < set->n; i++)
        if (strcmp(set->t[i].name, name) == 0) return &set->t[i];
    return NULL;
}
