/* qu8_quantize_f32_avx2.c — the network's input QUANTIZE (float -> uint8) with AVX2,
 * bit-identical to bd_qu8_quantize_f32 in qu8_requantize_ref.c, and split over the threads
 * (it runs once per image on every input value, before the first convolution).
 *
 * Per 8 values, as the reference: the float32 division x / scale (vdivps rounds as divss
 * does); the clamp to +-1024 (vmaxps / vminps return their second operand for a NaN, so a
 * NaN becomes -1024 like the reference's failed comparisons); truncation, and one step away
 * from zero when the dropped fraction (exact) is at least one half, i.e. roundf; the zero
 * point and the clamp to 0..255. The last n % 8 values go through a zero-padded buffer.
 */
#include <immintrin.h>
#include <string.h>

#include "kernels_quant.h"
#include "kernels_quant_isa.h"
#include "simd/qu8_requant_avx2.h"

#define CHUNK 4096            /* values per parallel step (a multiple of 8) */

static inline __m128i quantize8(const float *x, __m256 s, __m256i z)
{
    __m256 d = _mm256_div_ps(_mm256_loadu_ps(x), s);
    d = _mm256_min_ps(_mm256_max_ps(d, _mm256_set1_ps(-1024.0f)), _mm256_set1_ps(1024.0f));
    __m256i r = _mm256_cvttps_epi32(d);
    const __m256 frac = _mm256_sub_ps(d, _mm256_cvtepi32_ps(r));
    /* the compares give -1 where true: subtracting adds one, adding takes one off */
    r = _mm256_sub_epi32(r, _mm256_castps_si256(_mm256_cmp_ps(frac, _mm256_set1_ps(0.5f), _CMP_GE_OQ)));
    r = _mm256_add_epi32(r, _mm256_castps_si256(_mm256_cmp_ps(frac, _mm256_set1_ps(-0.5f), _CMP_LE_OQ)));
    r = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(r, z), _mm256_setzero_si256()),
                         _mm256_set1_epi32(255));
    return qu8_bytes8(r);
}

void bd_qu8_quantize_f32_avx2(const float *x, size_t n, float scale, int32_t zp, uint8_t *q)
{
    const __m256 s = _mm256_set1_ps(scale);
    const __m256i z = _mm256_set1_epi32(zp);
    const long chunks = (long)((n + CHUNK - 1) / CHUNK);
    #pragma omp parallel for schedule(guided)
    for (long ch = 0; ch < chunks; ch++) {
        const size_t end = (size_t)ch * CHUNK + CHUNK < n ? (size_t)ch * CHUNK + CHUNK : n;
        size_t i = (size_t)ch * CHUNK;
        for (; i + 8 <= end; i += 8)
            _mm_storel_epi64((__m128i *)(void *)(q + i), quantize8(x + i, s, z));
        if (i < end) {
            float t[8] = {0};
            uint8_t o[16];
            memcpy(t, x + i, (end - i) * sizeof(float));
            _mm_storeu_si128((__m128i *)(void *)o, quantize8(t, s, z));
            memcpy(q + i, o, end - i);
        }
    }
}
