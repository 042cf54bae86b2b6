/* repl: `dgc repl [MODEL.dg]`, an interactive session around one model.
 * On a terminal it edits lines with libedit (history in $DGC_HISTORY or
 * ~/.dgc_history, tab completion); otherwise it reads commands from the
 * input without prompts and reports whether any of them failed. */
#ifndef DGC_REPL_H
#define DGC_REPL_H
#include <stdio.h>

/* model: a .dg file to load first, or NULL. Returns the exit status:
 * 0, or 1 when a command failed while reading a script. */
int repl_main(const char *model);

#endif
