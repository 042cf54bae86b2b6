/* emit_dir: emitted C and driver files in a temporary build directory. */
#include <stdio.h>
#include "emit.h"
#include "emit_dir.h"

static FILE *open_in(const char *dir, const char *name, const char *ext, const char *mode)
{
    char path[1024];
    if (snprintf(path, sizeof path, "%s/%s%s", dir, name, ext) >= (int)sizeof path) return NULL;
    return fopen(path, mode);
}

int ed_emit(const ir_program *p, const char *dir, const char *pre)
{
    char hname[256];
    if (snprintf(hname, sizeof hname, "%s.h", pre) >= (int)sizeof hname) return -1;
    emit_opts eo = {0};
    eo.prefix = pre;
    eo.header_name = hname;
    FILE *c = open_in(dir, pre, ".c", "w"), *h = open_in(dir, pre, ".h", "w");
    int rc = !c || !h || emit_c(p, &eo, c, h) ? -1 : 0;
    /* a full disk shows up at fclose */
    if (c && fclose(c)) rc = -1;
    if (h && fclose(h)) rc = -1;
    return rc;
}

int ed_write(const char *dir, const char *name, const void *data, size_t n)
{
    FILE *f = open_in(dir, name, "", "wb");
    if (!f) return -1;
    int rc = fwrite(data, 1, n, f) == n ? 0 : -1;
    return fclose(f) ? -1 : rc;
}
