/* data: CSV, .npy and IDX input files as rows of floats (data.h).
 *
 * Every file goes through zlib's gzread, which reads gzip'd and plain files
 * alike, so "t10k-images-idx3-ubyte.gz" and its unpacked twin load the same
 * way. The format is sniffed from the first bytes, not the name: .npy by its
 * magic, IDX by its zero-zero-type-rank header, text otherwise. Sizes a header
 * claims are checked against the bytes present before anything is read. */
#include "data.h"
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "diag.h"
#include "wfile.h"

#define DATA_MAX_BYTES (1UL << 30) /* uncompressed; a gzip bomb stops here */

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* The whole file, decompressed when gzip'd; "-" is standard input. */
/* gzerror puts the path in front ("file: invalid block type"); the caller
 * names the file already. */
static const char *gz_reason(gzFile g, int *zerr)
{
    const char *msg = gzerror(g, zerr), *s;
    while ((s = strstr(msg, ": ")) != NULL) msg = s + 2;
    return msg;
}

static int read_all(const char *path, unsigned char **buf, size_t *len, char *err, size_t errlen)
{
    int fd = strcmp(path, "-") ? -1 : dup(0);
    gzFile g = fd >= 0 ? gzdopen(fd, "rb") : gzopen(path, "rb");
    if (!g) {
        if (fd >= 0) close(fd);
        return fail(err, errlen, "cannot open: %s", errno ? strerror(errno) : "out of memory");
    }
    size_t cap = 1 << 16, n = 0;
    unsigned char *b = malloc(cap);
    int rc = 0;
    for (;;) {
        if (!b) {
            rc = fail(err, errlen, "out of memory reading the file");
            break;
        }
        if (n == cap) {
            if (cap >= DATA_MAX_BYTES) {
                rc = fail(err, errlen, "file is larger than %lu bytes", (unsigned long)DATA_MAX_BYTES);
                break;
            }
            unsigned char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                b = NULL;
                continue;
            }
            b = nb;
            cap *= 2;
        }
        int got = gzread(g, b + n, (unsigned)(cap - n));
        if (got < 0) {
            int zerr;
            const char *msg = gz_reason(g, &zerr);
            rc = zerr == Z_ERRNO ? fail(err, errlen, "read error: %s", strerror(errno))
                                 : fail(err, errlen, "bad gzip data: %s", msg);
            break;
        }
        if (got == 0) break;
        n += (size_t)got;
    }
    /* zlib reports a gzip stream cut short only as a short read: ask. */
    if (!rc) {
        int zerr;
        const char *msg = gz_reason(g, &zerr);
        if (zerr != Z_OK && zerr != Z_STREAM_END) rc = fail(err, errlen, "bad gzip data: %s", msg);
    }
    gzclose(g);
    if (rc) {
        free(b);
        return -1;
    }
    *buf = b;
    *len = n;
    return 0;
}

/* ---- the rows of a whole file, before the range is cut -------------------- */

typedef struct table {
    long rows;
    int dim;
    /* exactly one of these holds the values */
    const float *f;                 /* [rows][dim] (npy, csv) */
    const unsigned char *idx;       /* IDX payload, big-endian elements */
    int idx_type, idx_size;
} table;

static int select_rows(arena *a, const table *t, long first, long limit, data_set *out, char *err,
                       size_t errlen)
{
    if (t->rows == 0) return fail(err, errlen, "the file holds no rows");
    if (first < 0 || first >= t->rows)
        return fail(err, errlen, "row index %ld is out of range (the file has %ld rows)", first, t->rows);
    long n = limit < 0 || limit > t->rows - first ? t->rows - first : limit;
    out->first = first;
    out->total = t->rows;
    out->rows = n;
    out->dim = t->dim;
    out->labels = NULL;
    out->x = ar_array(a, (size_t)(n > 0 ? n : 1) * (size_t)t->dim, sizeof *out->x);
    size_t count = (size_t)n * (size_t)t->dim, at = (size_t)first * (size_t)t->dim;
    if (t->f) {
        memcpy(out->x, t->f + at, count * sizeof *out->x);
        return 0;
    }
    const unsigned char *p = t->idx + at * (size_t)t->idx_size;
    for (size_t i = 0; i < count; i++, p += t->idx_size) {
        uint64_t u = 0;
        for (int k = 0; k < t->idx_size; k++) u = u << 8 | p[k];
        double v;
        switch (t->idx_type) {
        case 0x08: v = p[0]; break;
        case 0x09: v = (signed char)p[0]; break;
        case 0x0B: v = (int16_t)(uint16_t)u; break;
        case 0x0C: v = (int32_t)(uint32_t)u; break;
        case 0x0D: {
            uint32_t w = (uint32_t)u;
            float f;
            memcpy(&f, &w, sizeof f);
            v = f;
            break;
        }
        default: memcpy(&v, &u, sizeof v); break;
        }
        out->x[i] = (float)v;
    }
    return 0;
}

/* ---- IDX ------------------------------------------------------------------ */

static int idx_size(int type)
{
    switch (type) {
    case 0x08: case 0x09: return 1;
    case 0x0B: return 2;
    case 0x0C: case 0x0D: return 4;
    case 0x0E: return 8;
    }
    return 0;
}

static int is_idx(const unsigned char *b, size_t n)
{
    return n >= 4 && b[0] == 0 && b[1] == 0 && idx_size(b[2]) && b[3] >= 1 && b[3] <= 4;
}

static int parse_idx(const unsigned char *b, size_t n, table *t, char *err, size_t errlen)
{
    int rank = b[3];
    size_t head = 4 + 4 * (size_t)rank;
    if (n < head) return fail(err, errlen, "truncated IDX header (%zu bytes)", n);
    uint64_t dims[4], count = 1;
    for (int i = 0; i < rank; i++) {
        const unsigned char *q = b + 4 + 4 * i;
        dims[i] = (uint64_t)q[0] << 24 | (uint64_t)q[1] << 16 | (uint64_t)q[2] << 8 | q[3];
        if (dims[i] > DATA_MAX_BYTES) return fail(err, errlen, "IDX dimension %d is too large", i + 1);
        count *= dims[i];
        if (count > DATA_MAX_BYTES) return fail(err, errlen, "IDX file claims too many values");
    }
    t->idx_type = b[2];
    t->idx_size = idx_size(b[2]);
    uint64_t want = count * (uint64_t)t->idx_size;
    if (n - head < want)
        return fail(err, errlen, "truncated IDX file: the header promises %llu bytes of data, "
                                 "the file has %zu", (unsigned long long)want, n - head);
    if (n - head > want)
        return fail(err, errlen, "IDX file has %zu bytes after its data", (size_t)(n - head - want));
    if (count / (dims[0] ? dims[0] : 1) > (uint64_t)1 << 24)
        return fail(err, errlen, "IDX rows are too long");
    t->rows = (long)dims[0];
    t->dim = (int)(dims[0] ? count / dims[0] : 1);
    for (int i = 1; i < rank && !dims[0]; i++) t->dim *= (int)dims[i]; /* no rows: still a width */
    t->idx = b + head;
    return 0;
}

/* ---- .npy ----------------------------------------------------------------- */

/* column: a 1-D array is one value per row (labels), not one row. */
static int load_npy(arena *a, const char *path, const unsigned char *buf, size_t len, int column,
                    table *t, char *err, size_t errlen)
{
    /* The bytes were sniffed as .npy; the name only names the tensor, so
     * standard input or any other name reads the same. */
    size_t n = strlen(path);
    const char *npy = n > 4 && !strcmp(path + n - 4, ".npy") ? path : "rows.npy";
    wf_set set = {0, 0, NULL};
    if (wf_load_npy_bytes(a, npy, buf, len, &set, err, errlen)) return -1;
    const wf_tensor *w = &set.t[0];
    if (w->ndim == 0) return fail(err, errlen, "the array is a scalar; expected rows of values");
    int one_row = w->ndim == 1 && !column;
    t->rows = one_row ? 1 : (long)w->shape[0];
    size_t dim = one_row ? w->count : (t->rows ? w->count / (size_t)t->rows : 1);
    if (w->ndim > 1 && !t->rows)
        for (int i = 1; i < w->ndim; i++) dim *= (size_t)w->shape[i];
    if (dim > (size_t)1 << 24) return fail(err, errlen, "rows of %zu values are too long", dim);
    t->dim = (int)dim;
    t->f = w->data;
    return 0;
}

/* ---- CSV ------------------------------------------------------------------ */

typedef struct fvec {
    float *v;
    size_t n, cap;
} fvec;

static int push(fvec *f, float x)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 1024;
        float *nv = realloc(f->v, cap * sizeof *nv);
        if (!nv) return -1;
        f->v = nv;
        f->cap = cap;
    }
    f->v[f->n++] = x;
    return 0;
}

static const char *show_token(char *buf, size_t n, const char *s, size_t len)
{
    size_t m = len < n - 4 ? len : n - 4;
    for (size_t i = 0; i < m; i++) buf[i] = (unsigned char)s[i] < 0x20 ? '?' : s[i];
    strcpy(buf + m, len > m ? "..." : "");
    return buf;
}

/* One line's values; returns the count, or -1 when a field is not a
 * number (*bad points at it, *badlen its length). */
static long parse_line(const char *s, const char *end, fvec *f, const char **bad, size_t *badlen,
                       int *nonfinite)
{
    long count = 0;
    int need_value = 0; /* after a comma */
    const char *p = s;
    for (;;) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r')) p++;
        if (p == end || *p == '#') {
            if (need_value) {
                *bad = p;
                *badlen = 0;
                return -1;
            }
            return count;
        }
        if (*p == ',') {
            if (need_value || count == 0) {
                *bad = p;
                *badlen = 0;
                return -1;
            }
            need_value = 1;
            p++;
            continue;
        }
        const char *q = p;
        while (q < end && *q != ',' && *q != ' ' && *q != '\t' && *q != '\r' && *q != '#') q++;
        char tok[64];
        size_t len = (size_t)(q - p);
        char *e = tok;
        double v = 0;
        if (len < sizeof tok) {
            memcpy(tok, p, len);
            tok[len] = 0;
            v = strtod(tok, &e);
        }
        if (len >= sizeof tok || e != tok + len || len == 0) {
            *bad = p;
            *badlen = len;
            return -1;
        }
        if (!isfinite(v) || fabs(v) > 3.4e38) *nonfinite = 1;
        if (push(f, (float)v)) return -2;
        count++;
        need_value = 0;
        p = q;
    }
}

static int parse_csv(const unsigned char *b, size_t n, fvec *f, table *t, char *err, size_t errlen)
{
    const char *s = (const char *)b, *end = s + n;
    if (memchr(b, 0, n)) return fail(err, errlen, "not a CSV, .npy or IDX file (binary data)");
    long line = 0, rows = 0, header = 0;
    long dim = -1;
    while (s < end) {
        const char *e = memchr(s, '\n', (size_t)(end - s));
        if (!e) e = end;
        line++;
        const char *bad = NULL;
        size_t badlen = 0;
        int nonfinite = 0;
        size_t before = f->n;
        long c = parse_line(s, e, f, &bad, &badlen, &nonfinite);
        if (c == -2) return fail(err, errlen, "out of memory reading the file");
        if (c < 0 && rows == 0 && dim == -1 && badlen > 0) {
            f->n = before; /* a header line of words */
            dim = -2;
            header = line;
            s = e + 1;
            continue;
        }
        if (c < 0) {
            char tb[48];
            if (badlen == 0) return fail(err, errlen, "line %ld: empty value", line);
            return fail(err, errlen, "line %ld: '%s' is not a number", line,
                        show_token(tb, sizeof tb, bad, badlen));
        }
        if (nonfinite) return fail(err, errlen, "line %ld: a value is not a finite float", line);
        if (c > 0) {
            if (dim >= 0 && c != dim)
                return fail(err, errlen, "line %ld has %ld value%s, expected %ld as on the first row",
                            line, c, diag_s(c), dim);
            if (c > 1L << 24) return fail(err, errlen, "line %ld is too long", line);
            dim = c;
            rows++;
        }
        s = e + 1;
    }
    /* a lone row with a typo was skipped as a header: say so, not just "no rows" */
    if (rows == 0 && header)
        return fail(err, errlen, "the file holds no rows (line %ld, not all numbers, was taken as a header)",
                    header);
    t->rows = rows;
    t->dim = dim > 0 ? (int)dim : 0;
    t->f = f->v;
    return 0;
}

/* ---- entry points --------------------------------------------------------- */

static int load_table(arena *a, const char *path, int column, table *t, fvec *f,
                      unsigned char **buf, char *err, size_t errlen)
{
    size_t n = 0;
    memset(t, 0, sizeof *t);
    if (read_all(path, buf, &n, err, errlen)) return -1;
    if (n >= 6 && !memcmp(*buf, "\x93NUMPY", 6)) return load_npy(a, path, *buf, n, column, t, err, errlen);
    if (is_idx(*buf, n)) return parse_idx(*buf, n, t, err, errlen);
    return parse_csv(*buf, n, f, t, err, errlen);
}

static int load(arena *a, const char *path, long first, long limit, int column, data_set *out,
                char *err, size_t errlen)
{
    table t;
    fvec f = {NULL, 0, 0};
    unsigned char *buf = NULL;
    memset(out, 0, sizeof *out);
    int rc = load_table(a, path, column, &t, &f, &buf, err, errlen);
    if (!rc) rc = select_rows(a, &t, first, limit, out, err, errlen);
    if (!rc) out->path = ar_strdup(a, path);
    free(buf);
    free(f.v);
    return rc;
}

int data_load(arena *a, const char *path, long first, long limit, data_set *out, char *err,
              size_t errlen)
{
    return load(a, path, first, limit, 0, out, err, errlen);
}

int data_load_labels(arena *a, const char *path, data_set *ds, char *err, size_t errlen)
{
    data_set l;
    if (load(a, path, 0, -1, 1, &l, err, errlen)) return -1;
    if (l.dim != 1) return fail(err, errlen, "labels must be one value per row, not %d", l.dim);
    if (l.total != ds->total)
        return fail(err, errlen, "%ld labels for %ld rows of data", l.total, ds->total);
    ds->labels = ar_array(a, (size_t)(ds->rows > 0 ? ds->rows : 1), sizeof *ds->labels);
    for (long i = 0; i < ds->rows; i++) {
        float v = l.x[ds->first + i];
        if (v < 0 || v > 65535 || v != floorf(v))
            return fail(err, errlen, "label %ld is %g, not a class index", ds->first + i, (double)v);
        ds->labels[i] = (int)v;
    }
    return 0;
}
