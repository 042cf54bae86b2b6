/* fw_check: compares what the test firmware printed under qemu with the
 * reference interpreter, by the rule of docs/testing.md: masks agree
 * exactly except at units the interpreter marks near the boundary (those
 * samples are counted and bounded); where masks agree, outputs agree within
 * tolerance and the class is the same. Every image must be reported, in
 * order, and the firmware's reentrancy test must have passed.
 *
 * usage: fw_check [--dense] MODEL.dg IMAGES.bin FIRMWARE-OUTPUT.txt
 * --dense: the firmware ran `dgc --dense` code; the reference drops every
 * gate (static ones included) as ir_pass_dense does. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "agree.h"
#include "front.h"
#include "interp.h"
#include "metrics.h"
#include "fw_input.h"

static const char *out_path;
static int line_no;

static int fail(const char *what)
{
    fprintf(stderr, "fw_check: %s:%d: %s\n", out_path, line_no, what);
    return 1;
}

/* The next line of the firmware output, without its newline; NULL at end. */
static char *next_line(FILE *f, char **buf, size_t *cap)
{
    ssize_t n = getline(buf, cap, f);
    if (n < 0) return NULL;
    line_no++;
    while (n > 0 && ((*buf)[n - 1] == '\n' || (*buf)[n - 1] == '\r')) (*buf)[--n] = 0;
    return *buf;
}

/* Reads exactly n unsigned numbers (hex when hex) after the word key. */
static int read_words(const char *s, const char *key, int n, unsigned long *v, int hex)
{
    size_t k = strlen(key);
    if (strncmp(s, key, k) != 0) return -1;
    s += k;
    for (int i = 0; i < n; i++) {
        char *end;
        if (*s != ' ') return -1;
        v[i] = strtoul(s + 1, &end, hex ? 16 : 10);
        if (end == s + 1 || end - (s + 1) > (hex ? 8 : 10)) return -1;
        s = end;
    }
    return *s ? -1 : 0;
}

static float from_bits(unsigned long u)
{
    uint32_t b = (uint32_t)u;
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

int main(int argc, char **argv)
{
    int dense = argc > 1 && !strcmp(argv[1], "--dense");
    argc -= dense, argv += dense;
    if (argc != 4) {
        fprintf(stderr, "usage: fw_check [--dense] MODEL.dg IMAGES.bin FIRMWARE-OUTPUT.txt\n");
        return 2;
    }
    out_path = argv[3];
    arena a;
    ar_init(&a);
    diag_init(stderr);
    mdl_model *m = front_load_file(&a, argv[1]);
    if (!m) return 1;
    if (dense) {
        m->in_gate.kind = GATE_NONE;
        for (int l = 0; l < m->n_ops; l++) m->ops[l].gate.kind = GATE_NONE;
    }
    FILE *fi = fopen(argv[2], "rb"), *fo = fopen(argv[3], "r");
    if (!fi || !fo) return perror("fw_check"), 1;
    static unsigned char images[64][784];
    int n_img = (int)fread(images, 784, 64, fi);
    fclose(fi);
    if (n_img < 1) return fprintf(stderr, "fw_check: %s: no images\n", argv[2]), 1;

    int n_mask = 0;
    for (int l = 0; l < m->n_ops; l++) n_mask += m->ops[l].n_out;
    char *buf = NULL, *s;
    size_t cap = 0;
    unsigned long head[5];
    s = next_line(fo, &buf, &cap);
    /* "model NAME.h inputs N outputs N layers N mask N images N" */
    char *p = s ? strstr(s, " inputs ") : NULL;
    if (!s || strncmp(s, "model ", 6) != 0 || !p ||
        sscanf(p, " inputs %lu outputs %lu layers %lu mask %lu images %lu", &head[0], &head[1],
               &head[2], &head[3], &head[4]) != 5)
        return fail("expected the 'model' line");
    if ((int)head[0] != m->n_in || (int)head[1] != m->n_out || (int)head[2] != m->n_ops ||
        (int)head[3] != n_mask || (int)head[4] != n_img)
        return fail("firmware model or image count differs from the host's");

    unsigned long *v = calloc((size_t)(m->n_out + m->n_ops + 4), sizeof *v);
    float *x = calloc((size_t)m->n_in, sizeof *x);
    float *got_out = calloc((size_t)m->n_out, sizeof *got_out);
    metrics_acc acc;
    metrics_acc_init(&a, &acc, m);
    unsigned char *bits = calloc((size_t)n_mask + 1, 1);
    int *open = calloc((size_t)m->n_ops, sizeof *open);
    double max_err = 0; /* largest |got - ref| / max(1, |ref|) over compared outputs */
    int failures = 0, compared = 0, skipped = 0, flipped = 0, near_units = 0, reentrant = 0, done = 0;
    for (int i = 0; i < n_img; i++) {
        unsigned long hdr[3];
        do s = next_line(fo, &buf, &cap); /* the calibration line may come first */
        while (s && strncmp(s, "calibrate ", 10) == 0);
        if (!s || sscanf(s, "img %lu cls %lu ticks %lu", &hdr[0], &hdr[1], &hdr[2]) != 3 ||
            (int)hdr[0] != i)
            return fail("expected the 'img' line of the next image");
        int cls = (int)hdr[1];
        if (!(s = next_line(fo, &buf, &cap)) || read_words(s, "out", m->n_out, v, 1))
            return fail("expected 'out' and one hex word per output");
        for (int k = 0; k < m->n_out; k++) got_out[k] = from_bits(v[k]);
        if (!(s = next_line(fo, &buf, &cap)) || read_words(s, "open", m->n_ops, v, 0))
            return fail("expected 'open' and one count per layer");
        if (!(s = next_line(fo, &buf, &cap)) || strncmp(s, "mask ", 5) != 0 ||
            (int)strlen(s + 5) != n_mask || strspn(s + 5, "01") != (size_t)n_mask)
            return fail("expected 'mask' and one 0/1 per unit");
        const char *mk = s + 5;

        interp_result ref;
        fw_make_input(images[i], x, m->n_in);
        interp_run(&a, m, x, &ref);
        near_units += ref.n_near;
        metrics mt;
        metrics_compute(&a, m, &ref, &mt);
        metrics_acc_add(&acc, &mt);
        for (int j = 0; j < n_mask; j++) bits[j] = mk[j] == '1';
        for (int l = 0; l < m->n_ops; l++) open[l] = (int)v[l];
        char why[256];
        agree_verdict av = agree_check(m, &ref, got_out, cls, open, bits, why, sizeof why);
        flipped += av == AGREE_FLIP;
        if (av == AGREE_BAD) {
            fprintf(stderr, "fw_check: image %d: %s (class %d, reference %d)\n", i, why, cls,
                    ref.cls);
            for (int l = 0; l < m->n_ops; l++)
                fprintf(stderr, "  layer %s: firmware %d, reference %d (near %d)\n",
                        m->ops[l].name, open[l], ref.layers[l].n_open, ref.layers[l].n_near);
            failures++;
        } else if (av == AGREE_OK) {
            for (int k = 0; k < m->n_out; k++) {
                double err = fabs((double)got_out[k] - ref.out[k]) / fmax(1.0, fabs(ref.out[k]));
                max_err = fmax(max_err, err);
            }
            compared++;
        } else {
            /* A near unit may have flipped, seen (FLIP) or unseen (NEAR):
             * outputs may differ, so they are not compared. */
            skipped++;
        }
    }
    while ((s = next_line(fo, &buf, &cap)) != NULL) {
        if (strncmp(s, "reentrant ", 10) == 0) reentrant = strncmp(s + 10, "ok ", 3) == 0 ? 1 : -1;
        else if (strcmp(s, "done") == 0) done = 1;
    }
    fclose(fo);
    if (reentrant != 1) failures += fail("the reentrancy test did not pass");
    if (!done) failures += fail("no 'done' line: the firmware stopped early");
    /* Near-threshold flips must stay rare: at most one image in eight. */
    if (flipped * 8 > n_img) {
        fprintf(stderr, "fw_check: %d of %d images flipped a near-threshold gate\n", flipped,
                n_img);
        failures++;
    }
    metrics_acc_finish(&acc);
    printf("fw_check: %s on %s: %d images, %d compared, %d near a threshold (%d near units, "
           "%d flips), max error %.1e, relMAC %.4f relMAC+gate %.4f: %s\n",
           m->name, argv[3], n_img, compared, skipped, near_units, flipped, max_err, acc.rel_mac,
           acc.rel_mac_gate,
           failures ? "FAILED" : "passed");
    free(buf);
    free(got_out);
    free(bits);
    free(open);
    free(v);
    free(x);
    ar_free(&a);
    return failures ? 1 : 0;
}
