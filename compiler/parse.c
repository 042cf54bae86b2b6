/* parse: runs the flex scanner and bison parser over one file's text. */
#include "parse_ctx.h"
#include "dg.tab.h"
#define YYSTYPE DGYSTYPE
#define YYLTYPE DGYLTYPE
#include "dg.lex.h"

dg_loc parse_loc(parse_ctx *c, int line, int col, int last_col)
{
    return diag_loc(c->path, line, col, last_col > col ? last_col - col : 1);
}

ast_file *ast_parse(arena *a, const char *path, const char *text, size_t len)
{
    parse_ctx ctx = {0};
    ctx.a = a;
    ctx.path = path;
    ctx.line = ctx.col = 1;
    int before = diag_errors();
    yyscan_t sc;
    if (dgylex_init_extra(&ctx, &sc)) {
        diag_fatal_msg("cannot start the scanner");
        return NULL;
    }
    YY_BUFFER_STATE buf = dgy_scan_bytes(text, (int)len, sc);
    int rc = dgyparse(&ctx, sc);
    dgy_delete_buffer(buf, sc);
    dgylex_destroy(sc);
    if (rc != 0 || diag_errors() > before) return NULL;
    ast_file *f = ar_alloc(a, sizeof *f);
    f->path = path;
    f->stmts = ctx.result;
    return f;
}
