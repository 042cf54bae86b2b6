/* bench: `make bench`. For each model given: relMAC and relMAC+gate over the
 * test set (reference interpreter + metrics), dgc's gated C (calibrated on
 * training images) and --dense C built with gcc -O2 -mavx2 beside a naive
 * loop and OpenBLAS sgemv (driver.c), ns per inference of all four in one
 * run, callgrind instruction counts of gated and dense, and the time to
 * emit the gated C and to compile it.
 *
 * usage: bench [--json] MODEL.dg... (BENCH_JSON=1 is --json). Inputs are
 * Fashion-MNIST images when the model takes 784 features, else uniform
 * random. Env: BENCH_N timing inputs (300), BENCH_REPS (21; the minimum
 * over repetitions is kept), BENCH_COPIES (3: fresh copies of the timing
 * binary, the best of each figure kept), BENCH_TEST
 * test images for the metrics (10000), BENCH_CG callgrind inputs (20),
 * BENCH_DIR work directory (build/bench). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "calib.h"
#include "data.h"
#include "emit_dir.h"
#include "front.h"
#include "interp.h"
#include "ir.h"
#include "metrics.h"

#define FMNIST "/usr/share/datasets/fashion-mnist/"

static long env_long(const char *name, long dflt)
{
    const char *s = getenv(name);
    return s && *s ? atol(s) : dflt;
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* The first want rows of a dataset file with dim values each. */
static float *load_rows(arena *a, const char *path, long want, int dim, long *rows)
{
    char err[256];
    data_set ds;
    if (data_load(a, path, 0, want, &ds, err, sizeof err)) {
        fprintf(stderr, "bench: %s: %s\n", path, err);
        exit(1);
    }
    if (ds.dim != dim) {
        fprintf(stderr, "bench: %s: rows of %d values, the model takes %d\n", path, ds.dim, dim);
        exit(1);
    }
    *rows = ds.rows;
    return ds.x;
}

static float *random_rows(long n, int dim, uint32_t seed)
{
    float *x = malloc((size_t)(n * dim) * sizeof *x);
    for (long i = 0; i < n * dim; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = -2.0f + 4.0f * (float)(seed >> 8) / 16777216.0f;
    }
    return x;
}

static int act_code(mdl_act a)
{
    switch (a) {
    case ACT_RELU: return 1;
    case ACT_GELU: return 2;
    case ACT_SIGMOID: return 3;
    case ACT_TANH: return 4;
    default: return 0;
    }
}

/* The dense layers for the naive and BLAS baselines (none when an op is not
 * a plain dense layer). */
static void write_layers(const mdl_model *m, const char *path)
{
    FILE *f = fopen(path, "wb");
    int n = m->n_ops, plain = 1;
    for (int l = 0; l < n; l++) plain &= m->ops[l].kind == OP_DENSE && m->ops[l].act != ACT_GELU_TANH;
    float s = (float)m->scale, o = (float)m->offset;
    fwrite(&m->n_in, sizeof(int), 1, f);
    fwrite(&s, sizeof s, 1, f);
    fwrite(&o, sizeof o, 1, f);
    for (int i = 0; i < m->n_in; i++) {
        float v = m->mean ? m->mean[i] : 0.0f;
        fwrite(&v, sizeof v, 1, f);
    }
    for (int i = 0; i < m->n_in; i++) {
        float v = m->std ? m->std[i] : 1.0f;
        fwrite(&v, sizeof v, 1, f);
    }
    int nl = plain ? n : 0;
    fwrite(&nl, sizeof nl, 1, f);
    for (int l = 0; l < nl; l++) {
        const mdl_op *op = &m->ops[l];
        int a = op->is_output ? 0 : act_code(op->act);
        fwrite(&op->n_in, sizeof(int), 1, f);
        fwrite(&op->n_out, sizeof(int), 1, f);
        fwrite(&a, sizeof a, 1, f);
        fwrite(op->W, sizeof(float), (size_t)op->n_in * (size_t)op->n_out, f);
        for (int j = 0; j < op->n_out; j++) {
            float b = op->b ? op->b[j] : 0.0f;
            fwrite(&b, sizeof b, 1, f);
        }
    }
    fclose(f);
}

static int sh(const char *cmd)
{
    int rc = system(cmd);
    if (rc) fprintf(stderr, "bench: failed (%d): %s\n", rc, cmd);
    return rc;
}

/* Instructions executed inside fn over n inferences, from callgrind. */
static double callgrind(const char *dir, const char *which, const char *fn, int n)
{
    char cmd[4096], path[700], line[512];
    snprintf(path, sizeof path, "%s/cg.%s", dir, which);
    snprintf(cmd, sizeof cmd,
             "valgrind --tool=callgrind --callgrind-out-file=%s --toggle-collect=%s %s/one one %s %d "
             "%s/inputs.bin >/dev/null 2>&1",
             path, fn, dir, which, n, dir);
    if (sh(cmd)) return -1;
    FILE *f = fopen(path, "r");
    double ir = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "summary:", 8) || !strncmp(line, "totals:", 7))
            ir = atof(strchr(line, ':') + 1);
    if (f) fclose(f);
    return ir / n;
}

typedef struct result {
    const char *model;
    double rel_mac, rel_mac_gate, ns[4], ir_g, ir_d, emit_ms, cc_ms;
    long test_rows;
    int n_layers, shape[64][2];
    double lns[64][2];
    int fmnist; /* inputs are Fashion-MNIST images (else uniform random) */
} result;

static void bench_model(const char *path, result *r)
{
    arena a;
    ar_init(&a);
    memset(r, 0, sizeof *r);
    r->model = path;
    for (int v = 0; v < 4; v++) r->ns[v] = -1;
    mdl_model *m = front_load_file(&a, path);
    if (!m) exit(1);
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    char dir[600], cmd[8192];
    snprintf(dir, sizeof dir, "%s/%.*s", getenv("BENCH_DIR") ? getenv("BENCH_DIR") : "build/bench",
             (int)(strlen(base) - 3), base);
    snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
    if (sh(cmd)) exit(1);
    long n_test = env_long("BENCH_TEST", 10000);
    float *test, *cal = NULL; /* cal, like test when random, is malloc'd */
    ir_calib c;
    r->fmnist = m->n_in == 784;
    if (r->fmnist) {
        test = load_rows(&a, FMNIST "t10k-images-idx3-ubyte.gz", n_test, m->n_in, &n_test);
        if (calib_load(&a, m, FMNIST "train-images-idx3-ubyte.gz", &c)) exit(1);
    } else {
        test = random_rows(n_test, m->n_in, 1);
        cal = random_rows(CALIB_MAX_ROWS, m->n_in, 2);
        calib_run(&a, m, cal, CALIB_MAX_ROWS, &c);
    }
    /* relMAC and relMAC+gate over the test set, from the reference. */
    metrics_acc acc;
    metrics_acc_init(&a, &acc, m);
    for (long s = 0; s < n_test; s++) {
        arena t;
        ar_init(&t);
        interp_result ir;
        metrics mt;
        interp_run(&t, m, test + s * m->n_in, &ir);
        metrics_compute(&t, m, &ir, &mt);
        metrics_acc_add(&acc, &mt);
        ar_free(&t);
    }
    metrics_acc_finish(&acc);
    r->rel_mac = acc.rel_mac;
    r->rel_mac_gate = acc.rel_mac_gate;
    r->test_rows = n_test;
    /* Gated (calibrated) and dense C. */
    double t0 = now_ms();
    ir_program *pg = ir_lower_for(&a, m, ir_target_default(), &c, 0);
    if (ed_emit(pg, dir, "g")) exit(1);
    r->emit_ms = now_ms() - t0; /* lowering with calibration masks given, and writing */
    if (ed_emit(ir_lower_for(&a, m, ir_target_default(), NULL, 1), dir, "d")) exit(1);
    write_layers(m, ar_printf(&a, "%s/layers.bin", dir));
    int n = (int)env_long("BENCH_N", 300);
    if (n > n_test) n = (int)n_test;
    if (ed_write(dir, "inputs.bin", test, sizeof(float) * (size_t)n * (size_t)m->n_in)) exit(1);
    const char *cc = getenv("BENCH_CC") ? getenv("BENCH_CC") : "gcc -std=c99 -O2 -mavx2";
    snprintf(cmd, sizeof cmd, "%s -c -o %s/g.o %s/g.c", cc, dir, dir);
    t0 = now_ms();
    if (sh(cmd)) exit(1);
    r->cc_ms = now_ms() - t0;
    snprintf(cmd, sizeof cmd,
             "%s -I%s -DWITH_BLAS -o %s/time tools/bench/driver.c %s/g.o %s/d.c -lopenblas -lm && "
             "%s -I%s -o %s/one tools/bench/driver.c %s/g.o %s/d.c -lm",
             cc, dir, dir, dir, dir, cc, dir, dir, dir, dir);
    if (sh(cmd)) exit(1);
    /* The weights are read-only data mapped from the executable's pages, so
     * where those pages sit in physical memory (the L2 is physically
     * indexed) moves a run's times by up to 20%: the same binary ran
     * fashion_lowrank --dense in 9.1 us and, copied, in 7.4 us. So the
     * timing binary runs from BENCH_COPIES fresh copies (3) and each figure
     * is its best over them. */
    long copies = env_long("BENCH_COPIES", 3);
    for (int k = 0; k < 4; k++) r->ns[k] = 0;
    for (long c = 0; c < (copies > 0 ? copies : 1); c++) {
        snprintf(cmd, sizeof cmd, "cp %s/time %s/time.run && %s/time.run time %d %ld %s/inputs.bin %s/layers.bin",
                 dir, dir, dir, n, env_long("BENCH_REPS", 21), dir, dir);
        FILE *p = popen(cmd, "r");
        char line[512], name[32];
        double v, v2;
        int a1, a2, nl = 0;
        static const char *const vn[4] = {"gated", "dense", "naive", "blas"};
        while (p && fgets(line, sizeof line, p)) {
            if (sscanf(line, "ns %31s %lf", name, &v) == 2) {
                for (int k = 0; k < 4; k++)
                    if (!strcmp(name, vn[k]) && (c == 0 || v < r->ns[k])) r->ns[k] = v;
            } else if (sscanf(line, "layer %d %d %lf %lf", &a1, &a2, &v, &v2) == 4 && nl < 64) {
                r->shape[nl][0] = a1, r->shape[nl][1] = a2;
                if (c == 0 || v < r->lns[nl][0]) r->lns[nl][0] = v;
                if (c == 0 || v2 < r->lns[nl][1]) r->lns[nl][1] = v2;
                nl++;
            }
        }
        if (!p || pclose(p)) {
            fprintf(stderr, "bench: the timing run failed: %s\n", cmd);
            exit(1);
        }
        r->n_layers = nl;
        snprintf(cmd, sizeof cmd, "rm -f %s/time.run", dir);
        if (sh(cmd)) exit(1);
    }
    int ncg = (int)env_long("BENCH_CG", 20);
    r->ir_g = callgrind(dir, "g", "g_infer", ncg);
    r->ir_d = callgrind(dir, "d", "d_infer", ncg);
    if (!r->fmnist) free(test);
    free(cal);
    ar_free(&a);
}

static void print_text(const result *r)
{
    printf("\nmodel %s (relMAC and relMAC+gate over %ld %s inputs)\n", r->model, r->test_rows,
           r->fmnist ? "Fashion-MNIST test" : "uniform random");
    printf("  relMAC %.4f  relMAC+gate %.4f\n", r->rel_mac, r->rel_mac_gate);
    if (r->ns[2] > 0)
        printf("  ns/inference: dgc gated %.0f, dgc --dense %.0f, naive %.0f, OpenBLAS sgemv %.0f\n",
               r->ns[0], r->ns[1], r->ns[2], r->ns[3]);
    else /* an op the plain loops cannot run (a layernorm) */
        printf("  ns/inference: dgc gated %.0f, dgc --dense %.0f (no naive or BLAS baseline)\n",
               r->ns[0], r->ns[1]);
    double tr = r->ns[0] / r->ns[1], ir = r->ir_g / r->ir_d;
    printf("  gated/dense time %.4f = %.3f x relMAC+gate   (bar <= 1.15)\n", tr, tr / r->rel_mac_gate);
    printf("  callgrind Ir/inference: gated %.0f, dense %.0f, ratio %.4f = %.3f x relMAC+gate\n",
           r->ir_g, r->ir_d, ir, ir / r->rel_mac_gate);
    if (r->ns[3] > 0) {
        printf("  dgc --dense speed / OpenBLAS: %.3f   (bar >= 0.8)\n", r->ns[3] / r->ns[1]);
        printf("  gated speed-up over OpenBLAS: %.3f, bar 0.8/relMAC+gate = %.3f\n",
               r->ns[3] / r->ns[0], 0.8 / r->rel_mac_gate);
    }
    printf("  emit gated C %.1f ms, compiling it (BENCH_CC) %.0f ms\n", r->emit_ms, r->cc_ms);
    for (int l = 0; l < r->n_layers; l++)
        printf("  layer %dx%d: naive %.0f ns, OpenBLAS sgemv %.0f ns\n", r->shape[l][1],
               r->shape[l][0], r->lns[l][0], r->lns[l][1]);
}

static void print_json(const result *r, int last)
{
    printf("  {\"model\": \"%s\", \"test_inputs\": %ld, \"rel_mac\": %.6f, \"rel_mac_gate\": %.6f,\n",
           r->model, r->test_rows, r->rel_mac, r->rel_mac_gate);
    printf("   \"inputs\": \"%s\", \"ns\": {\"gated\": %.1f, \"dense\": %.1f", r->fmnist ? "fashion-mnist" : "random",
           r->ns[0], r->ns[1]);
    if (r->ns[2] > 0) printf(", \"naive\": %.1f, \"blas\": %.1f", r->ns[2], r->ns[3]);
    printf("},\n");
    printf("   \"ir\": {\"gated\": %.0f, \"dense\": %.0f}, \"time_ratio\": %.6f, \"ir_ratio\": %.6f,\n",
           r->ir_g, r->ir_d, r->ns[0] / r->ns[1], r->ir_g / r->ir_d);
    printf("   \"emit_ms\": %.2f, \"cc_ms\": %.1f, \"layers\": [", r->emit_ms, r->cc_ms);
    for (int l = 0; l < r->n_layers; l++)
        printf("%s{\"n_in\": %d, \"n_out\": %d, \"naive_ns\": %.1f, \"blas_ns\": %.1f}", l ? ", " : "",
               r->shape[l][0], r->shape[l][1], r->lns[l][0], r->lns[l][1]);
    printf("]}%s\n", last ? "" : ",");
}

int main(int argc, char **argv)
{
    int json = getenv("BENCH_JSON") && !strcmp(getenv("BENCH_JSON"), "1");
    diag_init(stderr);
    int nm = 0;
    result *rs = calloc((size_t)argc, sizeof *rs);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = 1;
        else bench_model(argv[i], &rs[nm++]);
    }
    if (json) printf("[\n");
    for (int i = 0; i < nm; i++) json ? print_json(&rs[i], i + 1 == nm) : print_text(&rs[i]);
    if (json) printf("]\n");
    free(rs);
    return 0;
}
