/* check: the top level of a model and its layers. */
#include <limits.h>
#include <string.h>
#include "check.h"
#include "check_int.h"
#include "suggest.h"

const char *const chk_top_keys[CHK_N_TOP_KEYS] = {"model", "weights", "input",
                                                  "labels", "layer", "output"};

static const char *const c_keywords[] = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
    "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
    "union", "unsigned", "void", "volatile", "while", "_Bool", "_Complex", "_Imaginary"};

/* The model name becomes a C prefix: a word the lexer accepted, not a C
 * keyword, not reserved (leading underscore). */
static int model_name(const ast_stmt *s, mdl_model *m)
{
    if (!chk_nargs(s, 1, 1) || !chk_no_block(s)) return 0;
    const ast_val *v = s->args[0];
    if (v->kind != AV_WORD) {
        diag_error(v->loc, "the model name must be an identifier");
        return 0;
    }
    for (size_t i = 0; i < sizeof c_keywords / sizeof *c_keywords; i++)
        if (!strcmp(v->text, c_keywords[i])) {
            diag_error(v->loc, "the model name '%s' is a C keyword", v->text);
            return 0;
        }
    if (v->text[0] == '_') {
        diag_error(v->loc, "the model name must not start with '_' (reserved in C)");
        return 0;
    }
    m->name = v->text;
    return 1;
}

static int load_weights(chk *c, const ast_stmt *s)
{
    int ok = chk_no_block(s);
    if (s->nargs == 0) {
        diag_error(s->loc, "'weights' needs at least one file name");
        return 0;
    }
    for (int i = 0; i < s->nargs; i++) {
        const ast_val *v = s->args[i];
        if (v->kind != AV_STRING) {
            diag_error(v->loc, "a weights file must be a string");
            ok = 0;
            continue;
        }
        const char *path = v->text[0] == '/' || !c->dir ? v->text
                                                        : ar_printf(c->a, "%s/%s", c->dir, v->text);
        char err[256];
        if (wf_load(c->a, path, &c->weights, err, sizeof err)) {
            diag_error(v->loc, "cannot load weights file '%s': %s", v->text, err);
            c->weights_bad = 1;
            ok = 0;
        }
    }
    return ok;
}

static int input_stmt(chk *c, const ast_stmt *s)
{
    mdl_model *m = c->m;
    if (!chk_nargs(s, 1, 1)) return 0;
    const ast_val *v = s->args[0];
    long n = 0;
    if (v->kind == AV_SHAPE) {
        n = 1;
        for (int i = 0; i < v->ndims; i++) {
            n *= v->dims[i];
            m->shape[i] = (int)v->dims[i];
            if (n > MDL_MAX_FEATURES) break;
        }
        m->shape_rank = v->ndims;
        if (n > MDL_MAX_FEATURES) {
            diag_error(v->loc, "input has more than %d features", MDL_MAX_FEATURES);
            return 0;
        }
    } else if (!chk_int(v, "the input size", 1, MDL_MAX_FEATURES, &n)) {
        return 0;
    }
    m->n_in = (int)n;
    m->scale = 1.0;
    if (!s->has_block) return 1;
    static const char *const keys[] = {"scale", "offset", "mean", "std", "gate"};
    chk_block b = {"the input block", keys, 5, NULL};
    int ok = chk_scan_block(c, s->block, &b);
    const ast_stmt *t;
    if ((t = chk_get(&b, "scale")))
        ok &= chk_nargs(t, 1, 1) && chk_no_block(t) && chk_num(t->args[0], "scale", &m->scale);
    if ((t = chk_get(&b, "offset")))
        ok &= chk_nargs(t, 1, 1) && chk_no_block(t) && chk_num(t->args[0], "offset", &m->offset);
    if ((t = chk_get(&b, "mean")))
        ok &= chk_no_block(t) && (m->mean = chk_scalar_or_vector(c, t, "mean", n)) != NULL;
    if ((t = chk_get(&b, "std"))) {
        ok &= chk_no_block(t) && (m->std = chk_scalar_or_vector(c, t, "std", n)) != NULL;
        for (long i = 0; m->std && i < n; i++)
            if (!(m->std[i] > 0)) {
                diag_error(t->loc, "std must be > 0 (feature %ld is %g)", i, (double)m->std[i]);
                ok = 0;
                break;
            }
    }
    if (!!chk_get(&b, "mean") != !!chk_get(&b, "std")) {
        const ast_stmt *one = chk_get(&b, "mean") ? chk_get(&b, "mean") : chk_get(&b, "std");
        diag_error(one->loc, "'mean' and 'std' go together");
        ok = 0;
    }
    if ((t = chk_get(&b, "gate"))) {
        if (chk_gate(c, t, &m->in_gate, (int)n, (int)n, "the input")) {
            if (m->in_gate.kind != GATE_STATIC) {
                diag_error(t->loc, "the input takes only a static gate");
                ok = 0;
            }
        } else {
            ok = 0;
        }
    }
    return ok;
}

static int labels_stmt(chk *c, const ast_stmt *s)
{
    int ok = chk_no_block(s);
    if (s->nargs == 0) {
        diag_error(s->loc, "'labels' needs at least one string");
        return 0;
    }
    if (s->nargs > MDL_MAX_CLASSES) {
        diag_error(s->loc, "more than %d labels", MDL_MAX_CLASSES);
        return 0;
    }
    c->m->labels = ar_array(c->a, (size_t)s->nargs, sizeof *c->m->labels);
    for (int i = 0; i < s->nargs; i++) {
        if (s->args[i]->kind != AV_STRING) {
            diag_error(s->args[i]->loc, "a label must be a string");
            ok = 0;
        } else if (strlen(s->args[i]->text) != s->args[i]->len) {
            diag_error(s->args[i]->loc, "a label must not contain a NUL byte");
            ok = 0;
        }
        c->m->labels[i] = s->args[i]->text;
    }
    return ok;
}

/* layer NAME dense N { ... } / layer NAME layernorm { ... } / output NAME dense N { ... } */
static int layer_stmt(chk *c, const ast_stmt *s, int n_in, int is_output, mdl_op *op)
{
    static const char *const kinds[] = {"dense", "layernorm"};
    op->loc = s->loc;
    op->is_output = is_output;
    if (s->nargs < 2 || s->args[0]->kind != AV_WORD) {
        diag_error(s->loc, "expected: %s NAME dense UNITS { ... }", s->key);
        return 0;
    }
    op->name = s->args[0]->text;
    int kind = chk_word(s->args[1], "layer kind", kinds, is_output ? 1 : 2);
    if (kind < 0) return 0;
    op->kind = kind == 0 ? OP_DENSE : OP_LAYERNORM;
    op->n_in = n_in;
    if (!s->has_block) {
        diag_error(s->loc, "%s '%s' needs a block { ... }", s->key, op->name);
        return 0;
    }
    const char *what = ar_printf(c->a, "layer '%s'", op->name);
    if (op->kind == OP_LAYERNORM) {
        if (!chk_nargs(s, 2, 2)) return 0;
        op->n_out = n_in;
        return chk_norm_block(c, s, &op->norm, n_in, what);
    }
    long n;
    if (!chk_nargs(s, 3, 3) || !chk_int(s->args[2], "the unit count", 1, MDL_MAX_UNITS, &n))
        return 0;
    op->n_out = (int)n;
    if ((double)n * n_in > (double)MDL_MAX_PARAMS) {
        diag_error(s->args[2]->loc, "layer '%s' would have %.0f weights; the limit is %ld",
                   op->name, (double)n * n_in, MDL_MAX_PARAMS);
        return 0;
    }
    static const char *const hidden_keys[] = {"weight", "bias", "activation", "gate"};
    static const char *const out_keys[] = {"weight", "bias", "softmax"};
    chk_block b = {what, is_output ? out_keys : hidden_keys, is_output ? 3 : 4, NULL};
    int ok = chk_scan_block(c, s->block, &b);
    const ast_stmt *t;
    if ((t = chk_get(&b, "weight")))
        ok &= chk_no_block(t) && (op->W = chk_tensor(c, t, 0, "weight", 2, n, n_in)) != NULL;
    else {
        diag_error(s->loc, "layer '%s' needs 'weight'", op->name);
        ok = 0;
    }
    if ((t = chk_get(&b, "bias")))
        ok &= chk_no_block(t) && (op->b = chk_tensor(c, t, 0, "bias", 1, n, 0)) != NULL;
    op->act = ACT_IDENTITY;
    if ((t = chk_get(&b, "activation")))
        ok &= chk_nargs(t, 1, 1) && chk_no_block(t) && chk_act(t->args[0], &op->act);
    if ((t = chk_get(&b, "softmax"))) {
        ok &= chk_nargs(t, 0, 0) && chk_no_block(t);
        op->softmax = 1;
    }
    if ((t = chk_get(&b, "gate")))
        ok &= chk_gate(c, t, &op->gate, op->n_out, n_in, what);
    return ok;
}

static const ast_stmt *find_name(const ast_stmt *from, const ast_stmt *until, const char *name)
{
    for (const ast_stmt *s = from; s && s != until; s = s->next)
        if ((!strcmp(s->key, "layer") || !strcmp(s->key, "output")) && s->nargs > 0 &&
            s->args[0]->kind == AV_WORD && !strcmp(s->args[0]->text, name))
            return s;
    return NULL;
}

mdl_model *chk_model(arena *a, const ast_file *f, const char *dir)
{
    chk c = {0};
    c.a = a;
    c.dir = dir;
    mdl_model *m = c.m = ar_alloc(a, sizeof *m);
    m->path = f->path;
    m->ops = ar_array(a, MDL_MAX_OPS, sizeof *m->ops);
    int ok = 1, width = 0, have_input = 0, lost = 0;
    const ast_stmt *model = NULL, *labels = NULL, *output = NULL, *input = NULL;
    if (!f->stmts) {
        diag_error(diag_loc(f->path, 1, 1, 0), "empty model: expected 'model NAME;'");
        return NULL;
    }
    for (const ast_stmt *s = f->stmts; s && !diag_too_many(); s = s->next) {
        if (!model && strcmp(s->key, "model")) {
            diag_error(s->loc, "a model file starts with 'model NAME;'");
            return NULL;
        }
        if (output && (!strcmp(s->key, "layer") || !strcmp(s->key, "output"))) {
            diag_error(s->loc, "'%s' after the output layer", s->key);
            diag_note(output->loc, "the output layer is here; it must be last");
            ok = 0;
            continue;
        }
        if (!strcmp(s->key, "model")) {
            if (model) {
                diag_error(s->loc, "duplicate 'model'");
                ok = 0;
                continue;
            }
            model = s;
            if (!model_name(s, m)) return NULL;
        } else if (!strcmp(s->key, "weights")) {
            if (input || m->n_ops) {
                diag_error(s->loc, "'weights' must come before 'input' and the layers");
                ok = 0;
                continue;
            }
            ok &= load_weights(&c, s);
        } else if (!strcmp(s->key, "input")) {
            if (input) {
                diag_error(s->loc, "duplicate 'input'");
                diag_note(input->loc, "first given here");
                ok = 0;
                continue;
            }
            input = s;
            have_input = input_stmt(&c, s);
            ok &= have_input;
            width = m->n_in;
        } else if (!strcmp(s->key, "labels")) {
            if (labels) {
                diag_error(s->loc, "duplicate 'labels'");
                diag_note(labels->loc, "first given here");
                ok = 0;
                continue;
            }
            labels = s;
            ok &= labels_stmt(&c, s);
        } else if (!strcmp(s->key, "layer") || !strcmp(s->key, "output")) {
            int is_output = s->key[0] == 'o';
            if (lost) return NULL; /* reported; it may have been the input or a layer */
            if (!input) {
                diag_error(s->loc, "'%s' before 'input': the input size must come first", s->key);
                return NULL;
            }
            if (!have_input) return NULL; /* its error is reported; widths are unknown */
            if (m->n_ops == MDL_MAX_OPS) {
                diag_error(s->loc, "more than %d layers", MDL_MAX_OPS);
                return NULL;
            }
            if (s->nargs > 0 && s->args[0]->kind == AV_WORD) {
                const ast_stmt *prev = find_name(f->stmts, s, s->args[0]->text);
                if (prev) {
                    diag_error(s->args[0]->loc, "layer name '%s' is already used", s->args[0]->text);
                    diag_note(prev->args[0]->loc, "first used here");
                    ok = 0;
                }
            }
            mdl_op *op = &m->ops[m->n_ops++];
            if (!layer_stmt(&c, s, width, is_output, op)) {
                ok = 0;
                /* Later layers' input widths are unknown when a unit count is bad. */
                if (op->n_out <= 0) return NULL;
            }
            width = op->n_out;
            if (is_output) output = s;
            if (c.params > MDL_MAX_PARAMS) {
                diag_error(s->loc, "the model has more than %ld parameters", MDL_MAX_PARAMS);
                return NULL;
            }
        } else {
            chk_unknown(s, "a model file", chk_top_keys, CHK_N_TOP_KEYS);
            ok = 0;
            /* a mistyped input or layer leaves the widths after it unknown */
            const char *near = sg_closest(s->key, chk_top_keys, CHK_N_TOP_KEYS);
            lost |= s->has_block || (near && (!strcmp(near, "input") || !strcmp(near, "layer") ||
                                              !strcmp(near, "output")));
        }
    }
    if (!ok || diag_errors()) return NULL;
    if (!input) {
        diag_error(model->loc, "model '%s' has no 'input'", m->name);
        return NULL;
    }
    if (!output) {
        diag_error(model->loc, "model '%s' has no 'output' layer", m->name);
        return NULL;
    }
    m->n_out = m->ops[m->n_ops - 1].n_out;
    if (labels && labels->nargs != m->n_out) {
        diag_error(labels->loc, "%d label%s for %d output%s", labels->nargs, diag_s(labels->nargs), m->n_out,
                   diag_s(m->n_out));
        return NULL;
    }
    m->params = c.params;
    return m;
}
