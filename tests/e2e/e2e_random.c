/* e2e_random: random small models of every gate kind, activation and
 * option are written as .dg text, compiled by dgc's pipeline to C, built
 * with gcc, run, and compared with the reference interpreter by the rule of
 * docs/testing.md: gate masks must agree exactly except at units the
 * interpreter marks near the decision boundary (those flips are counted and
 * bounded); where masks agree, outputs must agree within tolerance.
 *
 * Every model is also lowered a second way (lower_variant: row-wise with
 * lanes and scalar (the Cortex-M presets), odd, one-unit and blocked
 * tiles, calibrated and random unit permutations) as v<i>.
 *
 * usage: e2e_random [MODELS [SAMPLES [SEED]]] (run from the repository root);
 * E2E_OPT: gcc's optimisation flags for the generated C (default -O1). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "agree.h"
#include "calib.h"
#include "emit_dir.h"
#include "front.h"
#include "interp.h"
#include "ir.h"
#include "jit.h"

#define TOL 2e-4 /* |got - ref| <= TOL * max(1, |ref|) */

static uint64_t rng_state;
static uint32_t rnd(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}
static int rint_(int lo, int hi) { return lo + (int)(rnd() % (uint32_t)(hi - lo + 1)); }
static float runi(float lo, float hi) { return lo + (hi - lo) * (float)(rnd() >> 7) / 16777216.0f; }
static int chance(int pct) { return rint_(1, 100) <= pct; }

static void put_vec(FILE *f, int n, float lo, float hi)
{
    fputc('[', f);
    for (int i = 0; i < n; i++) fprintf(f, "%s%a", i ? ", " : "", (double)runi(lo, hi));
    fputc(']', f);
}
static void put_mat(FILE *f, int r, int c, float scale)
{
    fputc('[', f);
    for (int i = 0; i < r; i++) {
        if (i) fputs(", ", f);
        put_vec(f, c, -scale, scale);
    }
    fputc(']', f);
}

static const char *const acts[] = {"identity", "relu", "gelu", "gelu_tanh", "sigmoid", "tanh"};

/* Which features a model used, so the summary can show every one was hit. */
enum { F_STATIC, F_LINEAR, F_LOWRANK, F_SELF, F_NORM, F_TOPK, F_MINKEEP, F_PRE, F_LN,
       F_INGATE, F_SOFTMAX, F_MEANSTD, F_WIDE, F_COUNT };
static const char *const fnames[] = {"static", "linear", "lowrank", "self", "gate-norm", "topk",
                                     "min_keep", "pre", "layernorm", "input-gate", "softmax",
                                     "mean/std", "a linear gate over 16 units, scalar"};
static int used[F_COUNT], act_used[6];

static void put_gate(FILE *f, int n, int n_in)
{
    int kind = rint_(0, 2);
    const char *kn[] = {"static", "linear", "lowrank"};
    int rank = rint_(1, 4);
    if (kind == 2) fprintf(f, "    gate lowrank %d {\n", rank);
    else fprintf(f, "    gate %s {\n", kn[kind]);
    used[kind == 0 ? F_STATIC : kind == 1 ? F_LINEAR : F_LOWRANK] = 1;
    int src = n_in;
    if (kind == 0) {
        fputs("        logits ", f);
        put_vec(f, n, -2, 2);
        fputs(";\n", f);
    } else {
        if (chance(35)) {
            fputs("        from self;\n", f);
            src = n;
            used[F_SELF] = 1;
        }
        if (chance(30)) {
            used[F_NORM] = 1;
            fputs("        norm { eps 1e-5;", f);
            if (chance(50)) {
                fputs(" weight ", f);
                put_vec(f, src, 0.5f, 1.5f);
                fputs("; bias ", f);
                put_vec(f, src, -0.5f, 0.5f);
                fputs(";", f);
            }
            fputs(" }\n", f);
        }
        if (kind == 1) {
            fputs("        weight ", f);
            put_mat(f, n, src, 1);
            fputs(";\n", f);
        } else {
            fputs("        a ", f);
            put_mat(f, rank, src, 1);
            fputs(";\n        b ", f);
            put_mat(f, n, rank, 1);
            fputs(";\n", f);
            if (chance(50)) {
                fputs("        a_bias ", f);
                put_vec(f, rank, -0.5f, 0.5f);
                fputs(";\n", f);
            }
            int ha = rint_(0, 5);
            act_used[ha] = 1;
            fprintf(f, "        activation %s;\n", acts[ha]);
        }
        if (chance(70)) {
            fputs("        bias ", f);
            put_vec(f, n, -1, 1);
            fputs(";\n", f);
        }
    }
    int d = rint_(0, 9);
    if (d < 3) {
        used[F_TOPK] = 1;
        if (chance(50)) fprintf(f, "        topk %d;\n", rint_(1, n));
        else fprintf(f, "        topk %g;\n", (double)runi(0.05f, 1.0f));
    } else {
        fprintf(f, "        threshold %g;\n", (double)runi(0.2f, 0.8f));
        if (chance(50)) fprintf(f, "        temperature %g;\n", (double)runi(0.3f, 3.0f));
        if (chance(30)) {
            used[F_MINKEEP] = 1;
            fprintf(f, "        min_keep %d;\n", rint_(1, n));
        }
    }
    if (chance(35)) {
        used[F_PRE] = 1;
        fputs("        apply pre;\n", f);
    }
    fputs("    }\n", f);
}

/* One random model as .dg text. */
static char *gen_model(int id, int *n_in_out)
{
    char *text;
    size_t len;
    FILE *f = open_memstream(&text, &len);
    int n_in = rint_(1, 10);
    *n_in_out = n_in;
    fprintf(f, "model m%d;\ninput %d", id, n_in);
    int scale = chance(40), ms = chance(40), ig = chance(25);
    if (scale || ms || ig) {
        fputs(" {\n", f);
        if (scale) fprintf(f, "    scale %a;\n    offset %g;\n", (double)runi(0.1f, 2), (double)runi(-1, 1));
        if (ms) {
            used[F_MEANSTD] = 1;
            fputs("    mean ", f);
            put_vec(f, n_in, -0.5f, 0.5f);
            fputs(";\n    std ", f);
            put_vec(f, n_in, 0.5f, 2);
            fputs(";\n", f);
        }
        if (ig) {
            used[F_INGATE] = 1;
            fputs("    gate static { logits ", f);
            put_vec(f, n_in, -1, 2);
            fputs("; }\n", f);
        }
        fputs("}\n", f);
    } else {
        fputs(";\n", f);
    }
    int width = n_in, layers = rint_(0, 4);
    for (int l = 0; l < layers; l++) {
        if (chance(20)) {
            used[F_LN] = 1;
            fprintf(f, "layer ln%d layernorm { eps 1e-5;", l);
            if (chance(50)) {
                fputs(" weight ", f);
                put_vec(f, width, 0.5f, 1.5f);
                fputs("; bias ", f);
                put_vec(f, width, -0.5f, 0.5f);
                fputs(";", f);
            }
            fputs(" }\n", f);
            continue;
        }
        /* Now and then wider than 16 units: one lane computes such a
         * linear gate row-major (emit_gate.c). */
        int n = chance(15) ? rint_(17, 24) : rint_(1, 12);
        int act = rint_(0, 5);
        act_used[act] = 1;
        fprintf(f, "layer fc%d dense %d {\n    weight ", l, n);
        put_mat(f, n, width, 1.2f);
        fputs(";\n", f);
        if (chance(70)) {
            fputs("    bias ", f);
            put_vec(f, n, -0.5f, 0.5f);
            fputs(";\n", f);
        }
        fprintf(f, "    activation %s;\n", acts[act]);
        if (chance(80)) put_gate(f, n, width);
        fputs("}\n", f);
        width = n;
    }
    int n_out = rint_(1, 6);
    fprintf(f, "output logits dense %d {\n    weight ", n_out);
    put_mat(f, n_out, width, 1);
    fputs(";\n    bias ", f);
    put_vec(f, n_out, -0.5f, 0.5f);
    fputs(";\n", f);
    if (chance(30)) {
        used[F_SOFTMAX] = 1;
        fputs("    softmax;\n", f);
    }
    fputs("}\n", f);
    fclose(f);
    return text;
}

typedef struct model_run {
    arena a;
    mdl_model *m;
    char *text;
    int n_in;
    float *inputs;          /* [samples][n_in] */
    interp_result *ref;     /* [samples] */
} model_run;

static int run(const char *cmd)
{
    int rc = system(cmd);
    if (rc != 0) fprintf(stderr, "e2e: command failed (%d): %s\n", rc, cmd);
    return rc;
}

/* The driver runs every model over its inputs and writes, per sample,
 * the outputs, the class and the open units of each layer. */
static void write_driver(const char *dir, int n_models)
{
    char path[512];
    snprintf(path, sizeof path, "%s/driver.c", dir);
    FILE *f = fopen(path, "w");
    fputs("#include <stdio.h>\n#include <stdlib.h>\n", f);
    for (int i = 0; i < n_models; i++) fprintf(f, "#include \"m%d.h\"\n#include \"v%d.h\"\n", i, i);
    fputs("typedef int (*fn)(const float *, float *, int *, unsigned char *);\n"
          "static const struct { fn f; int n_in, n_out, n_layers, n_mask; } T[] = {\n", f);
    for (int i = 0; i < n_models; i++)
        for (int v = 0; v < 2; v++)
            fprintf(f, "  {%c%d_infer_mask, %c%d_N_INPUT, %c%d_N_OUTPUT, %c%d_N_LAYERS, %c%d_MASK_SIZE},\n",
                    "mv"[v], i, "MV"[v], i, "MV"[v], i, "MV"[v], i, "MV"[v], i);
    fputs("};\n"
          "int main(int argc, char **argv) {\n"
          "  if (argc != 4) return 1;\n"
          "  int samples = atoi(argv[1]);\n"
          "  FILE *in = fopen(argv[2], \"rb\"), *out = fopen(argv[3], \"wb\");\n"
          "  if (!in || !out) return 2;\n"
          "  for (unsigned i = 0; i < sizeof T / sizeof *T; i++)\n"
          "    for (int s = 0; s < samples; s++) {\n"
          "      float x[64], y[64]; int open[64]; unsigned char mask[1024];\n"
          "      if (fread(x, sizeof *x, (size_t)T[i].n_in, in) != (size_t)T[i].n_in) return 3;\n"
          "      int c = T[i].f(x, y, open, mask);\n"
          "      fwrite(y, sizeof *y, (size_t)T[i].n_out, out);\n"
          "      fwrite(&c, sizeof c, 1, out);\n"
          "      fwrite(open, sizeof *open, (size_t)T[i].n_layers, out);\n"
          "      fwrite(mask, 1, (size_t)T[i].n_mask, out);\n"
          "    }\n"
          "  return fclose(out) ? 4 : 0;\n"
          "}\n", f);
    fclose(f);
}

/* The second lowering of model i, chosen by i: the layouts, tile widths
 * (tails, one-unit tiles, the widest), calibrated permutation and layout
 * choice (masks from its own inputs), and random permutations. */
static ir_program *lower_variant(arena *a, const mdl_model *m, int i, const float *x, int n)
{
    /* t4v2: tiles of two vectors, so gated layers of 16 units and more
     * take emit_tile.c's blocks of four tiles */
    static const ir_target ts[] = {
        {"rows", 0, 4}, {"t4", 4, 1}, {"t3", 3, 2}, {"t1", 1, 1}, {"t32", 32, 8}, {"t5", 5, 16},
        {"scalar", 0, 1}, {"t4v2", 4, 2}};
    const ir_target *t = &ts[i % 8];
    ir_calib c;
    calib_run(a, m, x, n, &c);
    ir_program *p = ir_lower_for(a, m, t, i % 2 ? &c : NULL, 0);
    for (int l = 0; l < p->n_layers; l++)
        if (t->vw == 1 && p->layers[l].gate.kind == GATE_LINEAR && p->layers[l].gate.n > 16)
            used[F_WIDE] = 1;
    if (i % 3 == 0)
        for (int l = 0; l < p->n_layers; l++) {
            if (!ir_permutable(p, l)) continue;
            int *perm = ar_array(a, (size_t)p->layers[l].n_out, sizeof *perm);
            for (int j = 0; j < p->layers[l].n_out; j++) perm[j] = j;
            for (int j = p->layers[l].n_out - 1; j > 0; j--) {
                int k = (int)(rnd() % (uint32_t)(j + 1)), tmp = perm[j];
                perm[j] = perm[k], perm[k] = tmp;
            }
            if (ir_permute_layer(a, p, l, perm)) return NULL;
            ir_pass_tile(p, t, NULL);
        }
    return p;
}

/* Emit model i's C (variant: its second lowering, v<i>); returns 0 on success. */
static int emit_model(const char *dir, int i, const mdl_model *m, arena *a, ir_program *variant)
{
    char name[32];
    snprintf(name, sizeof name, "%c%d", variant ? 'v' : 'm', i);
    ir_program *p = variant ? variant : ir_lower(a, m);
    return p ? ed_emit(p, dir, name) : -1;
}

static int near_equal(double got, double ref)
{
    return fabs(got - ref) <= TOL * fmax(1.0, fabs(ref));
}

/* The same model through the JIT (libtcc), by the same rule (agree.c).
 * Returns the failures; adds near-threshold flips to *flips. */
static int jit_check(model_run *r, int id, int samples, long *flips)
{
    jit_model *j = jit_compile(ir_lower(&r->a, r->m), NULL);
    if (!j) {
        fprintf(stderr, "e2e: model %d: the JIT refused it\n", id);
        return 1;
    }
    int bad = 0, ms = jit_mask_size(j);
    float *y = ar_array(&r->a, (size_t)r->m->n_out, sizeof *y);
    int *open = ar_array(&r->a, (size_t)r->m->n_ops, sizeof *open);
    unsigned char *mask = ar_alloc(&r->a, (size_t)(ms > 0 ? ms : 1));
    for (int s = 0; s < samples; s++) {
        char why[256];
        int cls = jit_infer(j, r->inputs + (size_t)s * (size_t)r->n_in, y, open, mask);
        agree_verdict v = agree_check(r->m, &r->ref[s], y, cls, open, mask, why, sizeof why);
        *flips += v == AGREE_FLIP;
        if (v == AGREE_BAD && bad++ < 3) fprintf(stderr, "e2e: JIT model %d sample %d: %s\n", id, s, why);
    }
    jit_free(j);
    return bad;
}

int main(int argc, char **argv)
{
    int n_models = argc > 1 ? atoi(argv[1]) : 150;
    int samples = argc > 2 ? atoi(argv[2]) : 40;
    rng_state = argc > 3 ? strtoull(argv[3], NULL, 10) : 20261123;
    char dir[] = "/tmp/dgc-e2e-XXXXXX";
    if (!mkdtemp(dir)) return perror("mkdtemp"), 1;
    diag_init(stderr);
    model_run *runs = calloc((size_t)n_models, sizeof *runs);
    int failures = 0;
    char path[512];
    snprintf(path, sizeof path, "%s/inputs.bin", dir);
    FILE *inputs = fopen(path, "wb");
    for (int i = 0; i < n_models; i++) {
        model_run *r = &runs[i];
        ar_init(&r->a);
        r->text = gen_model(i, &r->n_in);
        char name[32];
        snprintf(name, sizeof name, "m%d.dg", i);
        r->m = front_load_text(&r->a, name, r->text, strlen(r->text), ".");
        if (!r->m || emit_model(dir, i, r->m, &r->a, NULL)) {
            fprintf(stderr, "e2e: model %d did not compile:\n%s\n", i, r->text);
            return 1;
        }
        r->inputs = ar_array(&r->a, (size_t)samples * (size_t)r->n_in, sizeof(float));
        r->ref = ar_array(&r->a, (size_t)samples, sizeof *r->ref);
        for (int s = 0; s < samples; s++) {
            float *x = r->inputs + (size_t)s * (size_t)r->n_in;
            for (int k = 0; k < r->n_in; k++) x[k] = runi(-2, 2);
            interp_run(&r->a, r->m, x, &r->ref[s]);
        }
        for (int v = 0; v < 2; v++) /* once for m<i>, once for v<i> */
            fwrite(r->inputs, sizeof(float), (size_t)samples * (size_t)r->n_in, inputs);
        if (emit_model(dir, i, r->m, &r->a, lower_variant(&r->a, r->m, i, r->inputs, samples))) {
            fprintf(stderr, "e2e: variant of model %d did not compile:\n%s\n", i, r->text);
            return 1;
        }
    }
    fclose(inputs);
    write_driver(dir, n_models);
    char cmd[8192];
    /* E2E_OPT: gcc's optimisation flags (-O1); make e2e-sweep also runs -O3 */
    const char *opt = getenv("E2E_OPT") && *getenv("E2E_OPT") ? getenv("E2E_OPT") : "-O1";
    int w = snprintf(cmd, sizeof cmd,
                     "cd %s && gcc -std=c99 -Wall -Wextra -Werror -pedantic %s -o driver driver.c", dir,
                     opt);
    for (int i = 0; i < n_models && w < (int)sizeof cmd - 32; i++)
        w += snprintf(cmd + w, sizeof cmd - (size_t)w, " m%d.c v%d.c", i, i);
    snprintf(cmd + w, sizeof cmd - (size_t)w, " -lm");
    if (run(cmd)) return 1;
    snprintf(cmd, sizeof cmd, "cd %s && ./driver %d inputs.bin outputs.bin", dir, samples);
    if (run(cmd)) return 1;
    snprintf(path, sizeof path, "%s/outputs.bin", dir);
    FILE *out = fopen(path, "rb");
    long compared = 0, flipped = 0, near_units = 0;
    for (int i = 0; i < n_models; i++) {
        model_run *r = &runs[i];
        const mdl_model *m = r->m;
        for (int vs = 0; vs < 2 * samples; vs++) { /* m<i>'s samples, then v<i>'s */
            int s = vs % samples;
            float y[64];
            int cls, open[64], n_mask = 0;
            unsigned char mask[1024];
            for (int l = 0; l < m->n_ops; l++) n_mask += m->ops[l].n_out;
            if (fread(y, sizeof *y, (size_t)m->n_out, out) != (size_t)m->n_out ||
                fread(&cls, sizeof cls, 1, out) != 1 ||
                fread(open, sizeof *open, (size_t)m->n_ops, out) != (size_t)m->n_ops ||
                fread(mask, 1, (size_t)n_mask, out) != (size_t)n_mask) {
                fprintf(stderr, "e2e: short output\n");
                return 1;
            }
            const interp_result *ref = &r->ref[s];
            near_units += ref->n_near;
            /* Masks agree exactly but at near units. A near unit upstream may
             * flip and change everything after it: from there on a difference
             * counts as a flip, not a failure. */
            int flip = 0, bad = 0, tainted = 0;
            const unsigned char *mk = mask;
            for (int l = 0; l < m->n_ops && !flip && !bad; mk += m->ops[l++].n_out) {
                const interp_layer *L = &ref->layers[l];
                int count = 0;
                for (int j = 0; j < L->n; j++) {
                    count += mk[j];
                    if (mk[j] == L->open[j]) continue;
                    if (tainted || L->near[j]) flip = 1;
                    else bad = 1;
                }
                if (!flip && !bad && count != open[l]) bad = 1; /* open_units must match the mask */
                tainted |= L->n_near > 0;
            }
            if (bad) {
                fprintf(stderr, "e2e: %c%d sample %d: open units differ beyond near units\n",
                        "mv"[vs / samples], i, s);
                for (int l = 0; l < m->n_ops; l++)
                    fprintf(stderr, "  layer %s: compiled %d, reference %d (near %d)\n",
                            m->ops[l].name, open[l], ref->layers[l].n_open, ref->layers[l].n_near);
                failures++;
                continue;
            }
            if (flip || ref->n_near) {
                flipped += flip;
                continue; /* a near unit may have flipped unseen: outputs may differ */
            }
            compared++;
            int ok = agree_class(ref, m->n_out, cls);
            for (int k = 0; k < m->n_out; k++) ok &= near_equal(y[k], ref->out[k]);
            if (!ok) {
                failures++;
                if (failures <= 5) {
                    fprintf(stderr, "e2e: %c%d sample %d: outputs differ (class %d vs %d)\n",
                            "mv"[vs / samples], i, s, cls, ref->cls);
                    for (int k = 0; k < m->n_out; k++)
                        fprintf(stderr, "  out[%d] = %.9g, reference %.9g\n", k, (double)y[k],
                                ref->out[k]);
                    if (failures == 1) fprintf(stderr, "%s\n", r->text);
                }
            }
        }
    }
    fclose(out);
    long jit_total = (long)n_models * samples, jit_flips = 0;
    int jit_bad = 0;
    for (int i = 0; i < n_models; i++) jit_bad += jit_check(&runs[i], i, samples, &jit_flips);
    failures += jit_bad;
    if (jit_flips * 100 > jit_total) {
        fprintf(stderr, "e2e: JIT: %ld of %ld samples flipped a near-threshold gate\n", jit_flips, jit_total);
        failures++;
    }
    printf("e2e: JIT on the same models: %d samples disagree, %ld near-threshold flips\n", jit_bad,
           jit_flips);
    long total = 2L * n_models * samples;
    /* Near-threshold flips must stay rare: at most 1% of samples. */
    if (flipped * 100 > total) {
        fprintf(stderr, "e2e: %ld of %ld samples flipped a near-threshold gate\n", flipped, total);
        failures++;
    }
    for (int f = 0; f < F_COUNT; f++)
        if (!used[f]) fprintf(stderr, "e2e: no model used %s; raise MODELS\n", fnames[f]), failures++;
    for (int k = 0; k < 6; k++)
        if (!act_used[k]) fprintf(stderr, "e2e: no model used %s\n", acts[k]), failures++;
    printf("e2e: %d models, %ld samples: %ld compared, %ld skipped near a threshold "
           "(%ld near units, %ld flips)\n",
           n_models, total, compared, total - compared - failures, near_units, flipped);
    for (int i = 0; i < n_models; i++) {
        free(runs[i].text);
        ar_free(&runs[i].a);
    }
    free(runs);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (!failures) run(cmd);
    else fprintf(stderr, "e2e: generated files kept in %s\n", dir);
    printf("%d passed, %d failed\n", failures ? 0 : 1, failures ? 1 : 0);
    return failures ? 1 : 0;
}
