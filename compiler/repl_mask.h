/* repl_mask: a compact picture of a layer's mask for the REPL. One cell per
 * unit when the layer fits the width ('#' open, '.' closed); otherwise each
 * cell stands for a run of units and shows how many of them are open:
 * '.' none, '-' under a half, '+' a half or more, '#' all. */
#ifndef DGC_REPL_MASK_H
#define DGC_REPL_MASK_H

enum { RM_WIDTH = 64 };

/* Writes at most width cells and a NUL to out[width + 1]; returns the cells. */
int rm_picture(const unsigned char *open, int n, int width, char *out);
/* The units each cell stands for: 1 when n <= width. */
int rm_per_cell(int n, int width);

#endif
