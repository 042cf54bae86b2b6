/* emit_rows: a gated layer (gate from the layer input) laid out row-wise:
 * the gate decides every unit first into an ascending list of open rows,
 * then open rows are computed four at a time so the four dot products share
 * each read of x and keep four chains of adds in flight (the last one to
 * three rows together, on vector targets); lanes of vw partial sums per
 * row vectorise without -ffast-math. Chosen over tiles when open units are
 * too scattered for tiles to be skipped (pass_tile). */
#include "emit_int.h"

/* Rows per group: four on a scalar core (four sums in registers); eight on
 * vector targets, where eight rows share each read of x (fashion_lowrank's
 * fc1: 1-2% less time than four, in a harness of the bench's images). */
enum { GROUP = 4, WIDE = 8 };

/* The lanes p<q>[0..vw) of rows q < g over x[0..nv) in GNU C vectors
 * (the PFX_vf of emit.c), the same adds in the same order as the portable
 * loops after it: clang 14 packs those loops into 128-bit halves and
 * spills (fashion_lowrank --dense 36 us against 7.5 us with gcc 12). */
static void vector_dot(em *e, int g, int n2, int nv)
{
    const char *ind = "            ";
    int vw = e->p->vw;
    em_printf(e, "#if defined(__GNUC__) && !defined(__TINYC__)\n        {\n%s%s_vf xv, wv", ind, e->pre);
    for (int q = 0; q < g; q++) em_printf(e, ", v%d = {0.0f}", q);
    em_printf(e, ";\n");
    for (int part = 0; part < 2; part++) {
        int lo = part ? n2 : 0, hi = part ? nv : n2, step = part ? vw : 2 * vw;
        if (hi <= lo) continue;
        em_printf(e, "%sfor (int i = %d; i < %d; i += %d) {\n", ind, lo, hi, step);
        for (int h = 0; h < step / vw; h++) {
            em_printf(e, "%s    __builtin_memcpy(&xv, x + i + %d, sizeof xv);\n", ind, h * vw);
            for (int q = 0; q < g; q++)
                em_printf(e, "%s    __builtin_memcpy(&wv, w%d + i + %d, sizeof wv);\n%s    v%d += wv * xv;\n", ind,
                          q, h * vw, ind, q);
        }
        em_printf(e, "%s}\n", ind);
    }
    for (int q = 0; q < g; q++) em_printf(e, "%s__builtin_memcpy(p%d, &v%d, sizeof p%d);\n", ind, q, q, q);
    em_printf(e, "        }\n");
}

/* a<q> += row q . x over the layer's listed inputs, for rows q < g. */
static void group_dot(em *e, int li, int g)
{
    const em_vec *v = &e->v[li];
    const char *ind = "        ";
    int n = v->n, vw = e->p->vw;
    if (!em_vec_used(v)) return;
    if (v->list != LIST_ALL) { /* a gather per input, shared by the rows */
        const char *cnt = v->list == LIST_STATIC ? ar_printf(&e->a, "%d", v->n_list) : "xn";
        const char *lst = v->list == LIST_STATIC ? em_list_name(e, li) : "xl";
        em_printf(e, "%sfor (int k = 0; k < %s; k++) {\n%s    const int i = %s[k];\n%s    const float xi = x[%s];\n",
                  ind, cnt, ind, lst, ind, v->packed ? "k" : "i");
        for (int q = 0; q < g; q++) em_printf(e, "%s    a%d += w%d[i] * xi;\n", ind, q, q);
        em_printf(e, "%s}\n", ind);
        return;
    }
    /* Two vectors of each row per iteration (the same order of adds):
     * half the loop's counter and branch work, which competes with the
     * multiplies and adds for the same ports. */
    int nv = vw > 1 ? n / vw * vw : 0, n2 = vw > 1 ? n / (2 * vw) * (2 * vw) : 0;
    if (nv > 0) {
        for (int q = 0; q < g; q++) em_printf(e, "%sfloat p%d[%d] = {0.0f};\n", ind, q, vw);
        if (em_gnu_vectors(e)) {
            vector_dot(e, g, n2, nv);
            em_printf(e, "#else\n");
        }
    }
    if (n2 > 0) {
        em_printf(e, "%sfor (int i = 0; i < %d; i += %d) {\n", ind, n2, 2 * vw);
        for (int h = 0; h < 2; h++)
            for (int q = 0; q < g; q++)
                em_printf(e, "%s    for (int l = 0; l < %d; l++) p%d[l] += w%d[i + %d + l] * x[i + %d + l];\n",
                          ind, vw, q, q, h * vw, h * vw);
        em_printf(e, "%s}\n", ind);
    }
    if (nv > n2) {
        em_printf(e, "%s{\n%s    const int i = %d;\n", ind, ind, n2);
        for (int q = 0; q < g; q++)
            em_printf(e, "%s    for (int l = 0; l < %d; l++) p%d[l] += w%d[i + l] * x[i + l];\n", ind, vw, q, q);
        em_printf(e, "%s}\n", ind);
    }
    if (nv > 0 && em_gnu_vectors(e)) em_printf(e, "#endif\n");
    if (n > nv) {
        em_printf(e, "%sfor (int i = %d; i < %d; i++) {\n", ind, nv, n);
        for (int q = 0; q < g; q++) em_printf(e, "%s    a%d += w%d[i] * x[i];\n", ind, q, q);
        em_printf(e, "%s}\n", ind);
    }
    if (nv > 0)
        for (int q = 0; q < g; q++)
            em_lanes_add(e, ind, ar_printf(&e->a, "a%d", q), ar_printf(&e->a, "p%d", q), vw);
}

/* Rows idx(q), q < g, computed and written to dst (packed: to dst[oq + q],
 * in list order); idx is a format taking q: "ol[oq + %d]" (the open list)
 * or "oq + %d" (every row). */
static void group(em *e, int li, int g, const char *idx, const char *dst, int packed)
{
    const ir_layer *l = &e->p->layers[li];
    const char *ind = "        ";
    for (int q = 0; q < g; q++) {
        em_printf(e, "%sconst int j%d = ", ind, q);
        em_printf(e, idx, q);
        em_printf(e, ";\n");
        if (em_vec_used(&e->v[li]))
            em_printf(e, "%sconst float *w%d = %s[j%d];\n", ind, q, em_name(e, li, "W"), q);
        if (l->b) em_printf(e, "%sfloat a%d = %s[j%d];\n", ind, q, em_name(e, li, "b"), q);
        else em_printf(e, "%sfloat a%d = 0.0f;\n", ind, q);
    }
    group_dot(e, li, g);
    for (int q = 0; q < g; q++) {
        char a[16];
        snprintf(a, sizeof a, "a%d", q);
        em_printf(e, packed ? "%s%s[oq + %d] = " : "%s%s[j%d] = ", ind, dst, q);
        em_act(e, l->act, a);
        em_printf(e, ";\n");
    }
}

/* The open rows of units j0 .. j0+w (w <= 8) as a bit mask
 * (em_open_bits), then its list entries by table (em_mask_to_list). */
static void mask_chunk(em *e, const char *j0, int w, const char *cond, const char *thr, const char *ty)
{
    const char *ind = "        ";
    em_printf(e, "%sunsigned bits = 0;\n", ind);
    em_open_bits(e, ind, "bits", j0, w, cond, thr);
    em_mask_to_list(e, ind, "ol", ty, j0, "bits");
}

static void open_list(em *e, int n, const char *cond, const char *thr, const char *ty)
{
    int full = n / 8 * 8;
    if (full > 0) {
        em_printf(e, "    for (int j0 = 0; j0 < %d; j0 += 8) {\n", full);
        mask_chunk(e, "j0", 8, cond, thr, ty);
        em_printf(e, "    }\n");
    }
    if (n > full) {
        em_printf(e, "    {\n");
        mask_chunk(e, ar_printf(&e->a, "%d", full), n - full, cond, thr, ty);
        em_printf(e, "    }\n");
    }
}

void em_rows_gated(em *e, int li, const char *cond, int list)
{
    const ir_layer *l = &e->p->layers[li];
    int n = l->n_out;
    const char *ty = list ? em_idx_type(e->list_n[e->v[li + 1].slot]) : em_idx_type(n);
    if (list) em_printf(e, "    %s *ol = hl;\n", ty);
    else em_printf(e, "    %s ol[%d];\n", ty, n + em_list_slack(e));
    /* Separate loops so each is simple: the closed values and the mask
     * vectorise. Without vectors the list is built branch-free (an open
     * rate near 50% would mispredict every other unit; ol[cnt] is in
     * bounds: cnt <= j); with them, from bit masks (open_list). */
    int packed = e->v[li + 1].packed; /* closed units are not in a packed vector */
    if (!packed) em_printf(e, "    for (int j = 0; j < %d; j++) h[j] = %s;\n", n, em_fstr(e, l->closed_value));
    em_printf(e, "    if (mk) for (int j = 0; j < %d; j++) mk[%s] = (unsigned char)(%s);\n", n,
              em_unit(e, li, "j"), cond);
    em_printf(e, "    int cnt = 0;\n");
    if (e->p->vw > 1) {
        open_list(e, n, cond, em_gate_zthr(e, li), ty);
    } else {
        em_printf(e, "    for (int j = 0; j < %d; j++) {\n", n);
        em_printf(e, "        ol[cnt] = (%s)j;\n        cnt += %s;\n    }\n", ty, cond);
    }
    em_printf(e, "    int oq = 0;\n");
    if (e->p->vw > 1 && n >= WIDE) {
        em_printf(e, "    for (; oq + %d <= cnt; oq += %d) {\n", WIDE, WIDE);
        group(e, li, WIDE, "ol[oq + %d]", "h", packed);
        em_printf(e, "    }\n    if (oq + %d <= cnt) {\n", GROUP);
        group(e, li, GROUP, "ol[oq + %d]", "h", packed);
        em_printf(e, "        oq += %d;\n    }\n", GROUP);
    } else if (n >= GROUP) { /* else no group can fill (and no dead code indexes past ol) */
        em_printf(e, "    for (; oq + %d <= cnt; oq += %d) {\n", GROUP, GROUP);
        group(e, li, GROUP, "ol[oq + %d]", "h", packed);
        em_printf(e, "    }\n");
    }
    if (e->p->vw > 1) { /* the last 1 to 3 rows together: one row alone waits on its adds */
        em_printf(e, "    switch (cnt - oq) {\n");
        for (int g = (n < GROUP ? n : GROUP - 1); g >= 1; g--) {
            em_printf(e, "    case %d: {\n", g);
            group(e, li, g, "ol[oq + %d]", "h", packed);
            em_printf(e, "        break;\n    }\n");
        }
        em_printf(e, "    default: break;\n    }\n    return cnt;\n");
        return;
    }
    em_printf(e, "    for (; oq < cnt; oq++) {\n");
    group(e, li, 1, "ol[oq + %d]", "h", packed);
    em_printf(e, "    }\n    return cnt;\n");
}

/* Every row of an ungated layer (or one gated from its own output, before
 * the gate), four at a time as above: on a scalar target (one lane) the
 * four rows' sums stay in registers, where a tile's accumulators would
 * not (pass_tile's scalar presets use no tiles). */
void em_rows_all(em *e, int li, const char *dst)
{
    int n = e->p->layers[li].n_out;
    if (e->p->vw > 1) { /* eight at a time, the rest as one group */
        if (n >= WIDE) {
            em_printf(e, "    for (int oq = 0; oq + %d <= %d; oq += %d) {\n", WIDE, n, WIDE);
            group(e, li, WIDE, "oq + %d", dst, 0);
            em_printf(e, "    }\n");
        }
        if (n % WIDE) {
            em_printf(e, "    {\n        const int oq = %d;\n", n / WIDE * WIDE);
            group(e, li, n % WIDE, "oq + %d", dst, 0);
            em_printf(e, "    }\n");
        }
        return;
    }
    em_printf(e, "    int oq = 0;\n");
    if (n >= GROUP) {
        em_printf(e, "    for (; oq + %d <= %d; oq += %d) {\n", GROUP, n, GROUP);
        group(e, li, GROUP, "oq + %d", dst, 0);
        em_printf(e, "    }\n");
    }
    if (n % GROUP) {
        em_printf(e, "    for (; oq < %d; oq++) {\n", n);
        group(e, li, 1, "oq + %d", dst, 0);
        em_printf(e, "    }\n");
    }
}
