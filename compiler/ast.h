/* ast: the syntax tree of a .dg file, as written. A file is a list of
 * statements; a statement is a key word, arguments, and an optional block.
 * Meaning is given to statements by the checker (check.c), not here. */
#ifndef DGC_AST_H
#define DGC_AST_H
#include "arena.h"
#include "diag.h"

typedef enum {
    AV_WORD,   /* text */
    AV_INT,    /* text, num (exact when |v| < 2^53), fnum */
    AV_FLOAT,  /* decimal or hex float: text, num, fnum */
    AV_STRING, /* text (escapes resolved), len */
    AV_SHAPE,  /* dims, ndims */
    AV_ARRAY   /* items, nitems */
} ast_val_kind;

typedef struct ast_val ast_val;
struct ast_val {
    ast_val_kind kind;
    dg_loc loc;
    const char *text;
    size_t len;
    double num;       /* strtod of the literal, sign applied */
    float fnum;       /* strtof of the literal, sign applied: one rounding */
    int ndims;
    long dims[4];
    int nitems, cap;
    ast_val **items;
    ast_val *next;    /* list link while parsing */
};

typedef struct ast_stmt ast_stmt;
struct ast_stmt {
    const char *key;
    dg_loc loc;
    int nargs;
    ast_val **args;
    int has_block;
    ast_stmt *block;  /* first statement of the block */
    ast_stmt *next;
};

typedef struct ast_file {
    const char *path;
    ast_stmt *stmts;
} ast_file;

/* Builders used by the parser. */
ast_val *ast_val_new(arena *a, ast_val_kind kind, dg_loc loc);
void ast_array_push(arena *a, ast_val *arr, ast_val *item);
ast_stmt *ast_stmt_new(arena *a, const char *key, dg_loc loc, ast_val *args,
                       int has_block, ast_stmt *block);
/* Parse text; diagnostics go to diag. Returns NULL on a syntax error. */
ast_file *ast_parse(arena *a, const char *path, const char *text, size_t len);

#endif
