#include "suggest.h"
#include <string.h>

enum { SG_MAX = 64 };

static int distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la >= SG_MAX || lb >= SG_MAX) return SG_MAX;
    int row[SG_MAX + 1];
    for (size_t j = 0; j <= lb; j++) row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *sg_closest(const char *word, const char *const *cands, int n)
{
    const char *best = NULL;
    int bd = 3;
    int limit = (int)strlen(word) / 2;
    for (int i = 0; i < n; i++) {
        int d = distance(word, cands[i]);
        if (d < bd && d <= limit && d > 0) {
            bd = d;
            best = cands[i];
        }
    }
    return best;
}
