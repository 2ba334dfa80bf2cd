/* weights.h — the backdrop weights file (weights/README.md): mapped once, every byte checked
 * before use (header, sizes, offsets, alignment, CRC-32C checksums). bd_weights_open() returns
 * NULL and writes one line naming the file and the problem into err on failure. The tensors
 * (float32, and uint8 / int32 for the int8 network of version 2 files) are pointed to inside
 * the mapping; the metadata is key=value text.
 */
#ifndef BACKDROP_WEIGHTS_H
#define BACKDROP_WEIGHTS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define BDW_MAX_NAME 80
#define BDW_MAX_DIMS 4

/* Element types (version 1 files hold float32 only; version 2 adds the int8 network's). */
#define BDW_DTYPE_F32 1
#define BDW_DTYPE_U8 2
#define BDW_DTYPE_I32 3

typedef struct bdw_tensor {
    char name[BDW_MAX_NAME];
    int ndim;
    int shape[BDW_MAX_DIMS];
    int dtype;                 /* BDW_DTYPE_* */
    size_t count;              /* number of elements */
    const float *data;         /* float32 tensors: the values in the mapped file, 64-byte
                                  aligned; NULL for the other types */
    const void *raw;           /* any type: the same bytes */
} bdw_tensor;

typedef struct bdw_file {
    char *path;                /* as given (malloc'd) */
    const uint8_t *base;       /* whole file (mmap'd or read) */
    size_t size;
    int mapped;                /* 1: munmap on close, 0: free, 2: not ours (memory) */
    uint32_t version;
    char *meta;                /* NUL-terminated copy of the metadata text */
    int tensor_count;
    bdw_tensor *tensors;
} bdw_file;

bdw_file *bd_weights_open(const char *path, char *err, size_t errlen);
/* The same checks on a weights file already in memory (size bytes at base, 64-byte
 * aligned, e.g. linked into the executable); name is used in messages. base must outlive
 * the result, which does not free it. */
bdw_file *bd_weights_open_memory(const uint8_t *base, size_t size, const char *name,
                                 char *err, size_t errlen);
void bd_weights_close(bdw_file *f);
/* Hands the resident pages of every tensor of one dtype (BDW_DTYPE_*) back to the kernel
 * after the load-time checks touched them (e.g. the float tensors of a file run as int8):
 * a mapped file only, whole pages only; a later read pages them in again from the file,
 * so nothing changes but the resident size. */
void bd_weights_release(const bdw_file *f, int dtype);
/* The same for the n bytes at p inside the file (nothing if they are not). */
void bd_weights_release_bytes(const bdw_file *f, const void *p, size_t n);
const bdw_tensor *bd_weights_find(const bdw_file *f, const char *name);
/* Value of metadata key, copied into out (NUL-terminated); returns 0 if absent. */
int bd_weights_meta(const bdw_file *f, const char *key, char *out, size_t outlen);

/* The one-line error every loader writes: "PATH: " then fmt (weights.c, model.c, qmodel.c). */
void bd_file_verror(char *err, size_t errlen, const char *path, const char *fmt, va_list ap);

#endif
