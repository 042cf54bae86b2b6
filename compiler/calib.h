/* calib: calibration masks for unit permutation and layout choice: the
 * reference interpreter's gate decisions over sample inputs (a dataset
 * file of raw features, one row per input). */
#ifndef DGC_CALIB_H
#define DGC_CALIB_H
#include "arena.h"
#include "ir.h"
#include "model.h"

enum { CALIB_MAX_ROWS = 1000 }; /* more adds compile time, not better tiles */

/* Reads up to CALIB_MAX_ROWS rows of m->n_in features from path (any input
 * file data.h reads: CSV, .npy, IDX, gzip'd or not) and fills c. Returns 0,
 * or -1 after a diagnostic. */
int calib_load(arena *a, const mdl_model *m, const char *path, ir_calib *c);
/* The masks of n rows of features x[n][m->n_in]. */
void calib_run(arena *a, const mdl_model *m, const float *x, int n, ir_calib *c);

#endif
