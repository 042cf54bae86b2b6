/* dgc eval MODEL.dg --data DIR|IMAGES [--labels FILE] [--limit N] [--json]:
 * a labelled data set through the JIT, reported the paper's way (accuracy,
 * per-layer gate activation ratio, relMAC) plus relMAC+gate, parameters,
 * weight bytes, per-class accuracy and the most confused pairs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "evaluate.h"
#include "json.h"

typedef struct eval_args {
    const char *model, *data, *labels;
    long limit;
    int json;
} eval_args;

static const char eval_usage[] =
    "usage: dgc eval MODEL.dg --data DIR|IMAGES [--labels FILE] [--limit N] [--json]";

static int parse(int argc, char **argv, eval_args *ea)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = !strcmp(a, "--data") || !strcmp(a, "--labels") || !strcmp(a, "--limit");
        if (has_value && i + 1 == argc) {
            diag_fatal_msg("option '%s' needs a value", a);
            return -1;
        }
        if (!strcmp(a, "--data")) ea->data = argv[++i];
        else if (!strcmp(a, "--labels")) ea->labels = argv[++i];
        else if (!strcmp(a, "--limit")) {
            if (cli_count_arg(a, argv[++i], 1, &ea->limit)) return -1;
        } else if (!strcmp(a, "--json")) ea->json = 1;
        else if (a[0] == '-' && a[1]) {
            diag_fatal_msg("unknown option '%s' for dgc eval (see dgc --help)", a);
            return -1;
        } else if (ea->model) {
            diag_fatal_msg("%s", eval_usage);
            return -1;
        } else ea->model = a;
    }
    if (!ea->model || !ea->data) {
        diag_fatal_msg("%s", eval_usage);
        return -1;
    }
    return 0;
}

/* DIR/NAME or DIR/NAME.gz, whichever exists; NULL when neither. */
static const char *find_in(arena *a, const char *dir, const char *name)
{
    const char *p = ar_printf(a, "%s/%s", dir, name);
    if (!access(p, R_OK)) return p;
    p = ar_printf(a, "%s/%s.gz", dir, name);
    return access(p, R_OK) ? NULL : p;
}

/* The IDX naming convention pairs "X-images-idx3-ubyte" with
 * "X-labels-idx1-ubyte"; anything else needs --labels. */
static const char *labels_beside(arena *a, const char *images)
{
    const char *s = strstr(images, "images-idx3");
    if (!s) return NULL;
    const char *p = ar_printf(a, "%.*slabels-idx1%s", (int)(s - images), images, s + strlen("images-idx3"));
    return access(p, R_OK) ? NULL : p;
}

static int resolve_data(arena *a, eval_args *ea, const char **images, const char **labels)
{
    struct stat st;
    *images = ea->data;
    *labels = ea->labels;
    if (stat(ea->data, &st)) {
        diag_error(diag_noloc(ea->data), "cannot open: %s", strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        *images = find_in(a, ea->data, "t10k-images-idx3-ubyte");
        if (!*images) {
            diag_error(diag_noloc(ea->data), "no t10k-images-idx3-ubyte[.gz] in this directory");
            return -1;
        }
        if (!*labels) *labels = find_in(a, ea->data, "t10k-labels-idx1-ubyte");
    } else if (!*labels) {
        *labels = labels_beside(a, *images);
    }
    if (!*labels) {
        diag_error(diag_noloc(ea->data), "no labels found for this data: give --labels FILE");
        return -1;
    }
    return 0;
}

/* On a terminal only: scripts and logs get no carriage returns. */
static int progress_bar(void *ctx, long done, long total)
{
    (void)ctx;
    enum { W = 40 };
    int fill = total > 0 ? (int)(W * done / total) : W;
    fprintf(stderr, "\r[%.*s%.*s] %ld/%ld", fill, "########################################", W - fill,
            "........................................", done, total);
    if (done == total) fputs("\r\033[K", stderr);
    fflush(stderr);
    return 0;
}

static void print_text(const ev_model *em, const ev_result *r, const char *images)
{
    const mdl_model *m = em->m;
    printf("model %s: %ld samples from %s\n", m->name, r->samples, images);
    printf("accuracy: %.2f%% (%ld of %ld)\n", 100 * r->accuracy, r->correct, r->samples);
    printf("input features open: %.4f\n", r->acc.in_ratio);
    printf("%-16s %8s %10s\n", "layer", "units", "act ratio");
    for (int l = 0; l < m->n_ops; l++)
        printf("%-16s %8d %10.4f\n", m->ops[l].name, m->ops[l].n_out, r->acc.act_ratio[l]);
    printf("relMAC: %.4f\nrelMAC+gate: %.4f\n", r->acc.rel_mac, r->acc.rel_mac_gate);
    printf("parameters: %ld\nweight bytes: %ld\n", em->params, em->weight_bytes);
    printf("per-class accuracy:\n");
    for (int c = 0; c < r->n_classes; c++) {
        printf("  %3d %-16s ", c, m->labels ? m->labels[c] : "");
        if (r->class_count[c]) printf("%7.2f%% of %ld\n", 100 * r->per_class[c], r->class_count[c]);
        else printf("      - (no samples)\n");
    }
    ev_pair p[5];
    int n = ev_confused(r, p, 5);
    printf("most confused (true -> predicted):%s\n", n ? "" : " none");
    for (int i = 0; i < n; i++) {
        printf("  %d", p[i].truth);
        if (m->labels) printf(" %s", m->labels[p[i].truth]);
        printf(" -> %d", p[i].pred);
        if (m->labels) printf(" %s", m->labels[p[i].pred]);
        printf(": %ld\n", p[i].count);
    }
}

/* Exactly the keys the results script reads (docs/cli.md). */
static void print_json(const ev_model *em, const ev_result *r)
{
    const mdl_model *m = em->m;
    printf("{\"model\":");
    json_str(stdout, m->name);
    printf(",\"samples\":%ld,\"accuracy\":", r->samples);
    json_num(stdout, r->accuracy);
    printf(",\"params\":%ld,\"weight_bytes\":%ld,\"input_act_ratio\":", em->params, em->weight_bytes);
    json_num(stdout, r->acc.in_ratio);
    printf(",\"layers\":[");
    for (int l = 0; l < m->n_ops; l++) {
        printf("%s{\"name\":", l ? "," : "");
        json_str(stdout, m->ops[l].name);
        printf(",\"units\":%d,\"act_ratio\":", m->ops[l].n_out);
        json_num(stdout, r->acc.act_ratio[l]);
        printf("}");
    }
    printf("],\"rel_mac\":");
    json_num(stdout, r->acc.rel_mac);
    printf(",\"rel_mac_gate\":");
    json_num(stdout, r->acc.rel_mac_gate);
    printf(",\"per_class_accuracy\":[");
    for (int c = 0; c < r->n_classes; c++) {
        if (c) putchar(',');
        json_num(stdout, r->per_class[c]);
    }
    printf("],\"confusion\":[");
    for (int t = 0; t < r->n_classes; t++) {
        printf("%s[", t ? "," : "");
        for (int p = 0; p < r->n_classes; p++)
            printf("%s%ld", p ? "," : "", r->confusion[(size_t)t * (size_t)r->n_classes + (size_t)p]);
        printf("]");
    }
    printf("]}\n");
}

int cli_eval(int argc, char **argv)
{
    eval_args ea = {NULL, NULL, NULL, -1, 0};
    if (parse(argc, argv, &ea)) return 2;
    arena a;
    ar_init(&a);
    ev_model em;
    memset(&em, 0, sizeof em);
    data_set ds;
    ev_result r;
    const char *images, *labels;
    char err[256];
    int rc = 1;
    if (ev_load(&a, ea.model, &em) || resolve_data(&a, &ea, &images, &labels)) goto done;
    if (data_load(&a, images, 0, ea.limit, &ds, err, sizeof err)) {
        rc = cli_data_error(images, err);
        goto done;
    }
    if (data_load_labels(&a, labels, &ds, err, sizeof err)) {
        rc = cli_data_error(labels, err);
        goto done;
    }
    if (ev_run(&a, &em, &ds, isatty(2) ? progress_bar : NULL, NULL, &r, err, sizeof err)) {
        rc = cli_data_error(images, err);
        goto done;
    }
    if (ea.json) print_json(&em, &r);
    else print_text(&em, &r, images);
    rc = fflush(stdout) ? 1 : 0;
done:
    ev_release(&em);
    ar_free(&a);
    return rc;
}
