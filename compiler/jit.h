/* jit: compiles the emitter's C in memory with libtcc (Debian's 0.9.27)
 * and calls it. Emitted C that tcc refuses is a dgc bug: it is reported as
 * "internal error" through diag with tcc's messages, never a crash. */
#ifndef DGC_JIT_H
#define DGC_JIT_H
#include "ir.h"

typedef struct jit_model jit_model;

/* NULL on failure (reported). ms, when not NULL, receives the time spent
 * emitting and compiling, in milliseconds. */
jit_model *jit_compile(const ir_program *p, double *ms);
void jit_free(jit_model *j);

/* Runs one input: out[n_out], open[n_layers] and mask[mask_size] may be
 * NULL. Returns the predicted class. */
int jit_infer(const jit_model *j, const float *in, float *out, int *open, unsigned char *mask);

int jit_n_in(const jit_model *j);
int jit_n_out(const jit_model *j);
int jit_n_layers(const jit_model *j);
int jit_mask_size(const jit_model *j);
const int *jit_layer_offset(const jit_model *j); /* [n_layers] */
const int *jit_layer_units(const jit_model *j);  /* [n_layers] */

/* The compile step alone, for tests: src is C that must define the API of
 * emit.h under the prefix JIT_PREFIX (as jit_compile emits it); sizes are
 * the model's. name names the model in messages. */
#define JIT_PREFIX "dgc_jit"
jit_model *jit_compile_source(const char *name, const char *src, int n_in, int n_out,
                              int n_layers);

#endif
