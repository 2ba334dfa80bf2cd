/* qu8_pwconv_ref.c — scalar reference of the uint8 1x1 convolution, a matrix product.
 *
 * For pixel i (a row of the m x k input) and output channel j:
 *     acc = bias[j] + sum over t of (in[i][t] - in_zp) * (weight[t][j] - w_zp)     (int32)
 *     out[i][j] = clamp(MultiplyByQuantizedMultiplier(acc, M, shift) + out_zp, lo, hi)
 * The loops run over t outside j so the weight row and the accumulators are read
 * contiguously (the compiler vectorises the inner loop); the order of an integer sum does
 * not change it, so this is exactly TFLite's result.
 */
#include <stdlib.h>

#include "kernels_quant.h"
#include "kernels_fixedpoint.h"

#define COLS 256          /* output channels accumulated at a time (on the stack) */

void bd_qu8_pwconv_ref(const uint8_t *in, int m, int k, uint8_t *out, int n,
                       const uint8_t *weight, const int32_t *bias, const bd_qu8_conv *p)
{
    const bd_qu8_requant rq = p->rq;
    #pragma omp parallel for schedule(static)
    for (int i = 0; i < m; i++) {
        const uint8_t *row = in + (size_t)i * k;
        for (int j0 = 0; j0 < n; j0 += COLS) {
            const int nj = n - j0 < COLS ? n - j0 : COLS;
            int32_t acc[COLS];
            for (int j = 0; j < nj; j++)
                acc[j] = bias[j0 + j];
            for (int t = 0; t < k; t++) {
                const int32_t a = (int32_t)row[t] - p->in_zp;
                const uint8_t *wr = weight + (size_t)t * n + j0;
                for (int j = 0; j < nj; j++)
                    acc[j] += a * ((int32_t)wr[j] - p->w_zp);
            }
            uint8_t *o = out + (size_t)i * n + j0;
            for (int j = 0; j < nj; j++)
                o[j] = bd_qu8_clamp(bd_qu8_mbqm(acc[j], rq.multiplier, rq.shift) + rq.out_zp,
                                    rq.lo, rq.hi);
        }
    }
}
