/* emit_layer: one layer as its weights and one static function
 *     static int PFX_l<i>(const float *x[, const T *xl, int xn], float *h[, T *hl])
 * that writes the layer's full output vector h (closed units hold their
 * closed value) and, when the consumer wants it, the ascending list of the
 * units that may be non-zero; it returns the number of open units. The
 * output layer writes out[] and returns the argmax. Every size is a
 * constant. Later layouts (tiling, input-major weights) replace the row
 * loops here. */
#include "emit_int.h"

const char *em_buf(const em_vec *v, int list)
{
    static const char *const names[2][2] = {{"va", "vb"}, {"la", "lb"}};
    return names[list ? 1 : 0][v->slot];
}

static const char *list_type(em *e, const em_vec *v) { return em_idx_type(e->list_n[v->slot]); }

/* A layer with units kept constant stores only its computed rows. */
typedef struct rows {
    int n, n_const;
    int *idx, *cidx; /* unit of each computed row; unit of each constant */
    float *W, *b, *cval;
} rows;

static rows compute_rows(em *e, const ir_layer *l)
{
    rows r = {0, 0, NULL, NULL, l->W, l->b, NULL};
    if (!l->const_mask) {
        r.n = l->n_out;
        return r;
    }
    size_t n = (size_t)(l->n_out > 0 ? l->n_out : 1);
    r.idx = ar_array(&e->a, n, sizeof *r.idx);
    r.cidx = ar_array(&e->a, n, sizeof *r.cidx);
    r.cval = ar_array(&e->a, n, sizeof *r.cval);
    r.W = ar_array(&e->a, n * (size_t)(l->n_in > 0 ? l->n_in : 1), sizeof *r.W);
    r.b = l->b ? ar_array(&e->a, n, sizeof *r.b) : NULL;
    for (int j = 0; j < l->n_out; j++) {
        if (l->const_mask[j]) {
            r.cidx[r.n_const] = j;
            r.cval[r.n_const++] = l->const_val[j];
            continue;
        }
        for (int i = 0; i < l->n_in; i++) r.W[(long)r.n * l->n_in + i] = l->W[(long)j * l->n_in + i];
        if (l->b) r.b[r.n] = l->b[j];
        r.idx[r.n++] = j;
    }
    return r;
}

/* A layer without a dynamic gate has the same mask for every input; all
 * open unless units were removed or fixed by a static gate. */
static int fixed_mask_partial(const ir_layer *l)
{
    return l->n_out < l->n_out_model || l->const_mask;
}

/* mask[off + j] for a layer whose mask is known at compile time. */
static void fixed_mask(em *e, int li, int off)
{
    const ir_layer *l = &e->p->layers[li];
    if (fixed_mask_partial(l))
        em_printf(e, "    if (mask) for (int j = 0; j < %d; j++) mask[%d + j] = (unsigned char)%s[j];\n",
                  l->n_out_model, off, em_name(e, li, "open"));
    else
        em_printf(e, "    if (mask) for (int j = 0; j < %d; j++) mask[%d + j] = 1;\n", l->n_out_model, off);
}

static void comment(em *e, int li)
{
    const ir_layer *l = &e->p->layers[li];
    em_printf(e, "\n/* layer %d ", li);
    em_ident(e->f, l->name);
    if (l->kind == OP_LAYERNORM) {
        em_printf(e, ": layernorm over %d */\n", l->n_in);
        return;
    }
    em_printf(e, ": %s %d of %d units, %d inputs, %s", l->is_output ? "output" : "dense",
              l->n_out, l->n_out_model, l->n_in, mdl_act_name(l->act));
    if (ir_dyn_gate(l))
        em_printf(e, ", gate %s from %s%s, %s", mdl_gate_kind_name(l->gate.kind),
                  l->gate.src == GSRC_SELF ? "self" : "input", l->gate.has_norm ? " (norm)" : "",
                  l->gate.decide == DECIDE_TOPK ? "top-k" : "threshold");
    if (l->const_mask) em_printf(e, ", constant units kept");
    em_printf(e, " */\n");
}

static void data(em *e, int li, const rows *r)
{
    const ir_layer *l = &e->p->layers[li];
    const em_vec *in = &e->v[li];
    if (li > 0 && in->list == LIST_STATIC && in->passed)
        em_iarray(e, em_list_name(e, li), in->idx, in->n_list, in->n);
    if (l->kind == OP_LAYERNORM) {
        if (l->norm.weight) em_farray(e, em_name(e, li, "w"), l->norm.weight, l->n_out, 0);
        if (l->norm.bias) em_farray(e, em_name(e, li, "b"), l->norm.bias, l->n_out, 0);
        return;
    }
    if (l->tile > 0) em_tile_data(e, li);
    if (!l->tile && r->n > 0 && em_vec_used(in)) em_farray(e, em_name(e, li, "W"), r->W, r->n, l->n_in);
    if (!l->tile && r->n > 0 && r->b) em_farray(e, em_name(e, li, "b"), r->b, r->n, 0);
    if (r->idx && r->n > 0) em_iarray(e, em_name(e, li, "rows"), r->idx, r->n, l->n_out);
    if (r->n_const > 0) {
        em_iarray(e, em_name(e, li, "cj"), r->cidx, r->n_const, l->n_out);
        em_farray(e, em_name(e, li, "cv"), r->cval, r->n_const, 0);
    }
    if (ir_dyn_gate(l)) em_gate_data(e, li);
    if (ir_dyn_gate(l) && em_permuted(l))
        em_iarray(e, em_name(e, li, "unit"), l->unit_index, l->n_out, l->n_out_model);
    if (!ir_dyn_gate(l) && fixed_mask_partial(l)) {
        int *open = ar_array(&e->a, (size_t)l->n_out_model, sizeof *open);
        for (int k = 0; k < l->n_out; k++)
            if (!l->const_mask || !l->const_mask[k]) open[l->unit_index[k]] = 1;
        em_iarray(e, em_name(e, li, "open"), open, l->n_out_model, 2);
    }
}

static void signature(em *e, int li)
{
    const ir_layer *l = &e->p->layers[li];
    const em_vec *in = &e->v[li], *out = &e->v[li + 1];
    /* Inlined into the run, a layer with tile blocks had its pointers
     * reloaded from the stack in the block's loop (gcc 12: 1.2% of
     * fashion_lowrank's gated time); the other layers gain from inlining
     * (fashion_lowrank --dense not inlined: 1.3% slower). */
    if (em_tile_blocks(e, li))
        em_printf(e, "#if defined(__GNUC__) && !defined(__TINYC__)\n__attribute__((noinline))\n#endif\n");
    em_printf(e, "static int %s_l%d(const float *x", e->pre, li);
    if (in->list == LIST_DYN && in->passed)
        em_printf(e, ", const %s *xl, int xn", list_type(e, in));
    em_printf(e, l->is_output ? ", float *out" : ", float *h");
    if (!l->is_output && out->list == LIST_DYN && out->passed)
        em_printf(e, ", %s *hl", list_type(e, out));
    if (ir_dyn_gate(l)) em_printf(e, ", unsigned char *mk");
    em_printf(e, ")\n{\n");
}

/* Every computed row, ungated: dst[j] = act(W x + b). */
static void rows_loop(em *e, int li, const rows *r, const char *dst)
{
    const ir_layer *l = &e->p->layers[li];
    if (r->n == 0) return;
    const char *u = r->idx ? "r" : "j";
    if (r->idx)
        em_printf(e, "    for (int r = 0; r < %d; r++) {\n        int j = %s[r];\n", r->n,
                  em_name(e, li, "rows"));
    else
        em_printf(e, "    for (int j = 0; j < %d; j++) {\n", r->n);
    em_printf(e, "        float a = 0.0f;\n");
    em_dot(e, "        ", ar_printf(&e->a, "%s[%s]", em_name(e, li, "W"), u), "x", li, l->n_in);
    if (r->b) em_printf(e, "        a += %s[%s];\n", em_name(e, li, "b"), u);
    em_printf(e, "        %s[j] = ", dst);
    em_act(e, l->act, "a");
    em_printf(e, ";\n    }\n");
}

/* Every computed row, ungated: em_rows_all's groups (eight rows at a time
 * on vector targets, four on scalar ones) unless only some rows are kept. */
static void all_rows(em *e, int li, const rows *r, const char *dst)
{
    if (!r->idx && r->n > 0) em_rows_all(e, li, dst);
    else rows_loop(e, li, r, dst);
}

/* Gate after the layer (src self): h already holds every row; closed units
 * are overwritten with the closed value. */
static void gated_rows(em *e, int li, const char *cond, int list)
{
    const ir_layer *l = &e->p->layers[li];
    em_printf(e, "    int cnt = 0;\n    for (int j = 0; j < %d; j++) {\n", l->n_out);
    em_printf(e, "        int o = %s;\n        if (mk) mk[j] = (unsigned char)o;\n", cond);
    em_printf(e, "        if (o) {\n");
    if (list) em_printf(e, "            hl[cnt] = (%s)j;\n", list_type(e, &e->v[li + 1]));
    em_printf(e, "            cnt++;\n        } else {\n            h[j] = %s;\n        }\n    }\n",
              em_fstr(e, l->closed_value));
    em_printf(e, "    return cnt;\n");
}

/* Every computed row into dst, ungated, in the layer's layout. */
static void every_row(em *e, int li, const rows *r, const char *dst)
{
    if (e->p->layers[li].tile) em_tile_rows(e, li, NULL, dst, 0);
    else all_rows(e, li, r, dst);
}

static void output_tail(em *e, const ir_layer *l)
{
    int n = l->n_out;
    if (l->softmax) {
        em_printf(e, "    float mx = out[0], sum = 0.0f;\n");
        em_printf(e, "    for (int j = 1; j < %d; j++) if (out[j] > mx) mx = out[j];\n", n);
        em_printf(e, "    for (int j = 0; j < %d; j++) { out[j] = expf(out[j] - mx); sum += out[j]; }\n", n);
        em_printf(e, "    for (int j = 0; j < %d; j++) out[j] /= sum;\n", n);
    }
    em_printf(e, "    int best = 0;\n");
    em_printf(e, "    for (int j = 1; j < %d; j++) if (out[j] > out[best]) best = j;\n", n);
    em_printf(e, "    return best;\n");
}

static void body_dense(em *e, int li, const rows *r)
{
    const ir_layer *l = &e->p->layers[li];
    int x_used = (r->n > 0 && em_vec_used(&e->v[li])) || (ir_dyn_gate(l) && em_gate_reads_x(e, li));
    if (!x_used) em_printf(e, "    (void)x;\n");
    if (!l->is_output && l->n_out == 0) em_printf(e, "    (void)h;\n");
    if (l->is_output) {
        every_row(e, li, r, "out");
        output_tail(e, l);
        return;
    }
    int list = e->v[li + 1].list == LIST_DYN && e->v[li + 1].passed;
    if (ir_dyn_gate(l) && l->gate.src == GSRC_SELF) { /* every row, then decide */
        every_row(e, li, r, "h");
        em_gate_logits(e, li);
        gated_rows(e, li, em_gate_decide(e, li), list);
        return;
    }
    if (ir_dyn_gate(l)) { /* decide, then only open rows */
        em_gate_logits(e, li);
        if (l->tile) em_tile_rows(e, li, em_gate_decide(e, li), "h", list);
        else em_rows_gated(e, li, em_gate_decide(e, li), list);
        return;
    }
    /* A tiled layer has no constant units (pass_tile), so r->n is n_out. */
    every_row(e, li, r, "h");
    if (r->n_const > 0)
        em_printf(e, "    for (int r = 0; r < %d; r++) h[%s[r]] = %s[r];\n", r->n_const,
                  em_name(e, li, "cj"), em_name(e, li, "cv"));
    em_printf(e, "    return %d;\n", r->n);
}

void em_layer(em *e, int li)
{
    const ir_layer *l = &e->p->layers[li];
    rows r = compute_rows(e, l);
    comment(e, li);
    data(e, li, &r);
    signature(e, li);
    if (l->kind == OP_LAYERNORM) {
        em_printf(e, "    %s_norm(x, h, %d, %s, %s, %s);\n    return %d;\n", e->pre, l->n_out,
                  em_fstr(e, (float)l->norm.eps),
                  l->norm.weight ? em_name(e, li, "w") : "(const float *)0",
                  l->norm.bias ? em_name(e, li, "b") : "(const float *)0", l->n_out);
    } else {
        body_dense(e, li, &r);
    }
    em_printf(e, "}\n");
}

void em_layer_call(em *e, int li)
{
    const ir_layer *l = &e->p->layers[li];
    const em_vec *in = &e->v[li], *out = &e->v[li + 1];
    int off = 0;
    for (int i = 0; i < li; i++) off += e->p->layers[i].n_out_model;
    if (!ir_dyn_gate(l)) fixed_mask(e, li, off);
    const char *args = li == 0 && e->in_raw ? "in" : em_buf(in, 0);
    if (in->list == LIST_DYN && in->passed) args = ar_printf(&e->a, "%s, %s, n", args, em_buf(in, 1));
    if (l->is_output) {
        em_printf(e, "    if (open_units) open_units[%d] = %d;\n", li, l->n_out);
        em_printf(e, "    return %s_l%d(%s, out);\n", e->pre, li, args);
        return;
    }
    args = ar_printf(&e->a, "%s, %s", args, em_buf(out, 0));
    if (out->list == LIST_DYN && out->passed) args = ar_printf(&e->a, "%s, %s", args, em_buf(out, 1));
    if (ir_dyn_gate(l)) args = ar_printf(&e->a, "%s, mask ? mask + %d : mask", args, off);
    em_printf(e, "    n = %s_l%d(%s);\n    if (open_units) open_units[%d] = n;\n", e->pre, li, args, li);
}
