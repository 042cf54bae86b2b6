/* repl_complete: Tab completion candidates. */
#include "repl_complete.h"
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "check.h"

static const char *const set_words[] = {"threshold", "temperature", "k"};

typedef struct cands {
    arena *a;
    const char *prefix;
    size_t plen;
    int n, cap;
    const char **v;
} cands;

static void add(cands *c, const char *s)
{
    if (strncmp(s, c->prefix, c->plen)) return;
    if (c->n == c->cap) {
        int cap = c->cap ? 2 * c->cap : 32;
        const char **v = ar_array(c->a, (size_t)cap, sizeof *v);
        if (c->n) memcpy(v, c->v, (size_t)c->n * sizeof *v);
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n++] = s;
}

static void add_layers(cands *c, const repl *r)
{
    if (!r->b) return;
    for (int i = 0; i < r->b->m->n_ops; i++) add(c, r->b->m->ops[i].name);
}

/* Files whose path starts with the prefix; "dir/" for directories. Hidden
 * files only when the name being typed starts with a dot. */
static void add_files(cands *c)
{
    const char *slash = strrchr(c->prefix, '/');
    const char *dir = slash ? ar_strndup(c->a, c->prefix, (size_t)(slash - c->prefix + 1)) : "";
    const char *base = slash ? slash + 1 : c->prefix;
    DIR *d = opendir(*dir ? dir : ".");
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (e->d_name[0] == '.' && base[0] != '.') continue;
        if (strncmp(e->d_name, base, strlen(base))) continue;
        const char *path = ar_printf(c->a, "%s%s", dir, e->d_name);
        struct stat st;
        if (!stat(path, &st) && S_ISDIR(st.st_mode)) path = ar_printf(c->a, "%s/", path);
        add(c, path);
    }
    closedir(d);
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

void rcp_complete(arena *a, const repl *r, const char *line, int cursor, rcp_result *out)
{
    int start = cursor;
    while (start > 0 && line[start - 1] != ' ' && line[start - 1] != '\t') start--;
    /* Which word this is, and the command word. */
    int word = 0;
    const char *cmd = NULL;
    for (int i = 0; i < start;) {
        while (i < start && (line[i] == ' ' || line[i] == '\t')) i++;
        if (i >= start) break;
        int s = i;
        while (i < start && line[i] != ' ' && line[i] != '\t') i++;
        if (word++ == 0) cmd = ar_strndup(a, line + s, (size_t)(i - s));
    }
    cands c = {a, ar_strndup(a, line + start, (size_t)(cursor - start)), 0, 0, 0, NULL};
    c.plen = strlen(c.prefix);
    if (word == 0) {
        for (int i = 0; i < repl_n_cmds; i++) add(&c, repl_cmds[i].name);
        for (int i = 0; i < CHK_N_TOP_KEYS; i++) add(&c, chk_top_keys[i]);
    } else if (!strcmp(cmd, "set")) {
        if (word == 1) add_layers(&c, r);
        if (word == 2)
            for (size_t i = 0; i < sizeof set_words / sizeof *set_words; i++) add(&c, set_words[i]);
    } else if (!strcmp(cmd, "help")) {
        if (word == 1)
            for (int i = 0; i < repl_n_cmds; i++) add(&c, repl_cmds[i].name);
    } else {
        for (int i = 0; i < repl_n_cmds; i++) {
            if (strcmp(cmd, repl_cmds[i].name)) continue;
            char kind = repl_cmds[i].complete;
            if (kind == 'l' && word == 1) add_layers(&c, r);
            if (kind == 'f') add_files(&c);
            if (kind == 'e' && word == 1) add(&c, "random");
            if (kind == 'e' && word == 1) add_files(&c);
        }
    }
    if (c.n) qsort(c.v, (size_t)c.n, sizeof *c.v, cmp_str);
    int u = 0;
    for (int i = 0; i < c.n; i++)
        if (!u || strcmp(c.v[u - 1], c.v[i])) c.v[u++] = c.v[i];
    out->start = start;
    out->n = u;
    out->cands = c.v;
}

const char *rcp_common(arena *a, const rcp_result *res)
{
    if (!res->n) return "";
    size_t n = strlen(res->cands[0]);
    for (int i = 1; i < res->n; i++) {
        size_t k = 0;
        while (k < n && res->cands[i][k] == res->cands[0][k]) k++;
        n = k;
    }
    return ar_strndup(a, res->cands[0], n);
}
