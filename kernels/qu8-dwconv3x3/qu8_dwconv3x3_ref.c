/* qu8_dwconv3x3_ref.c — scalar reference of the uint8 depthwise 3x3 convolution (stride 1
 * or 2, any dilation).
 *
 * Each channel is filtered on its own (see dwconv3x3_ref.c for the float picture):
 *     acc[c] = bias[c] + sum over ky, kx of (in[s*oy+d*ky-pad_top][s*ox+d*kx-pad_left][c] - in_zp)
 *                                            * (weight[ky][kx][c] - w_zp)
 * in int32, taps outside the image skipped (real 0). The requantisation is TFLite's
 * depthwise one: the rounding doubling high multiply, then a right shift that rounds half
 * *up* (DepthwiseConvRound<kUpward>) where other layers round half away from zero; the two
 * differ only on negative ties, which clamp to 0 whenever out_zp is 0 (as in the DeepLab
 * models), but a reference must say which one it is.
 */
#include "kernels_quant.h"
#include "kernels_fixedpoint.h"

void bd_qu8_dwconv3x3_ref(const uint8_t *in, int h, int w, int c, uint8_t *out, int oh, int ow,
                          const uint8_t *weight, const int32_t *bias, int stride, int dilation,
                          int pad_top, int pad_left, const bd_qu8_conv *p)
{
    const bd_qu8_requant rq = p->rq;
    #pragma omp parallel for schedule(static)
    for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
            uint8_t *o = out + ((size_t)oy * ow + ox) * c;
            for (int ch = 0; ch < c; ch++) {
                int32_t acc = bias[ch];
                for (int ky = 0; ky < 3; ky++) {
                    int y = stride * oy + dilation * ky - pad_top;
                    if (y < 0 || y >= h)
                        continue;
                    for (int kx = 0; kx < 3; kx++) {
                        int x = stride * ox + dilation * kx - pad_left;
                        if (x < 0 || x >= w)
                            continue;
                        acc += ((int32_t)in[((size_t)y * w + x) * c + ch] - p->in_zp) *
                               ((int32_t)weight[(size_t)(ky * 3 + kx) * c + ch] - p->w_zp);
                    }
                }
                o[ch] = bd_qu8_clamp(bd_qu8_mbqm_upward(acc, rq.multiplier, rq.shift) +
                                     rq.out_zp, rq.lo, rq.hi);
            }
        }
    }
}
