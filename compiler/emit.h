/* emit: the IR as self-contained C99 source (one .c, one .h).
 *
 * The generated code needs only <stdint.h> and <math.h>, allocates nothing,
 * has no mutable globals and compiles warning-free with gcc -std=c99 -Wall
 * -Wextra -pedantic and with tcc. Weights are static const float arrays in
 * C99 hex floats (exact). Every external symbol and macro starts with the
 * prefix (macros with it upper-cased); everything else is static. Output is
 * a pure function of the IR and the options: byte-identical on every run.
 *
 * API of the generated code (PFX = prefix, P = upper-case prefix):
 *   P_N_INPUT, P_N_OUTPUT, P_N_LAYERS
 *   int PFX_infer(const float *in, float *out);            returns the argmax
 *   int PFX_infer_open(const float *in, float *out, int *open_units);
 *   extern const char *const PFX_layer_names[P_N_LAYERS];
 *   extern const int PFX_layer_units[P_N_LAYERS];
 *   extern const char *const PFX_labels[P_N_OUTPUT];       when the model has labels */
#ifndef DGC_EMIT_H
#define DGC_EMIT_H
#include <stdio.h>
#include "ir.h"

typedef struct emit_opts {
    const char *prefix;      /* C identifier; NULL: the model name */
    const char *header_name; /* what the .c #includes; NULL: no #include, the
                              * .c carries the declarations itself (for the JIT) */
} emit_opts;

/* Writes the .c to c_out and the header to h_out (h_out may be NULL, or
 * c_out itself when header_name is NULL: the .c then holds everything).
 * Returns 0, or -1 after a diagnostic when the prefix or header name is
 * unusable or a constant is not finite (nothing sensible can be emitted). */
int emit_c(const ir_program *p, const emit_opts *o, FILE *c_out, FILE *h_out);

#endif
