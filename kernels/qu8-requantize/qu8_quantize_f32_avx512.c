/* qu8_quantize_f32_avx512.c — the network's input QUANTIZE (float -> uint8) with AVX-512,
 * bit-identical to bd_qu8_quantize_f32 in qu8_requantize_ref.c, and split over the threads
 * (it runs once per image on every input value, before the first convolution).
 *
 * Per 16 values, as the reference: the float32 division x / scale (vdivps rounds as divss
 * does); the clamp to +-1024 (vmaxps / vminps return their second operand for a NaN, so a
 * NaN becomes -1024 like the reference's failed comparisons); truncation, and one step away
 * from zero when the dropped fraction (exact) is at least one half, i.e. roundf; the zero
 * point and the clamp to 0..255.
 */
#include <immintrin.h>

#include "kernels_quant.h"
#include "kernels_quant_isa.h"

#define CHUNK 4096            /* values per parallel step */

void bd_qu8_quantize_f32_avx512(const float *x, size_t n, float scale, int32_t zp, uint8_t *q)
{
    const __m512 s = _mm512_set1_ps(scale), lo = _mm512_set1_ps(-1024.0f), hi = _mm512_set1_ps(1024.0f);
    const __m512 half = _mm512_set1_ps(0.5f), mhalf = _mm512_set1_ps(-0.5f);
    const __m512i z = _mm512_set1_epi32(zp), one = _mm512_set1_epi32(1);
    const __m512i zero = _mm512_setzero_si512(), max8 = _mm512_set1_epi32(255);
    const long chunks = (long)((n + CHUNK - 1) / CHUNK);
    #pragma omp parallel for schedule(guided)
    for (long ch = 0; ch < chunks; ch++) {
        const size_t end = (size_t)ch * CHUNK + CHUNK < n ? (size_t)ch * CHUNK + CHUNK : n;
        for (size_t i = (size_t)ch * CHUNK; i < end; i += 16) {
            const __mmask16 mk = end - i >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (end - i)) - 1);
            __m512 d = _mm512_div_ps(_mm512_maskz_loadu_ps(mk, x + i), s);
            d = _mm512_min_ps(_mm512_max_ps(d, lo), hi);
            __m512i r = _mm512_cvttps_epi32(d);
            const __m512 frac = _mm512_sub_ps(d, _mm512_cvtepi32_ps(r));
            r = _mm512_mask_add_epi32(r, _mm512_cmp_ps_mask(frac, half, _CMP_GE_OQ), r, one);
            r = _mm512_mask_sub_epi32(r, _mm512_cmp_ps_mask(frac, mhalf, _CMP_LE_OQ), r, one);
            r = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(r, z), zero), max8);
            _mm_mask_storeu_epi8(q + i, mk, _mm512_cvtepi32_epi8(r));
        }
    }
}
