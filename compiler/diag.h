/* diag: the one place diagnostics are printed.
 * Format, as gcc and clang print it:
 *   file:line:col: error: message
 *       3 |     activation relux;
 *         |                ^~~~~
 * Errors without a source position print "file: error: message" or
 * "dgc: error: message". */
#ifndef DGC_DIAG_H
#define DGC_DIAG_H
#include <stdio.h>

typedef struct dg_loc {
    const char *file; /* NULL: no file */
    int line, col;    /* 1-based; 0: unknown */
    int len;          /* characters underlined on that line; 0: just a caret */
} dg_loc;

enum { DIAG_MAX_ERRORS = 20 };

void diag_init(FILE *out);              /* stderr if NULL; resets counts */
/* Register a file's text so diagnostics can quote its lines.
 * The text must stay alive until diagnostics are done. */
void diag_source(const char *file, const char *text, size_t len);
void diag_error(dg_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void diag_warning(dg_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void diag_note(dg_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* An error that belongs to no file (bad option, I/O). */
void diag_fatal_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int diag_errors(void);
int diag_too_many(void); /* DIAG_MAX_ERRORS reached: callers stop early */
dg_loc diag_loc(const char *file, int line, int col, int len);
dg_loc diag_noloc(const char *file);

/* "s" unless n is 1: "%d input%s", n, diag_s(n). */
static inline const char *diag_s(long n) { return n == 1 ? "" : "s"; }

#endif
