/* suggest: "did you mean ...?" for names a user mistyped. */
#ifndef DGC_SUGGEST_H
#define DGC_SUGGEST_H

/* The candidate closest to word by edit distance, if it is close enough to
 * be a likely typo (distance <= 2 and less than half the word); else NULL. */
const char *sg_closest(const char *word, const char *const *cands, int n);

#endif
