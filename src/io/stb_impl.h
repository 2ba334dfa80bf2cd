/* stb_impl.h — what src/stb_impl.c adds to stb_image: a count of its internal assertions
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

#endif
