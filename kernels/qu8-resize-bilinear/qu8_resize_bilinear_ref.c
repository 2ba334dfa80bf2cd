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
#include "kernels_quant.h"
#include "qu8_bilinear.h"

void bd_qu8_resize_bilinear(const uint8_t *in, int ih, int iw, int c, uint8_t *out, int oh,
                            int ow)
{
    const float sy = qu8_bilinear_scale(ih, oh), sx = qu8_bilinear_scale(iw, ow);
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++) {
            const qu8_bilinear_px t = qu8_bilinear_at(in, ih, iw, c, sy, sx, oy, ox);
            uint8_t *o = out + ((size_t)oy * ow + ox) * c;
            for (int ch = 0; ch < c; ch++)
                o[ch] = qu8_bilinear_value(&t, ch);
        }
}
