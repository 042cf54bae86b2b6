#include "ast.h"
#include <string.h>

ast_val *ast_val_new(arena *a, ast_val_kind kind, dg_loc loc)
{
    ast_val *v = ar_alloc(a, sizeof *v);
    v->kind = kind;
    v->loc = loc;
    return v;
}

void ast_array_push(arena *a, ast_val *arr, ast_val *item)
{
    if (arr->nitems == arr->cap) {
        int cap = arr->cap ? arr->cap * 2 : 8;
        ast_val **n = ar_array(a, (size_t)cap, sizeof *n);
        if (arr->nitems) memcpy(n, arr->items, (size_t)arr->nitems * sizeof *n);
        arr->items = n;
        arr->cap = cap;
    }
    arr->items[arr->nitems++] = item;
}

ast_stmt *ast_stmt_new(arena *a, const char *key, dg_loc loc, ast_val *args,
                       int has_block, ast_stmt *block)
{
    ast_stmt *s = ar_alloc(a, sizeof *s);
    s->key = key;
    s->loc = loc;
    for (ast_val *v = args; v; v = v->next) s->nargs++;
    s->args = ar_array(a, (size_t)s->nargs, sizeof *s->args);
    int i = 0;
    for (ast_val *v = args; v; v = v->next) s->args[i++] = v;
    s->has_block = has_block;
    s->block = block;
    return s;
}
