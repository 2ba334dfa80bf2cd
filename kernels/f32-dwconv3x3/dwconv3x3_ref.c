/* dwconv3x3_ref.c — scalar reference of the depthwise 3x3 convolution (stride 1 or 2,
 * any dilation), the spatial filter inside every MobileNetV2 block.
 *
 * The math: "depthwise" means each channel is filtered on its own — channel c of the output
 * only ever sees channel c of the input. Output pixel (oy, ox) of channel c is
 *     bias[c] + sum over ky, kx in 0..2 of in[s*oy + d*ky - pad_top][s*ox + d*kx - pad_left][c]
 *                                         * weight[ky][kx][c]
 * with stride s and dilation d: a dilated ("atrous") filter spreads its 3x3 taps d pixels
 * apart, so it sees a (2d+1)x(2d+1) area for the price of 9 taps. That is how DeepLab keeps
 * the feature map large (output stride 8 or 16) without losing receptive field. Taps that
 * fall outside the image read as 0 (TensorFlow SAME padding).
 *
 * Loop order: channels innermost (NHWC keeps them contiguous, weights are HWC), output rows
 * split between OpenMP threads.
 */
#include "kernels.h"
#include "kernels_ref.h"

void bd_dwconv3x3_ref(const float *in, int h, int w, int c,
                      float *out, int oh, int ow,
                      const float *weight, const float *bias,
                      int stride, int dilation, int pad_top, int pad_left, bd_act act)
{
    #pragma omp parallel for schedule(static)
    for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
            float *o = out + ((size_t)oy * ow + ox) * c;
            for (int ch = 0; ch < c; ch++)
                o[ch] = bias[ch];
            for (int ky = 0; ky < 3; ky++) {
                int y = stride * oy + dilation * ky - pad_top;
                if (y < 0 || y >= h)
                    continue;                       /* padded row: contributes 0 */
                for (int kx = 0; kx < 3; kx++) {
                    int x = stride * ox + dilation * kx - pad_left;
                    if (x < 0 || x >= w)
                        continue;
                    const float *px = in + ((size_t)y * w + x) * c;
                    const float *wk = weight + (size_t)(ky * 3 + kx) * c;
                    #pragma omp simd
                    for (int ch = 0; ch < c; ch++)
                        o[ch] += px[ch] * wk[ch];
                }
            }
            bd_ref_activate(o, c, act);
        }
    }
}
