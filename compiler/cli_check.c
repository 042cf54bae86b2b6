/* dgc check MODEL.dg: parse and check, nothing else. */
#include <string.h>
#include "cli.h"
#include "front.h"

int cli_check(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        diag_fatal_msg("usage: dgc check MODEL.dg");
        return 2;
    }
    arena a;
    ar_init(&a);
    mdl_model *m = front_load_file(&a, argv[1]);
    ar_free(&a);
    return m ? 0 : 1;
}
