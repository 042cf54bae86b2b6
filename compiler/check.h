/* check: AST to checked model. Resolves names, binds weight files, checks
 * every shape, range and limit (docs/language.md), fills defaults.
 * Reports every error it can find through diag; NULL if there was any. */
#ifndef DGC_CHECK_H
#define DGC_CHECK_H
#include "ast.h"
#include "model.h"

/* The statements a .dg file's top level holds, in the language's order. */
#define CHK_N_TOP_KEYS 6
extern const char *const chk_top_keys[CHK_N_TOP_KEYS];

/* dir: directory that weight file paths are relative to. */
mdl_model *chk_model(arena *a, const ast_file *f, const char *dir);

#endif
