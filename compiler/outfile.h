/* outfile: output files that appear whole or not at all. Text is written
 * to a temporary in the destination's directory and renamed over the
 * destination on commit, so a failed run never leaves a partial file. */
#ifndef DGC_OUTFILE_H
#define DGC_OUTFILE_H
#include <stdio.h>

typedef struct outfile {
    const char *path;   /* destination; "-" for stdout */
    char tmp[4096];
    FILE *fp;
} outfile;

int of_open(outfile *o, const char *path);   /* 0 or -1 (reported via diag) */
int of_commit(outfile *o);                   /* flush, close, rename; 0 or -1 */
void of_abort(outfile *o);                   /* close and remove the temporary */

#endif
