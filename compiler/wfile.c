/* wfile: load .npy, .npz and .safetensors weight files as float32 tensors.
 *
 * A file is read whole into one transient buffer and parsed from there.
 * Every size or offset a header claims is checked against the bytes that are
 * really present before it is used, so hostile input can make wf_load fail
 * but never read out of bounds, loop forever, or allocate more than a small
 * multiple of what the file could actually fill. Integers and floats are
 * assembled byte by byte (memcpy, no unaligned pointer casts), so the code
 * does not depend on the host's byte order except in one guarded fast path.
 *
 * This file holds the entry points, errors, helpers and the set; the formats
 * are in wfile_npy.c, wfile_zip.c and wfile_safetensors.c (wfile_int.h). */
#include "wfile_int.h"
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- context and errors ------------------------------------------------ */

int wf_fail(wf_ctx *c, const char *fmt, ...)
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
const char *wf_show(wf_ctx *c, const char *s, size_t n)
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

const char *wf_shows(wf_ctx *c, const char *s) { return wf_show(c, s, strlen(s)); }

/* Like wf_fail, with "tensor 'name': " in front. */
int wf_fail_t(wf_ctx *c, const char *name, const char *fmt, ...)
{
    if (c->err && c->errlen) {
        int k = snprintf(c->err, c->errlen, "tensor '%s': ", wf_shows(c, name));
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

uint16_t wf_rd16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
uint32_t wf_rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
uint64_t wf_rd64(const unsigned char *p) { return wf_rd32(p) | (uint64_t)wf_rd32(p + 4) << 32; }

int wf_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* "[2, 3]" for messages. */
static const char *fmt_shape(wf_ctx *c, int ndim, const int64_t *shape)
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

/* ---- text cursor ---------------------------------------------------------- */

void wf_cur_ws(wf_cur *k)
{
    while (k->i < k->n && (k->s[k->i] == ' ' || k->s[k->i] == '\t' ||
                           k->s[k->i] == '\n' || k->s[k->i] == '\r'))
        k->i++;
}

int wf_cur_eat(wf_cur *k, char ch)
{
    wf_cur_ws(k);
    if (k->i < k->n && k->s[k->i] == ch) {
        k->i++;
        return 1;
    }
    return 0;
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

static int name_ok(wf_ctx *c, const char *name)
{
    if (!*name) return wf_fail(c, "empty tensor name");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return wf_fail_t(c, name, "tensor name contains a control character");
    return 0;
}

/* Append one tensor whose raw data is src[0..nbytes). The caller has
 * checked that src lies inside the file; this checks the data size against
 * the shape before allocating anything. */
int wf_add_tensor(wf_ctx *c, const char *name, const char *dtname, const wf_dtype *d,
                  int ndim, const int64_t *shape, int fortran,
                  const unsigned char *src, size_t nbytes)
{
    size_t count = 0;
    if (name_ok(c, name)) return -1;
    if (shape_count(ndim, shape, &count) || count > SIZE_MAX / 8)
        return wf_fail_t(c, name, "shape %s is too large", fmt_shape(c, ndim, shape));
    size_t need = count * (size_t)d->size;
    if (nbytes != need)
        return wf_fail_t(c, name, "data is %zu bytes but shape %s of '%s' needs %zu",
                         nbytes, fmt_shape(c, ndim, shape), wf_shows(c, dtname), need);
    wf_set *s = c->set;
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->t[i].name, name) == 0)
            return wf_fail(c, "tensor '%s' is defined twice", wf_shows(c, name));
    if (s->n == s->cap) {
        if (s->cap > INT_MAX / 2) return wf_fail(c, "too many tensors");
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
    t->converted = d->kind != WF_K_F32;
    wf_convert(t->data, src, count, d, fortran, ndim, shape);
    s->n++;
    return 0;
}

/* ---- overlap check shared by .npz and .safetensors ------------------------ */

static int range_cmp(const void *x, const void *y)
{
    const wf_range *a = x, *b = y;
    return a->lo < b->lo ? -1 : a->lo > b->lo ? 1 : 0;
}

/* Sorts r by start; returns 1 and the idx of two overlapping ranges, or 0. */
int wf_find_overlap(wf_range *r, size_t n, size_t *x, size_t *y)
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

/* ---- entry points ------------------------------------------------------------ */

static int read_whole(wf_ctx *c, const char *path, unsigned char **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return wf_fail(c, "cannot open: %s", strerror(errno));
    struct stat st;
    int rc = 0;
    *buf = NULL;
    if (fstat(fileno(f), &st) != 0) {
        rc = wf_fail(c, "cannot stat: %s", strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        rc = wf_fail(c, "not a regular file");
    } else if (st.st_size < 0 || (uintmax_t)st.st_size > SIZE_MAX / 2) {
        rc = wf_fail(c, "file is too large");
    } else {
        *len = (size_t)st.st_size;
        *buf = malloc(*len ? *len : 1);
        if (!*buf) {
            rc = wf_fail(c, "out of memory reading the file (%zu bytes)", *len);
        } else if (fread(*buf, 1, *len, f) != *len) {
            rc = ferror(f) ? wf_fail(c, "read error: %s", strerror(errno))
                           : wf_fail(c, "file shrank while it was being read");
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
    wf_ctx c = {a, set, NULL, err, errlen};
    if (err && errlen) err[0] = 0;
    int kind = wf_ends_with(path, ".npy") ? 1 : wf_ends_with(path, ".npz") ? 2
             : wf_ends_with(path, ".safetensors") ? 3 : 0;
    if (!kind) return wf_fail(&c, "unsupported weight file type (expected .npy, .npz or .safetensors)");
    unsigned char *buf = NULL;
    size_t len = 0;
    if (read_whole(&c, path, &buf, &len)) return -1;
    c.file = ar_strdup(a, path);
    int n0 = set->n;
    int rc = kind == 1 ? wf_load_npy(&c, path, buf, len)
           : kind == 2 ? wf_load_npz(&c, buf, len) : wf_load_safetensors(&c, buf, len);
    free(buf);
    /* All or nothing: drop what a failed file had added already. */
    if (rc) set->n = n0;
    return rc;
}

int wf_load_npy_bytes(arena *a, const char *path, const unsigned char *p, size_t n, wf_set *set,
                      char *err, size_t errlen)
{
    wf_ctx c = {a, set, ar_strdup(a, path), err, errlen};
    if (err && errlen) err[0] = 0;
    int n0 = set->n;
    int rc = wf_load_npy(&c, path, p, n);
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
