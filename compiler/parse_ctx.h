/* parse_ctx: what the flex scanner and the bison parser share. Internal to
 * ast_parse (parse.c) and grammar/; nothing else includes it. */
#ifndef DGC_PARSE_CTX_H
#define DGC_PARSE_CTX_H
#include "ast.h"

typedef struct parse_ctx {
    arena *a;
    const char *path;
    int line, col;          /* scanner position, 1-based */
    const char *tok_text;   /* text of the last token, for syntax errors */
    int tok_len;
    ast_stmt *result;
    int syntax_errors;
} parse_ctx;

dg_loc parse_loc(parse_ctx *c, int line, int col, int last_col);

#endif
