/* cli: the dgc command line. Each subcommand is its own file (cli_*.c);
 * main.c dispatches. Every command returns the process exit status:
 * 0 success, 1 errors in the input, 2 bad usage. */
#ifndef DGC_CLI_H
#include <stdio.h>
#define DGC_CLI_H

#define DGC_VERSION "0.1.0"

int cli_compile(int argc, char **argv);  /* dgc [options] MODEL.dg -o OUT.c */
int cli_check(int argc, char **argv);    /* dgc check MODEL.dg */
int cli_stats(int argc, char **argv);    /* dgc stats MODEL.dg [--json] */
int cli_run(int argc, char **argv);      /* dgc run MODEL.dg [--input FILE] ... */
int cli_eval(int argc, char **argv);     /* dgc eval MODEL.dg --data DIR|IMAGES ... */
/* An integer option value >= min, or -1 after reporting (cli_run.c). */
int cli_count_arg(const char *opt, const char *s, long min, long *out);
/* "FILE: error: why" for a data file ("-" shows as <stdin>); returns 1. */
int cli_data_error(const char *path, const char *why);
void cli_usage(FILE *out);

#endif
