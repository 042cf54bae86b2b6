/* repl_complete: what Tab offers at the REPL. The first word completes to
 * command names and declaration keys; later words by what the command
 * takes there: layer names of the loaded model, file names, or keywords. */
#ifndef DGC_REPL_COMPLETE_H
#define DGC_REPL_COMPLETE_H
#include "repl_int.h"

typedef struct rcp_result {
    int start;              /* where the word being completed begins in line */
    int n;
    const char **cands;     /* [n] sorted, unique; directories end in '/' */
} rcp_result;

/* Candidates for the word that ends at cursor in line. */
void rcp_complete(arena *a, const repl *r, const char *line, int cursor, rcp_result *out);
/* The longest prefix every candidate shares (a copy in a). */
const char *rcp_common(arena *a, const rcp_result *res);

#endif
