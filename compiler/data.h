/* data: input vectors for `dgc run`, `dgc eval` and the REPL.
 * Formats: CSV (one row per line, numbers separated by commas or blanks;
 * a header line of words is skipped; '#' comments), NumPy .npy (1-D: one
 * row; 2-D or more: rows x the product of the other dims), and IDX as
 * Fashion-MNIST ships it (gzip'd or not; ubyte/sbyte/short/int/float/double;
 * images become rows of raw pixel values 0..255, as floats). Labels: an IDX
 * label file (idx1) or a .npy/.csv column of integers. */
#ifndef DGC_DATA_H
#define DGC_DATA_H
#include <stddef.h>
#include "arena.h"

typedef struct data_set {
    const char *path;
    long rows;         /* rows loaded */
    long first;        /* index of the first loaded row in the file */
    long total;        /* rows in the file */
    int dim;           /* values per row */
    float *x;          /* [rows][dim] */
    int *labels;       /* [rows] or NULL */
} data_set;

/* Loads rows [first, first + limit) (limit < 0: to the end). Returns 0, or
 * -1 with a one-line reason in err (e.g. "row 3 has 5 values, expected 784"). */
int data_load(arena *a, const char *path, long first, long limit, data_set *out, char *err,
              size_t errlen);
/* Attaches labels from a file to the rows ds holds: the file must have one
 * label per row of ds's file (ds->total), each a class index >= 0; the
 * labels of rows ds->first .. ds->first + ds->rows are kept. A 1-D .npy is
 * a column here, one label per row. */
int data_load_labels(arena *a, const char *path, data_set *ds, char *err, size_t errlen);

#endif
