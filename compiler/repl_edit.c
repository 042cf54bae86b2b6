/* repl_edit: top-level statements of a model typed at the REPL. */
#include "repl_edit.h"
#include <stdio.h>
#include <string.h>
#include "check.h"


int re_is_decl_key(const char *word)
{
    for (int i = 0; i < CHK_N_TOP_KEYS; i++)
        if (!strcmp(word, chk_top_keys[i])) return 1;
    return 0;
}

static int is_word_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_word_char(char c) { return is_word_start(c) || (c >= '0' && c <= '9'); }

/* Skips one comment or string at p; returns where it ends (p when there is
 * none). *open is set when the text ends inside a block comment. */
static const char *skip_lexeme(const char *p, int *open)
{
    if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
        while (*p && *p != '\n') p++;
        return p;
    }
    if (p[0] == '/' && p[1] == '*') {
        const char *e = strstr(p + 2, "*/");
        if (!e) {
            *open = 1;
            return p + strlen(p);
        }
        return e + 2;
    }
    if (*p == '"') {
        p++;
        while (*p && *p != '"' && *p != '\n') p += (*p == '\\' && p[1]) ? 2 : 1;
        return *p == '"' ? p + 1 : p;
    }
    return p;
}

static const char *skip_space(const char *p)
{
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
        int open = 0;
        const char *q = *p == '"' ? p : skip_lexeme(p, &open);
        if (q == p) return p;
        p = q;
    }
}

int re_incomplete(const char *text)
{
    int depth = 0, open = 0;
    for (const char *p = text; *p;) {
        const char *q = skip_lexeme(p, &open);
        if (q != p) {
            p = q;
            continue;
        }
        if (*p == '{') depth++;
        else if (*p == '}') depth--;
        p++;
    }
    return depth > 0 || open;
}

int re_split(arena *a, const char *text, re_source *out, char *err, size_t errlen)
{
    const char *p = text;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
        const char *start = p, *k = skip_space(p);
        if (!*k) return 0;
        if (!is_word_start(*k)) {
            snprintf(err, errlen, "expected a declaration, found '%c'", *k);
            return -1;
        }
        const char *ke = k;
        while (is_word_char(*ke)) ke++;
        const char *n = skip_space(ke), *ne = n;
        const char *name = "";
        if (is_word_start(*n)) {
            while (is_word_char(*ne)) ne++;
            name = ar_strndup(a, n, (size_t)(ne - n));
        } else if (*n == '"') {
            for (ne = n + 1; *ne && *ne != '"' && *ne != '\n'; ne++) {}
            name = ar_strndup(a, n + 1, (size_t)(ne - n - 1));
        }
        int depth = 0, open = 0;
        for (p = ke;;) {
            const char *q = skip_lexeme(p, &open);
            if (q != p) {
                p = q;
                continue;
            }
            if (!*p) {
                snprintf(err, errlen, "'%.*s' is not terminated (a ';' or a '}' is missing)",
                         (int)(ke - k), k);
                return -1;
            }
            char c = *p++;
            if (c == '{') depth++;
            if (c == '}' && --depth < 0) {
                snprintf(err, errlen, "unbalanced '}' in '%.*s'", (int)(ke - k), k);
                return -1;
            }
            if ((c == ';' && depth == 0) || (c == '}' && depth == 0)) break;
        }
        if (out->n == out->cap) {
            int cap = out->cap ? out->cap * 2 : 16;
            re_stmt *s = ar_array(a, (size_t)cap, sizeof *s);
            if (out->n) memcpy(s, out->s, (size_t)out->n * sizeof *s);
            out->s = s;
            out->cap = cap;
        }
        re_stmt *st = &out->s[out->n++];
        st->key = ar_strndup(a, k, (size_t)(ke - k));
        st->name = name;
        st->text = ar_strndup(a, start, (size_t)(p - start));
    }
}

re_source re_copy(arena *a, const re_source *src)
{
    re_source c = {src->n, src->n + 8, NULL};
    c.s = ar_array(a, (size_t)c.cap, sizeof *c.s);
    if (src->n) memcpy(c.s, src->s, (size_t)src->n * sizeof *c.s);
    return c;
}

static int find(const re_source *src, const char *key, const char *name)
{
    for (int i = 0; i < src->n; i++)
        if (!strcmp(src->s[i].key, key) && (!name || !strcmp(src->s[i].name, name))) return i;
    return -1;
}

const char *re_merge(arena *a, re_source *src, const re_stmt *st)
{
    int single = strcmp(st->key, "layer") && strcmp(st->key, "weights");
    int i = find(src, st->key, single ? NULL : st->name);
    if (i >= 0) {
        src->s[i] = *st;
        return "replaced";
    }
    if (src->n == src->cap) {
        re_source c = re_copy(a, src);
        *src = c;
    }
    src->s[src->n++] = *st;
    return "added";
}

char *re_text(arena *a, const re_source *src)
{
    size_t len = 1;
    for (int i = 0; i < src->n; i++) len += strlen(src->s[i].text) + 1;
    char *t = ar_alloc(a, len), *w = t;
    /* Stable by key rank: within a rank, statements keep the order given. */
    for (int k = 0; k < CHK_N_TOP_KEYS; k++)
        for (int i = 0; i < src->n; i++) {
            if (strcmp(src->s[i].key, chk_top_keys[k])) continue;
            size_t n = strlen(src->s[i].text);
            memcpy(w, src->s[i].text, n);
            w += n;
            *w++ = '\n';
        }
    /* Unknown keys go last, so the checker names them. */
    for (int i = 0; i < src->n; i++) {
        if (re_is_decl_key(src->s[i].key)) continue;
        size_t n = strlen(src->s[i].text);
        memcpy(w, src->s[i].text, n);
        w += n;
        *w++ = '\n';
    }
    *w = 0;
    return t;
}

const char *re_missing(arena *a, const re_source *src)
{
    static const char *const need[] = {"model", "input", "output"};
    const char *m = NULL;
    for (int i = 0; i < 3; i++)
        if (find(src, need[i], NULL) < 0)
            m = m ? ar_printf(a, "%s, %s", m, need[i]) : need[i];
    return m;
}
