/* jpeg_guard.h — checks a JPEG for the inputs that corrupt memory inside the stb_image we
 * build with (Debian 12's libstb-dev, stb_image 2.27), before stb sees them. */
#ifndef BACKDROP_JPEG_GUARD_H
#define BACKDROP_JPEG_GUARD_H

#include <stddef.h>
#include <stdint.h>

/* 0 if buf is not a JPEG or holds nothing stb 2.27 mishandles; -1 with the reason in why
 * (e.g. "a Huffman table declares 300 codes, at most 256") if it does. */
int bd_jpeg_guard_check(const uint8_t *buf, size_t len, char *why, size_t whylen);

#endif
