/* qu8_avgpool_avx512.c — the uint8 global average pool with AVX-512, bit-identical to
 * qu8_avgpool_ref.c: the pixels' bytes of 16 channels at a time are widened to int32 and
 * summed (exact while hw * 255 fits int32: maps up to 8 million pixels, else the
 * reference), then each channel's (sum + hw/2) / hw as there. One pass over the map in
 * memory order instead of one strided pass per channel. */
#include <immintrin.h>
#include <stdint.h>

#include "kernels_quant.h"
#include "kernels_quant_isa.h"

void bd_qu8_avgpool_avx512(const uint8_t *in, int hw, int c, uint8_t *out)
{
    if ((int64_t)hw * 255 > INT32_MAX || hw < 1) {
        bd_qu8_avgpool_ref(in, hw, c, out);
        return;
    }
    for (int c0 = 0; c0 < c; c0 += 16) {
        const int nc = c - c0 < 16 ? c - c0 : 16;
        const __mmask16 mk = (__mmask16)((1u << nc) - 1);
        __m512i acc = _mm512_setzero_si512();
        for (int px = 0; px < hw; px++)
            acc = _mm512_add_epi32(acc, _mm512_cvtepu8_epi32(
                                            _mm_maskz_loadu_epi8(mk, in + (size_t)px * c + c0)));
        int32_t sum[16];
        _mm512_storeu_si512(sum, acc);
        for (int j = 0; j < nc; j++) {
            const int32_t v = (sum[j] + hw / 2) / hw;
            out[c0 + j] = (uint8_t)(v > 255 ? 255 : v);
        }
    }
}
