/* conv3x3s2_ref.c — scalar reference of the network's first layer: a full 3x3 convolution
 * with stride 2 (the "stem", MobilenetV2/Conv).
 *
 * The math: every output pixel (oy, ox) looks at the 3x3 window of input pixels whose top
 * left corner is (2*oy - pad_top, 2*ox - pad_left). For each output channel co it sums
 * input[y][x][ci] * weight[ky][kx][ci][co] over the 9 window pixels and all cin input
 * channels, adds bias[co] and applies the activation. Window pixels outside the image read
 * as 0 (TensorFlow SAME padding).
 *
 * Loop order: the output channel is the innermost loop, so the weights (HWIO, co innermost)
 * and the output row are both walked contiguously and the compiler can vectorise it.
 * Output rows are independent, so OpenMP splits them between threads.
 */
#include "kernels.h"
#include "kernels_ref.h"

void bd_conv3x3s2_ref(const float *in, int h, int w, int cin,
                      float *out, int oh, int ow, int cout,
                      const float *weight, const float *bias,
                      int pad_top, int pad_left, bd_act act)
{
    #pragma omp parallel for schedule(static)
    for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
            float *o = out + ((size_t)oy * ow + ox) * cout;
            for (int co = 0; co < cout; co++)
                o[co] = bias[co];
            for (int ky = 0; ky < 3; ky++) {
                int y = 2 * oy + ky - pad_top;
                if (y < 0 || y >= h)
                    continue;                       /* padded row: contributes 0 */
                for (int kx = 0; kx < 3; kx++) {
                    int x = 2 * ox + kx - pad_left;
                    if (x < 0 || x >= w)
                        continue;
                    const float *px = in + ((size_t)y * w + x) * cin;
                    const float *wk = weight + (size_t)(ky * 3 + kx) * cin * cout;
                    for (int ci = 0; ci < cin; ci++) {
                        float v = px[ci];
                        const float *wrow = wk + (size_t)ci * cout;
                        #pragma omp simd
                        for (int co = 0; co < cout; co++)
                            o[co] += v * wrow[co];
                    }
                }
            }
            bd_ref_activate(o, cout, act);
        }
    }
}
