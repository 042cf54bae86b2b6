/* ref_check: a shipped model, compiled by dgc, against the PyTorch outputs
 * stored when it was trained (models/ref/NAME.npz: logits, predictions,
 * mask_input and mask_LAYER of the first test images).
 *
 * Two paths are checked against PyTorch: the reference interpreter, and
 * the emitted C built with gcc (-O1) and run on the same images. Rule
 * (docs/testing.md): gate masks agree exactly except at units the
 * interpreter marks near the decision boundary, and after such a unit
 * (everything downstream may follow it); those flips are counted and at
 * most MAX_FLIPS samples may have one. Where masks agree and nothing is
 * near, the predictions must be identical and the logits within the tolerance.
 * Predictions must agree on at least 99.9% of the samples in all.
 *
 * --perturb-weight and --nudge-gate change the loaded model before the
 * comparison (one weight of the first dense layer; the first dynamic
 * gate's threshold by +0.01 or its k by -1, else the first static gate's
 * threshold just enough to close one unit): `make ref` runs them and
 * requires a failure, so the check is shown to catch such changes.
 *
 * usage: ref_check [--perturb-weight | --nudge-gate] [--tol T] MODEL.dg REF.npz IMAGES (any format data.h reads)
 * exit: 0 agree, 1 disagree, 2 bad usage or unreadable input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "data.h"
#include "emit_dir.h"
#include "front.h"
#include "interp.h"
#include "ir.h"
#include "wfile.h"

/* |got - ref| <= tol * max(1, |ref|): float32 PyTorch against double; --tol
 * sets it (small random models in test_export.py keep a tighter one). */
static double tol = 1e-3;
#define MAX_FLIPS 10 /* samples with a near-threshold flip, of 1000 */

static int fail_io(const char *what, const char *why)
{
    fprintf(stderr, "ref_check: %s: %s\n", what, why);
    return 2;
}

/* The first dynamic gate, else the first static one (the input's included). */
static mdl_gate *gate_to_nudge(mdl_model *m)
{
    for (int l = 0; l < m->n_ops; l++) {
        mdl_gate *g = &m->ops[l].gate;
        if (g->kind == GATE_LINEAR || g->kind == GATE_LOWRANK) return g;
    }
    if (m->in_gate.kind == GATE_STATIC) return &m->in_gate;
    for (int l = 0; l < m->n_ops; l++)
        if (m->ops[l].gate.kind == GATE_STATIC) return &m->ops[l].gate;
    return NULL;
}

static int perturb(arena *a, mdl_model *m, int weight, int gate)
{
    if (weight) {
        mdl_op *op = &m->ops[0];
        size_t len = (size_t)op->n_out * (size_t)op->n_in;
        float *w = ar_array(a, len, sizeof *w);
        memcpy(w, op->W, len * sizeof *w);
        w[op->n_in / 2 + 14] += 0.05f; /* row 0, a pixel near the image centre */
        op->W = w;
    }
    if (gate) {
        mdl_gate *g = gate_to_nudge(m);
        if (!g) return -1;
        if (g->decide == DECIDE_TOPK) {
            g->k -= g->k > 1 ? 1 : -1;
        } else if (g->kind == GATE_STATIC) {
            /* Static logits are fixed: move the threshold just past the
             * smallest open logit, so exactly that unit closes. */
            double zmin = INFINITY, b = mdl_gate_zthr(g);
            for (int j = 0; j < g->n; j++)
                if (g->logits[j] > b && g->logits[j] < zmin) zmin = g->logits[j];
            if (zmin == INFINITY) return -1;
            g->thr = 1 / (1 + exp(-(zmin + 1e-6) / g->tau));
        } else {
            g->thr += 0.01;
        }
    }
    return 0;
}

/* The driver writes, per input, the class, the outputs and the mask. */
static const char driver_src[] =
    "#include <stdio.h>\n#include \"m.h\"\n"
    "int main(void) {\n"
    "  static float x[M_N_INPUT], y[M_N_OUTPUT]; static int open[M_N_LAYERS];\n"
    "  static unsigned char mask[M_MASK_SIZE];\n"
    "  FILE *in = fopen(\"in.bin\", \"rb\"), *out = fopen(\"out.bin\", \"wb\");\n"
    "  if (!in || !out) return 2;\n"
    "  while (fread(x, sizeof *x, M_N_INPUT, in) == M_N_INPUT) {\n"
    "    int c = m_infer_mask(x, y, open, mask);\n"
    "    fwrite(&c, sizeof c, 1, out); fwrite(y, sizeof *y, M_N_OUTPUT, out);\n"
    "    fwrite(mask, 1, M_MASK_SIZE, out);\n"
    "  }\n"
    "  return fclose(out) ? 3 : 0;\n"
    "}\n";

/* Writes the model's C, the driver and the inputs into dir, builds and runs. */
static int build_and_run(arena *a, const mdl_model *m, const float *x, size_t count, const char *dir)
{
    char cmd[2048];
    if (ed_emit(ir_lower(a, m), dir, "m") || ed_write(dir, "in.bin", x, sizeof *x * count) ||
        ed_write(dir, "driver.c", driver_src, strlen(driver_src)))
        return -1;
    snprintf(cmd, sizeof cmd,
             "cd %s && gcc -std=c99 -Wall -Wextra -Werror -pedantic -O1 -o driver driver.c m.c -lm"
             " && ./driver", dir);
    return system(cmd) != 0 ? -1 : 0;
}

/* Emits the model's C, builds it with a driver and runs it on the images;
 * the driver writes per sample the class, the outputs and the mask. The
 * result file stays readable after its directory is removed. */
static FILE *run_compiled(arena *a, const mdl_model *m, const float *x, int n, int dim)
{
    char dir[] = "/tmp/dgc-ref-XXXXXX", path[600], cmd[600];
    if (!mkdtemp(dir)) return NULL;
    FILE *out = NULL;
    if (!build_and_run(a, m, x, (size_t)n * (size_t)dim, dir)) {
        snprintf(path, sizeof path, "%s/out.bin", dir);
        out = fopen(path, "rb");
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "ref_check: could not remove %s\n", dir);
    return out;
}

typedef struct tally {
    int bad_mask, bad_out, flipped, pred_diff, near_samples;
} tally;

/* Compares one sample's masks (ops in order, then the output) with
 * PyTorch's. got_mask: the model's mask layout (every op), or NULL to use
 * the interpreter's own masks. */
static void compare(const mdl_model *m, const interp_result *r, const wf_set *ref, int s,
                    const unsigned char *got_mask, const float *got_out, int got_cls, tally *t,
                    const char *path_name)
{
    int flip = 0, bad = 0, tainted = 0, off = 0;
    const wf_tensor *mi = wf_find(ref, "mask_input");
    if (mi) /* static: decided from the same float logits, never near */
        for (int j = 0; j < m->n_in; j++) bad |= (mi->data[(size_t)s * m->n_in + j] != 0) != r->input.open[j];
    for (int l = 0; l < m->n_ops; l++) {
        const interp_layer *L = &r->layers[l];
        char name[80];
        snprintf(name, sizeof name, "mask_%s", m->ops[l].name);
        const wf_tensor *mt = wf_find(ref, name);
        for (int j = 0; mt && j < L->n; j++) {
            int want = mt->data[(size_t)s * L->n + j] != 0;
            int got = got_mask ? got_mask[off + j] : L->open[j];
            if (got_mask && got != L->open[j] && !L->near[j] && !tainted) bad = 1;
            if (got == want) continue;
            if (tainted || L->near[j]) flip = 1;
            else bad = 1;
        }
        tainted |= L->n_near > 0;
        off += L->n;
    }
    int want_cls = (int)wf_find(ref, "predictions")->data[s];
    const float *want = wf_find(ref, "logits")->data + (size_t)s * m->n_out;
    t->near_samples += r->n_near > 0;
    t->pred_diff += got_cls != want_cls;
    if (bad) {
        if (t->bad_mask++ < 3)
            fprintf(stderr, "ref_check: %s: sample %d: masks differ from PyTorch beyond near units\n",
                    path_name, s);
        return;
    }
    if (flip || r->n_near) {
        t->flipped += flip;
        return;
    }
    int ok = got_cls == want_cls;
    for (int k = 0; k < m->n_out; k++)
        ok &= fabs((double)got_out[k] - want[k]) <= tol * fmax(1.0, fabs(want[k]));
    if (!ok && t->bad_out++ < 3)
        fprintf(stderr, "ref_check: %s: sample %d: class %d vs PyTorch %d, out[0] %.7g vs %.7g\n",
                path_name, s, got_cls, want_cls, (double)got_out[0], (double)want[0]);
}

static int verdict(const char *model, const char *path_name, const tally *t, int n)
{
    int ok = !t->bad_mask && !t->bad_out && t->flipped <= MAX_FLIPS && t->pred_diff * 1000 <= n;
    printf("%-18s %-9s %s: %d samples, %d predictions differ, %d near-threshold flips "
           "(%d samples with near units), %d mask and %d output mismatches\n",
           model, path_name, ok ? "ok  " : "FAIL", n, t->pred_diff, t->flipped, t->near_samples,
           t->bad_mask, t->bad_out);
    return ok;
}

int main(int argc, char **argv)
{
    int pw = 0, ng = 0, i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--perturb-weight")) pw = 1;
        else if (!strcmp(argv[i], "--nudge-gate")) ng = 1;
        else if (!strcmp(argv[i], "--tol") && i + 1 < argc) tol = atof(argv[++i]);
        else return fail_io(argv[i], "unknown option");
    }
    if (argc - i != 3) {
        fprintf(stderr, "usage: ref_check [--perturb-weight | --nudge-gate] [--tol T] MODEL.dg REF.npz IMAGES.gz\n");
        return 2;
    }
    arena a;
    ar_init(&a);
    diag_init(stderr);
    mdl_model *m = front_load_file(&a, argv[i]);
    if (!m) return 2;
    wf_set ref = {0};
    char err[256];
    if (wf_load(&a, argv[i + 1], &ref, err, sizeof err)) return fail_io(argv[i + 1], err);
    const wf_tensor *lg = wf_find(&ref, "logits"), *pr = wf_find(&ref, "predictions");
    if (!lg || !pr || lg->ndim != 2 || lg->shape[1] != m->n_out || (int64_t)pr->count != lg->shape[0])
        return fail_io(argv[i + 1], "needs logits [N][n_out] and predictions [N]");
    int n = (int)lg->shape[0];
    data_set ds;
    if (data_load(&a, argv[i + 2], 0, n, &ds, err, sizeof err)) return fail_io(argv[i + 2], err);
    if (ds.rows != n || ds.dim != m->n_in) return fail_io(argv[i + 2], "too few images, or not the model's size");
    int dim = ds.dim;
    const float *x = ds.x;
    if (perturb(&a, m, pw, ng)) return fail_io(argv[i], "no gate to nudge");

    interp_result *r = ar_array(&a, (size_t)n, sizeof *r);
    tally ti = {0}, tc = {0};
    for (int s = 0; s < n; s++) {
        interp_run(&a, m, x + (size_t)s * dim, &r[s]);
        float out[64];
        for (int k = 0; k < m->n_out && k < 64; k++) out[k] = (float)r[s].out[k];
        compare(m, &r[s], &ref, s, NULL, out, r[s].cls, &ti, "interp");
    }
    FILE *f = run_compiled(&a, m, x, n, dim);
    if (!f) return fail_io(argv[i], "the emitted C did not build or run");
    int n_mask = 0;
    for (int l = 0; l < m->n_ops; l++) n_mask += m->ops[l].n_out;
    unsigned char *mask = ar_array(&a, (size_t)n_mask, 1);
    float *y = ar_array(&a, (size_t)m->n_out, sizeof *y);
    for (int s = 0; s < n; s++) {
        int cls;
        if (fread(&cls, sizeof cls, 1, f) != 1 || fread(y, sizeof *y, (size_t)m->n_out, f) != (size_t)m->n_out ||
            fread(mask, 1, (size_t)n_mask, f) != (size_t)n_mask)
            return fail_io(argv[i], "short output from the compiled model");
        compare(m, &r[s], &ref, s, mask, y, cls, &tc, "compiled");
    }
    fclose(f);
    int ok = verdict(m->name, "interp", &ti, n);
    ok &= verdict(m->name, "compiled", &tc, n);
    ar_free(&a);
    return ok ? 0 : 1;
}
