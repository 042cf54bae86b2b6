/* demo_main: runs the C that dgc generated (with --prefix model) on the first
 * Fashion-MNIST test images and prints what a user of the generated API sees:
 * the class, the true label and how many units each layer opened. */
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>
#include "model.h"

/* Reads an IDX file (gzip'd or not: zlib reads both); returns the payload
 * after a header of ndims big-endian sizes, or NULL. */
static unsigned char *idx_read(const char *path, int ndims, long want)
{
    gzFile f = gzopen(path, "rb");
    if (!f) return NULL;
    unsigned char hdr[4 + 4 * 3];
    int hlen = 4 + 4 * ndims;
    unsigned char *buf = malloc((size_t)want);
    if (!buf || gzread(f, hdr, (unsigned)hlen) != hlen || hdr[2] != 0x08 || hdr[3] != ndims ||
        gzread(f, buf, (unsigned)want) != want) {
        free(buf);
        gzclose(f);
        return NULL;
    }
    gzclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/usr/share/datasets/fashion-mnist";
    enum { N = 8 };
    char ip[512], lp[512];
    snprintf(ip, sizeof ip, "%s/t10k-images-idx3-ubyte.gz", dir);
    snprintf(lp, sizeof lp, "%s/t10k-labels-idx1-ubyte.gz", dir);
    unsigned char *img = idx_read(ip, 3, (long)N * MODEL_N_INPUT);
    unsigned char *lab = idx_read(lp, 1, N);
    if (!img || !lab) {
        fprintf(stderr, "demo: cannot read Fashion-MNIST test images from %s\n", dir);
        return 1;
    }
    int right = 0;
    for (int i = 0; i < N; i++) {
        float in[MODEL_N_INPUT], out[MODEL_N_OUTPUT];
        int open[MODEL_N_LAYERS];
        for (int k = 0; k < MODEL_N_INPUT; k++) in[k] = img[(long)i * MODEL_N_INPUT + k];
        int c = model_infer_open(in, out, open);
        right += c == lab[i];
        printf("image %d: %-11s (true %-11s) open:", i, model_labels[c], model_labels[lab[i]]);
        for (int l = 0; l < MODEL_N_LAYERS; l++)
            printf(" %s %d/%d", model_layer_names[l], open[l], model_layer_units[l]);
        printf("\n");
    }
    printf("%d of %d right\n", right, N);
    free(img);
    free(lab);
    return 0;
}
