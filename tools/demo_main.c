/* demo_main: runs the C that dgc generated from models/demo.dg on a few
 * inputs and prints what a user of the generated API sees. */
#include <stdio.h>
#include "demo.h"

int main(void)
{
    static const float inputs[][DEMO_N_INPUT] = {
        {1, 0, 0, 0, 0, 0, 0, 0},
        {0.5f, -1, 2, 0, 1, -0.5f, 0, 3},
        {-2, -1, 0, 1, 2, 1, 0, -1},
    };
    for (unsigned i = 0; i < sizeof inputs / sizeof *inputs; i++) {
        float out[DEMO_N_OUTPUT];
        int open[DEMO_N_LAYERS];
        int c = demo_infer_open(inputs[i], out, open);
        printf("input %u: class %d (%s), p =", i, c, demo_labels[c]);
        for (int k = 0; k < DEMO_N_OUTPUT; k++) printf(" %.4f", (double)out[k]);
        printf("\n  open units:");
        for (int l = 0; l < DEMO_N_LAYERS; l++)
            printf(" %s %d/%d", demo_layer_names[l], open[l], demo_layer_units[l]);
        printf("\n");
    }
    return 0;
}
