/* repl: the command table, dispatch and the read-eval loop. */
#include "repl.h"
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "cli.h"
#include "diag.h"
#include "repl_int.h"
#include "repl_line.h"
#include "suggest.h"

const repl_cmd repl_cmds[] = {
    {"load", "FILE", "load a .dg model (it replaces the current one)", rc_load, 'f'},
    {"reload", "", "read the model file again; if that fails the current model stays", rc_reload, 0},
    {"eval", "VALUES | FILE [ROW] | random [SEED]",
     "evaluate one input: class, logits, the units each layer opened, relMAC", rc_eval, 'e'},
    {"show", "[LAYER]", "the model's layers, or one layer: its gate and its statistics", rc_show,
     'l'},
    {"set", "LAYER threshold|temperature|k VALUE",
     "change a layer's gate, check and recompile the model", rc_set, 'l'},
    {"accuracy", "FILE [LABELS] [N]", "accuracy and activation ratios over a dataset",
     rc_accuracy, 'f'},
    {"emit", "FILE", "write the model's C (one self-contained file)", rc_emit, 'f'},
    {"time", "[N]", "time N evaluations of the last input (default 1000)", rc_time, 0},
    {"source", "", "print the model's .dg text", rc_source, 0},
    {"help", "[COMMAND]", "this list, or one command", rc_help, 0},
    {"quit", "", "leave (so does Ctrl-D)", rc_quit, 0},
    {"exit", "", "leave", rc_quit, 0},
};
const int repl_n_cmds = (int)(sizeof repl_cmds / sizeof repl_cmds[0]);

int rc_help(repl *r, int argc, char **argv, const char *rest)
{
    (void)r, (void)rest;
    for (int i = 0; i < repl_n_cmds; i++) {
        const repl_cmd *c = &repl_cmds[i];
        if (argc > 1 && strcmp(argv[1], c->name)) continue;
        char head[64];
        snprintf(head, sizeof head, "%s %s", c->name, c->args);
        printf("  %-44s %s\n", head, c->help);
        if (argc > 1) return 0;
    }
    if (argc > 1) {
        diag_fatal_msg("no command '%s' (see help)", argv[1]);
        return -1;
    }
    printf("  %-44s %s\n", "model|input|labels|layer|output|weights ...",
           "a .dg declaration defines or replaces part of the model");
    printf("A line that opens a '{' continues until the braces balance.\n");
    return 0;
}

int rc_quit(repl *r, int argc, char **argv, const char *rest)
{
    (void)argc, (void)argv, (void)rest;
    r->quit = 1;
    return 0;
}

int rc_source(repl *r, int argc, char **argv, const char *rest)
{
    (void)argc, (void)argv, (void)rest;
    if (!r->src.n) {
        diag_fatal_msg("no model yet (use 'load FILE' or type declarations)");
        return -1;
    }
    arena a;
    ar_init(&a);
    fputs(r->edited || !r->text ? re_text(&a, &r->src) : r->text, stdout);
    ar_free(&a);
    return 0;
}

/* Words separated by blanks; "double quotes" keep blanks in a file name. */
static int split_words(arena *a, const char *line, char ***out)
{
    int n = 0, cap = 8;
    char **v = ar_array(a, (size_t)cap + 1, sizeof *v);
    for (const char *p = line;;) {
        while (*p == ' ' || *p == '\t') p++;
        if (!*p) break;
        const char *s = p;
        size_t len;
        if (*p == '"') {
            s = ++p;
            while (*p && *p != '"') p++;
            len = (size_t)(p - s);
            if (*p) p++;
        } else {
            while (*p && *p != ' ' && *p != '\t') p++;
            len = (size_t)(p - s);
        }
        if (n == cap) {
            char **nv = ar_array(a, (size_t)cap * 2 + 1, sizeof *nv);
            memcpy(nv, v, (size_t)n * sizeof *nv);
            v = nv;
            cap *= 2;
        }
        v[n++] = ar_strndup(a, s, len);
    }
    v[n] = NULL;
    *out = v;
    return n;
}

int repl_exec(repl *r, const char *line)
{
    const char *p = line;
    while (*p == ' ' || *p == '\t') p++;
    if (!*p || *p == '#') return 0;
    arena a;
    ar_init(&a);
    char **argv;
    int argc = split_words(&a, p, &argv), rc = -1;
    const char *rest = p + strcspn(p, " \t");
    while (*rest == ' ' || *rest == '\t') rest++;
    /* The first word of a declaration may run into its block: "model m;". */
    size_t kl = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789");
    char *key = ar_strndup(&a, p, kl);
    if (re_is_decl_key(key)) {
        rc = rb_declare(r, p);
        goto done;
    }
    for (int i = 0; i < repl_n_cmds; i++)
        if (!strcmp(argv[0], repl_cmds[i].name)) {
            rc = repl_cmds[i].fn(r, argc, argv, rest);
            goto done;
        }
    const char *names[64];
    int n = 0;
    for (int i = 0; i < repl_n_cmds; i++) names[n++] = repl_cmds[i].name;
    for (int i = 0; i < CHK_N_TOP_KEYS; i++) names[n++] = chk_top_keys[i];
    const char *near = sg_closest(argv[0], names, n);
    if (near)
        diag_fatal_msg("unknown command '%s'; did you mean '%s'?", argv[0], near);
    else
        diag_fatal_msg("unknown command '%s' (see help)", argv[0]);
done:
    ar_free(&a);
    fflush(stdout);
    return rc;
}

/* Whether an entry is a declaration that a further line must complete. */
static int wants_more(const char *entry)
{
    while (*entry == ' ' || *entry == '\t') entry++;
    char key[16];
    size_t kl = strspn(entry, "abcdefghijklmnopqrstuvwxyz");
    if (kl == 0 || kl >= sizeof key) return 0;
    memcpy(key, entry, kl);
    key[kl] = 0;
    return re_is_decl_key(key) && re_incomplete(entry);
}

volatile sig_atomic_t repl_interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    repl_interrupted = 1;
}

int repl_main(const char *model)
{
    repl r;
    memset(&r, 0, sizeof r);
    ar_init(&r.src_a);
    r.tty = isatty(0) && isatty(1);
    r.rng = 0x9e3779b97f4a7c15ULL;
    arena la;
    ar_init(&la);
    if (r.tty) {
        /* While a command runs (the terminal is not in edit mode) Ctrl-C
         * stops the command, not the session. */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_sigint;
        sigaction(SIGINT, &sa, NULL);
        printf("dgc %s REPL: 'help' lists the commands, Ctrl-D leaves.\n", DGC_VERSION);
    }
    if (model) {
        diag_init(stderr);
        if (rb_load_file(&r, model)) r.failed = 1;
    }
    ln_reader *ln = ln_open(&r, r.tty, r.tty ? ln_history_path(&la) : NULL);
    if (!ln) {
        diag_fatal_msg("out of memory");
        return 1;
    }
    /* The entry being typed: one buffer for the whole session, grown as
     * needed (an arena would keep every outgrown copy until the end). */
    size_t cap = 1024, len = 0;
    char *entry = malloc(cap);
    if (!entry) return 1;
    entry[0] = 0;
    while (!r.quit) {
        int dropped;
        fflush(stdout);
        const char *line = ln_read(ln, len ? "...> " : "dgc> ", &dropped);
        if (!line) {
            if (len) {
                diag_init(stderr);
                diag_fatal_msg("the input ended inside a declaration (a '}' is missing)");
                r.failed = 1;
            }
            break;
        }
        if (dropped) { /* Ctrl-C drops the whole entry */
            len = 0;
            entry[0] = 0;
            continue;
        }
        size_t n = strlen(line);
        if (len + n + 2 > cap) {
            while (len + n + 2 > cap) cap *= 2;
            char *ne = realloc(entry, cap);
            if (!ne) break;
            entry = ne;
        }
        memcpy(entry + len, line, n);
        len += n;
        entry[len++] = '\n';
        entry[len] = 0;
        if (wants_more(entry)) continue;
        entry[--len] = 0;
        diag_init(stderr);
        repl_interrupted = 0;
        if (repl_exec(&r, entry)) r.failed = 1;
        len = 0;
        entry[0] = 0;
    }
    free(entry);
    ln_close(ln);
    rb_free(r.b);
    ar_free(&r.src_a);
    ar_free(&la);
    fflush(stdout);
    return r.tty ? 0 : r.failed ? 1 : 0;
}
