/* front: file to checked model (read, parse, check). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "front.h"
#include "ast.h"
#include "check.h"

enum { FRONT_MAX_FILE = 512 * 1024 * 1024 };

const char *front_dir_of(arena *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return ".";
    if (slash == path) return "/";
    return ar_strndup(a, path, (size_t)(slash - path));
}

mdl_model *front_load_text(arena *a, const char *name, const char *text, size_t len,
                           const char *dir)
{
    diag_source(name, text, len);
    ast_file *f = ast_parse(a, name, text, len);
    if (!f) return NULL;
    return chk_model(a, f, dir);
}

char *front_read_file(arena *a, const char *path, size_t *lenp)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        diag_error(diag_noloc(path), "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = NULL;
    for (;;) {
        char *nb = ar_alloc(a, cap + 1);
        if (len) memcpy(nb, buf, len);
        buf = nb;
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (len < cap) break;
        if (cap >= FRONT_MAX_FILE) {
            fclose(fp);
            diag_error(diag_noloc(path), "file is larger than %d MiB", FRONT_MAX_FILE >> 20);
            return NULL;
        }
        cap *= 2;
    }
    /* errno is read before fclose: a directory opens but fails with EISDIR */
    int err = ferror(fp) ? errno : 0;
    fclose(fp);
    if (err) {
        diag_error(diag_noloc(path), "read error: %s", strerror(err));
        return NULL;
    }
    buf[len] = 0;
    *lenp = len;
    return buf;
}

mdl_model *front_load_file(arena *a, const char *path)
{
    size_t len;
    char *buf = front_read_file(a, path, &len);
    return buf ? front_load_text(a, path, buf, len, front_dir_of(a, path)) : NULL;
}
