/* pwconv_ref.c — scalar reference of the pointwise (1x1) convolution, which is where
 * MobileNetV2 spends most of its multiply-adds (expand, project, and the whole head).
 *
 * The math: a 1x1 convolution mixes channels at each pixel independently, so over the
 * m = H*W pixels of an NHWC tensor it is just a matrix product:
 *     out[i][j] = act(bias[j] + sum_k in[i][k] * weight[k][j]) + residual[i][j]
 * in is m x k (pixels x input channels), weight is k x n (IO layout), out is m x n.
 * The residual add of an inverted-residual block is fused here (added after the activation;
 * the project layer has none), so the block output is written once.
 *
 * Loop order: for each pixel, for each input channel k, add in[i][k] * (row k of the
 * weights) into the output row — the innermost loop runs over the output channel j,
 * contiguous in both weight and output, so it vectorises. Pixels are taken four at a time
 * so each weight row, once loaded, is used four times; pixel tiles are split between
 * OpenMP threads.
 */
#include "kernels.h"
#include "kernels_ref.h"

#define PW_TILE 4   /* pixels sharing one pass over the weights */

void bd_pwconv_ref(const float *in, int m, int k, float *out, int n,
                   const float *weight, const float *bias,
                   const float *residual, bd_act act)
{
    int tiles = (m + PW_TILE - 1) / PW_TILE;
    #pragma omp parallel for schedule(static)
    for (int t = 0; t < tiles; t++) {
        int i0 = t * PW_TILE;
        int rows = m - i0 < PW_TILE ? m - i0 : PW_TILE;
        for (int r = 0; r < rows; r++) {
            float *o = out + (size_t)(i0 + r) * n;
            for (int j = 0; j < n; j++)
                o[j] = bias[j];
        }
        for (int kk = 0; kk < k; kk++) {
            const float *wrow = weight + (size_t)kk * n;
            for (int r = 0; r < rows; r++) {
                float a = in[(size_t)(i0 + r) * k + kk];
                float *o = out + (size_t)(i0 + r) * n;
                #pragma omp simd
                for (int j = 0; j < n; j++)
                    o[j] += a * wrow[j];
            }
        }
        for (int r = 0; r < rows; r++) {
            float *o = out + (size_t)(i0 + r) * n;
            bd_ref_activate(o, n, act);
            if (residual) {
                const float *res = residual + (size_t)(i0 + r) * n;
                #pragma omp simd
                for (int j = 0; j < n; j++)
                    o[j] += res[j];
            }
        }
    }
}
