/* dgc run MODEL.dg [--input FILE] [--labels FILE] [--index I] [--limit N]
 * [--json]: each input row through the JIT: the class, the logits, the open
 * units of each layer and the input's relMAC; --json one object per line. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "evaluate.h"
#include "json.h"

typedef struct run_args {
    const char *model, *input, *labels;
    long index, limit;
    int json, picked;
} run_args;

static const char run_usage[] =
    "usage: dgc run MODEL.dg [--input FILE] [--labels FILE] [--index I] [--limit N] [--json]";

int cli_count_arg(const char *opt, const char *s, long min, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < min) {
        diag_fatal_msg("%s needs an integer of at least %ld, not '%s'", opt, min, s);
        return -1;
    }
    if (errno == ERANGE) { /* strtol's clamped value would be reported as if typed */
        diag_fatal_msg("%s '%s' is too large", opt, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse(int argc, char **argv, run_args *ra)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = !strcmp(a, "--input") || !strcmp(a, "--labels") || !strcmp(a, "--index") ||
                        !strcmp(a, "--limit");
        if (has_value && i + 1 == argc) {
            diag_fatal_msg("option '%s' needs a value", a);
            return -1;
        }
        if (!strcmp(a, "--input")) ra->input = argv[++i];
        else if (!strcmp(a, "--labels")) ra->labels = argv[++i];
        else if (!strcmp(a, "--index")) {
            if (cli_count_arg(a, argv[++i], 0, &ra->index)) return -1;
            ra->picked = 1;
        } else if (!strcmp(a, "--limit")) {
            if (cli_count_arg(a, argv[++i], 1, &ra->limit)) return -1;
        } else if (!strcmp(a, "--json")) ra->json = 1;
        else if (a[0] == '-' && a[1]) {
            diag_fatal_msg("unknown option '%s' for dgc run (see dgc --help)", a);
            return -1;
        } else if (ra->model) {
            diag_fatal_msg("%s", run_usage);
            return -1;
        } else ra->model = a;
    }
    if (!ra->model) {
        diag_fatal_msg("%s", run_usage);
        return -1;
    }
    /* --index alone picks one row. */
    if (ra->picked && ra->limit < 0) ra->limit = 1;
    return 0;
}

static const char *class_name(const mdl_model *m, int c)
{
    return m->labels && c >= 0 && c < m->n_out ? m->labels[c] : NULL;
}

static void print_text(const mdl_model *m, long row, const ev_sample *s, const int *label)
{
    const char *cn = class_name(m, s->cls);
    printf("row %ld: class %d", row, s->cls);
    if (cn) printf(" (%s)", cn);
    if (label) {
        const char *ln = class_name(m, *label);
        printf(", label %d", *label);
        if (ln) printf(" (%s)", ln);
        printf(*label == s->cls ? ", right" : ", wrong");
    }
    printf("\n  %s:", m->ops[m->n_ops - 1].softmax ? "probabilities" : "logits");
    for (int k = 0; k < m->n_out; k++) printf(" %.6g", (double)s->out[k]);
    printf("\n  open:");
    for (int l = 0; l < m->n_ops; l++) printf(" %s %d/%d", m->ops[l].name, s->open[l], m->ops[l].n_out);
    printf("\n  relMAC %.4f, relMAC+gate %.4f\n", s->met.rel_mac, s->met.rel_mac_gate);
}

static void print_json(const mdl_model *m, long row, const ev_sample *s, const int *label)
{
    const char *cn = class_name(m, s->cls);
    printf("{\"row\":%ld,\"class\":%d,\"class_name\":", row, s->cls);
    if (cn) json_str(stdout, cn);
    else printf("null");
    printf(",\"label\":");
    if (label) printf("%d", *label);
    else printf("null");
    printf(",\"out\":[");
    for (int k = 0; k < m->n_out; k++) {
        if (k) putchar(',');
        json_num(stdout, s->out[k]);
    }
    printf("],\"layers\":[");
    for (int l = 0; l < m->n_ops; l++) {
        printf("%s{\"name\":", l ? "," : "");
        json_str(stdout, m->ops[l].name);
        printf(",\"units\":%d,\"open\":%d}", m->ops[l].n_out, s->open[l]);
    }
    printf("],\"rel_mac\":");
    json_num(stdout, s->met.rel_mac);
    printf(",\"rel_mac_gate\":");
    json_num(stdout, s->met.rel_mac_gate);
    printf("}\n");
}

/* Data errors name the file: "FILE: error: reason"; stdin is "<stdin>". */
int cli_data_error(const char *path, const char *why)
{
    diag_error(diag_noloc(strcmp(path, "-") ? path : "<stdin>"), "%s", why);
    return 1;
}

int cli_run(int argc, char **argv)
{
    run_args ra = {NULL, "-", NULL, 0, -1, 0, 0};
    if (parse(argc, argv, &ra)) return 2;
    arena a;
    ar_init(&a);
    ev_model em;
    data_set ds;
    char err[256];
    int rc = 1;
    if (ev_load(&a, ra.model, &em)) goto done;
    if (data_load(&a, ra.input, ra.index, ra.limit, &ds, err, sizeof err)) {
        rc = cli_data_error(ra.input, err);
        goto done;
    }
    if (ra.labels && data_load_labels(&a, ra.labels, &ds, err, sizeof err)) {
        rc = cli_data_error(ra.labels, err);
        goto done;
    }
    const mdl_model *m = em.m;
    int bad = ev_check_data(&em, &ds, err, sizeof err);
    if (bad) {
        rc = cli_data_error(bad == -2 ? ra.labels : ra.input, err);
        goto done;
    }
    for (long i = 0; i < ds.rows; i++) {
        arena row;
        ar_init(&row);
        ev_sample s;
        ev_one(&row, &em, ds.x + (size_t)i * (size_t)ds.dim, &s);
        const int *label = ds.labels ? &ds.labels[i] : NULL;
        if (ra.json) print_json(m, ds.first + i, &s, label);
        else print_text(m, ds.first + i, &s, label);
        ar_free(&row);
    }
    rc = fflush(stdout) ? 1 : 0;
done:
    ev_release(&em);
    ar_free(&a);
    return rc;
}
