/* The timing driver `make bench` builds with the C dgc emitted for one
 * model: g_* (gated, calibrated) and d_* (--dense), beside a naive dense
 * loop and OpenBLAS cblas_sgemv (single thread) over the same dense layers,
 * whose weights bench.c writes to layers.bin.
 *
 *   driver time N REPS inputs.bin layers.bin   ns per inference, one run
 *   driver one g|d N inputs.bin                N inferences (for callgrind)
 * Built with -DWITH_BLAS for `time`; the callgrind build has no OpenBLAS
 * (valgrind cannot run its AVX-512 kernels). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "d.h"
#include "g.h"
#ifdef WITH_BLAS
#include <cblas.h>
#endif

enum { MAXL = 64 };
typedef struct layer {
    int n_in, n_out, act; /* act: 0 identity, 1 relu, 2 gelu, 3 sigmoid, 4 tanh */
    float *W, *b;
} layer;
static int nl;
static layer L[MAXL];
static float scale, offset;
static float *mean, *sd;
static int n_in0;

static float *read_floats(FILE *f, long n)
{
    float *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    if (!v || fread(v, sizeof *v, (size_t)n, f) != (size_t)n) exit(3);
    return v;
}

static int read_int(FILE *f)
{
    int v;
    if (fread(&v, sizeof v, 1, f) != 1) exit(3);
    return v;
}

static void load_layers(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) exit(2);
    n_in0 = read_int(f);
    scale = read_floats(f, 1)[0];
    offset = read_floats(f, 1)[0];
    mean = read_floats(f, n_in0);
    sd = read_floats(f, n_in0);
    nl = read_int(f);
    for (int l = 0; l < nl && l < MAXL; l++) {
        L[l].n_in = read_int(f);
        L[l].n_out = read_int(f);
        L[l].act = read_int(f);
        L[l].W = read_floats(f, (long)L[l].n_in * L[l].n_out);
        L[l].b = read_floats(f, L[l].n_out);
    }
    fclose(f);
}

static float act(int a, float x)
{
    switch (a) {
    case 1: return x > 0.0f ? x : 0.0f;
    case 2: return 0.5f * x * (1.0f + erff(x * 0.70710678f));
    case 3: return 1.0f / (1.0f + expf(-x));
    case 4: return tanhf(x);
    }
    return x;
}

static void prep(const float *in, float *x)
{
    for (int i = 0; i < n_in0; i++) x[i] = ((in[i] * scale + offset) - mean[i]) / sd[i];
}

static void naive_layer(const layer *ly, const float *x, float *y)
{
    for (int j = 0; j < ly->n_out; j++) {
        const float *w = ly->W + (long)j * ly->n_in;
        float a = ly->b[j];
        for (int i = 0; i < ly->n_in; i++) a += w[i] * x[i];
        y[j] = act(ly->act, a);
    }
}

static float buf[2][1 << 16];

static int argmax(const float *y, int n)
{
    int best = 0;
    for (int j = 1; j < n; j++)
        if (y[j] > y[best]) best = j;
    return best;
}

static int naive_infer(const float *in, float *out)
{
    prep(in, buf[0]);
    for (int l = 0; l < nl; l++) naive_layer(&L[l], buf[l % 2], l + 1 == nl ? out : buf[(l + 1) % 2]);
    return argmax(out, L[nl - 1].n_out);
}

#ifdef WITH_BLAS
static void blas_layer(const layer *ly, const float *x, float *y)
{
    memcpy(y, ly->b, (size_t)ly->n_out * sizeof *y);
    cblas_sgemv(CblasRowMajor, CblasNoTrans, ly->n_out, ly->n_in, 1.0f, ly->W, ly->n_in, x, 1, 1.0f,
                y, 1);
    if (ly->act)
        for (int j = 0; j < ly->n_out; j++) y[j] = act(ly->act, y[j]);
}

static int blas_infer(const float *in, float *out)
{
    prep(in, buf[0]);
    for (int l = 0; l < nl; l++) blas_layer(&L[l], buf[l % 2], l + 1 == nl ? out : buf[(l + 1) % 2]);
    return argmax(out, L[nl - 1].n_out);
}
#endif

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

typedef int (*infer_fn)(const float *, float *);
static volatile float sink;

static double run_all(infer_fn f, const float *x, int n, int n_in)
{
    float out[1 << 12];
    double t0 = now_ns();
    for (int s = 0; s < n; s++) sink += (float)f(x + (long)s * n_in, out);
    return (now_ns() - t0) / n;
}

typedef void (*layer_fn)(const layer *, const float *, float *);

static double run_layer(layer_fn f, const layer *ly, const float *x, int n)
{
    static float y[1 << 16];
    double t0 = now_ns();
    for (int s = 0; s < n; s++) {
        f(ly, x + (long)s * ly->n_in, y);
        sink += y[0];
    }
    return (now_ns() - t0) / n;
}

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "one")) {
        int n = atoi(argv[3]);
        FILE *f = fopen(argv[4], "rb");
        if (!f) return 2;
        float *x = read_floats(f, (long)n * G_N_INPUT), out[G_N_OUTPUT];
        fclose(f);
        infer_fn fn = argv[2][0] == 'g' ? g_infer : d_infer;
        for (int s = 0; s < n; s++) sink += (float)fn(x + (long)s * G_N_INPUT, out);
        return 0;
    }
    if (argc != 6 || strcmp(argv[1], "time")) return 1;
#ifdef WITH_BLAS
    openblas_set_num_threads(1);
#endif
    int n = atoi(argv[2]), reps = atoi(argv[3]);
    FILE *f = fopen(argv[4], "rb");
    if (!f) return 2;
    float *x = read_floats(f, (long)n * G_N_INPUT);
    fclose(f);
    load_layers(argv[5]);
    if (n_in0 != G_N_INPUT) return 4;
    /* Each layer's real inputs, from a dense forward pass. */
    float *lin[MAXL];
    for (int l = 0; l < nl; l++) lin[l] = malloc((size_t)n * (size_t)L[l].n_in * sizeof(float));
    for (int s = 0; s < n && nl > 0; s++) {
        prep(x + (long)s * n_in0, lin[0] + (long)s * n_in0);
        for (int l = 0; l + 1 < nl; l++)
            naive_layer(&L[l], lin[l] + (long)s * L[l].n_in, lin[l + 1] + (long)s * L[l + 1].n_in);
    }
    enum { V = 4 };
    static const char *const names[V] = {"gated", "dense", "naive", "blas"};
    infer_fn fns[V] = {g_infer, d_infer, naive_infer, NULL};
#ifdef WITH_BLAS
    fns[3] = blas_infer;
#endif
    if (nl == 0) fns[2] = fns[3] = NULL; /* a model the plain loops cannot run (layernorm) */
    double best[V], lbest[MAXL][2];
    for (int v = 0; v < V; v++) best[v] = 1e300;
    for (int l = 0; l < nl; l++) lbest[l][0] = lbest[l][1] = 1e300;
    /* Each timed pass right after an untimed pass of the same variant: the
     * variants run interleaved, and without it each one would start with
     * the caches the previous one left (its weights evicted). */
    for (int r = 0; r < reps; r++) {
        for (int v = 0; v < V; v++) {
            if (!fns[v]) continue;
            run_all(fns[v], x, n, n_in0);
            double t = run_all(fns[v], x, n, n_in0);
            if (t < best[v]) best[v] = t;
        }
        for (int l = 0; l < nl; l++) {
            run_layer(naive_layer, &L[l], lin[l], n);
            double t = run_layer(naive_layer, &L[l], lin[l], n);
            if (t < lbest[l][0]) lbest[l][0] = t;
#ifdef WITH_BLAS
            run_layer(blas_layer, &L[l], lin[l], n);
            t = run_layer(blas_layer, &L[l], lin[l], n);
            if (t < lbest[l][1]) lbest[l][1] = t;
#endif
        }
    }
    for (int v = 0; v < V; v++)
        if (fns[v]) printf("ns %s %.1f\n", names[v], best[v]);
    for (int l = 0; l < nl; l++)
        printf("layer %d %d %.1f %.1f\n", L[l].n_in, L[l].n_out, lbest[l][0], lbest[l][1]);
    return 0;
}
