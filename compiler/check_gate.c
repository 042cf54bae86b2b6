/* check_gate: gate blocks (docs/language.md, "Gates") and norm blocks. */
#include <math.h>
#include <string.h>
#include "check_int.h"

int chk_norm_block(chk *c, const ast_stmt *s, mdl_norm *nm, int n, const char *what)
{
    static const char *const keys[] = {"eps", "weight", "bias"};
    chk_block b = {what, keys, 3, NULL};
    int ok = chk_scan_block(c, s->block, &b);
    nm->n = n;
    nm->eps = 1e-5;
    const ast_stmt *t;
    if ((t = chk_get(&b, "eps"))) {
        if (!(chk_nargs(t, 1, 1) && chk_no_block(t) && chk_num(t->args[0], "eps", &nm->eps))) {
            ok = 0;
        } else if (!(nm->eps > 0 && nm->eps < 1)) {
            diag_error(t->args[0]->loc, "eps must be in (0, 1), not %s", t->args[0]->text);
            ok = 0;
        }
    }
    if ((t = chk_get(&b, "weight")))
        ok &= chk_no_block(t) && (nm->weight = chk_tensor(c, t, 0, "layernorm weight", 1, n, 0)) != NULL;
    if ((t = chk_get(&b, "bias")))
        ok &= chk_no_block(t) && (nm->bias = chk_tensor(c, t, 0, "layernorm bias", 1, n, 0)) != NULL;
    return ok;
}

static const char *const static_keys[] = {"logits", "threshold", "temperature", "topk",
                                          "min_keep", "apply"};
static const char *const linear_keys[] = {"from", "norm", "weight", "bias", "threshold",
                                          "temperature", "topk", "min_keep", "apply"};
static const char *const lowrank_keys[] = {"from", "norm", "a", "a_bias", "activation", "b",
                                           "bias", "threshold", "temperature", "topk",
                                           "min_keep", "apply"};

/* threshold / temperature / topk / min_keep / apply: common to every kind. */
static int gate_decision(const chk_block *b, mdl_gate *g, int n)
{
    int ok = 1;
    const ast_stmt *thr = chk_get(b, "threshold"), *tau = chk_get(b, "temperature");
    const ast_stmt *topk = chk_get(b, "topk"), *mk = chk_get(b, "min_keep");
    const ast_stmt *ap = chk_get(b, "apply");
    g->decide = DECIDE_THRESHOLD;
    g->thr = 0.5;
    g->tau = 1.0;
    if (thr && chk_nargs(thr, 1, 1) && chk_no_block(thr) &&
        chk_num(thr->args[0], "threshold", &g->thr)) {
        if (!(g->thr > 0 && g->thr < 1)) {
            diag_error(thr->args[0]->loc, "threshold must be in (0, 1), not %s", thr->args[0]->text);
            ok = 0;
        }
    } else if (thr) {
        ok = 0;
    }
    if (tau && chk_nargs(tau, 1, 1) && chk_no_block(tau) &&
        chk_num(tau->args[0], "temperature", &g->tau)) {
        if (!(g->tau > 0 && g->tau < 1e30)) {
            diag_error(tau->args[0]->loc, "temperature must be > 0, not %s", tau->args[0]->text);
            ok = 0;
        }
    } else if (tau) {
        ok = 0;
    }
    if (topk) {
        g->decide = DECIDE_TOPK;
        if (thr || tau || mk) {
            const ast_stmt *other = thr ? thr : tau ? tau : mk;
            diag_error(other->loc, "'%s' does not apply to a top-k gate", other->key);
            diag_note(topk->loc, "the gate decides by top-k here");
            ok = 0;
        }
        if (!chk_nargs(topk, 1, 1) || !chk_no_block(topk)) {
            ok = 0;
        } else {
            const ast_val *v = topk->args[0];
            long k;
            double f;
            if (v->kind == AV_INT) {
                if (chk_int(v, "topk", 1, n, &k)) g->k = (int)k;
                else ok = 0;
            } else if (!chk_num(v, "topk", &f)) {
                ok = 0;
            } else {
                if (!(f > 0 && f <= 1)) {
                    diag_error(v->loc, "a topk fraction must be in (0, 1], not %s; "
                               "write a count as an integer", v->text);
                    ok = 0;
                } else {
                    k = (long)floor(f * n);
                    g->k = k < 1 ? 1 : (int)k;
                }
            }
        }
    }
    long m;
    if (mk && !topk) {
        if (chk_nargs(mk, 1, 1) && chk_no_block(mk) && chk_int(mk->args[0], "min_keep", 1, n, &m))
            g->min_keep = (int)m;
        else
            ok = 0;
    }
    g->apply = APPLY_POST;
    if (ap && !(chk_nargs(ap, 1, 1) && chk_no_block(ap))) {
        ok = 0;
    } else if (ap) {
        static const char *const applies[] = {"post", "pre"};
        int i = chk_word(ap->args[0], "mask position", applies, 2);
        if (i < 0) ok = 0;
        else g->apply = i == 0 ? APPLY_POST : APPLY_PRE;
    }
    return ok;
}

static int need(const ast_stmt *gate, const ast_stmt *s, const char *key)
{
    if (s) return 1;
    diag_error(gate->loc, "%s gate needs '%s'", gate->args[0]->text, key);
    return 0;
}

int chk_gate(chk *c, const ast_stmt *s, mdl_gate *g, int n, int n_in, const char *layer)
{
    static const char *const kinds[] = {"static", "linear", "lowrank"};
    memset(g, 0, sizeof *g);
    g->loc = s->loc;
    g->n = n;
    if (!chk_nargs(s, 1, 2)) return 0;
    int kind = chk_word(s->args[0], "gate kind", kinds, 3);
    if (kind < 0) return 0;
    g->kind = kind == 0 ? GATE_STATIC : kind == 1 ? GATE_LINEAR : GATE_LOWRANK;
    if (g->kind == GATE_LOWRANK) {
        long r;
        if (s->nargs != 2) {
            diag_error(s->loc, "a lowrank gate needs its rank: gate lowrank R { ... }");
            return 0;
        }
        if (!chk_int(s->args[1], "rank", 1, MDL_MAX_RANK, &r)) return 0;
        g->rank = (int)r;
    } else if (!chk_nargs(s, 1, 1)) {
        return 0;
    }
    if (!s->has_block) {
        diag_error(s->loc, "gate needs a block { ... }");
        return 0;
    }
    const char *what = ar_printf(c->a, "the gate of %s", layer);
    chk_block b = {what, static_keys, 6, NULL};
    if (g->kind == GATE_LINEAR) b.keys = linear_keys, b.nkeys = 9;
    if (g->kind == GATE_LOWRANK) b.keys = lowrank_keys, b.nkeys = 12;
    int ok = chk_scan_block(c, s->block, &b);
    ok &= gate_decision(&b, g, n);
    const ast_stmt *t;
    if (g->kind == GATE_STATIC) {
        if (!need(s, t = chk_get(&b, "logits"), "logits"))
            ok = 0;
    else
            ok &= chk_no_block(t) && (g->logits = chk_tensor(c, t, 0, "gate logits", 1, n, 0)) != NULL;
        return ok;
    }
    g->src = GSRC_INPUT;
    if ((t = chk_get(&b, "from")) && !(chk_nargs(t, 1, 1) && chk_no_block(t))) {
        ok = 0;
    } else if (t) {
        static const char *const srcs[] = {"input", "self"};
        int i = chk_word(t->args[0], "gate source", srcs, 2);
        if (i < 0) ok = 0;
        else g->src = i == 0 ? GSRC_INPUT : GSRC_SELF;
    }
    g->n_src = g->src == GSRC_INPUT ? n_in : n;
    if ((t = chk_get(&b, "norm"))) {
        g->has_norm = 1;
        if (!t->has_block || t->nargs) {
            diag_error(t->loc, "norm takes no arguments and a block: norm { eps 1e-5; }");
            ok = 0;
        } else {
            ok &= chk_norm_block(c, t, &g->norm, g->n_src, ar_printf(c->a, "the gate norm of %s", layer));
        }
    }
    if ((t = chk_get(&b, "bias")))
        ok &= chk_no_block(t) && (g->c = chk_tensor(c, t, 0, "gate bias", 1, n, 0)) != NULL;
    if (g->kind == GATE_LINEAR) {
        if (!need(s, t = chk_get(&b, "weight"), "weight"))
            ok = 0;
    else
            ok &= chk_no_block(t) && (g->G = chk_tensor(c, t, 0, "gate weight", 2, n, g->n_src)) != NULL;
        return ok;
    }
    if (!need(s, t = chk_get(&b, "a"), "a"))
        ok = 0;
    else
        ok &= chk_no_block(t) && (g->A = chk_tensor(c, t, 0, "gate a", 2, g->rank, g->n_src)) != NULL;
    if (!need(s, t = chk_get(&b, "b"), "b"))
        ok = 0;
    else
        ok &= chk_no_block(t) && (g->B = chk_tensor(c, t, 0, "gate b", 2, n, g->rank)) != NULL;
    if ((t = chk_get(&b, "a_bias")))
        ok &= chk_no_block(t) && (g->a_bias = chk_tensor(c, t, 0, "gate a_bias", 1, g->rank, 0)) != NULL;
    g->hidden_act = ACT_IDENTITY;
    if ((t = chk_get(&b, "activation")))
        ok &= chk_nargs(t, 1, 1) && chk_no_block(t) && chk_act(t->args[0], &g->hidden_act);
    return ok;
}
