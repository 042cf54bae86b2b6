/* fw_input: the model input for test image img, shared by the firmware and
 * the host checker so both run the same numbers. A 784-feature model gets
 * the raw pixels (its .dg scales them); a smaller model gets differences of
 * two pixels / 64 (exact in float), which take both signs. */
#ifndef FW_INPUT_H
#define FW_INPUT_H

static void fw_make_input(const unsigned char *img, float *x, int n)
{
    for (int f = 0; f < n; f++) {
        if (n == 784) x[f] = (float)img[f];
        else x[f] = (float)(img[(f * 37 + 300) % 784] - img[(f * 101 + 411) % 784]) / 64.0f;
    }
}

#endif
