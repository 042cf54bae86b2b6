/* repl_int: the session the REPL's command files share (repl*.c only). */
#ifndef DGC_REPL_INT_H
#define DGC_REPL_INT_H
#include <stdint.h>
#include "arena.h"
#include <signal.h>
#include "evaluate.h"
#include "metrics.h"
#include "model.h"
#include "repl_edit.h"

typedef enum { RS_THRESHOLD, RS_TEMPERATURE, RS_K } rs_what;

/* A `set` that every rebuild re-applies to the checked model. */
typedef struct repl_setting {
    const char *layer;
    rs_what what;
    double v;
    int frac;               /* k given as a fraction of the units */
} repl_setting;

/* One built model: everything in its own arena, replaced whole. */
typedef struct repl_build {
    arena a;
    mdl_model *m;
    ev_model em;            /* its IR and JIT */
    metrics_acc acc;        /* the session's evals of this build */
    long evals;
    metrics_layer *macs;    /* [n_ops] dense and gate MACs (per input), and
                             * executed MACs summed over the evals */
    const char *acc_file;   /* the last accuracy run, for show */
    double *acc_ratio;      /* [n_ops] its activation ratios, or NULL */
} repl_build;

typedef struct repl {
    int tty;                /* prompts, line editing, progress bars */
    int failed;             /* a command failed: a script exits 1 */
    int quit;
    arena src_a;            /* the statements and settings of the session */
    re_source src;
    const char *path;       /* the file loaded; NULL when typed at the prompt */
    const char *text;       /* its text as loaded (reused until edited) */
    const char *dir;        /* weight files are relative to it */
    int edited;             /* declarations were typed since the load */
    repl_setting *set;
    int n_set, cap_set;
    repl_build *b;          /* NULL: no model yet */
    float *last_in;         /* the last input evaluated ([n_in] in b->a) */
    uint64_t rng;
} repl;

/* Set by Ctrl-C while a command runs; long commands stop early. */
extern volatile sig_atomic_t repl_interrupted;

/* Commands: argv[0] is the command; rest is the text after it. Each
 * returns 0 or -1 after printing why (through diag). */
typedef int repl_cmd_fn(repl *r, int argc, char **argv, const char *rest);
repl_cmd_fn rc_load, rc_reload, rc_eval, rc_show, rc_set, rc_accuracy, rc_emit, rc_time,
    rc_source, rc_help, rc_quit;

/* repl_build.c */
int rb_load_file(repl *r, const char *path);
/* Rebuilds from r->src and r->set; on failure keeps the current build. */
int rb_rebuild(repl *r, const char *what);
/* A typed declaration (one or more statements). */
int rb_declare(repl *r, const char *text);
/* 1 when a model is built; otherwise says so (through diag) and returns 0. */
int rb_need_model(const repl *r);
const mdl_op *rb_find_layer(repl *r, const char *name); /* reports when missing */
void rb_free(repl_build *b);

/* repl.c: the command table, for help and completion. */
typedef struct repl_cmd {
    const char *name, *args, *help;
    repl_cmd_fn *fn;
    char complete;          /* what its first argument is: 'f' file, 'l' layer, 0 */
} repl_cmd;
extern const repl_cmd repl_cmds[];
extern const int repl_n_cmds;
int repl_exec(repl *r, const char *line);

#endif
