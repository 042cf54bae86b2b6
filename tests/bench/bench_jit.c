/* bench_jit: how long the JIT takes to compile a model, and how fast the
 * code it makes runs next to the same emitted C built by gcc -O2, on the
 * same inputs in the same run. Prints figures; not a test.
 *
 * usage: bench_jit MODEL.dg [IMAGES [N]]   (N inputs, default 2000; IMAGES
 * default: Fashion-MNIST's test images; a model without 784 inputs gets
 * random ones) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "data.h"
#include "emit_dir.h"
#include "front.h"
#include "jit.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Times its own loop, so process start and file reading are not counted. */
static const char driver[] =
    "#include <stdio.h>\n#include <stdlib.h>\n#include <time.h>\n#include \"m.h\"\n"
    "int main(int argc, char **argv) {\n"
    "  long n = atol(argv[1]), reps = atol(argv[2]); static float y[M_N_OUTPUT]; long sum = 0;\n"
    "  float *x = malloc((size_t)n * M_N_INPUT * sizeof *x); FILE *f = fopen(\"in.bin\", \"rb\");\n"
    "  if (!x || !f || fread(x, sizeof *x, (size_t)n * M_N_INPUT, f) != (size_t)n * M_N_INPUT) return 1;\n"
    "  struct timespec a, b; clock_gettime(CLOCK_MONOTONIC, &a);\n"
    "  for (long r = 0; r < reps; r++) for (long i = 0; i < n; i++) sum += m_infer(x + i * M_N_INPUT, y);\n"
    "  clock_gettime(CLOCK_MONOTONIC, &b);\n"
    "  printf(\"%.3f %ld\\n\", ((b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3) / (double)(n * reps), sum);\n"
    "  return 0;\n}\n";

int main(int argc, char **argv)
{
    if (argc < 2) return fprintf(stderr, "usage: bench_jit MODEL.dg [IMAGES [N]]\n"), 2;
    const char *images = argc > 2 ? argv[2] : "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
    long n = argc > 3 ? atol(argv[3]) : 2000, reps = 3;
    arena a;
    ar_init(&a);
    diag_init(stderr);
    mdl_model *m = front_load_file(&a, argv[1]);
    if (!m) return 1;
    /* Each compiler gets the C it is used with: the JIT the tcc preset (as
     * dgc run/eval/repl), gcc what `dgc -o` writes (the x86-64 preset). */
    ir_program *p_jit = ir_lower_for(&a, m, ir_target_find("tcc"), NULL, 0);
    ir_program *p = ir_lower(&a, m);
    float *x = ar_array(&a, (size_t)n * (size_t)m->n_in, sizeof *x);
    data_set ds;
    char err[256];
    if (m->n_in == 784 && !data_load(&a, images, 0, n, &ds, err, sizeof err) && ds.rows == n) {
        memcpy(x, ds.x, (size_t)n * 784 * sizeof *x);
    } else {
        srand(1);
        for (size_t i = 0; i < (size_t)n * (size_t)m->n_in; i++) x[i] = (float)rand() / RAND_MAX * 4 - 2;
        images = "random inputs";
    }
    /* Compile time: the best of 5 (the first run also warms the caches). */
    double best = 1e30;
    jit_model *j = NULL;
    for (int r = 0; r < 5; r++) {
        double ms;
        jit_free(j);
        j = jit_compile(p_jit, &ms);
        if (!j) return 1;
        if (ms < best) best = ms;
    }
    float *y = ar_array(&a, (size_t)m->n_out, sizeof *y);
    long sum = 0;
    for (long i = 0; i < n; i++) sum += jit_infer(j, x + i * m->n_in, y, NULL, NULL); /* warm up */
    double t0 = now_ms();
    for (long r = 0; r < reps; r++)
        for (long i = 0; i < n; i++) sum += jit_infer(j, x + i * m->n_in, y, NULL, NULL);
    double tcc_us = (now_ms() - t0) * 1e3 / (double)(n * reps);
    jit_free(j);
    /* The model's default C through gcc -O2. */
    char dir[] = "/tmp/dgc-bench-XXXXXX", cmd[1024];
    if (!mkdtemp(dir)) return perror("mkdtemp"), 1;
    if (ed_emit(p, dir, "m") || ed_write(dir, "driver.c", driver, strlen(driver)) ||
        ed_write(dir, "in.bin", x, sizeof *x * (size_t)n * (size_t)m->n_in))
        return fprintf(stderr, "bench_jit: cannot write the build files in %s\n", dir), 1;
    double g0 = now_ms();
    snprintf(cmd, sizeof cmd, "cd %s && gcc -std=c99 -D_POSIX_C_SOURCE=200809L -O2 -o driver driver.c m.c -lm", dir);
    if (system(cmd)) return fprintf(stderr, "bench_jit: gcc failed\n"), 1;
    double gcc_ms = now_ms() - g0;
    snprintf(cmd, sizeof cmd, "cd %s && ./driver %ld 1 >/dev/null && ./driver %ld %ld", dir, n, n, reps);
    FILE *o = popen(cmd, "r");
    double gcc_us = 0;
    long gsum = 0;
    if (!o || fscanf(o, "%lf %ld", &gcc_us, &gsum) != 2) return fprintf(stderr, "bench_jit: driver failed\n"), 1;
    pclose(o);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) return 1;
    printf("model %s (%s): %d inputs, %d outputs, %ld parameters; %ld x %ld %s\n", m->name, argv[1],
           m->n_in, m->n_out, m->params, n, reps, images);
    printf("JIT compile (emit + libtcc), best of 5: %8.1f ms\n", best);
    printf("gcc -O2 build of the x86-64 C:          %8.1f ms\n", gcc_ms);
    printf("per input, tcc (JIT, --target tcc):    %8.2f us\n", tcc_us);
    printf("per input, gcc -O2 (--target x86-64):  %8.2f us\n", gcc_us);
    printf("tcc / gcc -O2:                         %8.2f x\n", gcc_us > 0 ? tcc_us / gcc_us : 0);
    if (sum != gsum * (reps + 1) / reps) printf("warning: the two builds disagree on some classes\n");
    ar_free(&a);
    return 0;
}
