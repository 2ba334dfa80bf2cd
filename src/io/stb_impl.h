/* stb_impl.h — what src/stb_impl.c adds to stb_image: a count of its internal assertions
 * that failed on this thread. stb 2.27 asserts (and so aborts the process) on some corrupt
 * JPEG Huffman data (tests/regress/image-jpeg-huffman-assert.jpg, found by fuzzing); here a
 * failed assertion is counted instead, and image_io.c refuses the image it was decoding. */
#ifndef BACKDROP_STB_IMPL_H
#define BACKDROP_STB_IMPL_H

extern _Thread_local int bd_stbi_assert_failures;

#endif
