/* calib: the interpreter is the one definition of which units open, so
 * calibration asks it, in model order, and the IR passes map through
 * unit_index. Rows come through wfile (.npy) until the dataset readers
 * (data.h) are on this branch. */
#include <string.h>
#include "calib.h"
#include "diag.h"
#include "interp.h"
#include "wfile.h"

static int dynamic(const mdl_op *op)
{
    return op->kind == OP_DENSE && (op->gate.kind == GATE_LINEAR || op->gate.kind == GATE_LOWRANK);
}

void calib_run(arena *a, const mdl_model *m, const float *x, int n, ir_calib *c)
{
    c->n_samples = n;
    c->n_layers = m->n_ops;
    c->open = ar_array(a, (size_t)(m->n_ops > 0 ? m->n_ops : 1), sizeof *c->open);
    for (int l = 0; l < m->n_ops; l++)
        if (dynamic(&m->ops[l]))
            c->open[l] = ar_alloc(a, (size_t)n * (size_t)m->ops[l].n_out + 1);
    for (int s = 0; s < n; s++) {
        arena scratch; /* one result at a time: the big models' are large */
        ar_init(&scratch);
        interp_result r;
        interp_run(&scratch, m, x + (long)s * m->n_in, &r);
        for (int l = 0; l < m->n_ops; l++)
            if (c->open[l])
                memcpy(c->open[l] + (long)s * m->ops[l].n_out, r.layers[l].open,
                       (size_t)m->ops[l].n_out);
        ar_free(&scratch);
    }
}

int calib_load(arena *a, const mdl_model *m, const char *path, ir_calib *c)
{
    char err[256];
    wf_set set = {0};
    if (wf_load(a, path, &set, err, sizeof err)) {
        diag_fatal_msg("calibration file '%s': %s", path, err);
        return -1;
    }
    const wf_tensor *t = set.n == 1 ? &set.t[0] : NULL;
    if (!t) {
        diag_fatal_msg("calibration file '%s': expected one array of inputs, found %d", path, set.n);
        return -1;
    }
    long rows = t->ndim >= 2 ? (long)t->shape[0] : 1;
    long dim = rows > 0 ? (long)(t->count / (size_t)rows) : 0;
    if (rows < 1 || dim != m->n_in) {
        diag_fatal_msg("calibration file '%s': rows of %ld values, model '%s' takes %d", path, dim,
                       m->name, m->n_in);
        return -1;
    }
    calib_run(a, m, t->data, rows < CALIB_MAX_ROWS ? (int)rows : CALIB_MAX_ROWS, c);
    return 0;
}
