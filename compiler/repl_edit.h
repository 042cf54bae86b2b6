/* repl_edit: the REPL's model as a list of top-level .dg statements, so
 * declarations typed at the prompt can define or extend it. Pure text work:
 * nothing here parses meaning (the front end checks the merged text).
 *
 * Merge rule, by the statement's key:
 *   model, input, labels, output  replace the one there (or are added);
 *   layer NAME                    replaces the layer called NAME, or goes
 *                                 after the last layer;
 *   weights FILE                  is added (once per file).
 * The text is always rebuilt in the order the language requires:
 * model, weights, input, labels, layers, output. */
#ifndef DGC_REPL_EDIT_H
#define DGC_REPL_EDIT_H
#include <stddef.h>
#include "arena.h"

typedef struct re_stmt {
    const char *key;    /* first word */
    const char *name;   /* first argument when it is a word or string, else "" */
    const char *text;   /* the statement, with the comments before it */
} re_stmt;

typedef struct re_source {
    int n, cap;
    re_stmt *s;
} re_source;

/* Whether text needs more lines: 1 while a '{' or a comment is open. */
int re_incomplete(const char *text);
/* Whether key begins a top-level declaration (model, weights, ...). */
int re_is_decl_key(const char *word);

/* Splits text into top-level statements (appended to out). Returns 0, or -1
 * with a reason in err when a statement is not terminated or a brace is
 * unbalanced. */
int re_split(arena *a, const char *text, re_source *out, char *err, size_t errlen);
/* Merges one statement; returns "added" or "replaced". */
const char *re_merge(arena *a, re_source *src, const re_stmt *st);
/* The whole model text, statements in the language's order. */
char *re_text(arena *a, const re_source *src);
/* Comma-separated list of what a buildable model still lacks, or NULL. */
const char *re_missing(arena *a, const re_source *src);
/* A copy of src (statements shared), so a failed change can be undone. */
re_source re_copy(arena *a, const re_source *src);

#endif
