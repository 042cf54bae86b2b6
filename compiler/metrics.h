/* metrics: the paper's per-input cost metrics (docs/testing.md), computed
 * from one interpreter result and the model, plus an accumulator that
 * averages them over many inputs.
 *
 * For each dense op (the output layer included):
 *   dense MACs    = n_in * n_out (model sizes, nothing deleted)
 *   executed MACs = inputs read x rows computed, where
 *     inputs read   = the previous op's open units; for the first op the
 *                     features open after the input gate; after a layernorm
 *                     all of its units. Exception: a dynamically gated
 *                     producer with apply pre whose closed value act(0) is
 *                     not 0 (sigmoid: 0.5) - its closed units still carry a
 *                     value the consumer must multiply, so all n are read.
 *                     (Statically closed units are deleted at compile time,
 *                     their constant folded into the consumer's bias, so they
 *                     are never read.)
 *     rows computed = n_out when ungated, or the gate reads the layer's own
 *                     activations (from self: every row must be computed to
 *                     decide, only the next layer's columns can be skipped);
 *                     the open units otherwise (static, linear/lowrank from
 *                     input).
 *   gate MACs     = linear n * n_src; lowrank rank * (n_src + n); static 0
 *                   (gate norms and activations are not MACs).
 * relMAC = sum executed / sum dense; relMAC+gate = (sum executed + sum gate)
 * / sum dense. The latter can exceed 1: a gate can cost more than it saves. */
#ifndef DGC_METRICS_H
#define DGC_METRICS_H
#include "arena.h"
#include "interp.h"
#include "model.h"

typedef struct metrics_layer {
    int n, n_open;          /* units and open units (every op) */
    double act_ratio;       /* n_open / n; 1 for ungated ops */
    /* dense ops only; 0 for a layernorm */
    int inputs_read, rows_computed;
    long long dense_macs, exec_macs, gate_macs;
} metrics_layer;

typedef struct metrics {
    double in_ratio;        /* features open after the input gate / n_in */
    int n_layers;
    metrics_layer *layers;  /* [n_ops] */
    long long dense_macs, exec_macs, gate_macs; /* sums over the dense ops */
    double rel_mac;         /* exec / dense */
    double rel_mac_gate;    /* (exec + gate) / dense */
} metrics;

/* The metrics of one input; layers allocated in a. */
void metrics_compute(arena *a, const mdl_model *m, const interp_result *r, metrics *out);

/* Averages over inputs: add each input's metrics, then finish. Because the
 * dense MACs are the same for every input, the mean relMAC equals the
 * ratio of summed executed MACs to summed dense MACs. */
typedef struct metrics_acc {
    long n_samples;
    int n_layers;
    double in_ratio;        /* sums while adding, means after finish */
    double *act_ratio;      /* [n_layers] */
    double rel_mac, rel_mac_gate;
} metrics_acc;

void metrics_acc_init(arena *a, metrics_acc *acc, const mdl_model *m);
void metrics_acc_add(metrics_acc *acc, const metrics *x);
/* Turns the sums into means (all 0 when nothing was added). */
void metrics_acc_finish(metrics_acc *acc);

#endif
