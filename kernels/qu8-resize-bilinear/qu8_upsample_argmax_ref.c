/* qu8_upsample_argmax_ref.c — the tail of the uint8 graph, fused: RESIZE_BILINEAR (uint8,
 * align_corners, TFLite's float32 reference arithmetic, see qu8_resize_bilinear_ref.c) of the
 * ih x iw x c logits to full_h x full_w, then ARG_MAX (first maximum wins), computed only for
 * the crop_h x crop_w top-left region and without storing the resized tensor. The labels are
 * exactly the graph's: the resize truncates to whole levels, so classes can tie, and the tie
 * goes to the lower class, which a float upsampling of the same logits does not reproduce. */
#include <math.h>

#include "kernels_quant.h"

#define MAX_C 256

static float axis_scale(int in, int out)
{
    return out > 1 ? (float)(in - 1) / (float)(out - 1) : 0.0f;
}

void bd_qu8_upsample_argmax(const uint8_t *in, int ih, int iw, int c, int full_h, int full_w,
                            int crop_h, int crop_w, uint8_t *labels)
{
    const float sy = axis_scale(ih, full_h), sx = axis_scale(iw, full_w);
    #pragma omp parallel for schedule(static)
    for (int oy = 0; oy < crop_h; oy++) {
        const volatile float fy = (float)oy * sy;     /* volatile: no fused multiply-add */
        const int y0 = (int)floorf(fy);
        const int y1 = (int)ceilf(fy) < ih - 1 ? (int)ceilf(fy) : ih - 1;
        const float dy = fy - (float)y0;
        for (int ox = 0; ox < crop_w; ox++) {
            const volatile float fx = (float)ox * sx;
            const int x0 = (int)floorf(fx);
            const int x1 = (int)ceilf(fx) < iw - 1 ? (int)ceilf(fx) : iw - 1;
            const float dx = fx - (float)x0;
            const uint8_t *p00 = in + ((size_t)y0 * iw + x0) * c, *p01 = in + ((size_t)y0 * iw + x1) * c;
            const uint8_t *p10 = in + ((size_t)y1 * iw + x0) * c, *p11 = in + ((size_t)y1 * iw + x1) * c;
            int best = 0, best_v = -1;
            for (int ch = 0; ch < c && ch < MAX_C; ch++) {
                volatile float t00 = (float)p00[ch] * (1.0f - dy) * (1.0f - dx);
                volatile float t10 = (float)p10[ch] * dy * (1.0f - dx);
                volatile float t01 = (float)p01[ch] * (1.0f - dy) * dx;
                volatile float t11 = (float)p11[ch] * dy * dx;
                const float v = t00 + t10 + t01 + t11 + 0.5f;
                const int q = (int)(v < 255.0f ? v : 255.0f);
                if (q > best_v) {
                    best_v = q;
                    best = ch;
                }
            }
            labels[(size_t)oy * crop_w + ox] = (uint8_t)best;
        }
    }
}
