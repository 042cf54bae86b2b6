/* dgc repl [MODEL.dg]: the interactive session (repl.h). */
#include <string.h>
#include "cli.h"
#include "diag.h"
#include "repl.h"

int cli_repl(int argc, char **argv)
{
    const char *model = NULL;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1]) {
            diag_fatal_msg("unknown option '%s' for dgc repl", argv[i]);
            return 2;
        }
        if (model) {
            diag_fatal_msg("usage: dgc repl [MODEL.dg]");
            return 2;
        }
        model = argv[i];
    }
    return repl_main(model);
}
