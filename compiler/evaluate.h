/* evaluate: the engine behind `dgc run`, `dgc eval` and the REPL's eval and
 * accuracy commands. A model is loaded, lowered and JIT-compiled once
 * (ev_load); then single inputs (ev_one) or whole data sets (ev_run) go
 * through the JIT. The per-input cost metrics are metrics.c's own
 * (docs/testing.md), fed with the open units the compiled code reports,
 * so the JIT and the interpreter are measured by one definition. */
#ifndef DGC_EVALUATE_H
#define DGC_EVALUATE_H
#include "arena.h"
#include "data.h"
#include "ir.h"
#include "jit.h"
#include "metrics.h"
#include "model.h"

typedef struct ev_model {
    const mdl_model *m;
    const ir_program *p;
    jit_model *j;
    double compile_ms;      /* emitting and compiling the C */
    long params;            /* parameters of the model, gates included */
    long weight_bytes;      /* float32 bytes the compiled code holds (after folding) */
} ev_model;

/* Loads, checks, lowers and compiles path (diagnostics reported); the model
 * lives in a, the JIT until ev_release. 0 or -1. */
int ev_load(arena *a, const char *path, ev_model *out);
/* The same from a checked model (the REPL after it changes a threshold). */
int ev_compile(arena *a, const mdl_model *m, ev_model *out);
void ev_release(ev_model *em);

/* One input through the JIT. */
typedef struct ev_sample {
    int cls;
    float *out;             /* [n_out] logits (probabilities with softmax) */
    int *open;              /* [n_ops] open units per layer */
    unsigned char *mask;    /* [mask size]: mask[jit_layer_offset[l] + j] */
    metrics met;            /* relMAC etc. of this input */
} ev_sample;

/* in: the model's n_in raw features. Arrays are allocated in a. */
void ev_one(arena *a, const ev_model *em, const float *in, ev_sample *s);

/* Called every few hundred rows and at the end; may be NULL. A non-zero
 * return stops the run there (Ctrl-C in the REPL): the result then covers
 * the rows done, samples < ds->rows. */
typedef int (*ev_progress_fn)(void *ctx, long done, long total);

typedef struct ev_result {
    long samples;
    int n_classes;
    int labelled;           /* the data had labels: the fields below are set */
    long correct;
    double accuracy;        /* correct / samples, 0..1 */
    double *per_class;      /* [n_classes] accuracy per true class (0 when absent) */
    long *class_count;      /* [n_classes] samples per true class */
    long *confusion;        /* [n_classes * n_classes]: [true][predicted] counts */
    metrics_acc acc;        /* means: in_ratio, act_ratio[n_ops], rel_mac, rel_mac_gate */
    double ms;              /* wall time of the inference loop */
} ev_result;

/* Whether ds fits the model: 0, or a one-line reason in err and -1 when
 * the rows have the wrong width, -2 when a label is outside the classes. */
int ev_check_data(const ev_model *em, const data_set *ds, char *err, size_t errlen);

/* Runs every row of ds. -1 with a one-line reason in err when the data
 * does not fit the model (ev_check_data). */
int ev_run(arena *a, const ev_model *em, const data_set *ds, ev_progress_fn progress, void *ctx,
           ev_result *r, char *err, size_t errlen);

/* The most confused pairs (true != predicted), largest count first, ties by
 * true then predicted class; returns how many were written (<= max). */
typedef struct ev_pair {
    int truth, pred;
    long count;
} ev_pair;
int ev_confused(const ev_result *r, ev_pair *pairs, int max);

#endif
