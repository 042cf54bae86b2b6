/* wfile_safetensors: .safetensors files, an 8-byte header length, a JSON
 * header naming each tensor's dtype, shape and data offsets, then the data. */
#include "wfile_int.h"
#include <stdlib.h>
#include <string.h>

/* One tensor entry of the header, before its data is looked at. */
typedef struct st_entry {
    const char *name, *dtname;
    int ndim;
    int64_t shape[WF_MAX_DIMS];
    uint64_t begin, end;
} st_entry;

/* {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}; other keys
 * are skipped, as the reference reader does. */
static int st_info(wf_json *j, st_entry *t)
{
    int have_dtype = 0, have_shape = 0, have_off = 0;
    if (!wf_cur_eat(&j->k, '{')) return wf_json_fail(j, "expected '{' for a tensor");
    if (!wf_cur_eat(&j->k, '}')) {
        do {
            const char *key;
            if (wf_json_string(j, &key)) return -1;
            if (!wf_cur_eat(&j->k, ':')) return wf_json_fail(j, "expected ':'");
            if (!strcmp(key, "dtype")) {
                if (have_dtype++) return wf_json_fail(j, "repeated key 'dtype'");
                if (wf_json_string(j, &t->dtname)) return -1;
            } else if (!strcmp(key, "shape")) {
                if (have_shape++) return wf_json_fail(j, "repeated key 'shape'");
                t->ndim = 0;
                if (!wf_cur_eat(&j->k, '[')) return wf_json_fail(j, "expected '[' for a shape");
                if (!wf_cur_eat(&j->k, ']')) {
                    do {
                        uint64_t v;
                        if (wf_json_uint(j, &v)) return -1;
                        if (t->ndim == WF_MAX_DIMS)
                            return wf_fail_t(j->c, t->name, "more than %d dimensions are not supported",
                                             WF_MAX_DIMS);
                        t->shape[t->ndim++] = (int64_t)v;
                    } while (wf_cur_eat(&j->k, ','));
                    if (!wf_cur_eat(&j->k, ']')) return wf_json_fail(j, "expected ',' or ']'");
                }
            } else if (!strcmp(key, "data_offsets")) {
                if (have_off++) return wf_json_fail(j, "repeated key 'data_offsets'");
                if (!wf_cur_eat(&j->k, '[') || wf_json_uint(j, &t->begin) ||
                    !wf_cur_eat(&j->k, ',') || wf_json_uint(j, &t->end) || !wf_cur_eat(&j->k, ']'))
                    return wf_fail_t(j->c, t->name, "'data_offsets' is not a pair of integers");
            } else if (wf_json_skip(j)) {
                return -1;
            }
        } while (wf_cur_eat(&j->k, ','));
        if (!wf_cur_eat(&j->k, '}')) return wf_json_fail(j, "expected ',' or '}'");
    }
    if (!have_dtype || !have_shape || !have_off)
        return wf_fail_t(j->c, t->name, "needs 'dtype', 'shape' and 'data_offsets'");
    return 0;
}

static int st_dtype(const char *s, wf_dtype *d)
{
    static const struct { const char *name; int kind, size; } tab[] = {
        {"F64", WF_K_F64, 8}, {"F32", WF_K_F32, 4}, {"F16", WF_K_F16, 2}, {"BF16", WF_K_BF16, 2},
        {"I64", WF_K_INT, 8}, {"I32", WF_K_INT, 4}, {"I16", WF_K_INT, 2}, {"I8", WF_K_INT, 1},
        {"U64", WF_K_UINT, 8}, {"U32", WF_K_UINT, 4}, {"U16", WF_K_UINT, 2}, {"U8", WF_K_UINT, 1},
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
static int st_header(wf_json *j, st_entry **out, size_t *count)
{
    size_t n = 0, cap = 0;
    st_entry *t = NULL;
    *out = NULL;
    if (!wf_cur_eat(&j->k, '{')) return wf_json_fail(j, "expected '{'");
    if (!wf_cur_eat(&j->k, '}')) {
        do {
            const char *key;
            if (wf_json_string(j, &key)) return -1;
            if (!wf_cur_eat(&j->k, ':')) return wf_json_fail(j, "expected ':'");
            if (!strcmp(key, "__metadata__")) {
                if (wf_json_skip(j)) return -1;
                continue;
            }
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                st_entry *g = realloc(t, cap * sizeof *t);
                if (!g) return wf_fail(j->c, "out of memory reading the safetensors header");
                *out = t = g;
            }
            memset(&t[n], 0, sizeof t[n]);
            t[n].name = key;
            if (st_info(j, &t[n])) return -1;
            *count = ++n;
        } while (wf_cur_eat(&j->k, ','));
        if (!wf_cur_eat(&j->k, '}')) return wf_json_fail(j, "expected ',' or '}'");
    }
    wf_cur_ws(&j->k);
    if (j->k.i != j->k.n) return wf_json_fail(j, "text after the header object");
    return 0;
}

int wf_load_safetensors(wf_ctx *c, const unsigned char *p, size_t n)
{
    if (n < 8) return wf_fail(c, "truncated safetensors file (no header length)");
    uint64_t hlen = wf_rd64(p);
    if (hlen > n - 8)
        return wf_fail(c, "safetensors header length %llu runs past the end of the file",
                       (unsigned long long)hlen);
    const unsigned char *data = p + 8 + hlen;
    size_t dlen = n - 8 - (size_t)hlen;
    wf_json j = {c, {p + 8, 0, (size_t)hlen}, 0};
    st_entry *t = NULL;
    size_t count = 0;
    wf_range *r = NULL;
    int rc = st_header(&j, &t, &count);
    if (rc || count == 0) goto out;

    /* Duplicates first (sorted by name), so a repeated entry is reported as
     * such rather than as an overlap. */
    qsort(t, count, sizeof *t, name_cmp);
    for (size_t i = 1; i < count && !rc; i++)
        if (!strcmp(t[i - 1].name, t[i].name))
            rc = wf_fail(c, "tensor '%s' is defined twice", wf_shows(c, t[i].name));
    r = malloc(count * sizeof *r);
    if (!rc && !r) rc = wf_fail(c, "out of memory reading the safetensors header");
    for (size_t i = 0; i < count && !rc; i++) {
        wf_dtype d;
        if (st_dtype(t[i].dtname, &d))
            rc = wf_fail_t(c, t[i].name, "dtype '%s' is not supported", wf_shows(c, t[i].dtname));
        else if (t[i].begin > t[i].end || t[i].end > dlen)
            rc = wf_fail_t(c, t[i].name,
                           "data_offsets [%llu, %llu] are outside the data buffer (%zu bytes)",
                           (unsigned long long)t[i].begin, (unsigned long long)t[i].end, dlen);
        else
            r[i] = (wf_range){t[i].begin, t[i].end, i};
    }
    size_t x, y;
    if (!rc && wf_find_overlap(r, count, &x, &y))
        rc = wf_fail(c, "tensors '%s' and '%s' overlap in the data buffer", wf_shows(c, t[x].name),
                     wf_shows(c, t[y].name));
    /* Add in buffer order, which is the order the writer used. */
    for (size_t i = 0; i < count && !rc; i++) {
        const st_entry *e = &t[r[i].idx];
        wf_dtype d;
        st_dtype(e->dtname, &d);
        rc = wf_add_tensor(c, e->name, e->dtname, &d, e->ndim, e->shape, 0, data + e->begin,
                           (size_t)(e->end - e->begin));
    }
out:
    free(t);
    free(r);
    return rc;
}
