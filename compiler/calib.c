/* calib: the interpreter is the one definition of which units open, so
 * calibration asks it, in model order, and the IR passes map through
 * unit_index. Rows are read as `dgc run` reads them (data.h). */
#include <string.h>
#include "calib.h"
#include "data.h"
#include "diag.h"
#include "interp.h"

void calib_run(arena *a, const mdl_model *m, const float *x, int n, ir_calib *c)
{
    c->n_samples = n;
    c->n_layers = m->n_ops;
    c->open = ar_array(a, (size_t)(m->n_ops > 0 ? m->n_ops : 1), sizeof *c->open);
    for (int l = 0; l < m->n_ops; l++)
        if (m->ops[l].kind == OP_DENSE && mdl_gate_dynamic(m->ops[l].gate.kind))
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
    data_set ds;
    if (data_load(a, path, 0, CALIB_MAX_ROWS, &ds, err, sizeof err)) {
        diag_fatal_msg("calibration file '%s': %s", path, err);
        return -1;
    }
    if (ds.dim != m->n_in) {
        diag_fatal_msg("calibration file '%s': rows of %d value%s, model '%s' takes %d", path, ds.dim,
                       diag_s(ds.dim), m->name, m->n_in);
        return -1;
    }
    calib_run(a, m, ds.x, (int)ds.rows, c);
    return 0;
}
