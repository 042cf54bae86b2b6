/* check_int: what the checker's files (check*.c) share; private to them. */
#ifndef DGC_CHECK_INT_H
#define DGC_CHECK_INT_H
#include "ast.h"
#include "model.h"
#include "wfile.h"

typedef struct chk {
    arena *a;
    const char *dir;
    wf_set weights;
    int weights_bad;            /* a weights file failed to load */
    mdl_model *m;
    long params;
} chk;

/* A block's statements checked against the keys it allows; seen[i] points
 * at the statement for keys[i] (NULL when absent). Unknown and duplicate
 * keys are reported. Returns 0 when any was bad. */
typedef struct chk_block {
    const char *what;           /* "layer 'fc1'" for messages */
    const char *const *keys;
    int nkeys;
    const ast_stmt **seen;
} chk_block;
void chk_unknown(const ast_stmt *s, const char *what, const char *const *keys, int n);
int chk_scan_block(chk *c, const ast_stmt *first, chk_block *b);
const ast_stmt *chk_get(const chk_block *b, const char *key);

/* Argument helpers: each reports its own error and returns 0 on failure. */
int chk_nargs(const ast_stmt *s, int lo, int hi);
int chk_no_block(const ast_stmt *s);
int chk_int(const ast_val *v, const char *what, long lo, long hi, long *out);
int chk_num(const ast_val *v, const char *what, double *out);
int chk_word(const ast_val *v, const char *what, const char *const *choices, int n);
int chk_act(const ast_val *v, mdl_act *out);

/* A tensor argument of statement s starting at args[i]: an inline array or
 * `tensor "NAME"`. The shape must be exactly {d0} (ndim 1) or {d0, d1}
 * (ndim 2); values must be finite. Returns NULL on error. */
const float *chk_tensor(chk *c, const ast_stmt *s, int i, const char *what, int ndim,
                        long d0, long d1);
/* A statement whose value is either one number (broadcast to n) or a tensor [n]. */
const float *chk_scalar_or_vector(chk *c, const ast_stmt *s, const char *what, long n);

int chk_gate(chk *c, const ast_stmt *s, mdl_gate *g, int n, int n_in, const char *layer);
int chk_norm_block(chk *c, const ast_stmt *s, mdl_norm *nm, int n, const char *what);

#endif
