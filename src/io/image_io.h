/* image_io.h — read and write image files (PNG, JPEG, BMP, TGA) with stb, with one-line
 * errors that name the file. (stb's other decoders are left out: see image_io.c.)
 *
 * Reading refuses, before allocating anything for the pixels, images larger than
 * BD_IMAGE_MAX_DIM on a side or BD_IMAGE_MAX_PIXELS in total: a small file can claim a huge
 * size. Writing goes to a temporary file in the same directory that is renamed over the
 * destination only when complete, so a failed write never leaves half a file behind.
 */
#ifndef BACKDROP_IMAGE_IO_H
#define BACKDROP_IMAGE_IO_H

#include <stddef.h>
#include <stdint.h>

#ifndef BD_IMAGE_MAX_DIM                  /* a build may lower them (the fuzzers do) */
#define BD_IMAGE_MAX_DIM 30000
#endif
#ifndef BD_IMAGE_MAX_PIXELS
#define BD_IMAGE_MAX_PIXELS 100000000LL   /* 100 megapixels */
#endif

typedef struct bd_image {
    int w, h;
    int channels;       /* 3 (RGB) for decoded images */
    uint8_t *data;      /* w x h x channels, row-major */
} bd_image;

/* Decode a file into 8-bit RGB: grey is replicated to 3 channels, alpha dropped (not
 * composited), 16-bit samples reduced to 8; a JPEG is turned upright by its EXIF
 * orientation (io/exif.h). Returns 0, or -1
 * with a message like "photo.jpg: not a supported image (bad Huffman code)". */
int bd_image_load(const char *path, bd_image *img, char *err, size_t errlen);
/* The same from memory; name is used in messages. */
int bd_image_load_memory(const uint8_t *buf, size_t len, const char *name, bd_image *img,
                      char *err, size_t errlen);
/* The same with flags: BD_LOAD_NO_ORIENT keeps a JPEG's stored pixels (bd_image_load turns
 * them upright by their EXIF orientation). */
#define BD_LOAD_NO_ORIENT 1
int bd_image_load_flags(const char *path, int flags, bd_image *img, char *err, size_t errlen);
int bd_image_load_memory_flags(const uint8_t *buf, size_t len, const char *name, int flags,
                               bd_image *img, char *err, size_t errlen);
void bd_image_free(bd_image *img);

/* Encode by the extension of path: .png, .jpg/.jpeg (quality 95), .bmp, .tga
 * (case-insensitive). channels 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA; JPEG and BMP
 * drop alpha). Atomic: temp file + rename. Returns 0, or -1 with a message. */
int bd_image_save(const char *path, const uint8_t *data, int w, int h, int channels,
               char *err, size_t errlen);
/* The same with the JPEG quality (1..100; other formats ignore it, any other value is an
 * error). bd_image_save is bd_image_save_quality(..., 95, ...). */
int bd_image_save_quality(const char *path, const uint8_t *data, int w, int h, int channels,
                       int quality, char *err, size_t errlen);

/* 1 if path ends in an extension bd_image_save knows. */
int bd_image_save_supported(const char *path);

#endif
