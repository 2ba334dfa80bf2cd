/* stb_impl.c — the one place stb_image and stb_image_write are compiled (image_io.c uses
 * them through their headers). A file of its own so the Makefile can give it its own
 * flags: stb_image_write's JPEG encoder shifts bits into the sign of an int, defined by gcc
 * (two's complement shifts) but flagged by UBSan's shift check, which is turned off for
 * this file only. stb's assertions count failures instead of aborting (see stb_impl.h). */
#include "io/stb_impl.h"

#include <stdlib.h>

_Thread_local int bd_stbi_assert_failures;
#define STBI_ASSERT(x) ((x) ? (void)0 : (void)bd_stbi_assert_failures++)
/* Zeroed allocations: a JPEG whose scan uses a Huffman table it never defined makes stb 2.27
 * read that table from its freshly malloc'd decoder state, i.e. from whatever the last
 * decode left there; fuzzing hit the assertion above that way, only after other inputs.
 * calloc makes such files decode the same way every time (and garbage, not secrets). */
#define STBI_MALLOC(sz) calloc(1, (sz))
#define STBI_REALLOC(p, sz) realloc((p), (sz))
#define STBI_FREE(p) free(p)

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#define STB_IMAGE_IMPLEMENTATION
#define STBI_FAILURE_USERMSG
/* Only the formats a photo comes in: fuzzing found stb 2.27's rarer decoders unsafe (PNM
 * with maxval 256 reads past its buffer: tests/regress/image-pnm-maxval256.pgm). */
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_ONLY_TGA
#include <stb/stb_image.h>
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop
