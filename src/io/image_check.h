/* image_check.h — checks an image file's header and layout before stb_image 2.27 decodes
 * it, for the files stb would accept as garbage: palettes it leaves uninitialised, pixels
 * the file does not hold, TGA colour maps and origins it reads wrongly, and variants it
 * only calls "unknown" (see image_check.c). */
#ifndef BACKDROP_IO_IMAGE_CHECK_H
#define BACKDROP_IO_IMAGE_CHECK_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    BD_FORMAT_UNKNOWN, BD_FORMAT_PNG, BD_FORMAT_JPEG, BD_FORMAT_BMP, BD_FORMAT_TGA
} bd_image_format;

/* The format by its magic bytes (TGA, which has none, by a plausible header). */
bd_image_format bd_image_sniff(const uint8_t *buf, size_t len);

/* 0 if stb may decode buf; -1 with the reason in why ("truncated BMP: ...", "12-bit JPEG
 * is not supported ..."). On 0, *fixed may be a corrected copy (malloc'd, *fixed_len
 * bytes) to decode instead, and *mirror is 1 if the decoded rows must be flipped left to
 * right (a TGA stored right to left). */
int bd_image_check(const uint8_t *buf, size_t len, bd_image_format fmt, uint8_t **fixed,
                   size_t *fixed_len, int *mirror, char *why, size_t whylen);

#endif
