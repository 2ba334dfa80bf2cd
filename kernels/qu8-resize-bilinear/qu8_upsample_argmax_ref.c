/* qu8_upsample_argmax_ref.c — the tail of the uint8 graph, fused: RESIZE_BILINEAR (uint8,
 * align_corners, TFLite's float32 reference arithmetic, see qu8_resize_bilinear_ref.c) of the
 * ih x iw x c logits to full_h x full_w, then ARG_MAX (first maximum wins), computed only for
 * the crop_h x crop_w top-left region and without storing the resized tensor. The labels are
 * exactly the graph's: the resize truncates to whole levels, so classes can tie, and the tie
 * goes to the lower class, which a float upsampling of the same logits does not reproduce. */
#include "kernels_quant.h"
#include "qu8_bilinear.h"

#define MAX_C 256

void bd_qu8_upsample_argmax(const uint8_t *in, int ih, int iw, int c, int full_h, int full_w,
                            int crop_h, int crop_w, uint8_t *labels)
{
    const float sy = qu8_bilinear_scale(ih, full_h), sx = qu8_bilinear_scale(iw, full_w);
    #pragma omp parallel for schedule(static)
    for (int oy = 0; oy < crop_h; oy++)
        for (int ox = 0; ox < crop_w; ox++) {
            const qu8_bilinear_px t = qu8_bilinear_at(in, ih, iw, c, sy, sx, oy, ox);
            int best = 0, best_v = -1;
            for (int ch = 0; ch < c && ch < MAX_C; ch++) {
                const int q = qu8_bilinear_value(&t, ch);
                if (q > best_v) {
                    best_v = q;
                    best = ch;
                }
            }
            labels[(size_t)oy * crop_w + ox] = (uint8_t)best;
        }
}
