/* emit_util: the small printing pieces every part of the emitter uses:
 * exact float literals, safe string literals, arrays, activations. */
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include "emit_int.h"

void em_printf(em *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(e->f, fmt, ap);
    va_end(ap);
}

/* %a round-trips exactly; "f" keeps the literal a float. -0 prints as
 * -0x0p+0f, which is -0.0f. Non-finite values cannot be written as a
 * constant expression every compiler takes, so they are refused. */
const char *em_fstr(em *e, float v)
{
    if (!isfinite(v)) {
        e->bad = 1;
        return "0.0f";
    }
    return ar_printf(&e->a, "%af", (double)v);
}

/* Weights go straight to the file: no arena string per value. */
void em_float(em *e, float v)
{
    if (!isfinite(v)) {
        e->bad = 1;
        fputs("0.0f", e->f);
        return;
    }
    fprintf(e->f, "%af", (double)v);
}

/* Octal escapes are always three digits, so the next character can never
 * extend one; escaping '?' rules out trigraphs. */
void em_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c < 0x20 || *c > 0x7e || *c == '"' || *c == '\\' || *c == '?')
            fprintf(f, "\\%03o", *c);
        else
            fputc(*c, f);
    }
    fputc('"', f);
}

void em_ident(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        fputc(ok ? c : '_', f);
    }
}

const char *em_name(em *e, int layer, const char *what)
{
    return ar_printf(&e->a, "%s_l%d_%s", e->pre, layer, what);
}

const char *em_idx_type(int n) { return n <= 65536 ? "uint16_t" : "int32_t"; }

enum { PER_LINE = 6 };

static void row(em *e, const float *v, int n, const char *ind)
{
    for (int i = 0; i < n; i++) {
        if (i % PER_LINE == 0) em_printf(e, "%s%s", i ? "\n" : "", ind);
        else fputc(' ', e->f);
        em_float(e, v[i]);
        if (i + 1 < n) fputc(',', e->f);
    }
}

/* cols == 0: a vector of rows values. Callers never pass an empty array. */
void em_farray(em *e, const char *name, const float *v, int rows, int cols)
{
    if (cols == 0) {
        em_printf(e, "static const float %s[%d] = {\n", name, rows);
        row(e, v, rows, "    ");
        em_printf(e, "\n};\n");
        return;
    }
    em_printf(e, "static const float %s[%d][%d] = {\n", name, rows, cols);
    for (int r = 0; r < rows; r++) {
        const char *end = r + 1 < rows ? "," : "";
        if (cols <= PER_LINE) { /* short rows on one line */
            em_printf(e, "    {");
            row(e, v + (long)r * cols, cols, "");
            em_printf(e, "}%s\n", end);
            continue;
        }
        em_printf(e, "    {\n");
        row(e, v + (long)r * cols, cols, "        ");
        em_printf(e, "\n    }%s\n", end);
    }
    em_printf(e, "};\n");
}

/* Values in 0..range-1, typed to fit. */
void em_iarray(em *e, const char *name, const int *v, int n, int range)
{
    em_printf(e, "static const %s %s[%d] = {", em_idx_type(range), name, n);
    for (int i = 0; i < n; i++) em_printf(e, "%s%d%s", i % 16 ? " " : "\n    ", v[i], i + 1 < n ? "," : "");
    em_printf(e, "\n};\n");
}

void em_act(em *e, mdl_act act, const char *x)
{
    switch (act) {
    case ACT_IDENTITY: em_printf(e, "%s", x); return;
    case ACT_RELU: em_printf(e, "(%s > 0.0f ? %s : 0.0f)", x, x); return;
    case ACT_GELU: em_printf(e, "0.5f * %s * (1.0f + %s_erf(%s * 0.70710678f))", x, e->pre, x); return;
    case ACT_GELU_TANH:
        em_printf(e, "0.5f * %s * (1.0f + tanhf(0.7978845608f * (%s + 0.044715f * %s * %s * %s)))",
                  x, x, x, x, x);
        return;
    case ACT_SIGMOID: em_printf(e, "1.0f / (1.0f + expf(-%s))", x); return;
    case ACT_TANH: em_printf(e, "tanhf(%s)", x); return;
    }
    em_printf(e, "%s", x);
}
