/* pass_permute: hidden units reordered so units that open together share a
 * tile. An MLP is unchanged by a consistent permutation of a layer's units:
 * its rows, biases and gate rows move, and the next layer's columns (and
 * the next gate's input columns and norm) move the same way. unit_index
 * records where each unit came from, so masks stay in model order.
 *
 * Only layers whose decision does not depend on unit order are permuted:
 * threshold gates from the layer input without min_keep (top-k and
 * min_keep break ties by index), feeding a dense layer. */
#include <stdint.h>
#include <string.h>
#include "ir.h"

int ir_permutable(const ir_program *p, int li)
{
    if (li < 0 || li + 1 >= p->n_layers) return 0;
    const ir_layer *l = &p->layers[li], *c = &p->layers[li + 1];
    if (!ir_dyn_gate(l) || l->is_output || l->const_mask) return 0;
    if (l->gate.src != GSRC_INPUT || l->gate.decide != DECIDE_THRESHOLD || l->gate.min_keep > 0)
        return 0;
    return c->kind == OP_DENSE;
}

/* rows [n][cols]: row j becomes old row perm[j]. tmp holds n * cols. */
static void move_rows(float *m, int n, int cols, const int *perm, float *tmp)
{
    if (!m) return;
    for (int j = 0; j < n; j++)
        memcpy(tmp + (long)j * cols, m + (long)perm[j] * cols, (size_t)cols * sizeof *m);
    memcpy(m, tmp, (size_t)n * (size_t)cols * sizeof *m);
}

/* columns of m [rows][n]: column j becomes old column perm[j]. */
static void move_cols(float *m, int rows, int n, const int *perm, float *tmp)
{
    if (!m) return;
    for (int r = 0; r < rows; r++) {
        float *row = m + (long)r * n;
        for (int j = 0; j < n; j++) tmp[j] = row[perm[j]];
        memcpy(row, tmp, (size_t)n * sizeof *m);
    }
}

static void move_vec(const float *v, int n, const int *perm, float *tmp)
{
    if (v) move_cols((float *)v, 1, n, perm, tmp);
}

static int is_perm(arena *a, const int *perm, int n)
{
    unsigned char *seen = ar_alloc(a, (size_t)(n > 0 ? n : 1));
    memset(seen, 0, (size_t)(n > 0 ? n : 1));
    for (int j = 0; j < n; j++) {
        if (perm[j] < 0 || perm[j] >= n || seen[perm[j]]) return 0;
        seen[perm[j]] = 1;
    }
    return 1;
}

int ir_permute_layer(arena *a, ir_program *p, int li, const int *perm)
{
    if (!ir_permutable(p, li)) return -1;
    ir_layer *l = &p->layers[li], *c = &p->layers[li + 1];
    ir_gate *g = &l->gate, *cg = &c->gate;
    int n = l->n_out;
    if (!is_perm(a, perm, n)) return -1;
    long big = l->n_in > g->rank ? l->n_in : g->rank;
    float *tmp = ar_array(a, (size_t)n * (size_t)(big > 1 ? big : 1) + 1, sizeof *tmp);
    move_rows(l->W, n, l->n_in, perm, tmp);
    move_vec(l->b, n, perm, tmp);
    move_rows(g->G, n, g->n_src, perm, tmp);
    move_rows(g->B, n, g->rank, perm, tmp);
    move_vec(g->c, n, perm, tmp);
    int *ui = ar_array(a, (size_t)(n > 0 ? n : 1), sizeof *ui);
    for (int j = 0; j < n; j++) ui[j] = l->unit_index[perm[j]];
    memcpy(l->unit_index, ui, (size_t)n * sizeof *ui);
    /* The consumer reads this layer's output: its columns follow. */
    move_cols(c->W, c->n_out, n, perm, tmp);
    if (ir_dyn_gate(c) && cg->src == GSRC_INPUT) {
        move_cols(cg->G, cg->G ? cg->n : 0, n, perm, tmp);
        move_cols(cg->A, cg->A ? cg->rank : 0, n, perm, tmp);
        if (cg->has_norm) {
            move_vec(cg->norm.weight, n, perm, tmp);
            move_vec(cg->norm.bias, n, perm, tmp);
        }
    }
    return 0;
}

/* Open masks of the layer's units over the calibration samples, as bit
 * sets of 64 samples per word, in IR order. */
static uint64_t *unit_bits(arena *a, const ir_layer *l, const ir_calib *c, int li, int words)
{
    uint64_t *b = ar_array(a, (size_t)l->n_out * (size_t)words + 1, sizeof *b);
    for (int s = 0; s < c->n_samples; s++) {
        const unsigned char *m = c->open[li] + (long)s * l->n_out_model;
        for (int j = 0; j < l->n_out; j++)
            if (m[l->unit_index[j]]) b[(long)j * words + s / 64] |= (uint64_t)1 << (s % 64);
    }
    return b;
}

static int pop(uint64_t x)
{
    int n = 0;
    for (; x; x &= x - 1) n++;
    return n;
}

/* Greedy tiles: seed each tile with the unit open most often, then add the
 * unit whose openings the tile already covers best, counting openings it
 * would add against it: score = |u & tile| - |u & ~tile|. A never-open
 * unit scores 0, so it fills a tile only when nothing covered is left. */
static void cluster(arena *a, const uint64_t *bits, int n, int words, int tile, int *perm)
{
    unsigned char *used = ar_alloc(a, (size_t)(n > 0 ? n : 1));
    int *cnt = ar_array(a, (size_t)(n > 0 ? n : 1), sizeof *cnt);
    uint64_t *u = ar_array(a, (size_t)words + 1, sizeof *u);
    memset(used, 0, (size_t)(n > 0 ? n : 1));
    for (int j = 0; j < n; j++)
        for (int w = 0; w < words; w++) cnt[j] += pop(bits[(long)j * words + w]);
    for (int pos = 0; pos < n;) {
        int seed = -1;
        for (int j = 0; j < n; j++)
            if (!used[j] && (seed < 0 || cnt[j] > cnt[seed])) seed = j;
        used[seed] = 1;
        perm[pos++] = seed;
        memcpy(u, bits + (long)seed * words, (size_t)words * sizeof *u);
        for (int k = 1; k < tile && pos < n; k++) {
            int best = -1;
            long best_score = 0;
            for (int j = 0; j < n; j++) {
                if (used[j]) continue;
                long in = 0;
                for (int w = 0; w < words; w++) in += pop(bits[(long)j * words + w] & u[w]);
                long score = 2 * in - cnt[j];
                if (best < 0 || score > best_score) best = j, best_score = score;
            }
            used[best] = 1;
            perm[pos++] = best;
            for (int w = 0; w < words; w++) u[w] |= bits[(long)best * words + w];
        }
    }
}

void ir_pass_permute(arena *a, ir_program *p, const ir_calib *c, int tile)
{
    if (!c || c->n_samples <= 0 || tile <= 1) return;
    int words = (c->n_samples + 63) / 64;
    for (int li = 0; li < p->n_layers && li < c->n_layers; li++) {
        if (!c->open[li] || !ir_permutable(p, li)) continue;
        const ir_layer *l = &p->layers[li];
        uint64_t *bits = unit_bits(a, l, c, li, words);
        int *perm = ar_array(a, (size_t)(l->n_out > 0 ? l->n_out : 1), sizeof *perm);
        cluster(a, bits, l->n_out, words, tile, perm);
        ir_permute_layer(a, p, li, perm);
    }
}
