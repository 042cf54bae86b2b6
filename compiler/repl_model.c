/* repl_model: the commands that change or describe the model: load,
 * reload, set, show, emit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "emit.h"
#include "outfile.h"
#include "repl_int.h"
#include "suggest.h"

int rc_load(repl *r, int argc, char **argv, const char *rest)
{
    (void)rest;
    if (argc != 2) {
        diag_fatal_msg("usage: load FILE");
        return -1;
    }
    return rb_load_file(r, argv[1]);
}

int rc_reload(repl *r, int argc, char **argv, const char *rest)
{
    (void)argv, (void)rest;
    if (argc != 1) {
        diag_fatal_msg("usage: reload (it takes no arguments)");
        return -1;
    }
    if (!r->path) {
        diag_fatal_msg("nothing to reload: no model file was loaded");
        return -1;
    }
    /* rb_load_file replaces r->path's arena: keep a copy. */
    char path[4096];
    snprintf(path, sizeof path, "%s", r->path);
    return rb_load_file(r, path);
}

static const char *const set_names[] = {"threshold", "temperature", "k"};

/* Validates as the checker does for the same statement in a .dg file. */
static int parse_setting(const mdl_op *op, const char *what, const char *val, repl_setting *s)
{
    const mdl_gate *g = &op->gate;
    int w = -1;
    for (int i = 0; i < 3; i++)
        if (!strcmp(what, set_names[i])) w = i;
    if (w < 0) {
        const char *near = sg_closest(what, set_names, 3);
        diag_fatal_msg("unknown setting '%s'%s%s%s (threshold, temperature or k)", what,
                       near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
        return -1;
    }
    if (g->kind == GATE_NONE) {
        diag_fatal_msg("layer '%s' has no gate", op->name);
        return -1;
    }
    char *end;
    double v = strtod(val, &end);
    if (!*val || *end || !isfinite(v)) {
        diag_fatal_msg("%s must be a number, not '%s'", what, val);
        return -1;
    }
    s->layer = op->name;
    s->what = (rs_what)w;
    s->v = v;
    s->frac = 0;
    if (w == RS_THRESHOLD && !(v > 0 && v < 1)) {
        diag_fatal_msg("threshold must be in (0, 1), not %s", val);
        return -1;
    }
    if (w == RS_TEMPERATURE) {
        if (!(v > 0 && v < 1e30)) {
            diag_fatal_msg("temperature must be > 0, not %s", val);
            return -1;
        }
        if (g->decide == DECIDE_TOPK) {
            diag_fatal_msg("layer '%s' decides by top-k, where temperature has no effect "
                           "(set a threshold first)", op->name);
            return -1;
        }
    }
    if (w == RS_K) {
        s->frac = strpbrk(val, ".eE") != NULL; /* as `topk` in the language */
        if (s->frac && !(v > 0 && v <= 1)) {
            diag_fatal_msg("a k fraction must be in (0, 1], not %s", val);
            return -1;
        }
        if (!s->frac && !(v >= 1 && v <= g->n)) {
            diag_fatal_msg("k must be from 1 to %d (the layer's units), not %s", g->n, val);
            return -1;
        }
    }
    return 0;
}

int rc_set(repl *r, int argc, char **argv, const char *rest)
{
    (void)rest;
    if (argc != 4) {
        diag_fatal_msg("usage: set LAYER threshold|temperature|k VALUE");
        return -1;
    }
    const mdl_op *op = rb_find_layer(r, argv[1]);
    repl_setting s;
    if (!op || parse_setting(op, argv[2], argv[3], &s)) return -1;
    s.layer = ar_strdup(&r->src_a, op->name);
    /* A new list: the old one comes back if the rebuild fails. A threshold
     * and a k replace each other (one decision per gate). */
    repl_setting *old = r->set;
    int old_n = r->n_set, n = 0;
    repl_setting *nv = ar_array(&r->src_a, (size_t)old_n + 1, sizeof *nv);
    for (int i = 0; i < old_n; i++) {
        const repl_setting *o = &old[i];
        int same = !strcmp(o->layer, s.layer) &&
                   (o->what == s.what || (o->what != RS_TEMPERATURE && s.what != RS_TEMPERATURE));
        if (!same) nv[n++] = *o;
    }
    nv[n++] = s;
    r->set = nv;
    r->n_set = n;
    if (rb_rebuild(r, "rebuilt")) {
        r->set = old;
        r->n_set = old_n;
        fprintf(stderr, "dgc: note: the setting was not applied\n");
        return -1;
    }
    return 0;
}

static void show_gate(const mdl_gate *g)
{
    printf("  gate: %s", mdl_gate_kind_name(g->kind));
    if (g->kind == GATE_LOWRANK) printf(" rank %d", g->rank);
    if (mdl_gate_dynamic(g->kind))
        printf(" from %s%s", g->src == GSRC_SELF ? "self" : "input", g->has_norm ? ", norm" : "");
    if (g->decide == DECIDE_TOPK)
        printf(", top-%d of %d", g->k, g->n);
    else
        printf(", threshold %g (open iff z > %.6g), temperature %g", g->thr, mdl_gate_zthr(g),
               g->tau);
    if (g->min_keep) printf(", min_keep %d", g->min_keep);
    printf(", apply %s\n", g->apply == APPLY_PRE ? "pre" : "post");
    if (g->kind == GATE_STATIC)
        printf("  decided at compile time: closed units are deleted\n");
    else if (g->src == GSRC_SELF)
        printf("  every row is computed; closed units skip the next layer's columns\n");
    else
        printf("  the gate runs first: a closed unit's row is skipped\n");
}

static int show_layer(repl *r, const char *name)
{
    const mdl_op *op = rb_find_layer(r, name);
    if (!op) return -1;
    const repl_build *b = r->b;
    int i = (int)(op - b->m->ops);
    const ir_layer *L = &b->em.p->layers[i];
    if (op->kind == OP_LAYERNORM) {
        printf("layer %s: layernorm over %d, eps %g%s\n", op->name, op->n_out, op->norm.eps,
               op->norm.weight ? ", affine" : "");
        return 0;
    }
    printf("%s %s: dense %d <- %d, %s%s\n", op->is_output ? "output" : "layer", op->name,
           op->n_out, op->n_in, mdl_act_name(op->act), op->softmax ? ", softmax" : "");
    if (op->gate.kind == GATE_NONE) printf("  no gate\n");
    else show_gate(&op->gate);
    if (L->n_out != op->n_out) printf("  units after static folding: %d\n", L->n_out);
    if (b->evals) {
        const metrics_layer *ml = &b->macs[i];
        printf("  evals: %ld, mean activation ratio %.4f\n", b->evals,
               b->acc.act_ratio[i] / (double)b->acc.n_samples);
        printf("  MACs per input: %.1f executed (mean) of %lld dense, gate %lld\n",
               (double)ml->exec_macs / (double)b->evals, ml->dense_macs, ml->gate_macs);
    } else {
        printf("  evals: none yet\n");
    }
    if (b->acc_ratio)
        printf("  accuracy run on %s: activation ratio %.4f\n", b->acc_file, b->acc_ratio[i]);
    return 0;
}

int rc_show(repl *r, int argc, char **argv, const char *rest)
{
    (void)rest;
    if (!rb_need_model(r)) return -1;
    if (argc > 2) {
        diag_fatal_msg("usage: show [LAYER]");
        return -1;
    }
    if (argc == 2) return show_layer(r, argv[1]);
    const mdl_model *m = r->b->m;
    printf("model %s: %d input%s, %d output%s, %ld parameter%s%s%s\n", m->name, m->n_in, diag_s(m->n_in),
           m->n_out, diag_s(m->n_out), m->params, diag_s(m->params), r->path && !r->edited ? ", from " : "",
           r->path && !r->edited ? r->path : "");
    if (m->in_gate.kind != GATE_NONE)
        printf("  input: a static gate keeps %d of %d features\n", r->b->em.p->n_feat, m->n_in);
    for (int i = 0; i < m->n_ops; i++) {
        const mdl_op *op = &m->ops[i];
        const mdl_gate *g = &op->gate;
        printf("  %-16s %-9s %6d", op->name,
               op->kind == OP_LAYERNORM ? "layernorm" : op->is_output ? "output" : "dense",
               op->n_out);
        if (g->kind != GATE_NONE) {
            printf("  gate %s", mdl_gate_kind_name(g->kind));
            if (g->decide == DECIDE_TOPK) printf(" top-%d", g->k);
            else printf(" threshold %g", g->thr);
        }
        printf("\n");
    }
    for (int i = 0; i < r->n_set; i++)
        printf("  set %s %s %g\n", r->set[i].layer, set_names[r->set[i].what], r->set[i].v);
    return 0;
}

int rc_emit(repl *r, int argc, char **argv, const char *rest)
{
    (void)rest;
    if (!rb_need_model(r)) return -1;
    if (argc != 2 || !strcmp(argv[1], "-")) {
        diag_fatal_msg("usage: emit FILE");
        return -1;
    }
    emit_opts eo = {0};
    eo.prefix = r->b->m->name;
    /* The JIT's program is laid out for tcc; emit writes what `dgc -o`
     * writes: the model lowered afresh for the default target. */
    arena a;
    ar_init(&a);
    const ir_program *p = ir_lower(&a, r->b->m);
    outfile of;
    int bad = of_open(&of, argv[1]);
    if (!bad && emit_c(p, &eo, of.fp, of.fp)) {
        of_abort(&of);
        bad = 1;
    }
    ar_free(&a);
    if (bad || of_commit(&of)) return -1;
    printf("wrote %s\n", argv[1]);
    return 0;
}
