/* qu8_conv3x3s2_ref.c — scalar reference of the uint8 3x3 stride-2 convolution (the stem).
 *
 * The math, per output pixel (oy, ox) and output channel co:
 *     acc = bias[co] + sum over ky, kx, ci of (in[2oy+ky-pad_top][2ox+kx-pad_left][ci] - in_zp)
 *                                             * (weight[ky][kx][ci][co] - w_zp)
 * in int32, where taps outside the image are skipped (they would hold in_zp, i.e. real 0);
 *     out = clamp(MultiplyByQuantizedMultiplier(acc, M, shift) + out_zp, lo, hi).
 * Subtracting the zero points first makes each factor the real value divided by its scale,
 * so acc is the float convolution divided by s_in * s_w (the bias is stored in that scale).
 */
#include "kernels_quant.h"
#include "kernels_fixedpoint.h"

void bd_qu8_conv3x3s2_ref(const uint8_t *in, int h, int w, int cin, uint8_t *out, int oh,
                          int ow, int cout, const uint8_t *weight, const int32_t *bias,
                          int pad_top, int pad_left, const bd_qu8_conv *p)
{
    const bd_qu8_requant rq = p->rq;
    #pragma omp parallel for schedule(static)
    for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
            uint8_t *o = out + ((size_t)oy * ow + ox) * cout;
            for (int co = 0; co < cout; co++) {
                int32_t acc = bias[co];
                for (int ky = 0; ky < 3; ky++) {
                    int y = 2 * oy + ky - pad_top;
                    if (y < 0 || y >= h)
                        continue;
                    for (int kx = 0; kx < 3; kx++) {
                        int x = 2 * ox + kx - pad_left;
                        if (x < 0 || x >= w)
                            continue;
                        const uint8_t *px = in + ((size_t)y * w + x) * cin;
                        const uint8_t *wk = weight + (size_t)((ky * 3 + kx) * cin) * cout + co;
                        for (int ci = 0; ci < cin; ci++)
                            acc += ((int32_t)px[ci] - p->in_zp) *
                                   ((int32_t)wk[(size_t)ci * cout] - p->w_zp);
                    }
                }
                o[co] = bd_qu8_clamp(bd_qu8_mbqm(acc, rq.multiplier, rq.shift) + rq.out_zp,
                                     rq.lo, rq.hi);
            }
        }
    }
}
