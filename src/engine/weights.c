/* weights.c — opens a backdrop weights file (.bdw, see weights/README.md) and checks every byte
 * of it before anything else may touch it.
 *
 * The file is mapped read-only (MAP_PRIVATE) so a board with little RAM pages the weights in
 * on demand; if mmap is not possible (or $BACKDROP_NO_MMAP is set, which the tests use to let
 * AddressSanitizer see every read) it is read into a 64-byte aligned buffer instead. Tensor
 * data pointers point straight into that memory.
 *
 * Validation order: header (magic, version, sizes, checksum, file size) -> layout of the
 * metadata / directory / data regions -> metadata/directory checksum -> metadata text ->
 * each directory entry -> tensors neither overlapping nor out of the data region, padding
 * zero -> each tensor's checksum. Every offset and size comes from the file, so all range
 * arithmetic is done in uint64_t in a form that cannot overflow ("a <= size - b" after
 * "b <= size"), never "a + b <= size". Any failure gives one line "PATH: problem".
 * (As with any mmap, a file another process truncates while it is mapped can still fault;
 * the loader guards against what the file says, not against it changing underneath.)
 */
#define _DEFAULT_SOURCE 1              /* madvise */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/crc32c.h"
#include "engine/weights.h"

#define BDW_MAGIC "BDWEIGHT"
#define BDW_VERSION 2u          /* also reads version 1 (float32 tensors only) */
#define BDW_HEADER_SIZE 64u
#define BDW_ENTRY_SIZE 128u
#define BDW_MAX_TENSORS 4096u
#define BDW_ALIGN 64u

/* ------------------------------------------------------------------ small helpers ---- */

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* Writes "PATH: message" into err (if there is room for anything at all). */
void bd_file_verror(char *err, size_t errlen, const char *path, const char *fmt, va_list ap)
{
    if (!err || errlen == 0)
        return;
    int n = snprintf(err, errlen, "%s: ", path);
    if (n < 0 || (size_t)n >= errlen)
        return;
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
}

static void fail(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bd_file_verror(err, errlen, path, fmt, ap);
    va_end(ap);
}

static int all_zero(const uint8_t *p, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

static int host_is_little_endian(void)
{
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1;
}

/* ------------------------------------------------------------------ the header ------- */

typedef struct bdw_header {
    uint32_t version, header_size, meta_size, tensor_count, dir_crc, header_crc;
    uint64_t file_size, meta_offset, dir_offset, data_offset;
} bdw_header;

static void parse_header(const uint8_t *p, bdw_header *h)
{
    h->version = rd32(p + 8);
    h->header_size = rd32(p + 12);
    h->file_size = rd64(p + 16);
    h->meta_offset = rd64(p + 24);
    h->meta_size = rd32(p + 32);
    h->tensor_count = rd32(p + 36);
    h->dir_offset = rd64(p + 40);
    h->data_offset = rd64(p + 48);
    h->dir_crc = rd32(p + 56);
    h->header_crc = rd32(p + 60);
}

/* The checks that need only the first 64 bytes and the real file size. */
static int check_header(const char *path, const uint8_t *p, uint64_t actual, bdw_header *h,
                        char *err, size_t errlen)
{
    parse_header(p, h);
    if (h->version < 1 || h->version > BDW_VERSION) {
        fail(err, errlen, path, "unsupported version %u (this build reads versions 1 to %u; "
             "convert the model again with this build's tools/convert.py)", h->version,
             BDW_VERSION);
        return 0;
    }
    if (h->header_size != BDW_HEADER_SIZE) {
        fail(err, errlen, path, "bad header size %u (expected %u)", h->header_size,
             BDW_HEADER_SIZE);
        return 0;
    }
    if (bd_crc32c(p, 60) != h->header_crc) {
        fail(err, errlen, path, "header checksum mismatch");
        return 0;
    }
    if (h->file_size > actual) {
        fail(err, errlen, path, "truncated: header says %llu bytes, file has %llu",
             (unsigned long long)h->file_size, (unsigned long long)actual);
        return 0;
    }
    if (h->file_size < actual) {
        fail(err, errlen, path, "file has %llu bytes but its header says %llu",
             (unsigned long long)actual, (unsigned long long)h->file_size);
        return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------ layout ------------ */

/* Metadata, directory and data regions: inside the file, in that order, not overlapping,
 * aligned as the format says, the bytes between them zero, the checksum right. */
static int check_layout(const char *path, const uint8_t *base, const bdw_header *h,
                        char *err, size_t errlen)
{
    const uint64_t size = h->file_size;
    if (h->meta_offset != BDW_HEADER_SIZE) {
        fail(err, errlen, path, "metadata offset %llu, expected %u",
             (unsigned long long)h->meta_offset, BDW_HEADER_SIZE);
        return 0;
    }
    if (h->meta_size > size - h->meta_offset) {
        fail(err, errlen, path, "metadata (%u bytes at offset %llu) runs past the end of the file",
             h->meta_size, (unsigned long long)h->meta_offset);
        return 0;
    }
    const uint64_t meta_end = h->meta_offset + h->meta_size;
    if (h->tensor_count < 1 || h->tensor_count > BDW_MAX_TENSORS) {
        fail(err, errlen, path, "tensor count %u is out of range 1..%u", h->tensor_count,
             BDW_MAX_TENSORS);
        return 0;
    }
    if (h->dir_offset % 8 != 0) {
        fail(err, errlen, path, "directory offset %llu is not a multiple of 8",
             (unsigned long long)h->dir_offset);
        return 0;
    }
    if (h->dir_offset < meta_end) {
        fail(err, errlen, path, "directory offset %llu overlaps the metadata (ends at %llu)",
             (unsigned long long)h->dir_offset, (unsigned long long)meta_end);
        return 0;
    }
    const uint64_t dir_size = (uint64_t)h->tensor_count * BDW_ENTRY_SIZE; /* <= 512 KiB */
    if (h->dir_offset > size || dir_size > size - h->dir_offset) {
        fail(err, errlen, path,
             "directory (%u entries at offset %llu) runs past the end of the file",
             h->tensor_count, (unsigned long long)h->dir_offset);
        return 0;
    }
    const uint64_t dir_end = h->dir_offset + dir_size;
    if (h->data_offset % BDW_ALIGN != 0) {
        fail(err, errlen, path, "data offset %llu is not a multiple of %u",
             (unsigned long long)h->data_offset, BDW_ALIGN);
        return 0;
    }
    if (h->data_offset < dir_end) {
        fail(err, errlen, path, "data offset %llu overlaps the directory (ends at %llu)",
             (unsigned long long)h->data_offset, (unsigned long long)dir_end);
        return 0;
    }
    if (h->data_offset > size) {
        fail(err, errlen, path, "data offset %llu is past the end of the file",
             (unsigned long long)h->data_offset);
        return 0;
    }
    if (!all_zero(base + meta_end, h->dir_offset - meta_end) ||
        !all_zero(base + dir_end, h->data_offset - dir_end)) {
        fail(err, errlen, path, "nonzero padding between metadata, directory and data");
        return 0;
    }
    uint32_t crc = bd_crc32c(base + h->meta_offset, h->meta_size);
    crc = bd_crc32c_extend(crc, base + h->dir_offset, dir_size);
    if (crc != h->dir_crc) {
        fail(err, errlen, path, "metadata/directory checksum mismatch");
        return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------ metadata ---------- */

typedef struct meta_key {     /* one metadata key: text (not NUL-terminated) and length */
    const char *text;
    size_t len;
} meta_key;

static int by_key(const void *a, const void *b)
{
    const meta_key *x = a, *y = b;
    int c = memcmp(x->text, y->text, x->len < y->len ? x->len : y->len);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* key=value lines, each ending in '\n'; no NUL or other control bytes (tab allowed), every
 * line has a non-empty key, no key twice (found by sorting, so a hostile file with a million
 * lines costs n log n, not n^2). */
static int check_meta(const char *path, const char *meta, size_t n, char *err, size_t errlen)
{
    if (n > 0 && meta[n - 1] != '\n') {
        fail(err, errlen, path, "metadata does not end with a newline");
        return 0;
    }
    size_t lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += meta[i] == '\n';
    meta_key *keys = malloc((lines ? lines : 1) * sizeof *keys);
    if (!keys) {
        fail(err, errlen, path, "out of memory");
        return 0;
    }
    int ok = 0;
    size_t line = 0;
    for (size_t start = 0; start < n; line++) {
        size_t end = start;
        while (meta[end] != '\n') {
            unsigned char c = (unsigned char)meta[end];
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                fail(err, errlen, path, "metadata line %zu contains control byte 0x%02x",
                     line + 1, c);
                goto out;
            }
            end++;
        }
        const char *eq = memchr(meta + start, '=', end - start);
        if (!eq || eq == meta + start) {
            fail(err, errlen, path, "metadata line %zu is not key=value", line + 1);
            goto out;
        }
        keys[line].text = meta + start;
        keys[line].len = (size_t)(eq - (meta + start));
        start = end + 1;
    }
    qsort(keys, lines, sizeof *keys, by_key);
    for (size_t i = 1; i < lines; i++)
        if (!by_key(&keys[i - 1], &keys[i])) {
            fail(err, errlen, path, "metadata key '%.*s' appears twice",
                 keys[i].len > 64 ? 64 : (int)keys[i].len, keys[i].text);
            goto out;
        }
    ok = 1;
out:
    free(keys);
    return ok;
}

/* ------------------------------------------------------------------ the directory ----- */

typedef struct span {        /* where one tensor's bytes are */
    uint64_t offset, nbytes;
    uint32_t crc;
    int index;
} span;

static int by_offset(const void *a, const void *b)
{
    const span *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int by_name(const void *a, const void *b)
{
    const bdw_tensor *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

/* Parses and checks directory entry i into t and s. */
static int check_entry(const char *path, const uint8_t *e, int i, const bdw_header *h,
                       bdw_tensor *t, span *s, char *err, size_t errlen)
{
    const uint8_t *nul = memchr(e, 0, BDW_MAX_NAME);
    if (!nul) {
        fail(err, errlen, path, "directory entry %d: name is not NUL-terminated", i);
        return 0;
    }
    size_t len = (size_t)(nul - e);
    if (len == 0) {
        fail(err, errlen, path, "directory entry %d: empty name", i);
        return 0;
    }
    for (size_t k = 0; k < len; k++)
        if (e[k] < 0x20 || e[k] > 0x7e) {
            fail(err, errlen, path, "directory entry %d: name has non-printable byte 0x%02x", i,
                 e[k]);
            return 0;
        }
    if (!all_zero(nul, BDW_MAX_NAME - len)) {
        fail(err, errlen, path, "directory entry %d: name is not NUL-padded", i);
        return 0;
    }
    memcpy(t->name, e, len + 1);
    const char *name = t->name;

    uint32_t dtype = rd32(e + 80), ndim = rd32(e + 84);
    if (h->version == 1 && dtype != BDW_DTYPE_F32) {
        fail(err, errlen, path, "tensor '%s' has unsupported dtype %u (version 1 files hold "
             "only 1 = float32)", name, dtype);
        return 0;
    }
    if (dtype != BDW_DTYPE_F32 && dtype != BDW_DTYPE_U8 && dtype != BDW_DTYPE_I32) {
        fail(err, errlen, path, "tensor '%s' has unsupported dtype %u (1 = float32, 2 = uint8, "
             "3 = int32)", name, dtype);
        return 0;
    }
    const uint64_t esize = dtype == BDW_DTYPE_U8 ? 1 : 4;
    if (ndim < 1 || ndim > BDW_MAX_DIMS) {
        fail(err, errlen, path, "tensor '%s' has %u dimensions (1..%d allowed)", name, ndim,
             BDW_MAX_DIMS);
        return 0;
    }
    uint64_t count = 1;
    for (uint32_t d = 0; d < BDW_MAX_DIMS; d++) {
        uint32_t dim = rd32(e + 88 + 4 * d);
        if (d >= ndim) {
            if (dim != 0) {
                fail(err, errlen, path, "tensor '%s': unused dimension %u is %u, not 0", name,
                     d, dim);
                return 0;
            }
            continue;
        }
        if (dim == 0 || dim > INT_MAX) {
            fail(err, errlen, path, "tensor '%s': dimension %u is %u", name, d, dim);
            return 0;
        }
        if (dim > UINT64_MAX / esize / count) {
            fail(err, errlen, path, "tensor '%s': shape is too large", name);
            return 0;
        }
        count *= dim;
        t->shape[d] = (int)dim;
    }
    t->ndim = (int)ndim;
    uint64_t offset = rd64(e + 104), nbytes = rd64(e + 112);
    if (nbytes != count * esize) {
        fail(err, errlen, path, "tensor '%s': %llu bytes, but its shape needs %llu", name,
             (unsigned long long)nbytes, (unsigned long long)(count * esize));
        return 0;
    }
    if (offset % BDW_ALIGN != 0) {
        fail(err, errlen, path, "tensor '%s': offset %llu is not a multiple of %u", name,
             (unsigned long long)offset, BDW_ALIGN);
        return 0;
    }
    if (offset < h->data_offset || offset > h->file_size || nbytes > h->file_size - offset) {
        fail(err, errlen, path, "tensor '%s': %llu bytes at offset %llu lie outside the data "
             "region (%llu..%llu)", name, (unsigned long long)nbytes,
             (unsigned long long)offset, (unsigned long long)h->data_offset,
             (unsigned long long)h->file_size);
        return 0;
    }
    if (rd32(e + 124) != 0) {
        fail(err, errlen, path, "tensor '%s': reserved field is not 0", name);
        return 0;
    }
    t->count = (size_t)count;  /* fits: count * esize <= file size <= SIZE_MAX */
    t->dtype = (int)dtype;
    s->offset = offset;
    s->nbytes = nbytes;
    s->crc = rd32(e + 120);
    s->index = i;
    return 1;
}

/* All entries, then names unique, tensors not overlapping, gaps zero, checksums right. */
static int check_tensors(bdw_file *f, const bdw_header *h, char *err, size_t errlen)
{
    const char *path = f->path;
    const int n = (int)h->tensor_count;
    int ok = 0;
    span *spans = calloc((size_t)n, sizeof *spans);
    const bdw_tensor **names = calloc((size_t)n, sizeof *names);
    f->tensors = calloc((size_t)n, sizeof *f->tensors);
    if (!spans || !names || !f->tensors) {
        fail(err, errlen, path, "out of memory");
        goto out;
    }
    for (int i = 0; i < n; i++)
        if (!check_entry(path, f->base + h->dir_offset + (uint64_t)i * BDW_ENTRY_SIZE, i, h,
                         &f->tensors[i], &spans[i], err, errlen))
            goto out;
    f->tensor_count = n;

    for (int i = 0; i < n; i++)
        names[i] = &f->tensors[i];
    qsort(names, (size_t)n, sizeof *names, by_name);
    for (int i = 1; i < n; i++)
        if (!strcmp(names[i - 1]->name, names[i]->name)) {
            fail(err, errlen, path, "tensor '%s' appears twice", names[i]->name);
            goto out;
        }

    qsort(spans, (size_t)n, sizeof *spans, by_offset);
    uint64_t at = h->data_offset;      /* end of the previous tensor */
    for (int i = 0; i < n; i++) {
        const char *name = f->tensors[spans[i].index].name;
        if (spans[i].offset < at) {
            fail(err, errlen, path, "tensor '%s' overlaps tensor '%s'", name,
                 f->tensors[spans[i - 1].index].name);
            goto out;
        }
        if (!all_zero(f->base + at, spans[i].offset - at)) {
            fail(err, errlen, path, "nonzero padding before tensor '%s'", name);
            goto out;
        }
        at = spans[i].offset + spans[i].nbytes;
    }
    if (!all_zero(f->base + at, h->file_size - at)) {
        fail(err, errlen, path, "nonzero padding after the last tensor");
        goto out;
    }
    for (int i = 0; i < n; i++) {
        const uint8_t *data = f->base + spans[i].offset;
        if (bd_crc32c(data, spans[i].nbytes) != spans[i].crc) {
            fail(err, errlen, path, "tensor '%s' checksum mismatch",
                 f->tensors[spans[i].index].name);
            goto out;
        }
        bdw_tensor *t = &f->tensors[spans[i].index];
        t->raw = data;
        t->data = t->dtype == BDW_DTYPE_F32 ? (const float *)(const void *)data : NULL;
    }
    ok = 1;
out:
    free(spans);
    free(names);
    return ok;
}

/* ------------------------------------------------------------------ open / close ------ */

/* Everything after the header, for a file and for memory alike: the layout, the metadata
 * (copied, NUL-terminated) and every tensor. */
static int check_contents(bdw_file *f, const bdw_header *h, char *err, size_t errlen)
{
    const char *path = f->path;
    if (!check_layout(path, f->base, h, err, errlen))
        return 0;
    f->meta = malloc((size_t)h->meta_size + 1);
    if (!f->meta) {
        fail(err, errlen, path, "out of memory");
        return 0;
    }
    memcpy(f->meta, f->base + h->meta_offset, h->meta_size);
    f->meta[h->meta_size] = '\0';
    if (memchr(f->meta, 0, h->meta_size)) {
        fail(err, errlen, path, "metadata contains a NUL byte");
        return 0;
    }
    return check_meta(path, f->meta, h->meta_size, err, errlen) &&
           check_tensors(f, h, err, errlen);
}

/* Reads up to n bytes at offset; returns the number read (short only at end of file). */
static size_t read_at(int fd, void *buf, size_t n, off_t offset)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, (char *)buf + got, n - got, offset + (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

/* Maps the whole file, or reads it into a 64-byte aligned buffer. */
static int load_bytes(bdw_file *f, int fd, size_t size, char *err, size_t errlen)
{
    const char *no_mmap = getenv("BACKDROP_NO_MMAP");
    if (!(no_mmap && *no_mmap && strcmp(no_mmap, "0"))) {
        void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p != MAP_FAILED) {
            f->base = p;
            f->mapped = 1;
            return 1;
        }
    }
    void *buf = NULL;
    if (posix_memalign(&buf, BDW_ALIGN, size) != 0) {
        fail(err, errlen, f->path, "out of memory (%zu bytes)", size);
        return 0;
    }
    errno = 0;
    if (read_at(fd, buf, size, 0) != size) {
        fail(err, errlen, f->path, "read error: %s", errno ? strerror(errno) : "short read");
        free(buf);
        return 0;
    }
    f->base = buf;
    f->mapped = 0;
    return 1;
}

bdw_file *bd_weights_open(const char *path, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!path) {
        fail(err, errlen, "(null)", "no weights file given");
        return NULL;
    }
    if (!host_is_little_endian()) {
        fail(err, errlen, path, "big-endian hosts are not supported");
        return NULL;
    }
    /* O_NONBLOCK: opening a FIFO would otherwise wait for a writer before fstat could
     * say it is not a regular file (reads of a regular file never block anyway). */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        fail(err, errlen, path, "cannot open: %s", strerror(errno));
        return NULL;
    }
    bdw_file *f = NULL;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        fail(err, errlen, path, "cannot stat: %s", strerror(errno));
        goto bad;
    }
    if (S_ISDIR(st.st_mode)) {
        fail(err, errlen, path, "is a directory, not a weights file");
        goto bad;
    }
    if (!S_ISREG(st.st_mode)) {
        fail(err, errlen, path, "not a regular file");
        goto bad;
    }
    const uint64_t actual = (uint64_t)st.st_size;
    if (actual == 0) {
        fail(err, errlen, path, "empty file, not a backdrop weights file");
        goto bad;
    }

    /* The header alone rejects foreign, truncated and wrong-version files before mapping. */
    uint8_t hdr[BDW_HEADER_SIZE];
    size_t got = read_at(fd, hdr, sizeof hdr, 0);
    if (memcmp(hdr, BDW_MAGIC, got < 8 ? got : 8) != 0) {
        fail(err, errlen, path, "not a backdrop weights file (bad magic)");
        goto bad;
    }
    if (got < BDW_HEADER_SIZE) {
        fail(err, errlen, path, "truncated: %llu bytes, the header alone needs %u",
             (unsigned long long)actual, BDW_HEADER_SIZE);
        goto bad;
    }
    bdw_header h;
    if (!check_header(path, hdr, actual, &h, err, errlen))
        goto bad;
    if (actual > SIZE_MAX) {
        fail(err, errlen, path, "too large for this machine (%llu bytes)",
             (unsigned long long)actual);
        goto bad;
    }

    f = calloc(1, sizeof *f);
    if (!f) {
        fail(err, errlen, path, "out of memory");
        goto bad;
    }
    if (!(f->path = strdup(path))) {
        fail(err, errlen, path, "out of memory");
        goto bad;
    }
    f->size = (size_t)actual;
    f->version = h.version;
    if (!load_bytes(f, fd, f->size, err, errlen))
        goto bad;
    close(fd);
    fd = -1;
    if (memcmp(f->base, hdr, sizeof hdr) != 0) {
        fail(err, errlen, path, "file changed while it was being opened");
        goto bad;
    }
    if (!check_contents(f, &h, err, errlen))
        goto bad;
    return f;

bad:
    if (fd >= 0)
        close(fd);
    bd_weights_close(f);
    return NULL;
}

bdw_file *bd_weights_open_memory(const uint8_t *base, size_t size, const char *name,
                                 char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!host_is_little_endian()) {
        fail(err, errlen, name, "big-endian hosts are not supported");
        return NULL;
    }
    if (!base || size == 0) {
        fail(err, errlen, name, "empty, not a backdrop weights file");
        return NULL;
    }
    if (memcmp(base, BDW_MAGIC, size < 8 ? size : 8) != 0) {
        fail(err, errlen, name, "not a backdrop weights file (bad magic)");
        return NULL;
    }
    if (size < BDW_HEADER_SIZE) {
        fail(err, errlen, name, "truncated: %zu bytes, the header alone needs %u", size,
             BDW_HEADER_SIZE);
        return NULL;
    }
    if ((uintptr_t)base % BDW_ALIGN) {
        fail(err, errlen, name, "not %d-byte aligned in memory", BDW_ALIGN);
        return NULL;
    }
    bdw_header h;
    if (!check_header(name, base, (uint64_t)size, &h, err, errlen))
        return NULL;
    bdw_file *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(name))) {
        free(f);
        fail(err, errlen, name, "out of memory");
        return NULL;
    }
    f->base = base;
    f->size = size;
    f->mapped = 2;                 /* the caller's memory: never freed here */
    f->version = h.version;
    if (!check_contents(f, &h, err, errlen)) {
        bd_weights_close(f);
        return NULL;
    }
    return f;
}

void bd_weights_close(bdw_file *f)
{
    if (!f)
        return;
    if (f->base) {
        if (f->mapped == 2)
            ;                      /* bd_weights_open_memory: the caller's */
        else if (f->mapped)
            munmap((void *)f->base, f->size);
        else
            free((void *)f->base);
    }
    free(f->meta);
    free(f->tensors);
    free(f->path);
    free(f);
}

void bd_weights_release_bytes(const bdw_file *f, const void *p, size_t n)
{
    const uintptr_t a = (uintptr_t)p, base = f ? (uintptr_t)f->base : 0;
    if (!f || f->mapped != 1 || a < base || a - base > f->size || n > f->size - (a - base))
        return;                   /* only a file mapping can be dropped and paged in again */
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    const uintptr_t b = a + n;
    const uintptr_t lo = (a + page - 1) / page * page, hi = b / page * page;
    if (hi > lo)                  /* whole pages only: a neighbour's bytes stay resident */
        madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

void bd_weights_release(const bdw_file *f, int dtype)
{
    for (int i = 0; f && i < f->tensor_count; i++) {
        const bdw_tensor *t = &f->tensors[i];
        if (t->dtype == dtype)
            bd_weights_release_bytes(f, t->raw, t->count * (t->dtype == BDW_DTYPE_U8 ? 1 : 4));
    }
}

const bdw_tensor *bd_weights_find(const bdw_file *f, const char *name)
{
    if (!f || !name)
        return NULL;
    for (int i = 0; i < f->tensor_count; i++)
        if (!strcmp(f->tensors[i].name, name))
            return &f->tensors[i];
    return NULL;
}

/* The metadata was checked in bd_weights_open: every line is key=value\n, keys unique.
 * A value longer than outlen - 1 is cut short (still NUL-terminated). */
int bd_weights_meta(const bdw_file *f, const char *key, char *out, size_t outlen)
{
    if (!f || !f->meta || !key)
        return 0;
    size_t klen = strlen(key);
    for (const char *line = f->meta; *line;) {
        const char *end = strchr(line, '\n');
        if (!end)
            break;
        if ((size_t)(end - line) > klen && !strncmp(line, key, klen) && line[klen] == '=') {
            if (out && outlen) {
                size_t vlen = (size_t)(end - line) - klen - 1;
                if (vlen >= outlen)
                    vlen = outlen - 1;
                memcpy(out, line + klen + 1, vlen);
                out[vlen] = '\0';
            }
            return 1;
        }
        line = end + 1;
    }
    return 0;
}
