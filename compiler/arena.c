#include "arena.h"
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ar_block {
    ar_block *next;
    size_t used, cap;
    size_t pad;                 /* header is 32 bytes: data stays 16-aligned */
    unsigned char data[];
};

enum { AR_BLOCK = 64 * 1024 };

static void ar_oom(size_t n)
{
    fprintf(stderr, "dgc: fatal: out of memory (%zu bytes)\n", n);
    exit(1);
}

void ar_init(arena *a) { a->head = NULL; a->total = 0; }

void ar_free(arena *a)
{
    ar_block *b = a->head;
    while (b) {
        ar_block *n = b->next;
        free(b);
        b = n;
    }
    a->head = NULL;
    a->total = 0;
}

void *ar_alloc(arena *a, size_t n)
{
    if (n > SIZE_MAX / 2) ar_oom(n);
    n = (n + 15) & ~(size_t)15;
    ar_block *b = a->head;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > AR_BLOCK ? n : AR_BLOCK;
        b = malloc(sizeof *b + cap);
        if (!b) ar_oom(n);
        b->used = 0;
        b->cap = cap;
        /* Big blocks go behind the current one so its free tail stays usable. */
        if (a->head && cap > AR_BLOCK) {
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    void *p = b->data + b->used;
    b->used += n;
    a->total += n;
    memset(p, 0, n);
    return p;
}

void *ar_array(arena *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / 4 / size) ar_oom(SIZE_MAX);
    return ar_alloc(a, count && size ? count * size : 1);
}

char *ar_strndup(arena *a, const char *s, size_t n)
{
    char *p = ar_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *ar_strdup(arena *a, const char *s) { return ar_strndup(a, s, strlen(s)); }

char *ar_printf(arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = ar_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
