/* agree: does one compiled run (JIT, gcc-built or firmware) agree with the
 * reference interpreter? The rule of docs/testing.md: masks agree
 * exactly except at units the interpreter marks near their decision
 * boundary; a near unit that flips may change everything after it, so from
 * there on a difference is a flip, not a failure; outputs are compared
 * within tolerance only when no unit was near. */
#ifndef DGC_AGREE_H
#define DGC_AGREE_H
#include <stddef.h>
#include "interp.h"
#include "model.h"

typedef enum {
    AGREE_OK,      /* masks and outputs agree */
    AGREE_NEAR,    /* masks agree, a unit was near: outputs not compared */
    AGREE_FLIP,    /* a near unit flipped (allowed, but counted) */
    AGREE_BAD      /* a real disagreement; why says where */
} agree_verdict;

#define AGREE_TOL 2e-4 /* |got - ref| <= AGREE_TOL * max(1, |ref|) */

/* out[n_out], open[n_ops], mask[sum of the ops' n_out] as the generated
 * code's infer_mask writes them. why (may be NULL) receives a one-line
 * reason for AGREE_BAD. */
agree_verdict agree_check(const mdl_model *m, const interp_result *ref, const float *out, int cls,
                          const int *open, const unsigned char *mask, char *why, size_t whylen);

/* The compiled class agrees: the reference's, or one whose reference output
 * is within AGREE_TOL of the largest (a near tie, which float rounding of
 * another summation order may rank either way). */
int agree_class(const interp_result *ref, int n_out, int cls);

/* Counts over many runs. */
typedef struct agree_tally {
    long runs, ok, near, flips, bad;
} agree_tally;
void agree_count(agree_tally *t, agree_verdict v);

#endif
