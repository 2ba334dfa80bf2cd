/* qu8_resize_bilinear_ref.c — TFLite's uint8 RESIZE_BILINEAR with align_corners=True, which
 * its reference computes in float32:
 *     scale = (float)(in - 1) / (out - 1);  src = (float)dst * scale;
 *     y0 = floor(src), y1 = min(ceil(src), in - 1), dy = src - y0   (likewise x)
 *     v = v00 (1-dy)(1-dx) + v10 dy (1-dx) + v01 (1-dy) dx + v11 dy dx + 0.5f
 * left to right in float32, then truncated to uint8 (the 0.5 makes it round half up).
 * Input and output share one quantisation. In the DeepLab head it broadcasts the 1x1 image
 * pooling to the feature map and resizes the logits; the engine dequantises the logits for
 * the float post-processing instead, so this is here for the reference semantics and tests.
 */
#include <math.h>

#include "kernels_quant.h"

static float axis_scale(int in, int out)
{
    return out > 1 ? (float)(in - 1) / (float)(out - 1) : 0.0f;
}

void bd_qu8_resize_bilinear(const uint8_t *in, int ih, int iw, int c, uint8_t *out, int oh,
                            int ow)
{
    const float sy = axis_scale(ih, oh), sx = axis_scale(iw, ow);
    for (int oy = 0; oy < oh; oy++) {
        const volatile float fy = (float)oy * sy;     /* volatile: no fused multiply-add */
        const int y0 = (int)floorf(fy);
        const int y1 = (int)ceilf(fy) < ih - 1 ? (int)ceilf(fy) : ih - 1;
        const float dy = fy - (float)y0;
        for (int ox = 0; ox < ow; ox++) {
            const volatile float fx = (float)ox * sx;
            const int x0 = (int)floorf(fx);
            const int x1 = (int)ceilf(fx) < iw - 1 ? (int)ceilf(fx) : iw - 1;
            const float dx = fx - (float)x0;
            const uint8_t *p00 = in + ((size_t)y0 * iw + x0) * c, *p01 = in + ((size_t)y0 * iw + x1) * c;
            const uint8_t *p10 = in + ((size_t)y1 * iw + x0) * c, *p11 = in + ((size_t)y1 * iw + x1) * c;
            uint8_t *o = out + ((size_t)oy * ow + ox) * c;
            for (int ch = 0; ch < c; ch++) {
                volatile float t00 = (float)p00[ch] * (1.0f - dy) * (1.0f - dx);
                volatile float t10 = (float)p10[ch] * dy * (1.0f - dx);
                volatile float t01 = (float)p01[ch] * (1.0f - dy) * dx;
                volatile float t11 = (float)p11[ch] * dy * dx;
                const float v = t00 + t10 + t01 + t11 + 0.5f;
                o[ch] = (uint8_t)(v < 255.0f ? v : 255.0f);
            }
        }
    }
}
