/* fuzz_image.c — libFuzzer target for image decoding and everything that reads a decoded
 * image's pixels before the network: bd_image_load_memory (stb behind our size limits), the
 * preprocessing (area resize, normalise, pad) into a small network frame, and bd_fit_cover
 * (a decoded file used as a replacement background), shrinking and enlarging.
 *
 * Also compiled into tests/test_regress.c with FUZZ_IMAGE_ENTRY renamed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose/compose.h"
#include "io/image_io.h"
#include "engine/preprocess.h"

#ifndef FUZZ_IMAGE_ENTRY
#define FUZZ_IMAGE_ENTRY LLVMFuzzerTestOneInput
#endif

#define FI_FRAME 33                 /* the network input side, small for speed */

int FUZZ_IMAGE_ENTRY(const uint8_t *data, size_t size)
{
    bd_image img;
    char err[512];
    if (bd_image_load_memory(data, size, "fuzz.img", &img, err, sizeof err) != 0) {
        if (!err[0] || strchr(err, '\n') || img.data) {
            fprintf(stderr, "fuzz_image: bad failure: '%s'\n", err);
            abort();
        }
        return 0;
    }
    if (img.w < 1 || img.h < 1 || img.channels != 3 || !img.data ||
        img.w > BD_IMAGE_MAX_DIM || img.h > BD_IMAGE_MAX_DIM) {
        fprintf(stderr, "fuzz_image: decoded %dx%dx%d\n", img.w, img.h, img.channels);
        abort();
    }
    float *frame = malloc(sizeof(float) * FI_FRAME * FI_FRAME * 3);
    uint8_t *bg = malloc(41 * 29 * 3);
    if (frame && bg) {
        int tw, th;
        if (bd_preprocess_image(img.data, img.w, img.h, FI_FRAME, 2.0f / 255, -1.0f, frame, &tw,
                             &th) == 0 && (tw < 1 || th < 1 || tw > FI_FRAME || th > FI_FRAME)) {
            fprintf(stderr, "fuzz_image: resized %dx%d to %dx%d\n", img.w, img.h, tw, th);
            abort();
        }
        (void)bd_fit_cover(img.data, img.w, img.h, 3, bg, 41, 29);   /* usually shrinks */
        (void)bd_fit_cover(img.data, img.w, img.h, 3, bg, 1, 1);
        if ((long long)img.w * img.h <= 64 * 64)                   /* enlarges */
            (void)bd_fit_cover(img.data, img.w, img.h, 3, bg, 41, 29);
    }
    free(frame);
    free(bg);
    bd_image_free(&img);
    return 0;
}
