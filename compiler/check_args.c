/* check_args: statement and argument helpers shared by the checker. */
#include <math.h>
#include <string.h>
#include "check_int.h"
#include "suggest.h"

static void list_choices(char *buf, size_t n, const char *const *ch, int count)
{
    size_t w = 0;
    buf[0] = 0;
    for (int i = 0; i < count && w < n; i++)
        w += (size_t)snprintf(buf + w, n - w, "%s%s", i ? ", " : "", ch[i]);
}

void chk_unknown(const ast_stmt *s, const char *what, const char *const *keys, int n)
{
    const char *near = sg_closest(s->key, keys, n);
    char list[256];
    list_choices(list, sizeof list, keys, n);
    if (near)
        diag_error(s->loc, "unknown statement '%s' in %s; did you mean '%s'?", s->key, what, near);
    else
        diag_error(s->loc, "unknown statement '%s' in %s; expected one of: %s", s->key, what, list);
}

int chk_scan_block(chk *c, const ast_stmt *first, chk_block *b)
{
    int ok = 1;
    b->seen = ar_array(c->a, (size_t)b->nkeys, sizeof *b->seen);
    for (const ast_stmt *s = first; s; s = s->next) {
        int k = 0;
        while (k < b->nkeys && strcmp(b->keys[k], s->key)) k++;
        if (k == b->nkeys) {
            chk_unknown(s, b->what, b->keys, b->nkeys);
            ok = 0;
        } else if (b->seen[k]) {
            diag_error(s->loc, "duplicate '%s' in %s", s->key, b->what);
            diag_note(b->seen[k]->loc, "first given here");
            ok = 0;
        } else {
            b->seen[k] = s;
        }
    }
    return ok;
}

const ast_stmt *chk_get(const chk_block *b, const char *key)
{
    for (int k = 0; k < b->nkeys; k++)
        if (!strcmp(b->keys[k], key)) return b->seen[k];
    return NULL;
}

int chk_nargs(const ast_stmt *s, int lo, int hi)
{
    if (s->nargs >= lo && s->nargs <= hi) return 1;
    dg_loc at = s->nargs > hi ? s->args[hi]->loc : s->loc;
    int prev_line = hi > 0 ? s->args[hi - 1]->loc.line : s->loc.line;
    if (s->nargs > hi && at.line > prev_line) {
        diag_error(at, "expected ';' at the end of line %d, before '%s'", prev_line,
                   s->args[hi]->kind == AV_WORD ? s->args[hi]->text : "this");
        return 0;
    }
    if (lo == hi)
        diag_error(at, "'%s' takes %d argument%s, not %d", s->key, lo, diag_s(lo),
                   s->nargs);
    else
        diag_error(at, "'%s' takes %d to %d arguments, not %d", s->key, lo, hi, s->nargs);
    return 0;
}

int chk_no_block(const ast_stmt *s)
{
    if (!s->has_block) return 1;
    diag_error(s->loc, "'%s' takes no block", s->key);
    return 0;
}

static const char *kind_name(ast_val_kind k)
{
    static const char *const names[] = {"a word", "an integer", "a number", "a string",
                                        "a shape", "an array"};
    return names[k];
}

int chk_int(const ast_val *v, const char *what, long lo, long hi, long *out)
{
    if (v->kind != AV_INT) {
        diag_error(v->loc, "%s must be an integer, not %s", what, kind_name(v->kind));
        return 0;
    }
    if (!(v->num >= (double)lo && v->num <= (double)hi)) {
        diag_error(v->loc, "%s must be between %ld and %ld, not %s", what, lo, hi, v->text);
        return 0;
    }
    *out = (long)v->num;
    return 1;
}

int chk_num(const ast_val *v, const char *what, double *out)
{
    if (v->kind != AV_INT && v->kind != AV_FLOAT) {
        diag_error(v->loc, "%s must be a number, not %s", what, kind_name(v->kind));
        return 0;
    }
    *out = v->num;
    return 1;
}

int chk_word(const ast_val *v, const char *what, const char *const *choices, int n)
{
    char list[256];
    list_choices(list, sizeof list, choices, n);
    if (v->kind != AV_WORD) {
        diag_error(v->loc, "expected %s (%s), not %s", what, list, kind_name(v->kind));
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (!strcmp(v->text, choices[i])) return i;
    const char *near = sg_closest(v->text, choices, n);
    if (near)
        diag_error(v->loc, "unknown %s '%s'; did you mean '%s'?", what, v->text, near);
    else
        diag_error(v->loc, "unknown %s '%s'; expected one of: %s", what, v->text, list);
    return -1;
}

int chk_act(const ast_val *v, mdl_act *out)
{
    static const char *const acts[] = {"identity", "relu", "gelu", "gelu_tanh", "sigmoid", "tanh"};
    int i = chk_word(v, "activation", acts, 6);
    if (i < 0) return 0;
    *out = (mdl_act)i;
    return 1;
}

/* --- tensors ----------------------------------------------------------- */

static void shape_str(char *buf, size_t n, int ndim, const long *d)
{
    size_t w = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < ndim && w < n; i++)
        w += (size_t)snprintf(buf + w, n - w, "%s%ld", i ? ", " : "", d[i]);
    if (w < n) snprintf(buf + w, n - w, "]");
}

/* Shape of a nested inline array, read down its first elements. */
static int array_shape(const ast_val *v, long *dims, int *ndim)
{
    *ndim = 0;
    for (const ast_val *cur = v; cur->kind == AV_ARRAY; cur = cur->items[0]) {
        if (*ndim == 4) {
            diag_error(v->loc, "array nested deeper than 4 levels");
            return 0;
        }
        if (cur->nitems == 0) {
            diag_error(cur->loc, "empty array");
            return 0;
        }
        dims[(*ndim)++] = cur->nitems;
    }
    return 1;
}

/* Every row must have the shape of the first. */
static int array_regular(const ast_val *v, int depth, const long *dims, int ndim)
{
    if (v->nitems != dims[depth]) {
        diag_error(v->loc, "expected %ld values in this row, found %d", dims[depth], v->nitems);
        return 0;
    }
    for (int i = 0; i < v->nitems; i++) {
        const ast_val *it = v->items[i];
        int want_array = depth + 1 < ndim;
        if ((it->kind == AV_ARRAY) != want_array) {
            diag_error(it->loc, want_array ? "expected a nested array here"
                                           : "expected a number here, not an array");
            return 0;
        }
        if (want_array && !array_regular(it, depth + 1, dims, ndim)) return 0;
    }
    return 1;
}

static void array_flatten(const ast_val *v, float *out, size_t *k)
{
    for (int i = 0; i < v->nitems; i++) {
        if (v->items[i]->kind == AV_ARRAY) array_flatten(v->items[i], out, k);
        else out[(*k)++] = v->items[i]->fnum;
    }
}

static const float *inline_tensor(chk *c, const ast_val *v, const char *what, int ndim,
                                  const long *want)
{
    long dims[4] = {0};
    int nd = 0;
    if (!array_shape(v, dims, &nd) || !array_regular(v, 0, dims, nd)) return NULL;
    if (nd != ndim || memcmp(dims, want, (size_t)ndim * sizeof *dims)) {
        char got[96], exp[96];
        shape_str(got, sizeof got, nd, dims);
        shape_str(exp, sizeof exp, ndim, want);
        diag_error(v->loc, "%s has shape %s; expected %s", what, got, exp);
        return NULL;
    }
    size_t count = 1;
    for (int i = 0; i < nd; i++) count *= (size_t)dims[i];
    float *out = ar_array(c->a, count, sizeof *out);
    size_t k = 0;
    array_flatten(v, out, &k);
    return out;
}

static const char *const *tensor_names(chk *c)
{
    const char **names = ar_array(c->a, (size_t)c->weights.n + 1, sizeof *names);
    for (int i = 0; i < c->weights.n; i++) names[i] = c->weights.t[i].name;
    return names;
}

static const float *named_tensor(chk *c, const ast_val *v, const char *what, int ndim,
                                 const long *want)
{
    const wf_tensor *t = wf_find(&c->weights, v->text);
    if (!t) {
        /* the file that failed to load was reported; its tensors would only repeat it */
        if (c->weights_bad) return NULL;
        const char *near = sg_closest(v->text, tensor_names(c), c->weights.n);
        if (c->weights.n == 0)
            diag_error(v->loc, "tensor '%s' not found: the model names no weights file", v->text);
        else if (near)
            diag_error(v->loc, "tensor '%s' not found in the weights files; did you mean '%s'?",
                       v->text, near);
        else
            diag_error(v->loc, "tensor '%s' not found in the weights files", v->text);
        return NULL;
    }
    long dims[WF_MAX_DIMS];
    for (int i = 0; i < t->ndim; i++) dims[i] = (long)t->shape[i];
    if (t->ndim != ndim || memcmp(dims, want, (size_t)ndim * sizeof *dims)) {
        char got[128], exp[96];
        shape_str(got, sizeof got, t->ndim, dims);
        shape_str(exp, sizeof exp, ndim, want);
        diag_error(v->loc, "tensor '%s' (%s) has shape %s; %s needs %s", t->name, t->file, got,
                   what, exp);
        return NULL;
    }
    for (size_t i = 0; i < t->count; i++) {
        if (isfinite(t->data[i])) continue;
        const char *bad = isnan(t->data[i]) ? "NaN" : "an infinity";
        if (ndim == 2)
            diag_error(v->loc, "tensor '%s' has %s at index [%zu, %zu]", t->name, bad,
                       i / (size_t)want[1], i % (size_t)want[1]);
        else
            diag_error(v->loc, "tensor '%s' has %s at index [%zu]", t->name, bad, i);
        return NULL;
    }
    return t->data;
}

const float *chk_tensor(chk *c, const ast_stmt *s, int i, const char *what, int ndim, long d0,
                        long d1)
{
    long want[2] = {d0, d1};
    if (s->nargs <= i) {
        diag_error(s->loc, "'%s' needs a value: an array or tensor \"NAME\"", s->key);
        return NULL;
    }
    const ast_val *v = s->args[i];
    const float *data = NULL;
    if (v->kind == AV_ARRAY) {
        if (!chk_nargs(s, i + 1, i + 1)) return NULL;
        data = inline_tensor(c, v, what, ndim, want);
    } else if (v->kind == AV_WORD && !strcmp(v->text, "tensor")) {
        if (s->nargs != i + 2 || s->args[i + 1]->kind != AV_STRING) {
            diag_error(v->loc, "expected tensor \"NAME\"");
            return NULL;
        }
        data = named_tensor(c, s->args[i + 1], what, ndim, want);
    } else {
        diag_error(v->loc, "%s must be an array or tensor \"NAME\"", what);
        return NULL;
    }
    if (data) c->params += ndim == 2 ? d0 * d1 : d0;
    return data;
}

const float *chk_scalar_or_vector(chk *c, const ast_stmt *s, const char *what, long n)
{
    if (s->nargs == 1 && (s->args[0]->kind == AV_INT || s->args[0]->kind == AV_FLOAT)) {
        float *v = ar_array(c->a, (size_t)n, sizeof *v);
        for (long i = 0; i < n; i++) v[i] = s->args[0]->fnum;
        return v;
    }
    return chk_tensor(c, s, 0, what, 1, n, 0);
}
