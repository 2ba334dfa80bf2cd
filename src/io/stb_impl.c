/* stb_impl.c — the one place stb_image and stb_image_write are compiled, as static
 * functions: image_io.c calls them through the bd_stbi_* wrappers at the end, so
 * libbackdrop.a exports no stbi_* symbol to clash with a program's own copy of stb. A file of its own so the Makefile can give it its own
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

/* static stb declares functions its build leaves out: unused, all through this file */
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC       /* stb's functions stay in this file: the library exports */
#define STB_IMAGE_WRITE_STATIC /* only bd_* names (the wrappers below) */
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

/* ---------------------------------------------------------------- one format -------- */
/* stbi_info_from_memory and stbi_load_from_memory try every format in turn, and each failed
 * probe overwrites stb's reason: a PNG refused for a 2 GB chunk ends up "Corrupt JPEG" or
 * "not of any known type". image_io.c knows the format from the magic bytes, so these call
 * that one format's reader and keep its reason. */
int bd_stbi_info(bd_image_format fmt, const uint8_t *buf, int len, int *w, int *h, int *comp)
{
    stbi__context s;
    stbi__start_mem(&s, buf, len);
    switch (fmt) {
    case BD_FORMAT_PNG: return stbi__png_info(&s, w, h, comp);
    case BD_FORMAT_JPEG: return stbi__jpeg_info(&s, w, h, comp);
    case BD_FORMAT_BMP: return stbi__bmp_info(&s, w, h, comp);
    case BD_FORMAT_TGA:
        if (stbi__tga_info(&s, w, h, comp)) return 1;
        return stbi__err("bad header", "Not a supported TGA header");
    default: return stbi__err("unknown type", "Image not of any known type");
    }
}

/* ---------------------------------------------------------------- the wrappers ------ */

const char *bd_stbi_failure_reason(void) { return stbi_failure_reason(); }
void bd_stbi_image_free(void *p) { stbi_image_free(p); }

uint8_t *bd_stbi_load_from_memory(const uint8_t *buf, int len, int *w, int *h, int *comp,
                                  int want)
{
    return stbi_load_from_memory(buf, len, w, h, comp, want);
}

int bd_stbi_write(bd_image_format fmt, bd_stbi_sink sink, void *ctx, int w, int h,
                  int channels, const uint8_t *data, int quality)
{
    switch (fmt) {
    case BD_FORMAT_PNG: return stbi_write_png_to_func(sink, ctx, w, h, channels, data,
                                                      w * channels);
    case BD_FORMAT_JPEG: return stbi_write_jpg_to_func(sink, ctx, w, h, channels, data,
                                                       quality);
    case BD_FORMAT_BMP: return stbi_write_bmp_to_func(sink, ctx, w, h, channels, data);
    case BD_FORMAT_TGA: return stbi_write_tga_to_func(sink, ctx, w, h, channels, data);
    default: return 0;
    }
}
