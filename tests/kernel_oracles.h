/* kernel_oracles.h — test-only oracles: the unfused steps the engine's fused kernels must
 * reproduce bit for bit. TensorFlow's ResizeBilinear (align_corners=True) of the logits to
 * the frame, then argmax over the classes: bd_upsample_argmax_* must give exactly the labels
 * of these two steps. Header-only (static), because each test is one .c file.
 *
 * Resize: output row oy samples the input at sy = oy * (ih-1)/(oh-1) (the scale in float32,
 * as TensorFlow computes it), y0 = floor(sy), y1 = min(y0+1, ih-1), fy = sy - y0, likewise
 * for x; top = in[y0][x0] + (in[y0][x1] - in[y0][x0]) * fx, bottom likewise on row y1,
 * out = top + (bottom - top) * fy.
 * Argmax: labels[p] = the first class c with the largest in[p][c].
 */
#ifndef BACKDROP_TESTS_KERNEL_ORACLES_H
#define BACKDROP_TESTS_KERNEL_ORACLES_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels_ref.h"

static void oracle_resize_bilinear(const float *in, int ih, int iw, int c,
                                   float *out, int oh, int ow)
{
    float scale_y = bd_align_corners_scale(ih, oh);
    float scale_x = bd_align_corners_scale(iw, ow);
    #pragma omp parallel for schedule(static)
    for (int oy = 0; oy < oh; oy++) {
        float sy = (float)oy * scale_y;
        int y0 = (int)floorf(sy);
        int y1 = y0 + 1 < ih ? y0 + 1 : ih - 1;
        float fy = sy - (float)y0;
        for (int ox = 0; ox < ow; ox++) {
            float sx = (float)ox * scale_x;
            int x0 = (int)floorf(sx);
            int x1 = x0 + 1 < iw ? x0 + 1 : iw - 1;
            float fx = sx - (float)x0;
            const float *tl = in + ((size_t)y0 * iw + x0) * c;
            const float *tr = in + ((size_t)y0 * iw + x1) * c;
            const float *bl = in + ((size_t)y1 * iw + x0) * c;
            const float *br = in + ((size_t)y1 * iw + x1) * c;
            float *o = out + ((size_t)oy * ow + ox) * c;
            #pragma omp simd
            for (int ch = 0; ch < c; ch++) {
                float top = tl[ch] + (tr[ch] - tl[ch]) * fx;
                float bottom = bl[ch] + (br[ch] - bl[ch]) * fx;
                o[ch] = top + (bottom - top) * fy;
            }
        }
    }
}

static void oracle_argmax(const float *in, int n, int c, uint8_t *labels)
{
    #pragma omp parallel for schedule(static)
    for (int p = 0; p < n; p++) {
        const float *v = in + (size_t)p * c;
        int best = 0;
        for (int ch = 1; ch < c; ch++)
            if (v[ch] > v[best])
                best = ch;
        labels[p] = (uint8_t)best;
    }
}

#endif
