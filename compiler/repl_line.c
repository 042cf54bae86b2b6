/* repl_line: libedit on a terminal, plain lines otherwise. */
#include "repl_line.h"
#include <fcntl.h>
#include <histedit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "repl_complete.h"

enum { LN_HISTORY_SIZE = 1000 };

struct ln_reader {
    repl *r;
    int tty;
    EditLine *el;
    History *hist;
    const char *hist_path;
    const char *prompt;
    int dropped;
    char *buf;              /* plain reading */
    size_t cap;
    char line[1 << 16];       /* libedit's line, copied without the newline */
};

const char *ln_history_path(arena *a)
{
    const char *p = getenv("DGC_HISTORY");
    if (p && *p) return ar_strdup(a, p);
    const char *home = getenv("HOME");
    return home && *home ? ar_printf(a, "%s/.dgc_history", home) : NULL;
}

static char *prompt_fn(EditLine *el)
{
    void *cd;
    el_get(el, EL_CLIENTDATA, &cd);
    return (char *)((ln_reader *)cd)->prompt;
}

static ln_reader *reader_of(EditLine *el)
{
    void *cd;
    el_get(el, EL_CLIENTDATA, &cd);
    return cd;
}

/* Ctrl-C arrives as a character (ISIG is off while editing): end the line
 * and tell ln_read to drop it. */
static unsigned char drop_fn(EditLine *el, int ch)
{
    (void)ch;
    reader_of(el)->dropped = 1;
    fputs("^C\n", stdout);
    return CC_NEWLINE;
}

/* Tab: insert what every candidate shares; when that adds nothing and
 * there are several, list them. */
static unsigned char complete_fn(EditLine *el, int ch)
{
    (void)ch;
    ln_reader *l = reader_of(el);
    const LineInfo *li = el_line(el);
    arena a;
    ar_init(&a);
    int len = (int)(li->cursor - li->buffer);
    char *line = ar_strndup(&a, li->buffer, (size_t)len);
    rcp_result res;
    rcp_complete(&a, l->r, line, len, &res);
    unsigned char rc = CC_REFRESH_BEEP;
    if (res.n) {
        const char *common = rcp_common(&a, &res);
        size_t typed = (size_t)(len - res.start);
        if (strlen(common) > typed || res.n == 1) {
            const char *more = common + typed;
            size_t cl = strlen(common);
            int done = res.n == 1 && (cl == 0 || common[cl - 1] != '/');
            char *ins = ar_printf(&a, "%s%s", more, done ? " " : "");
            rc = *ins && el_insertstr(el, ins) == 0 ? CC_REFRESH : CC_REFRESH_BEEP;
        } else {
            fputc('\n', stdout);
            for (int i = 0; i < res.n; i++) printf("%s%s", i ? "  " : "", res.cands[i]);
            fputc('\n', stdout);
            rc = CC_REDISPLAY;
        }
    }
    ar_free(&a);
    return rc;
}

ln_reader *ln_open(repl *r, int tty, const char *hist_path)
{
    ln_reader *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    l->r = r;
    l->tty = tty;
    if (!tty) return l;
    l->el = el_init("dgc", stdin, stdout, stderr);
    if (!l->el) { /* no usable terminal: read plainly */
        l->tty = 0;
        return l;
    }
    el_set(l->el, EL_CLIENTDATA, l);
    el_set(l->el, EL_PROMPT, prompt_fn);
    el_set(l->el, EL_EDITOR, "emacs");
    el_set(l->el, EL_SIGNAL, 1);
    el_set(l->el, EL_SETTY, "-d", "-isig", NULL);
    el_set(l->el, EL_ADDFN, "dgc-complete", "complete a command, layer or file", complete_fn);
    el_set(l->el, EL_ADDFN, "dgc-drop", "drop the line", drop_fn);
    el_set(l->el, EL_BIND, "^I", "dgc-complete", NULL);
    el_set(l->el, EL_BIND, "^C", "dgc-drop", NULL);
    l->hist = history_init();
    if (l->hist) {
        HistEvent ev;
        history(l->hist, &ev, H_SETSIZE, LN_HISTORY_SIZE);
        history(l->hist, &ev, H_SETUNIQUE, 1);
        l->hist_path = hist_path;
        if (hist_path) history(l->hist, &ev, H_LOAD, hist_path);
        el_set(l->el, EL_HIST, history, l->hist);
    }
    el_source(l->el, NULL); /* the user's ~/.editrc */
    return l;
}

/* Saved after every line, so a killed session keeps its history. The file
 * is created 0600 (it may hold paths and data); libedit keeps that mode. */
static void save_history(ln_reader *l, const char *line)
{
    if (!l->hist) return;
    HistEvent ev;
    history(l->hist, &ev, H_ENTER, line);
    if (!l->hist_path) return;
    int fd = open(l->hist_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0) return;
    close(fd);
    history(l->hist, &ev, H_SAVE, l->hist_path);
}

const char *ln_read(ln_reader *l, const char *prompt, int *dropped)
{
    *dropped = 0;
    if (!l->tty) {
        ssize_t n = getline(&l->buf, &l->cap, stdin);
        if (n < 0) return NULL;
        while (n > 0 && (l->buf[n - 1] == '\n' || l->buf[n - 1] == '\r')) l->buf[--n] = 0;
        return l->buf;
    }
    l->prompt = prompt;
    l->dropped = 0;
    int count = 0;
    const char *s = el_gets(l->el, &count);
    if (l->dropped) { /* before the end test: an empty dropped line reads as 0 bytes */
        *dropped = 1;
        return "";
    }
    if (!s || count <= 0) {
        fputc('\n', stdout); /* Ctrl-D: leave the prompt's line */
        return NULL;
    }
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r')) n--;
    if (n >= sizeof l->line) n = sizeof l->line - 1;
    memcpy(l->line, s, n);
    l->line[n] = 0;
    if (n) save_history(l, l->line);
    return l->line;
}

void ln_close(ln_reader *l)
{
    if (!l) return;
    if (l->hist) history_end(l->hist);
    if (l->el) el_end(l->el);
    free(l->buf);
    free(l);
}
