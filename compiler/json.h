/* json: the little JSON writing dgc needs (stats, run and eval output). */
#ifndef DGC_JSON_H
#define DGC_JSON_H
#include <stdio.h>

void json_str(FILE *out, const char *s);   /* a quoted, escaped string */
void json_num(FILE *out, double v);        /* shortest round-trip; null for NaN/Inf */

#endif
