/* dgc [options] MODEL.dg -o OUT.c: the compiler proper. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "calib.h"
#include "cli.h"
#include "emit.h"
#include "front.h"
#include "ir.h"
#include "outfile.h"
#include "suggest.h"

typedef struct compile_args {
    const char *model, *out, *header, *prefix;
    const char *target, *tile, *vw, *calibrate;
    int dense;
} compile_args;

/* A whole decimal number in [lo, hi], or -1. */
static int int_arg(const char *opt, const char *s, int lo, int hi)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) {
        diag_fatal_msg("option '%s' takes a whole number from %d to %d, not '%s'", opt, lo, hi, s);
        return -1;
    }
    return (int)v;
}

/* The target preset with --tile and --vector-width applied. */
static int target_args(const compile_args *ca, ir_target *t)
{
    const ir_target *base = ca->target ? ir_target_find(ca->target) : ir_target_default();
    if (!base) {
        diag_fatal_msg("unknown target '%s' (x86-64, cortex-m4, cortex-m0, generic, tcc)", ca->target);
        return 0;
    }
    *t = *base;
    if (ca->tile && (t->tile = int_arg("--tile", ca->tile, 0, 32)) < 0) return 0;
    if (ca->vw && (t->vw = int_arg("--vector-width", ca->vw, 1, 64)) < 0) return 0;
    return 1;
}

/* `dgc chek m.dg` would otherwise be "more than one model file": a first word
 * with no '.' that is no file but is close to a command is a mistyped command. */
static int mistyped_command(const char *w)
{
    static const char *const cmds[] = {"check", "stats", "run", "eval", "repl"};
    struct stat st;
    const char *near = strchr(w, '.') || !stat(w, &st) ? NULL : sg_closest(w, cmds, 5);
    if (near) diag_fatal_msg("unknown command '%s'; did you mean '%s'?", w, near);
    return near != NULL;
}

static int parse_args(int argc, char **argv, compile_args *ca)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = !strcmp(a, "-o") ? &ca->out
                          : !strcmp(a, "--header") ? &ca->header
                          : !strcmp(a, "--prefix") ? &ca->prefix
                          : !strcmp(a, "--target") ? &ca->target
                          : !strcmp(a, "--tile") ? &ca->tile
                          : !strcmp(a, "--vector-width") ? &ca->vw
                          : !strcmp(a, "--calibrate") ? &ca->calibrate : NULL;
        if (slot) {
            if (i + 1 == argc) {
                diag_fatal_msg("option '%s' needs a value", a);
                return 0;
            }
            *slot = argv[++i];
        } else if (!strcmp(a, "--dense")) {
            ca->dense = 1;
        } else if (a[0] == '-' && a[1]) {
            diag_fatal_msg("unknown option '%s' (see dgc --help)", a);
            return 0;
        } else if (ca->model) {
            if (ca->model == argv[1] && mistyped_command(ca->model)) return 0;
            diag_fatal_msg("more than one model file ('%s' and '%s')", ca->model, a);
            return 0;
        } else {
            ca->model = a;
        }
    }
    if (!ca->model) {
        diag_fatal_msg("no model file (see dgc --help)");
        return 0;
    }
    return !(ca->model == argv[1] && mistyped_command(ca->model));
}

/* A prefix is pasted into C identifiers and macro names. */
static int valid_prefix(const char *p)
{
    size_t n = strlen(p);
    if (n == 0 || n > 63 || p[0] == '_' || (p[0] >= '0' && p[0] <= '9')) return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_'))
            return 0;
    }
    return 1;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* MODEL.dg -> MODEL.c in the current directory; OUT.c -> OUT.h. */
static const char *swap_ext(arena *a, const char *path, const char *from, const char *to)
{
    size_t n = strlen(path), f = strlen(from);
    if (n > f && !strcmp(path + n - f, from))
        return ar_printf(a, "%.*s%s", (int)(n - f), path, to);
    return ar_printf(a, "%s%s", path, to);
}

/* Names one file twice: the same path, or two paths to one existing file. */
static int same_file(const char *x, const char *y)
{
    struct stat sx, sy;
    if (!strcmp(x, y)) return 1;
    return !stat(x, &sx) && !stat(y, &sy) && sx.st_dev == sy.st_dev && sx.st_ino == sy.st_ino;
}

/* Refuses outputs that would overwrite the model or each other (usage errors). */
static int outputs_distinct(const char *model, const char *out, const char *header)
{
    const char *clash = same_file(model, out) ? out : header && same_file(model, header) ? header : NULL;
    if (clash) {
        diag_fatal_msg("output '%s' would overwrite the model", clash);
        return 0;
    }
    if (header && same_file(out, header)) {
        diag_fatal_msg("-o and --header both name '%s'", out);
        return 0;
    }
    return 1;
}

int cli_compile(int argc, char **argv)
{
    compile_args ca = {0};
    if (!parse_args(argc, argv, &ca)) return 2;
    if (ca.prefix && !valid_prefix(ca.prefix)) {
        diag_fatal_msg("--prefix '%s' is not a valid C identifier prefix", ca.prefix);
        return 2;
    }
    ir_target tg;
    if (!target_args(&ca, &tg)) return 2;
    arena a;
    ar_init(&a);
    const char *out = ca.out ? ca.out : swap_ext(&a, base_name(ca.model), ".dg", ".c");
    int to_stdout = !strcmp(out, "-");
    const char *header = ca.header ? ca.header : to_stdout ? NULL : swap_ext(&a, out, ".c", ".h");
    if (!outputs_distinct(ca.model, out, header)) {
        ar_free(&a);
        return 2;
    }
    int rc = 1;
    mdl_model *m = front_load_file(&a, ca.model);
    if (!m) goto done;
    ir_calib cal;
    if (ca.calibrate && calib_load(&a, m, ca.calibrate, &cal)) goto done;
    ir_program *p = ir_lower_for(&a, m, &tg, ca.calibrate ? &cal : NULL, ca.dense);
    emit_opts eo = {0};
    eo.prefix = ca.prefix ? ca.prefix : m->name;
    eo.header_name = header ? base_name(header) : NULL; /* NULL: declarations inline */
    outfile oc, oh;
    if (of_open(&oc, out)) goto done;
    if (header && of_open(&oh, header)) {
        of_abort(&oc);
        goto done;
    }
    int bad = emit_c(p, &eo, oc.fp, header ? oh.fp : oc.fp);
    if (bad) {
        of_abort(&oc);
        if (header) of_abort(&oh);
        goto done;
    }
    if (header && of_commit(&oh)) {
        of_abort(&oc);
        goto done;
    }
    if (of_commit(&oc)) goto done;
    rc = 0;
done:
    ar_free(&a);
    return rc;
}
