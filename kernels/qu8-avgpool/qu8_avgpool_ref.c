/* qu8_avgpool_ref.c — scalar reference of the uint8 global average pool (image pooling).
 *
 * Input and output share scale and zero point, so the mean of the integers is the mean of the
 * reals: out[c] = (sum over the hw pixels of in[p][c] + hw/2) / hw, an integer division that
 * rounds half up (the sum is never negative), as TFLite's reference AVERAGE_POOL_2D does.
 */
#include "kernels_quant.h"

void bd_qu8_avgpool_ref(const uint8_t *in, int hw, int c, uint8_t *out)
{
    for (int ch = 0; ch < c; ch++) {
        int64_t sum = 0;                         /* hw * 255 can pass 2^31 for huge maps */
        for (int px = 0; px < hw; px++)
            sum += in[(size_t)px * c + ch];
        int64_t v = (sum + hw / 2) / hw;
        out[ch] = (uint8_t)(v > 255 ? 255 : v);
    }
}
