/* qu8_add_avx512.c — TFLite's uint8 ADD on 16 values at a time with AVX-512, bit-identical
 * to qu8_add_ref.c: (q - zp) * 2^20 of each input, its MultiplyByQuantizedMultiplier, the
 * sum's, the output zero point and clamp, all with the reference's fixed point
 * (simd/qu8_requant_avx512.h). The last n % 16 values use masked loads and stores. */
#include <immintrin.h>

#include "kernels_quant.h"
#include "kernels_quant_isa.h"
#include "simd/qu8_requant_avx512.h"

void bd_qu8_add_avx512(const uint8_t *a, const uint8_t *b, size_t n, uint8_t *out,
                       const bd_qu8_add_params *p)
{
    const bd_qu8_requant ra = {p->a_multiplier, p->a_shift, 0, 0, 255};
    const bd_qu8_requant rb = {p->b_multiplier, p->b_shift, 0, 0, 255};
    const __m512i za = _mm512_set1_epi32(p->a_zp), zb = _mm512_set1_epi32(p->b_zp);
    const ptrdiff_t blocks = (ptrdiff_t)((n + 15) / 16);
    #pragma omp parallel for schedule(static)
    for (ptrdiff_t i = 0; i < blocks; i++) {
        const size_t at = (size_t)i * 16, left = n - at;
        const __mmask16 mk = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
        __m512i va = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(mk, a + at));
        __m512i vb = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(mk, b + at));
        va = qu8_mbqm16(_mm512_slli_epi32(_mm512_sub_epi32(va, za), 20), &ra);
        vb = qu8_mbqm16(_mm512_slli_epi32(_mm512_sub_epi32(vb, zb), 20), &rb);
        _mm_mask_storeu_epi8(out + at, mk, requant16(_mm512_add_epi32(va, vb), &p->rq));
    }
}
