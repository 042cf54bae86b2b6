/* dgc stats MODEL.dg [--json]: what the model costs and what folding saved.
 * MACs are per inference; "dense" counts every unit of every layer. Gate
 * MACs are reported apart, as the paper leaves them out of relMAC. */
#include <string.h>
#include "cli.h"
#include "front.h"
#include "ir.h"
#include "json.h"

typedef struct layer_stats {
    const mdl_op *op;
    const ir_layer *ir;
    long params, dense_macs, gate_macs, removed;
    const char *note;
} layer_stats;

static long gate_macs(const mdl_gate *g)
{
    switch (g->kind) {
    case GATE_LINEAR: return (long)g->n * g->n_src;
    case GATE_LOWRANK: return (long)g->rank * (g->n_src + g->n);
    default: return 0;
    }
}

static long gate_params(const mdl_gate *g)
{
    long p = (g->c ? g->n : 0) + (g->has_norm ? (g->norm.weight ? g->n_src : 0) +
                                                    (g->norm.bias ? g->n_src : 0) : 0);
    switch (g->kind) {
    case GATE_STATIC: return g->n;
    case GATE_LINEAR: return p + (long)g->n * g->n_src;
    case GATE_LOWRANK:
        return p + (long)g->rank * g->n_src + (long)g->n * g->rank + (g->a_bias ? g->rank : 0);
    default: return 0;
    }
}

static void collect(const mdl_model *m, const ir_program *p, layer_stats *ls)
{
    for (int i = 0; i < m->n_ops; i++) {
        const mdl_op *op = &m->ops[i];
        layer_stats *s = &ls[i];
        s->op = op;
        s->ir = &p->layers[i];
        if (op->kind == OP_LAYERNORM) {
            s->params = (op->norm.weight ? op->n_out : 0) + (op->norm.bias ? op->n_out : 0);
            continue;
        }
        s->params = (long)op->n_out * op->n_in + (op->b ? op->n_out : 0) + gate_params(&op->gate);
        s->dense_macs = (long)op->n_out * op->n_in;
        s->gate_macs = gate_macs(&op->gate);
        s->removed = op->n_out - s->ir->n_out;
        if (mdl_gate_dynamic(op->gate.kind)) {
            if (op->gate.src == GSRC_SELF)
                s->note = "gate reads the layer's own activations: every row is computed; "
                          "only the next layer's columns are skipped";
            else
                s->note = "gate runs before the layer: closed rows are skipped";
            if (op->gate.apply == APPLY_PRE && mdl_act_eval(op->act, 0) != 0)
                s->note = "closed units hold act(0) != 0: the next layer cannot skip their columns";
        } else if (op->gate.kind == GATE_STATIC) {
            s->note = "static gate: closed units deleted at compile time";
        }
    }
}

static const char *decision(arena *a, const mdl_gate *g)
{
    if (g->kind == GATE_NONE) return "";
    if (g->decide == DECIDE_TOPK) return ar_printf(a, "top-%d", g->k);
    if (g->min_keep)
        return ar_printf(a, "threshold %g, tau %g, min_keep %d", g->thr, g->tau, g->min_keep);
    return ar_printf(a, "threshold %g, tau %g", g->thr, g->tau);
}

static void print_text(arena *a, const mdl_model *m, const ir_program *p, const layer_stats *ls)
{
    long dense = 0, gmacs = 0;
    for (int i = 0; i < m->n_ops; i++) dense += ls[i].dense_macs, gmacs += ls[i].gate_macs;
    printf("model %s: %d input%s, %d output%s, %d layer%s\n", m->name, m->n_in, diag_s(m->n_in), m->n_out,
           diag_s(m->n_out), m->n_ops, diag_s(m->n_ops));
    printf("parameters: %ld\n", m->params);
    printf("dense MACs per inference: %ld (gate MACs at most %ld more)\n", dense, gmacs);
    printf("units removed by static folding: %ld\n", p->units_removed);
    if (m->in_gate.kind == GATE_STATIC)
        printf("input: static gate keeps %d of %d features\n", p->n_feat, m->n_in);
    printf("%-16s %-9s %13s %-10s %10s %12s %10s %8s  %s\n", "layer", "kind", "shape",
           "activation", "params", "dense MACs", "gate MACs", "removed", "gate");
    for (int i = 0; i < m->n_ops; i++) {
        const layer_stats *s = &ls[i];
        const mdl_gate *g = &s->op->gate;
        char shape[32], gate[160];
        snprintf(shape, sizeof shape, "%dx%d", s->op->n_out, s->op->n_in);
        if (g->kind == GATE_NONE)
            snprintf(gate, sizeof gate, "-");
        else
            snprintf(gate, sizeof gate, "%s%s%s (%s, %s)", mdl_gate_kind_name(g->kind),
                     g->kind == GATE_LOWRANK ? " r=" : "",
                     g->kind == GATE_LOWRANK ? ar_printf(a, "%d", g->rank) : "",
                     decision(a, g), g->apply == APPLY_PRE ? "pre" : "post");
        printf("%-16s %-9s %13s %-10s %10ld %12ld %10ld %8ld  %s\n", s->op->name,
               s->op->kind == OP_LAYERNORM ? "layernorm" : s->op->is_output ? "output" : "dense",
               shape, s->op->kind == OP_DENSE ? mdl_act_name(s->op->act) : "-", s->params,
               s->dense_macs, s->gate_macs, s->removed, gate);
        if (s->note) printf("%16s note: %s\n", "", s->note);
    }
}

static void print_json(arena *a, const mdl_model *m, const ir_program *p, const layer_stats *ls)
{
    long dense = 0, gmacs = 0;
    for (int i = 0; i < m->n_ops; i++) dense += ls[i].dense_macs, gmacs += ls[i].gate_macs;
    printf("{\"model\":");
    json_str(stdout, m->name);
    printf(",\"inputs\":%d,\"input_features_kept\":%d,\"outputs\":%d,\"parameters\":%ld,"
           "\"dense_macs\":%ld,\"gate_macs\":%ld,\"units_removed\":%ld,\"layers\":[",
           m->n_in, p->n_feat, m->n_out, m->params, dense, gmacs, p->units_removed);
    for (int i = 0; i < m->n_ops; i++) {
        const layer_stats *s = &ls[i];
        const mdl_gate *g = &s->op->gate;
        printf("%s{\"name\":", i ? "," : "");
        json_str(stdout, s->op->name);
        printf(",\"kind\":\"%s\",\"inputs\":%d,\"units\":%d,\"units_after_folding\":%d,"
               "\"activation\":\"%s\",\"parameters\":%ld,\"dense_macs\":%ld,\"gate_macs\":%ld,"
               "\"gate\":",
               s->op->kind == OP_LAYERNORM ? "layernorm" : s->op->is_output ? "output" : "dense",
               s->op->n_in, s->op->n_out, s->ir->n_out,
               s->op->kind == OP_DENSE ? mdl_act_name(s->op->act) : "identity", s->params,
               s->dense_macs, s->gate_macs);
        if (g->kind == GATE_NONE) {
            printf("null");
        } else {
            printf("{\"kind\":\"%s\",\"source\":\"%s\",\"decision\":", mdl_gate_kind_name(g->kind),
                   g->kind == GATE_STATIC ? "static" : g->src == GSRC_SELF ? "self" : "input");
            json_str(stdout, decision(a, g));
            printf(",\"apply\":\"%s\",\"rank\":%d,\"row_skipping\":%s}",
                   g->apply == APPLY_PRE ? "pre" : "post", g->rank,
                   g->kind != GATE_STATIC && g->src == GSRC_INPUT ? "true" : "false");
        }
        printf(",\"note\":");
        if (s->note) json_str(stdout, s->note);
        else printf("null");
        printf("}");
    }
    printf("]}\n");
}

int cli_stats(int argc, char **argv)
{
    const char *path = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = 1;
        else if (argv[i][0] == '-' && argv[i][1]) {
            diag_fatal_msg("unknown option '%s' for dgc stats", argv[i]);
            return 2;
        } else if (path) {
            diag_fatal_msg("usage: dgc stats MODEL.dg [--json]");
            return 2;
        } else path = argv[i];
    }
    if (!path) {
        diag_fatal_msg("usage: dgc stats MODEL.dg [--json]");
        return 2;
    }
    arena a;
    ar_init(&a);
    int rc = 1;
    mdl_model *m = front_load_file(&a, path);
    if (m) {
        ir_program *p = ir_lower(&a, m);
        layer_stats *ls = ar_array(&a, (size_t)m->n_ops, sizeof *ls);
        collect(m, p, ls);
        if (json) print_json(&a, m, p, ls);
        else print_text(&a, m, p, ls);
        rc = 0;
    }
    ar_free(&a);
    return rc;
}
