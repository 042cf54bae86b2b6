#include "diag.h"
#include <stdarg.h>
#include <string.h>

enum { DIAG_MAX_SOURCES = 32 };

static FILE *d_out;
static int d_errors, d_suppressed;
static struct { const char *file, *text; size_t len; } d_src[DIAG_MAX_SOURCES];
static int d_nsrc;

void diag_init(FILE *out)
{
    d_out = out ? out : stderr;
    d_errors = d_suppressed = 0;
    d_nsrc = 0;
}

void diag_source(const char *file, const char *text, size_t len)
{
    if (d_nsrc == DIAG_MAX_SOURCES) return;
    d_src[d_nsrc].file = file;
    d_src[d_nsrc].text = text;
    d_src[d_nsrc].len = len;
    d_nsrc++;
}

dg_loc diag_loc(const char *file, int line, int col, int len)
{
    dg_loc l = {file, line, col, len};
    return l;
}

dg_loc diag_noloc(const char *file) { return diag_loc(file, 0, 0, 0); }

enum { QUOTE_MAX = 160, QUOTE_BEFORE = 60 }; /* columns of a quoted line, before the caret */

static void quote_line(dg_loc loc)
{
    for (int i = d_nsrc - 1; i >= 0; i--) {
        if (!d_src[i].file || strcmp(d_src[i].file, loc.file)) continue;
        const char *p = d_src[i].text, *end = p + d_src[i].len;
        for (int l = 1; l < loc.line && p < end; p++)
            if (*p == '\n') l++;
        if (p >= end && loc.line > 1) return;
        const char *e = p;
        while (e < end && *e != '\n' && *e != '\r') e++;
        int width = (int)(e - p);
        /* A long line (a weight matrix on one line) is quoted around the column. */
        int from = 0, to = width;
        if (width > QUOTE_MAX) {
            from = loc.col - 1 > QUOTE_BEFORE ? loc.col - 1 - QUOTE_BEFORE : 0;
            if (from > width - QUOTE_MAX) from = width - QUOTE_MAX;
            to = from + QUOTE_MAX;
        }
        fprintf(d_out, "%5d | %s", loc.line, from ? "..." : "");
        for (const char *q = p + from; q < p + to; q++)
            fputc((*q == '\t' || (unsigned char)*q >= 0x20) ? *q : ' ', d_out);
        fprintf(d_out, "%s\n      | %s", to < width ? "..." : "", from ? "   " : "");
        /* Keep tabs in the caret line so the caret lines up under them. */
        for (int c = from + 1; c < loc.col && c <= to; c++)
            fputc(p[c - 1] == '\t' ? '\t' : ' ', d_out);
        fputc('^', d_out);
        for (int c = 1; c < loc.len && loc.col + c <= to; c++) fputc('~', d_out);
        fputc('\n', d_out);
        return;
    }
}

static void vreport(const char *kind, dg_loc loc, const char *fmt, va_list ap)
{
    if (!d_out) d_out = stderr;
    if (loc.file && loc.line > 0)
        fprintf(d_out, "%s:%d:%d: %s: ", loc.file, loc.line, loc.col, kind);
    else if (loc.file)
        fprintf(d_out, "%s: %s: ", loc.file, kind);
    else
        fprintf(d_out, "dgc: %s: ", kind);
    vfprintf(d_out, fmt, ap);
    fputc('\n', d_out);
    if (loc.file && loc.line > 0) quote_line(loc);
}

void diag_error(dg_loc loc, const char *fmt, ...)
{
    if (d_errors >= DIAG_MAX_ERRORS) {
        d_suppressed++;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vreport("error", loc, fmt, ap);
    va_end(ap);
    if (++d_errors == DIAG_MAX_ERRORS)
        fprintf(d_out ? d_out : stderr, "dgc: too many errors; stopping\n");
}

void diag_warning(dg_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport("warning", loc, fmt, ap);
    va_end(ap);
}

void diag_note(dg_loc loc, const char *fmt, ...)
{
    if (d_errors >= DIAG_MAX_ERRORS) return;
    va_list ap;
    va_start(ap, fmt);
    vreport("note", loc, fmt, ap);
    va_end(ap);
}

void diag_fatal_msg(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport("error", diag_noloc(NULL), fmt, ap);
    va_end(ap);
    d_errors++;
}

int diag_errors(void) { return d_errors; }
int diag_too_many(void) { return d_errors >= DIAG_MAX_ERRORS; }
