/* emit_dir: the files a test or benchmark writes into its temporary
 * directory before building the emitted C there with a driver. */
#ifndef DGC_EMIT_DIR_H
#define DGC_EMIT_DIR_H
#include <stddef.h>
#include "ir.h"

/* Writes DIR/PRE.c and DIR/PRE.h, symbols prefixed PRE, the C including
 * "PRE.h" (as `dgc -o DIR/PRE.c --prefix PRE` would): 0, or -1. */
int ed_emit(const ir_program *p, const char *dir, const char *pre);
/* Writes DIR/NAME holding the n bytes at data (a driver's text, inputs): 0, or -1. */
int ed_write(const char *dir, const char *name, const void *data, size_t n);

#endif
