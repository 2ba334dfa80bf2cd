/* avgpool_ref.c — scalar reference of the global average pool that feeds DeepLab's
 * image-pooling branch: one number per channel summarising the whole feature map.
 *
 * The math: out[c] = (1 / hw) * sum over the hw pixels p of in[p][c].
 * The sums are kept in double so the result does not depend on the pixel count or on how
 * the work is split; the mean is rounded to float once at the end.
 */
#include "kernels.h"
#include "kernels_ref.h"

void bd_avgpool_ref(const float *in, int hw, int c, float *out)
{
    #pragma omp parallel for schedule(static)
    for (int ch = 0; ch < c; ch++) {
        double sum = 0.0;
        for (int p = 0; p < hw; p++)
            sum += in[(size_t)p * c + ch];
        out[ch] = hw > 0 ? (float)(sum / hw) : 0.0f;
    }
}
