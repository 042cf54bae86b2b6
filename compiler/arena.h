/* arena: bump allocation for the whole compiler; everything is freed at once.
 * Allocation failure is fatal (dgc is a batch tool); ar_fail_after lets a
 * test build make the N-th allocation fail to exercise that path. */
#ifndef DGC_ARENA_H
#define DGC_ARENA_H
#include <stddef.h>

typedef struct ar_block ar_block;
typedef struct arena {
    ar_block *head;
    size_t total;
} arena;

void ar_init(arena *a);
void ar_free(arena *a);
void *ar_alloc(arena *a, size_t n);            /* zeroed, 16-byte aligned */
void *ar_array(arena *a, size_t count, size_t size); /* checks overflow */
char *ar_strdup(arena *a, const char *s);
char *ar_strndup(arena *a, const char *s, size_t n);
char *ar_printf(arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
