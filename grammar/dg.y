/* dg.y: the .dg grammar (bison, pure, with locations).
 * The grammar is deliberately small: statements of a key, arguments and an
 * optional block. What a statement means is the checker's business, which
 * gives better messages ("unknown activation 'relux'") than a parser can.
 * All values live in the parse arena, so error recovery needs no
 * %destructor: nothing is leaked when the parser discards symbols. */
%code requires {
#include "parse_ctx.h"
typedef struct { ast_stmt *head, *tail; } dgy_stmts;
typedef struct { ast_val *head, *tail; } dgy_vals;
}

%code provides {
int dgylex(DGYSTYPE *lval, DGYLTYPE *lloc, void *scanner);
}

%code {
#include <string.h>
static void dgyerror(DGYLTYPE *loc, parse_ctx *ctx, void *scanner, const char *msg);
static dg_loc yloc(parse_ctx *ctx, DGYLTYPE l)
{
    return parse_loc(ctx, l.first_line, l.first_column, l.last_column);
}
static void push_val(dgy_vals *l, ast_val *v)
{
    v->next = NULL;
    if (l->tail) l->tail->next = v; else l->head = v;
    l->tail = v;
}
static void push_stmt(dgy_stmts *l, ast_stmt *s)
{
    if (!s) return;
    s->next = NULL;
    if (l->tail) l->tail->next = s; else l->head = s;
    l->tail = s;
}
static ast_val *negate(ast_val *v)
{
    v->num = -v->num;
    v->fnum = -v->fnum;
    return v;
}
}

%define api.pure full
%define api.prefix {dgy}
%define parse.error custom
%locations
%parse-param {parse_ctx *ctx} {void *scanner}
%lex-param {void *scanner}

%union {
    ast_val *val;
    ast_stmt *stmt;
    dgy_stmts stmts;
    dgy_vals vals;
}

%token <val> WORD "word" INT "integer" FLOAT "number" STRING "string" SHAPE "shape"
%token END 0 "end of file"
%type <stmt> stmt
%type <stmts> stmts
%type <vals> args arglist items
%type <val> arg number array item

%%

file
    : stmts              { ctx->result = $1.head; }
    ;

stmts
    : %empty             { $$.head = $$.tail = NULL; }
    | stmts stmt         { $$ = $1; push_stmt(&$$, $2); }
    ;

stmt
    : WORD args ';'      { $$ = ast_stmt_new(ctx->a, $1->text, $1->loc, $2.head, 0, NULL); }
    | WORD args '{' stmts '}'
                         { $$ = ast_stmt_new(ctx->a, $1->text, $1->loc, $2.head, 1, $4.head); }
    | WORD args '{' stmts error '}'
                         { $$ = NULL; /* resynchronise at the block's end */ }
    | error ';'          { $$ = NULL; }
    | ';'                { $$ = NULL; /* an empty statement, as in C */ }
    ;

args
    : %empty             { $$.head = $$.tail = NULL; }
    | arglist
    ;

arglist
    : arg                { $$.head = $$.tail = NULL; push_val(&$$, $1); }
    | arglist arg        { $$ = $1; push_val(&$$, $2); }
    | arglist ',' arg    { $$ = $1; push_val(&$$, $3); }
    ;

arg
    : WORD
    | STRING
    | SHAPE
    | number
    | array
    ;

number
    : INT
    | FLOAT
    | '-' INT            { $$ = negate($2); $$->loc = yloc(ctx, @$); }
    | '-' FLOAT          { $$ = negate($2); $$->loc = yloc(ctx, @$); }
    | '+' INT            { $$ = $2; $$->loc = yloc(ctx, @$); }
    | '+' FLOAT          { $$ = $2; $$->loc = yloc(ctx, @$); }
    ;

array
    : '[' items ']'      {
        $$ = ast_val_new(ctx->a, AV_ARRAY, yloc(ctx, @$));
        for (ast_val *v = $2.head, *n; v; v = n) { n = v->next; ast_array_push(ctx->a, $$, v); }
    }
    ;

items
    : %empty             { $$.head = $$.tail = NULL; }
    | items item         { $$ = $1; push_val(&$$, $2); }
    | items ',' item     {
        $$ = $1; push_val(&$$, $3);
        if ($1.head == NULL) diag_error(yloc(ctx, @2), "expected a value before ','");
    }
    ;

item
    : number
    | array
    ;

%%

static const char *describe(parse_ctx *ctx, yysymbol_kind_t k, char *buf, size_t n)
{
    switch (k) {
    case YYSYMBOL_YYEOF: return "end of file";
    case YYSYMBOL_WORD:
    case YYSYMBOL_INT:
    case YYSYMBOL_FLOAT:
    case YYSYMBOL_SHAPE:
        snprintf(buf, n, "%s '%.*s'", yysymbol_name(k), ctx->tok_len > 40 ? 40 : ctx->tok_len,
                 ctx->tok_text);
        return buf;
    case YYSYMBOL_STRING: return "a string";
    default:
        snprintf(buf, n, "%s", yysymbol_name(k));
        return buf;
    }
}

/* "expected ';' or '{' before '}'", in the words a user thinks in. */
static int yyreport_syntax_error(const yypcontext_t *pc, parse_ctx *ctx, void *scanner)
{
    (void)scanner;
    enum { MAXEXP = 32 };
    yysymbol_kind_t exp[MAXEXP];
    int n = yypcontext_expected_tokens(pc, exp, MAXEXP);
    /* inside an array no word may come next; a number or '[' must */
    int word = 0, open = 0, close = 0;
    for (int i = 0; i < n; i++) {
        word |= exp[i] == YYSYMBOL_WORD;
        open |= !strcmp(yysymbol_name(exp[i]), "'['");
        close |= !strcmp(yysymbol_name(exp[i]), "']'");
    }
    char what[128], found[96];
    size_t w = 0;
    what[0] = 0;
    if (n > 0 && n <= 4) {
        for (int i = 0; i < n; i++) {
            const char *sep = i == 0 ? "" : (i == n - 1 ? " or " : ", ");
            w += (size_t)snprintf(what + w, sizeof what - w, "%s%s", sep, yysymbol_name(exp[i]));
            if (w >= sizeof what) break;
        }
    } else {
        snprintf(what, sizeof what, "%s",
                 open && !word ? (close ? "a number or ']'" : "a number") : "a statement");
    }
    const char *f = describe(ctx, yypcontext_token(pc), found, sizeof found);
    const DGYLTYPE *l = yypcontext_location(pc);
    ctx->syntax_errors++;
    if (yypcontext_token(pc) == YYSYMBOL_YYEOF)
        diag_error(yloc(ctx, *l), "expected %s at end of file", what);
    else
        diag_error(yloc(ctx, *l), "expected %s before %s", what, f);
    return 0;
}

static void dgyerror(DGYLTYPE *loc, parse_ctx *ctx, void *scanner, const char *msg)
{
    (void)scanner;
    ctx->syntax_errors++;
    /* bison's own words for its stack limit (YYMAXDEPTH) mean nothing to a user */
    diag_error(yloc(ctx, *loc), "%s",
               strcmp(msg, "memory exhausted") ? msg : "arrays or blocks nested too deeply");
}
