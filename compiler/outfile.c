#include "outfile.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "diag.h"

int of_open(outfile *o, const char *path)
{
    o->path = path;
    o->fp = NULL;
    o->tmp[0] = 0;
    if (!strcmp(path, "-")) {
        o->fp = stdout;
        return 0;
    }
    /* A device or FIFO (-o /dev/null) is written in place: a temporary
     * beside it would be renamed over the device itself. */
    struct stat st;
    if (!stat(path, &st) && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
        o->fp = fopen(path, "w");
        if (!o->fp) {
            diag_error(diag_noloc(path), "cannot write: %s", strerror(errno));
            return -1;
        }
        return 0;
    }
    if (snprintf(o->tmp, sizeof o->tmp, "%s.tmpXXXXXX", path) >= (int)sizeof o->tmp) {
        diag_error(diag_noloc(path), "output path is too long");
        return -1;
    }
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        diag_error(diag_noloc(path), "cannot create output file: %s", strerror(errno));
        o->tmp[0] = 0;
        return -1;
    }
    /* mkstemp makes 0600 files; outputs are ordinary files (0666 & ~umask). */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    o->fp = fdopen(fd, "w");
    if (!o->fp) {
        close(fd);
        unlink(o->tmp);
        diag_error(diag_noloc(path), "cannot write: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int of_commit(outfile *o)
{
    if (o->fp == stdout) return fflush(stdout) ? -1 : 0;
    int bad = ferror(o->fp);
    if (fclose(o->fp)) bad = 1;
    o->fp = NULL;
    if (bad) {
        diag_error(diag_noloc(o->path), "write error");
        if (o->tmp[0]) unlink(o->tmp);
        return -1;
    }
    if (!o->tmp[0]) return 0; /* written in place */
    if (rename(o->tmp, o->path)) {
        diag_error(diag_noloc(o->path), "cannot write: %s", strerror(errno));
        unlink(o->tmp);
        return -1;
    }
    return 0;
}

void of_abort(outfile *o)
{
    if (o->fp && o->fp != stdout) fclose(o->fp);
    if (o->tmp[0]) unlink(o->tmp);
    o->fp = NULL;
}
