/* agree: the comparison rule of docs/testing.md, in one place for every
 * test that checks compiled code against the interpreter. */
#include "agree.h"
#include <math.h>
#include <stdio.h>

static int near_equal(double got, double ref)
{
    return fabs(got - ref) <= AGREE_TOL * fmax(1.0, fabs(ref));
}

agree_verdict agree_check(const mdl_model *m, const interp_result *ref, const float *out, int cls,
                          const int *open, const unsigned char *mask, char *why, size_t whylen)
{
    char dummy[1];
    if (!why) why = dummy, whylen = sizeof dummy;
    int tainted = 0;
    const unsigned char *mk = mask;
    for (int l = 0; l < m->n_ops; mk += m->ops[l++].n_out) {
        const interp_layer *L = &ref->layers[l];
        int count = 0, flip = 0;
        for (int j = 0; j < L->n; j++) {
            count += mk[j];
            if (mk[j] == L->open[j]) continue;
            if (!tainted && !L->near[j]) {
                snprintf(why, whylen, "layer %s unit %d: %s, reference %s (not near)",
                         m->ops[l].name, j, mk[j] ? "open" : "closed", L->open[j] ? "open" : "closed");
                return AGREE_BAD;
            }
            flip = 1;
        }
        if (flip) return AGREE_FLIP;
        if (count != open[l]) {
            snprintf(why, whylen, "layer %s: open count %d but mask has %d", m->ops[l].name,
                     open[l], count);
            return AGREE_BAD;
        }
        tainted |= L->n_near > 0;
    }
    if (ref->n_near) return AGREE_NEAR;
    if (!agree_class(ref, m->n_out, cls)) {
        snprintf(why, whylen, "class %d, reference %d", cls, ref->cls);
        return AGREE_BAD;
    }
    for (int k = 0; k < m->n_out; k++)
        if (!near_equal(out[k], ref->out[k])) {
            snprintf(why, whylen, "out[%d] = %.9g, reference %.9g", k, (double)out[k], ref->out[k]);
            return AGREE_BAD;
        }
    return AGREE_OK;
}

int agree_class(const interp_result *ref, int n_out, int cls)
{
    if (cls == ref->cls) return 1;
    if (cls < 0 || cls >= n_out) return 0;
    /* another order of float sums may rank two outputs this close either way */
    return near_equal(ref->out[cls], ref->out[ref->cls]);
}

void agree_count(agree_tally *t, agree_verdict v)
{
    t->runs++;
    switch (v) {
    case AGREE_OK: t->ok++; break;
    case AGREE_NEAR: t->near++; break;
    case AGREE_FLIP: t->flips++; break;
    case AGREE_BAD: t->bad++; break;
    }
}
