/* front: text to checked model. Reads the file, parses it (grammar/dg.y),
 * binds weight files and checks everything (check.c). Diagnostics go to the
 * diag module; returns NULL when there was any error. */
#ifndef DGC_FRONT_H
#define DGC_FRONT_H
#include "arena.h"
#include "model.h"

mdl_model *front_load_file(arena *a, const char *path);
/* The file's text, NUL-terminated (*len excludes it), or NULL after a
 * diagnostic; and the directory its weight files are relative to. The
 * REPL keeps a model's text to edit it. */
char *front_read_file(arena *a, const char *path, size_t *len);
const char *front_dir_of(arena *a, const char *path);
/* Text held in memory; name is used in diagnostics and dir for weight files. */
mdl_model *front_load_text(arena *a, const char *name, const char *text, size_t len,
                           const char *dir);

#endif
