/* stb_impl.h — stb_image and stb_image_write as backdrop uses them (src/io/stb_impl.c):
 * under bd_ names, plus a count of its internal assertions
 * that failed on this thread. stb 2.27 asserts (and so aborts the process) on some corrupt
 * JPEG Huffman data (tests/regress/image-jpeg-huffman-assert.jpg, found by fuzzing); here a
 * failed assertion is counted instead, and image_io.c refuses the image it was decoding.
 * Also: one format's header reader at a time, so stb's failure reason is that format's. */
#ifndef BACKDROP_STB_IMPL_H
#define BACKDROP_STB_IMPL_H

#include <stdint.h>

#include "io/image_check.h"    /* bd_image_format */

extern _Thread_local int bd_stbi_assert_failures;

/* stbi_info for one format: 1 and the size, or 0 with stbi_failure_reason(). A
 * top-down BMP has a negative height here (stb's own value). */
int bd_stbi_info(bd_image_format fmt, const uint8_t *buf, int len, int *w, int *h, int *comp);

/* stb's own functions, exported under bd_ names (stb itself is compiled static):
 * stbi_failure_reason, stbi_image_free, stbi_load_from_memory, and the
 * stbi_write_<fmt>_to_func encoders (JPEG at the given quality; PNG rows unpadded). */
const char *bd_stbi_failure_reason(void);
void bd_stbi_image_free(void *p);
uint8_t *bd_stbi_load_from_memory(const uint8_t *buf, int len, int *w, int *h, int *comp,
                                  int want);
typedef void (*bd_stbi_sink)(void *ctx, void *data, int size);
int bd_stbi_write(bd_image_format fmt, bd_stbi_sink sink, void *ctx, int w, int h,
                  int channels, const uint8_t *data, int quality);

#endif
