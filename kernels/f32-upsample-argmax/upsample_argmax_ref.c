/* upsample_argmax_ref.c — scalar reference of the last step of segmentation: the class of
 * each pixel of the bilinear (align_corners) upsampling of the logits to full_h x full_w,
 * computed pixel by pixel without ever storing the upsampled logits (513x513x21 floats =
 * 22 MB). Only the crop_h x crop_w top-left part — the real image, not the padding — is
 * computed.
 *
 * The math: align_corners maps the corner pixels onto each other, so output row oy samples
 * the logits at the real coordinate sy = oy * (ih-1)/(oh-1) (scale computed in float32, as
 * TensorFlow does). With y0 = floor(sy), y1 = min(y0+1, ih-1) and fy = sy - y0 (likewise
 * for x), each class score is
 *     top    = in[y0][x0] + (in[y0][x1] - in[y0][x0]) * fx      (lerp along x first,
 *     bottom = in[y1][x0] + (in[y1][x1] - in[y1][x0]) * fx       then along y)
 *     v      = top + (bottom - top) * fy
 * in exactly TensorFlow's ResizeBilinear order of float operations, so the labels are those
 * of "resize, then argmax" bit for bit; the first class with the largest score wins (ties go
 * to the lower class number, like numpy and TensorFlow). tests/kernel_oracles.h keeps the
 * unfused "resize, then argmax" pair the tests compare this with.
 */
#include <math.h>

#include "kernels.h"
#include "kernels_ref.h"

void bd_upsample_argmax_ref(const float *logits, int ih, int iw, int c,
                            int full_h, int full_w, int crop_h, int crop_w,
                            uint8_t *labels)
{
    float scale_y = bd_align_corners_scale(ih, full_h);
    float scale_x = bd_align_corners_scale(iw, full_w);
    #pragma omp parallel for schedule(static)
    for (int oy = 0; oy < crop_h; oy++) {
        float sy = (float)oy * scale_y;
        int y0 = (int)floorf(sy);
        int y1 = y0 + 1 < ih ? y0 + 1 : ih - 1;
        float fy = sy - (float)y0;
        for (int ox = 0; ox < crop_w; ox++) {
            float sx = (float)ox * scale_x;
            int x0 = (int)floorf(sx);
            int x1 = x0 + 1 < iw ? x0 + 1 : iw - 1;
            float fx = sx - (float)x0;
            const float *tl = logits + ((size_t)y0 * iw + x0) * c;
            const float *tr = logits + ((size_t)y0 * iw + x1) * c;
            const float *bl = logits + ((size_t)y1 * iw + x0) * c;
            const float *br = logits + ((size_t)y1 * iw + x1) * c;
            int best = 0;
            float best_v = 0.0f;
            for (int ch = 0; ch < c; ch++) {
                float top = tl[ch] + (tr[ch] - tl[ch]) * fx;
                float bottom = bl[ch] + (br[ch] - bl[ch]) * fx;
                float v = top + (bottom - top) * fy;
                if (ch == 0 || v > best_v) {
                    best = ch;
                    best_v = v;
                }
            }
            labels[(size_t)oy * crop_w + ox] = (uint8_t)best;
        }
    }
}
