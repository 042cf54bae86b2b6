/* wfile: tensors from weight files next to a model.
 * Formats: NumPy .npy (one tensor, named after the file's basename without
 * ".npy"), .npz (zip of .npy members, stored or deflated; member "a/b.npy" is
 * tensor "a/b"), and .safetensors (names from its JSON header).
 * Every dtype is converted to float32; values are copied into the arena. */
#ifndef DGC_WFILE_H
#define DGC_WFILE_H
#include <stddef.h>
#include <stdint.h>
#include "arena.h"

enum { WF_MAX_DIMS = 8 };

typedef struct wf_tensor {
    const char *name;
    const char *file;      /* path it was read from */
    const char *dtype;     /* as the file spells it: "<f4", "F64", ... */
    int ndim;
    int64_t shape[WF_MAX_DIMS];
    size_t count;          /* product of shape (1 for a 0-d tensor) */
    float *data;           /* row-major (C order) float32 */
    int converted;         /* 1 when the source dtype was not float32 */
} wf_tensor;

typedef struct wf_set {
    int n, cap;
    wf_tensor *t;
} wf_set;

/* Load every tensor of one file into set. Returns 0 on success; on failure
 * returns -1 and writes a one-line reason (no file name, no newline) to err,
 * e.g. "not a .npy file (bad magic)" or "tensor 'fc1.weight': dtype 'I8' is
 * not supported". Never crashes on malformed or truncated input; sizes in
 * headers are checked against the file size before anything is allocated. */
int wf_load(arena *a, const char *path, wf_set *set, char *err, size_t errlen);
/* The same for a .npy file whose bytes p[0..n) the caller has read already
 * (path still names the tensor), so nothing is read twice. */
int wf_load_npy_bytes(arena *a, const char *path, const unsigned char *p, size_t n, wf_set *set,
                      char *err, size_t errlen);

/* NULL when absent. Names are matched exactly. */
const wf_tensor *wf_find(const wf_set *set, const char *name);

#endif
