/* qu8_pwconv_body.h — what the SIMD variants of the uint8 1x1 convolution share: packing
 * the k x n uint8 weights into blocks of 8 output channels of int16 (w - w_zp), `per`
 * consecutive input channels side by side (AVX2's vpmaddwd pairs: per = 2; NEON's
 * multiply-accumulate by one input: per = 1), after the int32 bias of the n8 channels:
 *   bias[n8], then for block b, input group g, channel c, u < per:
 *   int16 at ((b * groups + g) * 8 + c) * per + u  =  w[per g + u][8 b + c] - w_zp
 * with zeros for the padding (channels past n, inputs past k). */
#ifndef BACKDROP_QU8_PWCONV_BODY_H
#define BACKDROP_QU8_PWCONV_BODY_H

#include <stdint.h>
#include <string.h>

#include "kernels_quant.h"

static inline size_t qu8_pack_i16_size(int k, int n, int per)
{
    const size_t nb = (size_t)(n + 7) / 8, groups = (size_t)(k + per - 1) / (size_t)per;
    return nb * 8 * sizeof(int32_t) + nb * groups * 8 * (size_t)per * sizeof(int16_t);
}

static inline void qu8_pack_i16(const uint8_t *w, const int32_t *bias, int k, int n,
                                int32_t w_zp, int per, void *dst)
{
    const size_t nb = (size_t)(n + 7) / 8, groups = (size_t)(k + per - 1) / (size_t)per;
    memset(dst, 0, qu8_pack_i16_size(k, n, per));
    int32_t *b8 = dst;
    int16_t *pw = (int16_t *)(void *)((char *)dst + nb * 8 * sizeof(int32_t));
    memcpy(b8, bias, (size_t)n * sizeof(int32_t));
    for (size_t b = 0; b < nb; b++)
        for (size_t g = 0; g < groups; g++)
            for (size_t c = 0; c < 8; c++)
                for (size_t u = 0; u < (size_t)per; u++) {
                    const size_t t = (size_t)per * g + u, j = 8 * b + c;
                    if (t < (size_t)k && j < (size_t)n)
                        pw[((b * groups + g) * 8 + c) * (size_t)per + u] =
                            (int16_t)((int32_t)w[t * (size_t)n + j] - w_zp);
                }
}

#endif
