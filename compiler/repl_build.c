/* repl_build: the session's model. Every change (load, reload, a typed
 * declaration, a set) builds a whole new model - front end, settings, IR,
 * JIT - in a fresh arena, and replaces the current one only when all of it
 * succeeded, so a failed change leaves the session as it was. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ast.h"
#include "front.h"
#include "repl_int.h"
#include "suggest.h"

/* The name diagnostics give a model assembled at the prompt. */
#define SESSION_NAME "<session>"
#define PROMPT_NAME "<prompt>"

void rb_free(repl_build *b)
{
    if (!b) return;
    ev_release(&b->em);
    arena a = b->a; /* b lives in its own arena */
    ar_free(&a);
}

static repl_build *new_build(void)
{
    arena a;
    ar_init(&a);
    repl_build *b = ar_alloc(&a, sizeof *b);
    b->a = a;
    return b;
}

static const char *what_name(rs_what w)
{
    return w == RS_THRESHOLD ? "threshold" : w == RS_TEMPERATURE ? "temperature" : "k";
}

/* Re-applies the session's settings; one that no longer fits the model (its
 * layer was replaced) is dropped with a note. */
static void apply_settings(repl *r, mdl_model *m)
{
    int kept = 0;
    for (int i = 0; i < r->n_set; i++) {
        repl_setting *s = &r->set[i];
        mdl_op *op = NULL;
        for (int j = 0; j < m->n_ops; j++)
            if (!strcmp(m->ops[j].name, s->layer)) op = &m->ops[j];
        mdl_gate *g = op ? &op->gate : NULL;
        if (!g || g->kind == GATE_NONE ||
            (s->what == RS_TEMPERATURE && g->decide == DECIDE_TOPK) ||
            (s->what == RS_K && !s->frac && s->v > g->n)) {
            fprintf(stderr, "dgc: note: setting %s %s %g dropped: the layer changed\n", s->layer,
                    what_name(s->what), s->v);
            continue;
        }
        if (s->what == RS_THRESHOLD) {
            g->decide = DECIDE_THRESHOLD;
            g->thr = s->v;
        } else if (s->what == RS_TEMPERATURE) {
            g->tau = s->v;
        } else {
            /* A fraction resolves as the language says: floor(f n), at least 1. */
            int k = s->frac ? (int)(s->v * g->n) : (int)s->v;
            g->decide = DECIDE_TOPK;
            g->k = k < 1 ? 1 : k;
            g->min_keep = 0;
        }
        r->set[kept++] = *s;
    }
    r->n_set = kept;
}

static repl_build *build_text(repl *r, const char *name, const char *text)
{
    repl_build *b = new_build();
    char *copy = ar_strdup(&b->a, text); /* diag quotes it while b lives */
    b->m = front_load_text(&b->a, name, copy, strlen(copy), r->dir ? r->dir : ".");
    if (!b->m) {
        rb_free(b);
        return NULL;
    }
    apply_settings(r, b->m);
    if (ev_compile(&b->a, b->m, &b->em)) {
        rb_free(b);
        return NULL;
    }
    metrics_acc_init(&b->a, &b->acc, b->m);
    return b;
}

static void install(repl *r, repl_build *b)
{
    rb_free(r->b);
    r->b = b;
    r->last_in = NULL;
}

static void report(const repl_build *b, const char *verb)
{
    const mdl_model *m = b->m;
    printf("%s %s: %d input%s, %d output%s, %d layer%s", verb, m->name, m->n_in, diag_s(m->n_in), m->n_out,
           diag_s(m->n_out), m->n_ops, diag_s(m->n_ops));
    printf("; compiled in %.1f ms\n", b->em.compile_ms);
}

int rb_load_file(repl *r, const char *path)
{
    arena sa;
    ar_init(&sa);
    size_t len;
    char *text = front_read_file(&sa, path, &len);
    if (text && memchr(text, 0, len)) { /* the REPL edits it as a C string */
        diag_error(diag_noloc(path), "not a text file (it contains a NUL byte)");
        text = NULL;
    }
    repl_build *b = NULL;
    repl tmp = *r;
    if (text) {
        /* Settings belong to the model they were made on. */
        tmp.n_set = 0;
        tmp.dir = front_dir_of(&sa, path);
        b = build_text(&tmp, ar_strdup(&sa, path), text);
    }
    if (!b) {
        ar_free(&sa);
        fprintf(stderr, "dgc: note: %s\n",
                r->b ? "the previous model is still loaded" : "no model is loaded");
        return -1;
    }
    re_source src = {0};
    char err[200];
    if (re_split(&sa, text, &src, err, sizeof err)) src.n = 0; /* parsed, so unreachable */
    ar_free(&r->src_a);
    r->src_a = sa;
    r->src = src;
    r->path = ar_strdup(&sa, path);
    r->text = text;
    r->dir = tmp.dir;
    r->edited = 0;
    r->n_set = 0;
    r->cap_set = 0;
    r->set = NULL;
    install(r, b);
    report(b, "loaded");
    return 0;
}

int rb_rebuild(repl *r, const char *verb)
{
    arena ta;
    ar_init(&ta);
    const char *text = r->edited || !r->text ? re_text(&ta, &r->src) : r->text;
    repl_build *b = build_text(r, r->edited ? SESSION_NAME : r->path, text);
    ar_free(&ta);
    if (!b) return -1;
    install(r, b);
    if (verb) report(b, verb);
    return 0;
}

int rb_declare(repl *r, const char *text)
{
    arena ta;
    ar_init(&ta);
    char *copy = ar_strdup(&ta, text);
    diag_source(PROMPT_NAME, copy, strlen(copy));
    int rc = -1;
    if (!ast_parse(&ta, PROMPT_NAME, copy, strlen(copy))) goto done;
    re_source add = {0};
    char err[200];
    if (re_split(&r->src_a, text, &add, err, sizeof err)) {
        diag_fatal_msg("%s", err);
        goto done;
    }
    re_source old = r->src, now = re_copy(&r->src_a, &r->src);
    const char *said = "";
    for (int i = 0; i < add.n; i++) {
        const char *how = re_merge(&r->src_a, &now, &add.s[i]);
        /* Named by what tells them apart: labels and input have one each. */
        int named = *add.s[i].name && strcmp(add.s[i].key, "labels") && strcmp(add.s[i].key, "input");
        said = ar_printf(&ta, "%s%s %s%s%s\n", said, how, add.s[i].key, named ? " " : "",
                         named ? add.s[i].name : "");
    }
    int old_edited = r->edited;
    r->src = now;
    r->edited = 1;
    const char *missing = re_missing(&ta, &now);
    if (missing) {
        printf("%smodel incomplete: still needs %s\n", said, missing);
        rc = 0;
    } else if (rb_rebuild(r, NULL) == 0) {
        fputs(said, stdout);
        report(r->b, "built");
        rc = 0;
    } else {
        r->src = old;
        r->edited = old_edited;
        fprintf(stderr, "dgc: note: declaration not applied; %s\n",
                r->b ? "the model is unchanged" : "no model is built");
    }
done:
    ar_free(&ta);
    return rc;
}

int rb_need_model(const repl *r)
{
    if (r->b) return 1;
    diag_fatal_msg("no model loaded (use 'load FILE' or type declarations)");
    return 0;
}

const mdl_op *rb_find_layer(repl *r, const char *name)
{
    if (!rb_need_model(r)) return NULL;
    const mdl_model *m = r->b->m;
    const char *names[MDL_MAX_OPS];
    for (int i = 0; i < m->n_ops; i++) {
        if (!strcmp(m->ops[i].name, name)) return &m->ops[i];
        names[i] = m->ops[i].name;
    }
    const char *near = sg_closest(name, names, m->n_ops);
    if (near)
        diag_fatal_msg("unknown layer '%s'; did you mean '%s'?", name, near);
    else
        diag_fatal_msg("unknown layer '%s'", name);
    return NULL;
}
