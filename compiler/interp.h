/* interp: the reference interpreter. Evaluates the checked model directly,
 * accumulating in double, following the gate semantics of docs/language.md
 * literally (sigmoid(z/tau) > thr, no folding, no deletion). It is the oracle
 * the emitted C, the JIT and firmware builds are compared against. */
#ifndef DGC_INTERP_H
#define DGC_INTERP_H
#include "arena.h"
#include "model.h"

/* A gate logit this close to its decision boundary (relative to
 * max(1, |boundary|)) may flip under another summation order; see
 * docs/testing.md. */
#define INTERP_NEAR_REL 1e-4

typedef struct interp_layer {
    int n;                  /* units in the model */
    unsigned char *open;    /* [n]: 1 open; ungated layers: all 1 */
    unsigned char *near;    /* [n]: 1 when z is within the margin of the boundary */
    double *z;              /* [n] gate logits, or NULL when ungated */
    double *h;              /* [n] the layer's output */
    int n_open, n_near;
} interp_layer;

typedef struct interp_result {
    int n_out;
    double *out;            /* [n_out]: logits, or probabilities with softmax */
    int cls;                /* argmax of out, ties to the lower index */
    interp_layer input;     /* the input gate's decision over the features */
    int n_layers;
    interp_layer *layers;   /* [n_ops] */
    int n_near;             /* near units over all layers and the input gate */
} interp_result;

/* in: n_in raw features. Allocates the result in a.
 * r->input.h holds the preprocessed features after the input gate (what the
 * first op reads); r->out is the output layer's h (after softmax, if any).
 * z is NULL only for ungated dense layers and layernorms; static gates keep
 * their logits in z but are never near. The near rule for top-k and
 * min_keep is documented at the top of interp.c. */
void interp_run(arena *a, const mdl_model *m, const float *in, interp_result *r);

#endif
