/* repl_eval: the commands that run the model: eval, time, accuracy. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "agree.h"
#include "clock.h"
#include "data.h"
#include "interp.h"
#include "repl_int.h"
#include "repl_mask.h"

/* xorshift64*: deterministic inputs for scripts and tests. */
static double uniform(repl *r)
{
    r->rng ^= r->rng >> 12;
    r->rng ^= r->rng << 25;
    r->rng ^= r->rng >> 27;
    return (double)((r->rng * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

/* A random input whose preprocessed value x * scale + offset is uniform in
 * [0, 1), the range of normalised image pixels. */
static void random_input(repl *r, const mdl_model *m, float *in)
{
    for (int i = 0; i < m->n_in; i++) {
        double u = uniform(r);
        in[i] = (float)(m->scale != 0 ? (u - m->offset) / m->scale : u);
    }
}

/* "1 2 3", "1, 2, 3" or "[1, 2, 3]". */
static int parse_vector(const char *text, int n, float *in)
{
    int got = 0;
    const char *p = text;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == ',' || *p == '[' || *p == ']') p++;
        if (!*p) break;
        char *end;
        double v = strtod(p, &end);
        size_t len = strcspn(p, " \t,[]");
        if (end != p + len) {
            diag_fatal_msg("'%.*s' is not a number (value %d of the vector)", (int)len, p, got + 1);
            return -1;
        }
        if (!isfinite(v) || fabs(v) > 3.4e38) {
            diag_fatal_msg("value %d of the vector is not a finite float", got + 1);
            return -1;
        }
        if (got < n) in[got] = (float)v;
        got++;
        p = end;
    }
    if (got != n) {
        diag_fatal_msg("the model takes %d value%s; the vector has %d", n, diag_s(n), got);
        return -1;
    }
    return 0;
}

static int parse_count(const char *s, const char *what, long min, long max, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < min || v > max) {
        diag_fatal_msg("%s must be a whole number from %ld to %ld, not '%s'", what, min, max, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int name_width(const mdl_model *m)
{
    int w = 6; /* "logits", "input" */
    for (int i = 0; i < m->n_ops; i++)
        if ((int)strlen(m->ops[i].name) > w) w = (int)strlen(m->ops[i].name);
    return w;
}

static void print_sample(const repl_build *b, const ev_sample *s)
{
    const mdl_model *m = b->m;
    const int *off = jit_layer_offset(b->em.j);
    printf("class %d", s->cls);
    if (m->labels) printf(" \"%s\"", m->labels[s->cls]);
    printf("\n%s", m->ops[m->n_ops - 1].softmax ? "probabilities" : "logits");
    for (int i = 0; i < m->n_out; i++) printf(" %.4g", s->out[i]);
    printf("\n");
    int w = name_width(m);
    char pic[RM_WIDTH + 1];
    if (m->in_gate.kind != GATE_NONE) /* static: the same for every input */
        printf("  %-*s %5ld/%-5d static gate\n", w, "input", lround(s->met.in_ratio * m->n_in),
               m->n_in);
    for (int i = 0; i < m->n_ops; i++) {
        const mdl_op *op = &m->ops[i];
        printf("  %-*s %5d/%-5d", w, op->name, s->open[i], op->n_out);
        if (op->kind == OP_LAYERNORM) printf(" layernorm\n");
        else if (op->gate.kind == GATE_NONE) printf(" no gate\n");
        else {
            rm_picture(s->mask + off[i], op->n_out, RM_WIDTH, pic);
            int per = rm_per_cell(op->n_out, RM_WIDTH);
            printf(" %s", pic);
            if (per > 1) printf("  (%d units a cell)", per);
            printf("\n");
        }
    }
    printf("relMAC %.4f  relMAC+gate %.4f\n", s->met.rel_mac, s->met.rel_mac_gate);
}

/* The JIT's answer, checked against the reference interpreter: a
 * disagreement beyond section 6's rule is a dgc bug, and said so. */
static int eval_one(repl *r, const float *in)
{
    repl_build *b = r->b;
    arena a;
    ar_init(&a);
    ev_sample s;
    ev_one(&a, &b->em, in, &s);
    interp_result ref;
    interp_run(&a, b->m, in, &ref);
    char why[256];
    agree_verdict v = agree_check(b->m, &ref, s.out, s.cls, s.open, s.mask, why, sizeof why);
    print_sample(b, &s);
    metrics_acc_add(&b->acc, &s.met);
    if (!b->macs) {
        b->macs = ar_array(&b->a, (size_t)b->m->n_ops, sizeof *b->macs);
        memcpy(b->macs, s.met.layers, (size_t)b->m->n_ops * sizeof *b->macs);
        for (int i = 0; i < b->m->n_ops; i++) b->macs[i].exec_macs = 0;
    }
    for (int i = 0; i < b->m->n_ops; i++) b->macs[i].exec_macs += s.met.layers[i].exec_macs;
    b->evals++;
    r->last_in = ar_array(&b->a, (size_t)b->m->n_in, sizeof *r->last_in);
    memcpy(r->last_in, in, (size_t)b->m->n_in * sizeof *in);
    ar_free(&a);
    if (v == AGREE_FLIP)
        printf("note: a unit within %g of its threshold decided differently in the JIT and "
               "the reference interpreter (summation order)\n", INTERP_NEAR_REL);
    if (v == AGREE_BAD) {
        diag_fatal_msg("internal error: the JIT and the reference interpreter disagree: %s", why);
        return -1;
    }
    return 0;
}

int rc_eval(repl *r, int argc, char **argv, const char *rest)
{
    if (!rb_need_model(r)) return -1;
    const mdl_model *m = r->b->m;
    if (argc < 2) {
        diag_fatal_msg("usage: eval VALUES | eval FILE [ROW] | eval random [SEED]");
        return -1;
    }
    arena a;
    ar_init(&a);
    float *in = ar_array(&a, (size_t)m->n_in, sizeof *in);
    int rc = -1;
    const char *w = argv[1];
    if (strchr("0123456789+-.[", w[0]) && strcmp(w, "-")) {
        if (parse_vector(rest, m->n_in, in)) goto done;
    } else if (!strcmp(w, "random")) {
        long seed;
        if (argc > 3) {
            diag_fatal_msg("usage: eval random [SEED]");
            goto done;
        }
        if (argc == 3) {
            if (parse_count(argv[2], "the seed", 0, 0x7fffffffL, &seed)) goto done;
            r->rng = 0x9e3779b97f4a7c15ULL ^ ((unsigned long long)seed * 0xbf58476d1ce4e5b9ULL);
            if (!r->rng) r->rng = 1;
        }
        random_input(r, m, in);
    } else {
        long row = 0;
        if (argc > 3) {
            diag_fatal_msg("usage: eval FILE [ROW]");
            goto done;
        }
        if (argc == 3 && parse_count(argv[2], "the row", 0, 0x7fffffffL, &row)) goto done;
        data_set ds;
        char err[256];
        if (data_load(&a, w, row, 1, &ds, err, sizeof err)) {
            diag_error(diag_noloc(w), "%s", err);
            goto done;
        }
        if (ds.rows < 1) {
            diag_fatal_msg("%s has no row %ld (it has %ld)", w, row, ds.total);
            goto done;
        }
        if (ds.dim != m->n_in) {
            diag_fatal_msg("%s has rows of %d value%s; the model takes %d", w, ds.dim, diag_s(ds.dim), m->n_in);
            goto done;
        }
        memcpy(in, ds.x, (size_t)m->n_in * sizeof *in);
    }
    rc = eval_one(r, in);
done:
    ar_free(&a);
    return rc;
}

int rc_time(repl *r, int argc, char **argv, const char *rest)
{
    (void)rest;
    if (!rb_need_model(r)) return -1;
    long n = 1000;
    if (argc > 2) {
        diag_fatal_msg("usage: time [N]");
        return -1;
    }
    if (argc == 2 && parse_count(argv[1], "N", 1, 100000000L, &n)) return -1;
    const mdl_model *m = r->b->m;
    arena a;
    ar_init(&a);
    float *in = ar_array(&a, (size_t)m->n_in, sizeof *in);
    float *out = ar_array(&a, (size_t)m->n_out, sizeof *out);
    if (r->last_in) memcpy(in, r->last_in, (size_t)m->n_in * sizeof *in);
    else random_input(r, m, in);
    double t0 = clk_ms();
    volatile int sink = 0;
    long done = 0;
    for (; done < n && !repl_interrupted; done++) sink += jit_infer(r->b->em.j, in, out, NULL, NULL);
    double jit = (clk_ms() - t0) / (double)(done ? done : 1);
    /* The interpreter allocates per run: a fresh arena each time, as eval does. */
    long ni = n < 100 ? n : 100, idone = 0;
    t0 = clk_ms();
    for (; idone < ni && !repl_interrupted; idone++) {
        arena ia;
        ar_init(&ia);
        interp_result res;
        interp_run(&ia, m, in, &res);
        sink += res.cls;
        ar_free(&ia);
    }
    double itp = (clk_ms() - t0) / (double)(idone ? idone : 1);
    printf("%s input, %ld evals: JIT %.3f us per eval; interpreter %.3f us per eval (%ld runs)\n",
           r->last_in ? "last" : "random", done, jit * 1e3, itp * 1e3, idone);
    ar_free(&a);
    if (repl_interrupted) printf("interrupted\n");
    return 0;
}

typedef struct progress {
    int on;
    long done, total;
    int shown;
} progress;

/* A bar on standard error, redrawn only when it moves (terminals only). */
static void draw(progress *p)
{
    if (!p->on || p->total <= 0) return;
    int cells = (int)(40 * p->done / p->total);
    if (cells == p->shown && p->done != p->total) return;
    p->shown = cells;
    fprintf(stderr, "\r[%.*s%*s] %ld/%ld", cells, "########################################",
            40 - cells, "", p->done, p->total);
    if (p->done == p->total) fprintf(stderr, "\r%*s\r", 60, "");
    fflush(stderr);
}

/* ev_run's progress: the bar, and Ctrl-C stops the run. */
static int step(void *ctx, long done, long total)
{
    progress *p = ctx;
    p->done = done;
    p->total = total;
    draw(p);
    return repl_interrupted != 0;
}

int rc_accuracy(repl *r, int argc, char **argv, const char *rest)
{
    (void)rest;
    if (!rb_need_model(r)) return -1;
    if (argc < 2 || argc > 4) {
        diag_fatal_msg("usage: accuracy FILE [LABELS] [N]");
        return -1;
    }
    const char *file = argv[1], *labels = NULL;
    long limit = -1;
    /* A last word that is a number is N; otherwise it names the labels. */
    const char *last = argv[argc - 1];
    int n_given = argc > 2 && strspn(last, "0123456789") == strlen(last);
    if (n_given && parse_count(last, "N", 0, 0x7fffffffL, &limit)) return -1;
    if (argc == 4 && !n_given) {
        diag_fatal_msg("usage: accuracy FILE [LABELS] [N] (N is a number, not '%s')", last);
        return -1;
    }
    if (argc - n_given == 3) labels = argv[2];
    const mdl_model *m = r->b->m;
    arena a;
    ar_init(&a);
    int rc = -1;
    data_set ds;
    char err[256];
    if (data_load(&a, file, 0, limit, &ds, err, sizeof err)) {
        diag_error(diag_noloc(file), "%s", err);
        goto done;
    }
    if (labels && data_load_labels(&a, labels, &ds, err, sizeof err)) {
        diag_error(diag_noloc(labels), "%s", err);
        goto done;
    }
    if (!ds.labels) {
        diag_fatal_msg("%s has no labels: give a LABELS file", file);
        goto done;
    }
    progress pg = {r->tty && isatty(2), 0, ds.rows, -1};
    ev_result res;
    if (ev_run(&a, &r->b->em, &ds, step, &pg, &res, err, sizeof err)) {
        diag_fatal_msg("%s", err);
        goto done;
    }
    long done_rows = res.samples;
    if (done_rows < ds.rows) {
        if (pg.on) fputc('\n', stderr);
        printf("interrupted after %ld of %ld rows\n", done_rows, ds.rows);
    }
    if (!done_rows) {
        diag_fatal_msg("%s has no rows", file);
        goto done;
    }
    double d = (double)done_rows;
    printf("accuracy %.2f%% (%ld of %ld)\n", 100.0 * (double)res.correct / d, res.correct, done_rows);
    int w = name_width(m);
    r->b->acc_file = ar_strdup(&r->b->a, file);
    r->b->acc_ratio = ar_array(&r->b->a, (size_t)m->n_ops, sizeof *r->b->acc_ratio);
    for (int i = 0; i < m->n_ops; i++) {
        r->b->acc_ratio[i] = res.acc.act_ratio[i];
        printf("  %-*s activation ratio %.4f\n", w, m->ops[i].name, res.acc.act_ratio[i]);
    }
    printf("relMAC %.4f  relMAC+gate %.4f\n", res.acc.rel_mac, res.acc.rel_mac_gate);
    rc = 0;
done:
    ar_free(&a);
    return rc;
}
