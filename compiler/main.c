/* dgc: compile DynamicGate-MLP models to specialised C. */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "diag.h"

void cli_usage(FILE *out)
{
    fputs("usage: dgc [options] MODEL.dg [-o OUT.c] [--header OUT.h] [--prefix NAME]\n"
          "       dgc check MODEL.dg            validate a model, print nothing when good\n"
          "       dgc stats MODEL.dg [--json]   parameters, MACs, gates, folded units\n"
          "       dgc run MODEL.dg [--input FILE] [--labels FILE] [--index I] [--limit N] [--json]\n"
          "                                     run inputs (CSV, .npy, IDX; default stdin)\n"
          "                                     through the JIT: class, logits, open units\n"
          "       dgc eval MODEL.dg --data DIR|IMAGES [--labels FILE] [--limit N] [--json]\n"
          "                                     accuracy, activation ratios, relMAC, confusion\n"
          "       dgc repl [MODEL.dg]           interactive: eval, tune gates, type models\n"
          "\n"
          "options:\n"
          "  -o FILE          write the C here (default: MODEL.c in the current directory;\n"
          "                   '-' writes one self-contained C file to standard output)\n"
          "  --header FILE    write the header here (default: OUT with .c replaced by .h)\n"
          "  --prefix NAME    prefix of every generated symbol (default: the model name)\n"
          "  --dense          ignore every gate: compute every unit (the baseline)\n"
          "  --target NAME    x86-64 (default), cortex-m4, cortex-m0, generic or tcc:\n"
          "                   tile and vector width presets\n"
          "  --tile N         units per tile, 0..32 (0: one dot product per open unit)\n"
          "  --vector-width N lanes of row dot products, 1..64\n"
          "  --calibrate FILE sample inputs (CSV, .npy, IDX): units that open together\n"
          "                   share tiles\n"
          "  --help           print this and exit\n"
          "  --version        print the version and exit\n",
          out);
}

int main(int argc, char **argv)
{
    diag_init(stderr);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        cli_usage(stdout);
        return 0;
    }
    if (argc >= 2 && !strcmp(argv[1], "--version")) {
        printf("dgc %s\n", DGC_VERSION);
        return 0;
    }
    if (argc >= 2 && !strcmp(argv[1], "check")) return cli_check(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "stats")) return cli_stats(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "run")) return cli_run(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "eval")) return cli_eval(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "repl")) return cli_repl(argc - 1, argv + 1);
    return cli_compile(argc, argv);
}
