/* repl_mask: mask pictures. */
#include "repl_mask.h"

int rm_per_cell(int n, int width) { return n <= width ? 1 : (n + width - 1) / width; }

int rm_picture(const unsigned char *open, int n, int width, char *out)
{
    int per = rm_per_cell(n, width), cells = 0;
    for (int s = 0; s < n; s += per) {
        int e = s + per < n ? s + per : n, k = 0;
        for (int j = s; j < e; j++) k += open[j] != 0;
        out[cells++] = k == 0 ? '.' : k == e - s ? '#' : 2 * k < e - s ? '-' : '+';
    }
    out[cells] = 0;
    return cells;
}
