/* jit: emit_c's output compiled in memory by libtcc. The prefix is fixed
 * (JIT_PREFIX) so no model name can collide with a libc symbol. */
#include "jit.h"
#include <libtcc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "diag.h"
#include "emit.h"

typedef int (*infer_fn)(const float *in, float *out, int *open_units, unsigned char *mask);

struct jit_model {
    TCCState *s;
    infer_fn infer;
    int n_in, n_out, n_layers, mask_size;
    const int *offset, *units; /* inside the compiled code */
};

/* tcc's messages, one per line, kept for the report. */
typedef struct tcc_log {
    char *text;
    size_t len;
} tcc_log;

static void on_tcc_error(void *opaque, const char *msg)
{
    tcc_log *l = opaque;
    size_t m = strlen(msg);
    char *t = realloc(l->text, l->len + m + 2);
    if (!t) return;
    memcpy(t + l->len, msg, m);
    l->len += m;
    t[l->len++] = '\n';
    t[l->len] = 0;
    l->text = t;
}

/* The math the emitted C calls, bound explicitly so the JIT does not depend
 * on finding libm.so at run time. */
static void add_math(TCCState *s)
{
    typedef float (*f1)(float);
    static const struct { const char *name; f1 fn; } syms[] = {
        {"expf", expf}, {"erff", erff}, {"tanhf", tanhf},
        {"sqrtf", sqrtf}, {"fabsf", fabsf}, {"logf", logf},
    };
    for (size_t i = 0; i < sizeof syms / sizeof *syms; i++) {
        /* POSIX guarantees function and object pointers convert; ISO C does
         * not let us write the cast, so copy the bits. */
        void *addr;
        memcpy(&addr, &syms[i].fn, sizeof addr);
        tcc_add_symbol(s, syms[i].name, addr);
    }
}

static void *sym(TCCState *s, const char *what)
{
    char name[64];
    snprintf(name, sizeof name, "%s_%s", JIT_PREFIX, what);
    return tcc_get_symbol(s, name);
}

static jit_model *refused(const char *name, TCCState *s, tcc_log *log, const char *what)
{
    diag_fatal_msg("internal error: libtcc %s the C emitted for model '%s' (a dgc bug; "
                   "please report it):\n%s",
                   what, name, log->text ? log->text : "(no message)\n");
    if (s) tcc_delete(s);
    free(log->text);
    return NULL;
}

jit_model *jit_compile_source(const char *name, const char *src, int n_in, int n_out, int n_layers)
{
    tcc_log log = {NULL, 0};
    TCCState *s = tcc_new();
    if (!s) return refused(name, NULL, &log, "could not start for");
    tcc_set_error_func(s, &log, on_tcc_error);
    tcc_set_output_type(s, TCC_OUTPUT_MEMORY);
    add_math(s);
    if (tcc_compile_string(s, src) < 0) return refused(name, s, &log, "refused");
    if (tcc_relocate(s, TCC_RELOCATE_AUTO) < 0) return refused(name, s, &log, "could not link");
    jit_model *j = calloc(1, sizeof *j);
    if (!j) return refused(name, s, &log, "ran out of memory for");
    j->s = s;
    void *fn = sym(s, "infer_mask");
    memcpy(&j->infer, &fn, sizeof fn);
    j->offset = sym(s, "layer_offset");
    j->units = sym(s, "layer_units");
    if (!j->infer || !j->offset || !j->units) {
        free(j);
        on_tcc_error(&log, "the API symbols " JIT_PREFIX "_infer_mask, _layer_offset or "
                           "_layer_units are missing");
        return refused(name, s, &log, "found no entry point in");
    }
    free(log.text);
    j->n_in = n_in;
    j->n_out = n_out;
    j->n_layers = n_layers;
    for (int i = 0; i < n_layers; i++) j->mask_size += j->units[i];
    return j;
}

jit_model *jit_compile(const ir_program *p, double *ms)
{
    double t0 = clk_ms();
    char *src = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&src, &len);
    if (!f) {
        diag_fatal_msg("out of memory emitting model '%s'", p->name);
        return NULL;
    }
    emit_opts eo = {JIT_PREFIX, NULL};
    int bad = emit_c(p, &eo, f, f);
    if (fclose(f) || !src) bad = 1;
    jit_model *j = bad ? NULL : jit_compile_source(p->name, src, p->n_in, p->n_out, p->n_layers);
    free(src);
    if (ms) *ms = clk_ms() - t0;
    return j;
}

void jit_free(jit_model *j)
{
    if (!j) return;
    tcc_delete(j->s);
    free(j);
}

int jit_infer(const jit_model *j, const float *in, float *out, int *open, unsigned char *mask)
{
    if (out) return j->infer(in, out, open, mask);
    float *scratch = malloc((size_t)j->n_out * sizeof *scratch);
    if (!scratch) return -1;
    int c = j->infer(in, scratch, open, mask);
    free(scratch);
    return c;
}

int jit_n_in(const jit_model *j) { return j->n_in; }
int jit_n_out(const jit_model *j) { return j->n_out; }
int jit_n_layers(const jit_model *j) { return j->n_layers; }
int jit_mask_size(const jit_model *j) { return j->mask_size; }
const int *jit_layer_offset(const jit_model *j) { return j->offset; }
const int *jit_layer_units(const jit_model *j) { return j->units; }
