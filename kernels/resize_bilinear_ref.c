/* resize_bilinear_ref.c — scalar reference of TensorFlow's ResizeBilinear with
 * align_corners=True, used to bring the logits (e.g. 65x65) up to the input frame (513x513).
 *
 * The math: align_corners maps the corner pixels onto each other, so output row oy samples
 * the input at the real coordinate sy = oy * (ih-1)/(oh-1) (scale computed in float32, as
 * TensorFlow does). With y0 = floor(sy), y1 = min(y0+1, ih-1) and fy = sy - y0 (likewise
 * for x), each channel is
 *     top    = in[y0][x0] + (in[y0][x1] - in[y0][x0]) * fx      (lerp along x first,
 *     bottom = in[y1][x0] + (in[y1][x1] - in[y1][x0]) * fx       then along y)
 *     out    = top + (bottom - top) * fy
 * This exact order of float operations is TensorFlow's, so the results match it bit for bit.
 */
#include <math.h>

#include "kernels.h"
#include "kernels_ref_util.h"

void bd_resize_bilinear_ref(const float *in, int ih, int iw, int c,
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
