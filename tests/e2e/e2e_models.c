/* e2e_models: every .dg under models/ and tests/. Each one `dgc check`
 * accepts is emitted, built with gcc -O0 and run, and JIT-compiled with
 * libtcc (tiles as `dgc run` lays them out, and every layer row-wise, as
 * the gcc build has it); all must agree with the reference interpreter by
 * the rule of docs/testing.md (agree.c) on 32 inputs: for a 784-input
 * model half are real Fashion-MNIST test images, half random pixels;
 * otherwise all random.
 * Each one `dgc check` refuses must be refused by `dgc run` (the JIT path)
 * too: exit status 1 and the same diagnostics, never a crash.
 *
 * usage: e2e_models DGC (run from the repository root) */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "agree.h"
#include "data.h"
#include "emit_dir.h"
#include "front.h"
#include "jit.h"

enum { SAMPLES = 32, MAX_FILES = 1024 };
static const char *fm_images = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";

static char *files[MAX_FILES];
static int n_files;
static char dir[] = "/tmp/dgc-e2e-models-XXXXXX";
static const char *dgc;
static int failures;
static agree_tally gcc_t, jit_t;

static int collect(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)f;
    size_t n = strlen(path);
    if (flag == FTW_F && n > 3 && !strcmp(path + n - 3, ".dg") && n_files < MAX_FILES)
        files[n_files++] = strdup(path);
    return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static uint64_t rng = 88172645463325252ULL;
static float uni(float lo, float hi)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return lo + (hi - lo) * (float)(rng >> 40) / 16777216.0f;
}

static int sh(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + (WIFSIGNALED(rc) ? WTERMSIG(rc) : 0);
}

/* The driver reads SAMPLES inputs and writes out, class, open, mask each. */
static const char driver[] =
    "#include <stdio.h>\n#include \"m.h\"\n"
    "int main(void) {\n"
    "  static float x[M_N_INPUT], y[M_N_OUTPUT]; static int open[M_N_LAYERS];\n"
    "  static unsigned char mask[M_MASK_SIZE > 0 ? M_MASK_SIZE : 1];\n"
    "  FILE *in = fopen(\"in.bin\", \"rb\"), *out = fopen(\"out.bin\", \"wb\");\n"
    "  if (!in || !out) return 2;\n"
    "  while (fread(x, sizeof x, 1, in) == 1) {\n"
    "    int c = m_infer_mask(x, y, open, mask);\n"
    "    fwrite(y, sizeof y, 1, out); fwrite(&c, sizeof c, 1, out);\n"
    "    fwrite(open, sizeof open, 1, out); fwrite(mask, M_MASK_SIZE, 1, out);\n"
    "  }\n"
    "  return fclose(out) ? 3 : 0;\n}\n";

/* Builds and runs the model with gcc -O0: 0, or -1 after a message. */
static int run_gcc(const char *path, const ir_program *p, const float *x, int mask_size, float *y,
                   int *cls, int *open, unsigned char *mask)
{
    char buf[1024];
    if (ed_emit(p, dir, "m")) return fprintf(stderr, "e2e_models: %s: emit failed\n", path), -1;
    if (ed_write(dir, "driver.c", driver, strlen(driver)) ||
        ed_write(dir, "in.bin", x, sizeof *x * (size_t)SAMPLES * (size_t)p->n_in))
        return fprintf(stderr, "e2e_models: %s: cannot write the driver or inputs\n", path), -1;
    snprintf(buf, sizeof buf,
             "cd %s && gcc -std=c99 -Wall -Wextra -Werror -pedantic -O0 -o driver driver.c m.c -lm && ./driver",
             dir);
    if (sh(buf)) return fprintf(stderr, "e2e_models: %s: gcc build or run failed\n", path), -1;
    snprintf(buf, sizeof buf, "%s/out.bin", dir);
    FILE *o = fopen(buf, "rb");
    int ok = o != NULL;
    for (int s = 0; ok && s < SAMPLES; s++) {
        ok = fread(y + (size_t)s * (size_t)p->n_out, sizeof *y, (size_t)p->n_out, o) == (size_t)p->n_out &&
             fread(&cls[s], sizeof *cls, 1, o) == 1 &&
             fread(open + (size_t)s * (size_t)p->n_layers, sizeof *open, (size_t)p->n_layers, o) ==
                 (size_t)p->n_layers &&
             fread(mask + (size_t)s * (size_t)mask_size, 1, (size_t)mask_size, o) == (size_t)mask_size;
    }
    if (o) fclose(o);
    if (!ok) return fprintf(stderr, "e2e_models: %s: short output from the gcc build\n", path), -1;
    return 0;
}

static void inputs(arena *a, const mdl_model *m, float *x)
{
    int real = 0;
    if (m->n_in == 784) {
        data_set ds;
        char err[200];
        if (data_load(a, fm_images, 0, SAMPLES / 2, &ds, err, sizeof err)) {
            fprintf(stderr, "e2e_models: %s: %s\n", fm_images, err);
            failures++;
        } else {
            memcpy(x, ds.x, (size_t)ds.rows * 784 * sizeof *x);
            real = (int)ds.rows;
        }
    }
    for (size_t i = (size_t)real * (size_t)m->n_in; i < (size_t)SAMPLES * (size_t)m->n_in; i++)
        x[i] = m->n_in == 784 ? (float)(int)uni(0, 256) : uni(-3, 3);
}

static void compare(const char *path, const char *who, const mdl_model *m, const interp_result *ref,
                    const float *y, int cls, const int *open, const unsigned char *mask, int s,
                    agree_tally *t)
{
    char why[256];
    agree_verdict v = agree_check(m, ref, y, cls, open, mask, why, sizeof why);
    agree_count(t, v);
    if (v == AGREE_BAD) {
        fprintf(stderr, "e2e_models: %s: %s, sample %d: %s\n", path, who, s, why);
        failures++;
    }
}

static void accepted(arena *a, const char *path, const mdl_model *m)
{
    const ir_program *p = ir_lower(a, m);
    /* Also every layer row-wise (the gcc build, and a second JIT): both
     * layouts meet full-size models, built by gcc and by tcc. */
    static const ir_target rows8 = {"rows", 0, 8};
    const ir_program *pr = ir_lower_for(a, m, &rows8, NULL, 0);
    float *x = ar_array(a, (size_t)SAMPLES * (size_t)m->n_in, sizeof *x);
    inputs(a, m, x);
    jit_model *j = jit_compile(p, NULL), *jr = jit_compile(pr, NULL);
    if (!j || !jr) {
        if (j) jit_free(j);
        if (jr) jit_free(jr);
        fprintf(stderr, "e2e_models: %s: the JIT refused a model dgc check accepts\n", path);
        failures++;
        return;
    }
    int ms = jit_mask_size(j);
    float *y = ar_array(a, (size_t)SAMPLES * (size_t)m->n_out, sizeof *y);
    int *cls = ar_array(a, SAMPLES, sizeof *cls);
    int *open = ar_array(a, (size_t)SAMPLES * (size_t)m->n_ops, sizeof *open);
    unsigned char *mask = ar_array(a, (size_t)SAMPLES * (size_t)(ms > 0 ? ms : 1), 1);
    int gcc_ok = run_gcc(path, pr, x, ms, y, cls, open, mask) == 0;
    failures += !gcc_ok;
    float *jy = ar_array(a, (size_t)m->n_out, sizeof *jy);
    int *jopen = ar_array(a, (size_t)m->n_ops, sizeof *jopen);
    unsigned char *jmask = ar_alloc(a, (size_t)(ms > 0 ? ms : 1));
    for (int s = 0; s < SAMPLES; s++) {
        const float *in = x + (size_t)s * (size_t)m->n_in;
        interp_result ref;
        interp_run(a, m, in, &ref);
        int jc = jit_infer(j, in, jy, jopen, jmask);
        compare(path, "JIT", m, &ref, jy, jc, jopen, jmask, s, &jit_t);
        jc = jit_infer(jr, in, jy, jopen, jmask);
        compare(path, "JIT rows", m, &ref, jy, jc, jopen, jmask, s, &jit_t);
        if (gcc_ok)
            compare(path, "gcc -O0", m, &ref, y + (size_t)s * (size_t)m->n_out, cls[s],
                    open + (size_t)s * (size_t)m->n_ops, mask + (size_t)s * (size_t)ms, s, &gcc_t);
    }
    jit_free(j);
    jit_free(jr);
}

/* `dgc run` must refuse what `dgc check` refuses, with the same words. */
static void refused(const char *path)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s check '%s' 2>%s/check.err", dgc, path, dir);
    int rc_check = sh(cmd);
    snprintf(cmd, sizeof cmd, "%s run '%s' --input /dev/null >%s/run.out 2>%s/run.err", dgc, path, dir, dir);
    int rc_run = sh(cmd);
    snprintf(cmd, sizeof cmd, "cmp -s %s/check.err %s/run.err && test ! -s %s/run.out", dir, dir, dir);
    if (rc_check != 1 || rc_run != 1 || sh(cmd)) {
        fprintf(stderr, "e2e_models: %s: dgc check exit %d, dgc run exit %d (diagnostics in %s)\n",
                path, rc_check, rc_run, dir);
        failures++;
    }
}

int main(int argc, char **argv)
{
    dgc = argc > 1 ? argv[1] : "./dgc";
    if (!mkdtemp(dir)) return perror("mkdtemp"), 1;
    nftw("models", collect, 16, FTW_PHYS);
    nftw("tests", collect, 16, FTW_PHYS);
    qsort(files, (size_t)n_files, sizeof *files, cmp_str);
    int n_ok = 0, n_refused = 0;
    for (int i = 0; i < n_files; i++) {
        arena a;
        ar_init(&a);
        FILE *quiet = fopen("/dev/null", "w");
        diag_init(quiet);
        mdl_model *m = front_load_file(&a, files[i]);
        diag_init(stderr);
        fclose(quiet);
        if (m) {
            n_ok++;
            accepted(&a, files[i], m);
        } else {
            n_refused++;
            refused(files[i]);
        }
        ar_free(&a);
        free(files[i]);
    }
    /* Near-threshold flips are allowed but must stay rare. */
    long bound = 1 + (jit_t.runs + gcc_t.runs) / 50;
    if (jit_t.flips + gcc_t.flips > bound) {
        fprintf(stderr, "e2e_models: %ld flips of near-threshold gates (bound %ld)\n",
                jit_t.flips + gcc_t.flips, bound);
        failures++;
    }
    if (n_ok == 0) fprintf(stderr, "e2e_models: no model was accepted\n"), failures++;
    printf("e2e_models: %d models accepted, %d refused; JIT %ld runs (%ld compared, %ld near, %ld "
           "flips), gcc -O0 %ld runs (%ld compared, %ld near, %ld flips)\n",
           n_ok, n_refused, jit_t.runs, jit_t.ok, jit_t.near, jit_t.flips, gcc_t.runs, gcc_t.ok,
           gcc_t.near, gcc_t.flips);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (!failures) sh(cmd);
    printf("%d passed, %d failed\n", failures ? 0 : 1, failures ? 1 : 0);
    return failures ? 1 : 0;
}
