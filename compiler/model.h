/* model: the checked model. Every name is resolved, every tensor bound and
 * shape-checked, every range checked, defaults filled in. Nothing here
 * refers to syntax; later stages (interpreter, IR) read only this. */
#ifndef DGC_MODEL_H
#define DGC_MODEL_H
#include "diag.h"

/* Documented limits (docs/language.md); the checker refuses larger. */
enum {
    MDL_MAX_FEATURES = 1 << 20, /* input features */
    MDL_MAX_UNITS = 1 << 16,    /* units in one layer */
    MDL_MAX_OPS = 64,           /* layers */
    MDL_MAX_RANK = 4096,        /* low-rank gate rank */
    MDL_MAX_CLASSES = 1 << 16,
    MDL_MAX_IDENT = 63,         /* identifier length */
    MDL_MAX_LABEL = 255         /* label length in bytes */
};
#define MDL_MAX_PARAMS (64L * 1024 * 1024) /* total parameters */

typedef enum {
    ACT_IDENTITY, ACT_RELU, ACT_GELU, ACT_GELU_TANH, ACT_SIGMOID, ACT_TANH
} mdl_act;

typedef enum { GATE_NONE, GATE_STATIC, GATE_LINEAR, GATE_LOWRANK } mdl_gate_kind;
typedef enum { GSRC_INPUT, GSRC_SELF } mdl_gate_src;
typedef enum { DECIDE_THRESHOLD, DECIDE_TOPK } mdl_decide;
typedef enum { APPLY_POST, APPLY_PRE } mdl_apply;

typedef struct mdl_norm {   /* LayerNorm over a vector of n values */
    int n;
    double eps;
    const float *weight;    /* [n] or NULL (no affine) */
    const float *bias;      /* [n] or NULL */
} mdl_norm;

typedef struct mdl_gate {
    mdl_gate_kind kind;
    mdl_gate_src src;       /* linear/lowrank only */
    mdl_decide decide;
    mdl_apply apply;
    double thr, tau;        /* threshold decision: open iff sigmoid(z/tau) > thr */
    int k;                  /* top-k decision: count, already resolved from a fraction */
    int min_keep;           /* 0: no fallback */
    int n;                  /* units gated */
    int n_src;              /* length of the vector the gate reads */
    int has_norm;
    mdl_norm norm;          /* over the gate's source vector, before G or A */
    /* linear: z = G s + c */
    const float *G;         /* [n][n_src] */
    /* lowrank: z = B act_h(A s + a_bias) + c */
    int rank;
    mdl_act hidden_act;
    const float *A;         /* [rank][n_src] */
    const float *a_bias;    /* [rank] or NULL */
    const float *B;         /* [n][rank] */
    const float *c;         /* [n] or NULL: linear/lowrank bias */
    /* static: z = logits */
    const float *logits;    /* [n] */
    dg_loc loc;
} mdl_gate;

typedef enum { OP_DENSE, OP_LAYERNORM } mdl_op_kind;

typedef struct mdl_op {
    mdl_op_kind kind;
    const char *name;       /* layer name, a valid C identifier */
    dg_loc loc;
    int n_in, n_out;        /* layernorm: n_in == n_out */
    /* dense: y = act(W x + b), then the gate */
    const float *W;         /* [n_out][n_in] (PyTorch nn.Linear layout) */
    const float *b;         /* [n_out] or NULL */
    mdl_act act;
    mdl_gate gate;          /* kind GATE_NONE when ungated */
    int is_output;          /* the last op, the logits */
    int softmax;            /* output only: softmax over the logits */
    /* layernorm */
    mdl_norm norm;
} mdl_op;

typedef struct mdl_model {
    const char *name;       /* valid C identifier */
    const char *path;       /* the .dg file */
    int n_in;
    int shape_rank;         /* 0 when given as a plain count */
    int shape[4];
    /* input preprocessing: x1 = x * scale + offset; x2 = (x1 - mean) / std */
    double scale, offset;
    const float *mean, *std;/* [n_in] or NULL (then 0 and 1) */
    mdl_gate in_gate;       /* GATE_NONE or GATE_STATIC over the features */
    int n_ops;
    mdl_op *ops;            /* ops[n_ops-1] is the output layer */
    int n_out;
    const char **labels;    /* [n_out] or NULL */
    long params;            /* parameters read by the model, gates included */
} mdl_model;

double mdl_act_eval(mdl_act act, double x); /* the reference definition */
const char *mdl_act_name(mdl_act act);
const char *mdl_gate_kind_name(mdl_gate_kind k);
/* Threshold in logit space: open iff z > mdl_gate_zthr(g). */
double mdl_gate_zthr(const mdl_gate *g);
/* The gate computes its mask per input (linear or low-rank), not once at
 * compile time (static) or never (none). */
static inline int mdl_gate_dynamic(mdl_gate_kind k) { return k == GATE_LINEAR || k == GATE_LOWRANK; }

#endif
