/* evaluate: see evaluate.h. */
#include "evaluate.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "clock.h"
#include "front.h"

static long gate_floats(const ir_gate *g)
{
    long n = 0;
    if (g->kind == GATE_NONE) return 0;
    if (g->G) n += (long)g->n * g->n_src;
    if (g->A) n += (long)g->rank * g->n_src;
    if (g->a_bias) n += g->rank;
    if (g->B) n += (long)g->n * g->rank;
    if (g->c) n += g->n;
    if (g->has_norm) n += (g->norm.weight ? g->n_src : 0) + (g->norm.bias ? g->n_src : 0);
    return n;
}

/* What the generated C stores, after static gates removed units. */
static long weight_floats(const ir_program *p)
{
    long n = (p->mean ? p->n_feat : 0) + (p->std ? p->n_feat : 0);
    for (int i = 0; i < p->n_layers; i++) {
        const ir_layer *l = &p->layers[i];
        if (l->kind == OP_LAYERNORM) {
            n += (l->norm.weight ? l->n_out : 0) + (l->norm.bias ? l->n_out : 0);
            continue;
        }
        n += (long)l->n_out * l->n_in + (l->b ? l->n_out : 0) + gate_floats(&l->gate);
        if (l->const_val) n += l->n_out;
    }
    return n;
}

int ev_compile(arena *a, const mdl_model *m, ev_model *out)
{
    memset(out, 0, sizeof *out);
    out->m = m;
    out->p = ir_lower_for(a, m, ir_target_find("tcc"), NULL, 0);
    out->params = m->params;
    out->weight_bytes = 4 * weight_floats(out->p);
    out->j = jit_compile(out->p, &out->compile_ms);
    return out->j ? 0 : -1;
}

int ev_load(arena *a, const char *path, ev_model *out)
{
    memset(out, 0, sizeof *out);
    mdl_model *m = front_load_file(a, path);
    return m ? ev_compile(a, m, out) : -1;
}

void ev_release(ev_model *em)
{
    jit_free(em->j);
    em->j = NULL;
}

/* Features the static input gate leaves open: kept and not held at 0. */
static int features_open(const ir_program *p)
{
    int n = p->n_feat;
    if (p->feat_const)
        for (int f = 0; f < p->n_feat; f++) n -= p->feat_const[f];
    return n;
}

/* metrics_compute reads only the sizes and open counts of an interpreter
 * result; the JIT's counts go in the same shape so metrics.c stays the one
 * definition of relMAC. The shape's sizes and open features are the same
 * for every input: set once here. */
static interp_result *shell(arena *a, const ev_model *em)
{
    const mdl_model *m = em->m;
    interp_result *r = ar_alloc(a, sizeof *r);
    r->n_layers = m->n_ops;
    r->layers = ar_array(a, (size_t)(m->n_ops > 0 ? m->n_ops : 1), sizeof *r->layers);
    r->input.n = m->n_in;
    r->input.n_open = features_open(em->p);
    for (int l = 0; l < m->n_ops; l++) r->layers[l].n = m->ops[l].n_out;
    return r;
}

/* One input's metrics: its open counts into the shape, then metrics.c. */
static void metrics_from_open(arena *a, const ev_model *em, const int *open, interp_result *r,
                              metrics *out)
{
    for (int l = 0; l < em->m->n_ops; l++) r->layers[l].n_open = open[l];
    metrics_compute(a, em->m, r, out);
}

void ev_one(arena *a, const ev_model *em, const float *in, ev_sample *s)
{
    const mdl_model *m = em->m;
    s->out = ar_array(a, (size_t)m->n_out, sizeof *s->out);
    s->open = ar_array(a, (size_t)m->n_ops, sizeof *s->open);
    s->mask = ar_alloc(a, (size_t)(jit_mask_size(em->j) > 0 ? jit_mask_size(em->j) : 1));
    s->cls = jit_infer(em->j, in, s->out, s->open, s->mask);
    metrics_from_open(a, em, s->open, shell(a, em), &s->met);
}

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

int ev_check_data(const ev_model *em, const data_set *ds, char *err, size_t errlen)
{
    const mdl_model *m = em->m;
    if (ds->dim != m->n_in)
        return fail(err, errlen, "rows have %d value%s; model '%s' takes %d input%s", ds->dim, diag_s(ds->dim),
                    m->name, m->n_in, diag_s(m->n_in));
    for (long i = 0; ds->labels && i < ds->rows; i++)
        if (ds->labels[i] >= m->n_out)
            return fail(err, errlen, "label of row %ld is %d; model '%s' has %d classes",
                        ds->first + i, ds->labels[i], m->name, m->n_out) - 1;
    return 0;
}

int ev_run(arena *a, const ev_model *em, const data_set *ds, ev_progress_fn progress, void *ctx,
           ev_result *r, char *err, size_t errlen)
{
    const mdl_model *m = em->m;
    int nc = m->n_out;
    memset(r, 0, sizeof *r);
    if (ev_check_data(em, ds, err, errlen)) return -1;
    r->n_classes = nc;
    r->labelled = ds->labels != NULL;
    r->per_class = ar_array(a, (size_t)nc, sizeof *r->per_class);
    r->class_count = ar_array(a, (size_t)nc, sizeof *r->class_count);
    r->confusion = ar_array(a, (size_t)nc * (size_t)nc, sizeof *r->confusion);
    metrics_acc_init(a, &r->acc, m);
    /* Scratch reused for every row: the metrics' layers come from a
     * sub-arena emptied per row, so memory stays flat over big sets. */
    float *out = ar_array(a, (size_t)nc, sizeof *out);
    int *open = ar_array(a, (size_t)(m->n_ops > 0 ? m->n_ops : 1), sizeof *open);
    interp_result *shape = shell(a, em);
    arena row;
    ar_init(&row);
    double t0 = clk_ms();
    for (long i = 0; i < ds->rows; i++) {
        int cls = jit_infer(em->j, ds->x + (size_t)i * (size_t)ds->dim, out, open, NULL);
        metrics met;
        metrics_from_open(&row, em, open, shape, &met);
        metrics_acc_add(&r->acc, &met);
        if (i % 1024 == 1023) {
            ar_free(&row);
            ar_init(&row);
        }
        if (r->labelled) {
            int t = ds->labels[i];
            r->class_count[t]++;
            r->confusion[(size_t)t * (size_t)nc + (size_t)cls]++;
            r->correct += cls == t;
        }
        r->samples++;
        if (progress && i % 256 == 255 && progress(ctx, i + 1, ds->rows)) break;
    }
    r->ms = clk_ms() - t0;
    ar_free(&row);
    if (progress && r->samples == ds->rows) progress(ctx, ds->rows, ds->rows);
    metrics_acc_finish(&r->acc);
    if (r->labelled && r->samples) {
        r->accuracy = (double)r->correct / (double)r->samples;
        for (int c = 0; c < nc; c++)
            if (r->class_count[c])
                r->per_class[c] = (double)r->confusion[(size_t)c * (size_t)nc + (size_t)c] /
                                  (double)r->class_count[c];
    }
    return 0;
}

int ev_confused(const ev_result *r, ev_pair *pairs, int max)
{
    int n = 0, nc = r->n_classes;
    for (int t = 0; t < nc; t++)
        for (int p = 0; p < nc; p++) {
            long c = r->confusion[(size_t)t * (size_t)nc + (size_t)p];
            if (t == p || c == 0) continue;
            /* insertion into the sorted top list; scan order settles ties */
            int k = n < max ? n++ : max;
            while (k > 0 && pairs[k - 1].count < c) {
                if (k < max) pairs[k] = pairs[k - 1];
                k--;
            }
            if (k < max) {
                pairs[k].truth = t;
                pairs[k].pred = p;
                pairs[k].count = c;
            }
        }
    return n;
}
