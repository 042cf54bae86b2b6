/* wfile_zip: .npz files, zip archives of .npy members (stored or deflated,
 * zip64 included). */
#define ZLIB_CONST
#include "wfile_int.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* ---- .npz -------------------------------------------------------------------- */

typedef struct member {
    const char *name;     /* arena copy of the member name */
    uint32_t crc;
    int method;
    uint64_t csize, usize, lho;
    uint64_t data;        /* offset of the member's bytes (after the local header) */
} member;

enum { ZIP_EOCD = 22, ZIP_CDH = 46, ZIP_LFH = 30, ZIP64_EOCD = 56, ZIP64_LOC = 20 };

/* The end of central directory record: search backwards from the end, as an
 * archive comment (up to 65535 bytes) may follow it. */
static int find_eocd(const unsigned char *p, size_t n, size_t *at)
{
    if (n < ZIP_EOCD) return -1;
    size_t lo = n - ZIP_EOCD > 0xffff ? n - ZIP_EOCD - 0xffff : 0;
    for (size_t e = n - ZIP_EOCD + 1; e-- > lo;)
        if (wf_rd32(p + e) == 0x06054b50 && e + ZIP_EOCD + wf_rd16(p + e + 20) == n) {
            *at = e;
            return 0;
        }
    return -1;
}

/* Locate the central directory: offset, size, entry count, and where it must
 * end (the zip64 record or the classic one). */
static int zip_directory(wf_ctx *c, const unsigned char *p, size_t n, uint64_t *cd_off,
                         uint64_t *cd_size, uint64_t *entries)
{
    size_t e;
    if (find_eocd(p, n, &e))
        return wf_fail(c, "not a zip archive, or truncated (no end of central directory record)");
    if (wf_rd16(p + e + 4) != 0 || wf_rd16(p + e + 6) != 0)
        return wf_fail(c, "multi-disk zip archives are not supported");
    uint64_t end = e;
    *entries = wf_rd16(p + e + 10);
    *cd_size = wf_rd32(p + e + 12);
    *cd_off = wf_rd32(p + e + 16);
    int saturated = *entries == 0xffff || *cd_size == 0xffffffff || *cd_off == 0xffffffff;
    if (e >= ZIP64_LOC && wf_rd32(p + e - ZIP64_LOC) == 0x07064b50) {
        const unsigned char *loc = p + e - ZIP64_LOC;
        uint64_t z = wf_rd64(loc + 8);
        if (wf_rd32(loc + 4) != 0) return wf_fail(c, "multi-disk zip archives are not supported");
        if (z > e - ZIP64_LOC || e - ZIP64_LOC - z < ZIP64_EOCD || wf_rd32(p + z) != 0x06064b50)
            return wf_fail(c, "bad zip64 end of central directory locator");
        if (wf_rd32(p + z + 16) != 0 || wf_rd32(p + z + 20) != 0)
            return wf_fail(c, "multi-disk zip archives are not supported");
        *entries = wf_rd64(p + z + 32);
        *cd_size = wf_rd64(p + z + 40);
        *cd_off = wf_rd64(p + z + 48);
        end = z;
    } else if (saturated) {
        return wf_fail(c, "zip64 end of central directory record is missing");
    }
    if (*cd_off > end || *cd_size > end - *cd_off)
        return wf_fail(c, "central directory lies outside the file");
    if (*entries > *cd_size / ZIP_CDH) return wf_fail(c, "central directory is truncated");
    return 0;
}

/* Sizes and offset saturated at 0xffffffff in a central directory entry
 * are in its zip64 extra field (id 1), in this order, only those saturated. */
static int zip64_extra(const unsigned char *x, size_t xlen, member *m, int need_u, int need_c,
                       int need_o)
{
    while (xlen >= 4) {
        unsigned id = wf_rd16(x), sz = wf_rd16(x + 2);
        if (sz > xlen - 4) return -1;
        if (id == 1) {
            size_t k = 0;
            if (need_u) { if (k + 8 > sz) return -1; m->usize = wf_rd64(x + 4 + k); k += 8; }
            if (need_c) { if (k + 8 > sz) return -1; m->csize = wf_rd64(x + 4 + k); k += 8; }
            if (need_o) { if (k + 8 > sz) return -1; m->lho = wf_rd64(x + 4 + k); k += 8; }
            return 0;
        }
        x += 4 + sz;
        xlen -= 4 + sz;
    }
    return need_u || need_c || need_o ? -1 : 0;
}

/* Read central directory entry i at *pos (bounded by end) into m. */
static int zip_entry(wf_ctx *c, const unsigned char *p, size_t n, uint64_t *pos, uint64_t end,
                     member *m)
{
    const unsigned char *h = p + *pos;
    if (end - *pos < ZIP_CDH || wf_rd32(h) != 0x02014b50)
        return wf_fail(c, "bad central directory entry");
    size_t nlen = wf_rd16(h + 28), xlen = wf_rd16(h + 30), clen = wf_rd16(h + 32);
    if (end - *pos - ZIP_CDH < nlen + xlen + clen)
        return wf_fail(c, "central directory is truncated");
    const char *nm = (const char *)h + ZIP_CDH;
    if (memchr(nm, 0, nlen)) return wf_fail(c, "zip member name contains a NUL byte");
    m->name = ar_strndup(c->a, nm, nlen);
    unsigned flags = wf_rd16(h + 8);
    m->method = wf_rd16(h + 10);
    m->crc = wf_rd32(h + 16);
    m->csize = wf_rd32(h + 20);
    m->usize = wf_rd32(h + 24);
    m->lho = wf_rd32(h + 42);
    if (zip64_extra(h + ZIP_CDH + nlen, xlen, m, m->usize == 0xffffffff,
                    m->csize == 0xffffffff, m->lho == 0xffffffff))
        return wf_fail(c, "member '%s': bad zip64 extra field", wf_shows(c, m->name));
    if (flags & 1) return wf_fail(c, "member '%s' is encrypted", wf_shows(c, m->name));
    if (wf_rd16(h + 34) != 0 && wf_rd16(h + 34) != 0xffff)
        return wf_fail(c, "multi-disk zip archives are not supported");
    *pos += ZIP_CDH + nlen + xlen + clen;

    /* The local header repeats name and extra with its own lengths; the
     * member's bytes follow it. Sizes come from the central directory. */
    if (m->lho > n || n - m->lho < ZIP_LFH || wf_rd32(p + m->lho) != 0x04034b50)
        return wf_fail(c, "member '%s': bad local header offset", wf_shows(c, m->name));
    m->data = m->lho + ZIP_LFH + wf_rd16(p + m->lho + 26) + wf_rd16(p + m->lho + 28);
    if (m->data > n || m->csize > n - m->data)
        return wf_fail(c, "member '%s' runs past the end of the file", wf_shows(c, m->name));
    return 0;
}

/* Raw deflate src into exactly dlen bytes of dst. zlib counts in uInt, so
 * feed it in pieces that fit. */
static int inflate_raw(const unsigned char *src, size_t slen, unsigned char *dst, size_t dlen)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return -1;
    size_t in_left = slen, out_left = dlen;
    z.next_in = src;
    z.next_out = dst;
    int rc;
    do {
        if (z.avail_in == 0 && in_left) {
            z.avail_in = in_left > UINT_MAX ? UINT_MAX : (uInt)in_left;
            in_left -= z.avail_in;
        }
        if (z.avail_out == 0 && out_left) {
            z.avail_out = out_left > UINT_MAX ? UINT_MAX : (uInt)out_left;
            out_left -= z.avail_out;
        }
        rc = inflate(&z, Z_NO_FLUSH);   /* Z_OK means progress was made */
    } while (rc == Z_OK);
    int ok = rc == Z_STREAM_END && out_left == 0 && z.avail_out == 0;
    inflateEnd(&z);
    return ok ? 0 : -1;
}

static uint32_t crc_of(const unsigned char *p, size_t n)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    while (n) {
        uInt k = n > UINT_MAX ? UINT_MAX : (uInt)n;
        crc = crc32(crc, p, k);
        p += k;
        n -= k;
    }
    return (uint32_t)crc;
}

/* Extract member m (into a transient buffer when deflated), check its CRC
 * and load it as a .npy image. */
static int npz_member(wf_ctx *c, const unsigned char *p, const member *m)
{
    size_t len = strlen(m->name);
    if (len && m->name[len - 1] == '/') return 0;           /* a directory entry */
    if (!wf_ends_with(m->name, ".npy"))
        return wf_fail(c, "member '%s' is not a .npy file", wf_shows(c, m->name));
    const char *name = ar_strndup(c->a, m->name, len - 4);
    if (!*name) return wf_fail(c, "empty tensor name");
    const unsigned char *src = p + m->data;
    unsigned char *buf = NULL;
    if (m->method == 0) {
        if (m->usize != m->csize)
            return wf_fail_t(c, name, "stored zip member has different compressed and plain sizes");
    } else if (m->method == 8) {
        /* Deflate cannot expand more than 1032:1; a larger claim is a lie
         * meant to make us allocate, so refuse it before allocating. */
        if (m->usize / 1032 > m->csize + 1 || m->usize > SIZE_MAX / 2)
            return wf_fail_t(c, name, "zip member claims an impossible size (%llu bytes from %llu)",
                             (unsigned long long)m->usize, (unsigned long long)m->csize);
        buf = malloc(m->usize ? (size_t)m->usize : 1);
        if (!buf) return wf_fail_t(c, name, "out of memory inflating the zip member");
        if (inflate_raw(src, (size_t)m->csize, buf, (size_t)m->usize)) {
            free(buf);
            return wf_fail_t(c, name, "zip member is corrupt (deflate data error or wrong size)");
        }
        src = buf;
    } else {
        return wf_fail_t(c, name, "zip compression method %d is not supported (only stored and deflate)",
                         m->method);
    }
    int rc;
    if (crc_of(src, (size_t)m->usize) != m->crc)
        rc = wf_fail_t(c, name, "zip member is corrupt (CRC-32 mismatch)");
    else
        rc = wf_parse_npy(c, name, src, (size_t)m->usize);
    free(buf);
    return rc;
}

int wf_load_npz(wf_ctx *c, const unsigned char *p, size_t n)
{
    uint64_t cd_off = 0, cd_size = 0, entries = 0;
    if (zip_directory(c, p, n, &cd_off, &cd_size, &entries)) return -1;
    if (entries == 0) return 0;
    /* entries <= cd_size / 46 <= n / 46, so these allocations are bounded. */
    member *m = malloc((size_t)entries * sizeof *m);
    wf_range *r = malloc((size_t)entries * sizeof *r);
    int rc = 0;
    if (!m || !r) {
        rc = wf_fail(c, "out of memory reading the zip directory");
        goto out;
    }
    uint64_t pos = cd_off;
    for (size_t i = 0; i < entries && !rc; i++) {
        rc = zip_entry(c, p, n, &pos, cd_off + cd_size, &m[i]);
        r[i] = (wf_range){m[i].lho, m[i].data + m[i].csize, i};
    }
    size_t x, y;
    if (!rc && wf_find_overlap(r, (size_t)entries, &x, &y))
        rc = wf_fail(c, "zip members '%s' and '%s' overlap", wf_shows(c, m[x].name),
                     wf_shows(c, m[y].name));
    for (uint64_t i = 0; i < entries && !rc; i++) rc = npz_member(c, p, &m[i]);
out:
    free(m);
    free(r);
    return rc;
}
