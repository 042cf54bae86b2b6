/* wfile_int: what the weight-file reader's files (wfile*.c) share; private
 * to them. wfile.c holds the entry points, errors and the set; each format
 * has its own file: wfile_npy.c (and dtype conversion), wfile_zip.c (.npz),
 * wfile_safetensors.c with the JSON reader in wfile_json.c. */
#ifndef DGC_WFILE_INT_H
#define DGC_WFILE_INT_H
#include <stddef.h>
#include <stdint.h>
#include "arena.h"
#include "wfile.h"

/* ---- context and errors (wfile.c) ---------------------------------------- */

typedef struct wf_ctx {
    arena *a;
    wf_set *set;
    const char *file;   /* arena copy of the path, stored in each tensor */
    char *err;
    size_t errlen;
} wf_ctx;

/* Write the reason to c->err; both return -1. */
int wf_fail(wf_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Like wf_fail, with "tensor 'name': " in front. */
int wf_fail_t(wf_ctx *c, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* s[0..n) (or the C string s) made fit for a one-line message, in the arena. */
const char *wf_show(wf_ctx *c, const char *s, size_t n);
const char *wf_shows(wf_ctx *c, const char *s);

/* ---- little helpers (wfile.c) -------------------------------------------- */

/* Little-endian integers at p, assembled byte by byte. */
uint16_t wf_rd16(const unsigned char *p);
uint32_t wf_rd32(const unsigned char *p);
uint64_t wf_rd64(const unsigned char *p);
int wf_ends_with(const char *s, const char *suffix);

/* Cursor over header text: the .npy dict (a Python literal) or the
 * safetensors JSON. */
typedef struct wf_cur {
    const unsigned char *s;
    size_t i, n;
} wf_cur;
void wf_cur_ws(wf_cur *k);             /* skip blanks, tabs and newlines */
int wf_cur_eat(wf_cur *k, char ch);    /* 1 when ch (after blanks) was there and is skipped */

/* Tensors whose bytes overlap would let a small file fill memory many times
 * over, and never happen in files real tools write, so they are refused. */
typedef struct wf_range {
    uint64_t lo, hi;
    size_t idx;           /* which member or entry it belongs to */
} wf_range;
int wf_find_overlap(wf_range *r, size_t n, size_t *x, size_t *y);

/* ---- dtypes and conversion (wfile_npy.c) --------------------------------- */

enum { WF_K_F16, WF_K_BF16, WF_K_F32, WF_K_F64, WF_K_INT, WF_K_UINT };

typedef struct wf_dtype {
    int kind;
    int size;   /* bytes per element: 1, 2, 4 or 8 */
    int big;    /* big-endian in the file */
} wf_dtype;

void wf_convert(float *dst, const unsigned char *src, size_t count, const wf_dtype *d,
                int fortran, int ndim, const int64_t *shape);

/* ---- the set (wfile.c) --------------------------------------------------- */

int wf_add_tensor(wf_ctx *c, const char *name, const char *dtname, const wf_dtype *d,
                  int ndim, const int64_t *shape, int fortran,
                  const unsigned char *src, size_t nbytes);

/* ---- the formats: each loads the file image p[0..n) ----------------------- */

int wf_parse_npy(wf_ctx *c, const char *name, const unsigned char *p, size_t n);
int wf_load_npy(wf_ctx *c, const char *path, const unsigned char *p, size_t n);
int wf_load_npz(wf_ctx *c, const unsigned char *p, size_t n);              /* wfile_zip.c */
int wf_load_safetensors(wf_ctx *c, const unsigned char *p, size_t n);

/* ---- a small strict JSON reader (wfile_json.c) ---------------------------- */

typedef struct wf_json {
    wf_ctx *c;
    wf_cur k;
    int depth;
} wf_json;

/* wf_json_fail writes what went wrong at the current JSON offset and returns
 * -1; the others return 0, or -1 after failing so. */
int wf_json_fail(wf_json *j, const char *what);
int wf_json_string(wf_json *j, const char **out);
int wf_json_uint(wf_json *j, uint64_t *v);
int wf_json_skip(wf_json *j);

#endif
