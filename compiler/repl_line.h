/* repl_line: reading the REPL's lines. On a terminal: libedit with a
 * prompt, emacs key bindings, history loaded from and saved to a file
 * (mode 0600), Tab completion (repl_complete.h) and Ctrl-C dropping the
 * line being typed. Otherwise: plain lines from standard input. */
#ifndef DGC_REPL_LINE_H
#define DGC_REPL_LINE_H
#include "repl_int.h"

typedef struct ln_reader ln_reader;

/* history: the history file, or NULL for none. */
ln_reader *ln_open(repl *r, int tty, const char *history);
/* The next line without its newline (valid until the next call), or NULL at
 * the end of the input. *dropped is set when Ctrl-C dropped the line. */
const char *ln_read(ln_reader *l, const char *prompt, int *dropped);
void ln_close(ln_reader *l);
/* $DGC_HISTORY, else ~/.dgc_history, else NULL (no home). */
const char *ln_history_path(arena *a);

#endif
