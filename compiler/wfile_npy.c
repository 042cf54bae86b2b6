/* wfile_npy: NumPy .npy images (also the members of an .npz) and the
 * conversion of every supported dtype to float32. */
#include "wfile_int.h"
#include <string.h>

/* ---- dtypes and conversion ---------------------------------------------- */

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

static float elem_to_f32(const unsigned char *p, const wf_dtype *d)
{
    uint64_t v = load_uint(p, d->size, d->big);
    switch (d->kind) {
    case WF_K_F16: return f16_to_f32((uint16_t)v);
    case WF_K_BF16: return f32_from_bits((uint32_t)v << 16);   /* bf16 = top half */
    case WF_K_F32: return f32_from_bits((uint32_t)v);
    case WF_K_F64: {
        double x;              /* integer and double share byte order */
        memcpy(&x, &v, sizeof x);
        return (float)x;       /* round to nearest; nan/inf stay nan/inf */
    }
    case WF_K_UINT: return (float)v;
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
void wf_convert(float *dst, const unsigned char *src, size_t count, const wf_dtype *d,
                int fortran, int ndim, const int64_t *shape)
{
    if (!fortran || ndim < 2) {
        if (d->kind == WF_K_F32 && !d->big && host_is_le()) {
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

/* ---- .npy -------------------------------------------------------------------- */

/* The header dict text is a Python literal such as
 * "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", read with
 * a wf_cur. */

static int cur_word(wf_cur *k, const char *w)
{
    size_t m = strlen(w);
    wf_cur_ws(k);
    if (k->n - k->i >= m && memcmp(k->s + k->i, w, m) == 0) {
        k->i += m;
        return 1;
    }
    return 0;
}

/* A quoted string without escapes (NumPy never writes any in these fields). */
static int cur_str(wf_cur *k, const unsigned char **str, size_t *len)
{
    wf_cur_ws(k);
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
static int cur_shape(wf_cur *k, int *ndim, int64_t *shape, int *too_many)
{
    *ndim = 0;
    *too_many = 0;
    if (!wf_cur_eat(k, '(')) return -1;
    if (wf_cur_eat(k, ')')) return 0;
    for (;;) {
        wf_cur_ws(k);
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
        int comma = wf_cur_eat(k, ',');
        if (wf_cur_eat(k, ')')) return *ndim == 1 && !comma ? -1 : 0;   /* "(5)" is no tuple */
        if (!comma) return -1;
    }
}

/* NumPy dtype string: byte order, kind letter, item size ("<f4", "|u1"). */
static int npy_dtype(const unsigned char *s, size_t n, wf_dtype *d)
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
        d->kind = d->size == 2 ? WF_K_F16 : d->size == 4 ? WF_K_F32 : WF_K_F64;
        return 0;
    case 'i': d->kind = WF_K_INT; return 0;
    case 'u': d->kind = WF_K_UINT; return 0;
    default: return -1;   /* bool, complex, strings, objects, dates, ... */
    }
}

/* Parse one .npy image p[0..n) as tensor name (an arena string). */
int wf_parse_npy(wf_ctx *c, const char *name, const unsigned char *p, size_t n)
{
    if (n < 6 || memcmp(p, "\x93NUMPY", 6) != 0)
        return wf_fail_t(c, name, "not a .npy file (bad magic)");
    if (n < 10) return wf_fail_t(c, name, "truncated .npy header");
    if (p[7] != 0 || p[6] < 1 || p[6] > 3)
        return wf_fail_t(c, name, "unsupported .npy format version %d.%d", p[6], p[7]);
    size_t hstart = p[6] == 1 ? 10 : 12;
    if (n < hstart) return wf_fail_t(c, name, "truncated .npy header");
    size_t hlen = p[6] == 1 ? wf_rd16(p + 8) : wf_rd32(p + 8);
    if (hlen > n - hstart)
        return wf_fail_t(c, name, ".npy header length %zu runs past the end of the data (%zu bytes left)",
                         hlen, n - hstart);

    wf_cur k = {p + hstart, 0, hlen};
    const unsigned char *descr = NULL;
    size_t descr_len = 0;
    int fortran = -1, ndim = -1, too_many = 0;
    int64_t shape[WF_MAX_DIMS];
    if (!wf_cur_eat(&k, '{')) return wf_fail_t(c, name, "bad .npy header: expected '{'");
    while (!wf_cur_eat(&k, '}')) {
        const unsigned char *key;
        size_t klen;
        if (cur_str(&k, &key, &klen) || !wf_cur_eat(&k, ':'))
            return wf_fail_t(c, name, "bad .npy header: expected a quoted key and ':'");
        if (klen == 5 && !memcmp(key, "descr", 5) && !descr) {
            wf_cur_ws(&k);
            if (k.i < k.n && k.s[k.i] == '[')
                return wf_fail_t(c, name, "structured dtypes are not supported");
            if (cur_str(&k, &descr, &descr_len))
                return wf_fail_t(c, name, "bad .npy header: 'descr' is not a string");
        } else if (klen == 13 && !memcmp(key, "fortran_order", 13) && fortran < 0) {
            if (cur_word(&k, "True")) fortran = 1;
            else if (cur_word(&k, "False")) fortran = 0;
            else return wf_fail_t(c, name, "bad .npy header: 'fortran_order' is not True or False");
        } else if (klen == 5 && !memcmp(key, "shape", 5) && ndim < 0) {
            if (cur_shape(&k, &ndim, shape, &too_many))
                return wf_fail_t(c, name, "bad .npy header: 'shape' is not a tuple of integers");
        } else {
            return wf_fail_t(c, name, "bad .npy header: unexpected or repeated key '%s'",
                             wf_show(c, (const char *)key, klen));
        }
        if (!wf_cur_eat(&k, ',')) {
            if (!wf_cur_eat(&k, '}'))
                return wf_fail_t(c, name, "bad .npy header: expected ',' or '}'");
            break;
        }
    }
    wf_cur_ws(&k);
    if (k.i != k.n) return wf_fail_t(c, name, "bad .npy header: text after the closing '}'");
    if (!descr || fortran < 0 || ndim < 0)
        return wf_fail_t(c, name, "bad .npy header: it needs 'descr', 'fortran_order' and 'shape'");

    const char *dtname = ar_strndup(c->a, (const char *)descr, descr_len);
    wf_dtype d;
    if (npy_dtype(descr, descr_len, &d))
        return wf_fail_t(c, name, "dtype '%s' is not supported (expected a float or integer type)",
                         wf_shows(c, dtname));
    if (too_many)
        return wf_fail_t(c, name, "more than %d dimensions are not supported", WF_MAX_DIMS);
    return wf_add_tensor(c, name, dtname, &d, ndim, shape, fortran, p + hstart + hlen,
                         n - hstart - hlen);
}

int wf_load_npy(wf_ctx *c, const char *path, const unsigned char *p, size_t n)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *name = ar_strndup(c->a, base, strlen(base) - 4);   /* drop ".npy" */
    if (!*name) return wf_fail(c, "empty tensor name");
    return wf_parse_npy(c, name, p, n);
}
