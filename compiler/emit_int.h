/* emit_int: what the emitter's files (emit*.c) share; private to them. */
#ifndef DGC_EMIT_INT_H
#define DGC_EMIT_INT_H
#include <stdio.h>
#include "arena.h"
#include "emit.h"

/* Which elements of a vector may be non-zero, as the consumer sees it. */
typedef enum {
    LIST_ALL,    /* every element: a plain loop over 0..n */
    LIST_STATIC, /* a fixed subset known at compile time: a static const list */
    LIST_DYN     /* decided per input: a stack list and its count */
} em_list;

/* A vector between two stages: v[0] is the preprocessed input, v[i+1] the
 * output of layer i. */
typedef struct em_vec {
    int n;          /* elements */
    em_list list;
    int n_list;     /* LIST_STATIC: entries in idx */
    int *idx;       /* LIST_STATIC: ascending element indices */
    int passed;     /* the consumer reads the list (else only the vector) */
    int packed;     /* LIST_DYN, passed: the vector holds the listed values in list order */
    int slot;       /* stack buffer: 0 (va) or 1 (vb) */
} em_vec;

typedef struct em {
    FILE *f;
    const ir_program *p;
    const char *pre;    /* symbol prefix */
    char *upre;         /* macro prefix */
    arena a;
    em_vec *v;          /* [n_layers + 1] */
    int need_topk, need_norm, need_erf;
    int need_gelu8;     /* a low-rank gate's GELU through PFX_gelu8 */
    int need_lut;       /* em_mask_to_list's tables */
    int buf_n[2];       /* elements of the stack buffers va, vb (0: unused) */
    int list_n[2];      /* elements of the list buffers la, lb (0: unused) */
    int bad;            /* a non-finite constant was met */
    int in_raw;         /* the first layer reads the caller's input as it is */
} em;

/* emit.c: helper sources, '@' standing for the prefix */
extern const char em_erf_src[];
extern const char em_gelu_src[];
extern const char em_topk_src[];
extern const char em_topk_vec_src[]; /* vw > 1 */

/* emit_util.c */
void em_printf(em *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void em_float(em *e, float v);                      /* exact hex literal */
const char *em_fstr(em *e, float v);                /* the same, as a string */
void em_string(FILE *f, const char *s);             /* C literal, octal escapes */
void em_ident(FILE *f, const char *s);              /* for comments: [A-Za-z0-9_] only */
const char *em_name(em *e, int layer, const char *what); /* PFX_l<layer>_<what> */
const char *em_idx_type(int n);                     /* index type for 0..n-1 */
void em_farray(em *e, const char *name, const float *v, int rows, int cols);
void em_iarray(em *e, const char *name, const int *v, int n, int range);
void em_act(em *e, mdl_act act, const char *x);     /* the activation of x */

/* emit_list.c: which elements each vector lists, and loops over them */
void em_plan(em *e);
int em_vec_used(const em_vec *v); /* a dot product over v touches any element */
/* Row dot products in GNU C vectors (PFX_vf): more than one lane, a power of
 * two of them (vector_size must be one). */
static inline int em_gnu_vectors(const em *e) { return e->p->vw > 1 && !(e->p->vw & (e->p->vw - 1)); }
int em_rows(const ir_layer *l);   /* units whose row is computed (not constant) */
const char *em_list_name(em *e, int vi); /* the static list of v[vi] */
/* ind a += row[i] * x[i] for every listed i of v (v[vi], or NULL: all of n) */
void em_dot(em *e, const char *ind, const char *row, const char *x, int vi, int n);
void em_lanes_add(em *e, const char *ind, const char *acc, const char *lanes, int vw);
/* What em_axpy can gather from a whole input in the same pass: sum +=
 * the sum of x - k and sq += the sum of (x - k)^2 (k: a float in scope). */
typedef struct em_stats {
    const char *k, *sum, *sq;
} em_stats;
/* acc[0..w) += x[i] * (base + i*w)[0..w) for every listed i of v[vi] (vi < 0:
 * all of n). The caller declares and initialises float acc[w]. st: NULL,
 * or statistics of x gathered in the same pass (a whole input only, and
 * only where em_axpy_sums). */
void em_axpy(em *e, const char *ind, const char *x, int vi, int n, const char *base, int w, const em_stats *st);
static inline int em_axpy_sums(const em *e, int w) { return em_gnu_vectors(e) && w % e->p->vw == 0; }
/* blk[t w ..) += x[i] * (bases[t] + i w)[0..w) for t < B, every listed i of
 * v[vi]: B tiles in one pass (emit_tile.c's blocks). */
void em_axpy_block(em *e, const char *ind, const char *x, int vi, int n, const char *const *bases, int B, int w);
/* var |= (unsigned)(cond) << u for units j0 + u, u < w <= 32; thr: the
 * literal when cond is exactly z[j] > thr (em_gate_zthr), else NULL. */
void em_open_bits(em *e, const char *ind, const char *var, const char *j0, int w, const char *cond,
                  const char *thr);
/* The same for the 8-bit mask m8 by table (vector targets: need_lut). */
void em_mask_to_list(em *e, const char *ind, const char *list, const char *ty, const char *base,
                     const char *m8);
/* Spare entries of a list buffer for em_mask_to_list's stores past the count. */
enum { LIST_SLACK = 8 };
static inline int em_list_slack(const em *e) { return e->p->vw > 1 ? LIST_SLACK : 0; }

/* emit_gate.c: gate weights; code that fills z[] and decides (returns the
 * condition, on j, that unit j is open) */
void em_gate_data(em *e, int li);
int em_gate_reads_x(em *e, int li);
int em_gelu8(const em *e, const ir_layer *l); /* the gate's GELU goes through PFX_gelu8 */
void em_gate_logits(em *e, int li);
const char *em_gate_decide(em *e, int li);
/* The threshold literal when em_gate_decide's condition is z[j] > it, else NULL. */
const char *em_gate_zthr(em *e, int li);

/* emit_layer.c: one layer's data and function, and its call in the run */
void em_layer(em *e, int li);
void em_layer_call(em *e, int li);
const char *em_buf(const em_vec *v, int list); /* "va", "lb", ... */

/* emit_tile.c: a layer in tiles of units, weights input-major per tile */
int em_permuted(const ir_layer *l);            /* units not in model order */
const char *em_unit(em *e, int li, const char *j); /* model index of unit j */
void em_tile_data(em *e, int li);
/* dst[j] for every unit; cond: the open condition on j, or NULL (ungated).
 * Gated: fills mk and, when list, hl; returns the open count. */
void em_tile_rows(em *e, int li, const char *cond, const char *dst, int list);
/* Tiles per block of layer li's gated tiles, 0 when it has no blocks. */
int em_tile_blocks(const em *e, int li);

/* emit_rows.c: a gated layer row-wise, open rows four at a time */
void em_rows_gated(em *e, int li, const char *cond, int list);
void em_rows_all(em *e, int li, const char *dst);

#endif
