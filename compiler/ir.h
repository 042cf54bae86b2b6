/* ir: the lowered model the emitter reads. Built from the checked model by
 * ir_build (a deep copy into the arena), then rewritten by the passes:
 *   ir_pass_static  - static gates decided at compile time; closed units
 *                     deleted from their rows and from the consumer's columns
 *                     (their constant value folded into the consumer's biases),
 *                     or kept as constants when the consumer needs the whole
 *                     vector (a layernorm, or a gate with a norm).
 *   ir_pass_threshold - threshold decisions folded to one float per layer:
 *                     open iff z > zthr, no expf on the gate path.
 * After both passes no layer has GATE_STATIC. Then, optionally:
 *   ir_pass_gate_norm - a gate norm's weight and bias folded into G or A.
 *   ir_pass_input   - the input's affine preprocessing folded into the
 *                     first layer (and a gate reading the input).
 *   ir_pass_dense   - (before the static pass) every gate dropped: the
 *                     dense baseline.
 *   ir_pass_permute - units reordered from calibration masks so units that
 *                     open together share tiles (pass_permute.c).
 *   ir_pass_tile    - each dense layer's layout for a target (pass_tile.c). */
#ifndef DGC_IR_H
#define DGC_IR_H
#include "arena.h"
#include "model.h"

typedef struct ir_gate {
    mdl_gate_kind kind;     /* GATE_NONE, GATE_LINEAR, GATE_LOWRANK (GATE_STATIC before ir_pass_static) */
    mdl_gate_src src;
    mdl_decide decide;
    mdl_apply apply;
    double thr, tau;        /* as in the model; used by ir_pass_threshold */
    int folded;             /* ir_pass_threshold ran: zthr is valid */
    float zthr;             /* threshold decision: open iff z > zthr */
    int k, min_keep;
    int n, n_src;
    int has_norm;
    mdl_norm norm;          /* n == n_src */
    float *G;               /* [n][n_src] */
    int rank;
    mdl_act hidden_act;
    float *A, *a_bias;      /* [rank][n_src], [rank] (a_bias NULL: zero) */
    float *B;               /* [n][rank] */
    float *c;               /* [n] or NULL */
    float *logits;          /* static only: [n] */
} ir_gate;

typedef struct ir_layer {
    mdl_op_kind kind;
    const char *name;
    int n_in, n_out;        /* after deletion */
    int n_out_model;        /* units in the model, before deletion */
    int *unit_index;        /* [n_out]: each unit's index in the model */
    float *W;               /* [n_out][n_in] row-major */
    float *b;               /* [n_out] or NULL */
    mdl_act act;
    ir_gate gate;
    /* The value a dynamically closed unit holds: 0 for post, act(0) for pre.
     * When it is not 0 the consumer cannot skip that column. */
    float closed_value;
    /* Units fixed at compile time but kept (consumer needs the full vector):
     * const_mask[j] = 1 means the unit always holds const_val[j]. */
    unsigned char *const_mask; /* [n_out] or NULL */
    float *const_val;          /* [n_out] or NULL */
    int is_output, softmax;
    mdl_norm norm;          /* layernorm */
    /* ir_pass_tile: 0 row-wise dot products; else units per tile, weights
     * input-major inside a tile so an open input is one contiguous
     * multiply-add over the tile and an all-closed tile costs one branch. */
    int tile;
    /* ir_pass_tile: reads its whole input although the producer's closed
     * units hold 0 and it could walk their list (few units: rows over every
     * input cost less than tiles over the open ones). */
    int whole_in;
} ir_layer;

/* The layer's mask is decided per input (a linear or low-rank gate). */
static inline int ir_dyn_gate(const ir_layer *l)
{
    return l->kind == OP_DENSE && mdl_gate_dynamic(l->gate.kind);
}

typedef struct ir_program {
    const char *name;
    int n_in;               /* features the API takes */
    int shape_rank, shape[4];
    double scale, offset;
    float *mean, *std;      /* [n_in] or NULL */
    /* Input features after the input gate: the first layer reads
     * x[feat_index[0..n_feat)] only. feat_const marks features kept as the
     * constant 0 (closed by the input gate, kept because the consumer needs
     * the whole vector); NULL: none. */
    int n_feat;
    int *feat_index;        /* [n_feat] */
    unsigned char *feat_const; /* [n_feat] or NULL */
    ir_gate in_gate;        /* GATE_STATIC or GATE_NONE before ir_pass_static */
    int n_layers;
    ir_layer *layers;
    int n_out;
    const char **labels;    /* [n_out] or NULL */
    long params_model;      /* parameters in the model */
    long units_removed;     /* units deleted by ir_pass_static (features included) */
    int vw;                 /* ir_pass_tile: lanes of row dot products (1: plain sum) */
} ir_program;

/* Layer i (or, for i == n_layers, the output vector) reads a list of its
 * input's open elements: the input is kept by a static gate or the
 * previous layer's closed units hold 0, and layer i does not read it whole
 * (whole_in). em_plan builds the lists by this rule; row dot products over
 * one would gather x an element at a time. */
static inline int ir_listed_input(const ir_program *p, int i)
{
    if (i == 0) return p->feat_const != NULL;
    if (i < p->n_layers && p->layers[i].whole_in) return 0;
    const ir_layer *prev = &p->layers[i - 1];
    return (prev->kind == OP_DENSE && prev->const_mask) || (ir_dyn_gate(prev) && prev->closed_value == 0.0f);
}

/* What the generated code runs on: tile width and vector lanes, in floats. */
typedef struct ir_target {
    const char *name;
    int tile, vw;
} ir_target;

/* Masks the reference interpreter decided over calibration inputs, in model
 * order: open[l] is [n_samples][the model's units of op l], or NULL (the op
 * has no dynamic gate). */
typedef struct ir_calib {
    int n_samples, n_layers;
    unsigned char **open;
} ir_calib;

ir_program *ir_build(arena *a, const mdl_model *m);
/* n zero floats (at least one) in a: an array a pass adds that the model lacked */
float *ir_zeros(arena *a, int n);
void ir_pass_static(arena *a, ir_program *p);
void ir_pass_threshold(ir_program *p);
void ir_pass_dense(ir_program *p);
void ir_pass_gate_norm(arena *a, ir_program *p); /* gate norm affine into G or A */
void ir_pass_input(arena *a, ir_program *p);     /* preprocessing into the first layer */
/* Reorders layer li's units: new unit j is old unit perm[j]. Rows, biases,
 * gate rows, unit_index (masks stay reported in model order) and the next
 * layer's columns move together. Returns 0, or -1 when the layer cannot be
 * permuted (see ir_permutable) or perm is not a permutation. */
int ir_permute_layer(arena *a, ir_program *p, int li, const int *perm);
int ir_permutable(const ir_program *p, int li);
void ir_pass_permute(arena *a, ir_program *p, const ir_calib *c, int tile);
/* calib may be NULL: the layout is then chosen from the shapes alone. */
void ir_pass_tile(ir_program *p, const ir_target *t, const ir_calib *c);
/* NULL when the name is not a target; "x86-64" is the default. */
const ir_target *ir_target_find(const char *name);
const ir_target *ir_target_default(void);
/* Static and threshold passes, then tiling for the default target: what
 * every consumer of the IR wants unless it chooses a target itself. */
ir_program *ir_lower(arena *a, const mdl_model *m);
/* The same for target t; c (may be NULL) drives permutation and layout;
 * dense drops every gate, static ones included (the baseline). */
ir_program *ir_lower_for(arena *a, const mdl_model *m, const ir_target *t, const ir_calib *c,
                         int dense);

#endif
