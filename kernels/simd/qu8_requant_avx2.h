/* simd/qu8_requant_avx2.h — TFLite's requantisation (kernels_fixedpoint.h) on 8 int32
 * lanes with AVX2: the high multiply as (a * M + 2^30) >> 31 on 64-bit products (a logical
 * 64-bit shift gives the same low 32 bits as an arithmetic one, which AVX2 lacks), the
 * rounding right shift (half away from zero, or half up for the depthwise reference), the
 * zero point, the clamp; 8 bytes out in the low half. */
#ifndef BACKDROP_SIMD_QU8_REQUANT_AVX2_H
#define BACKDROP_SIMD_QU8_REQUANT_AVX2_H

#include <immintrin.h>

#include "kernels_quant.h"

static inline __m256i qu8_high_mul8(__m256i acc, const bd_qu8_requant *rq)
{
    const int left = rq->shift > 0 ? rq->shift : 0;
    const __m256i m = _mm256_set1_epi64x(rq->multiplier), nudge = _mm256_set1_epi64x(INT64_C(1) << 30);
    __m256i x = _mm256_sll_epi32(acc, _mm_cvtsi32_si128(left));
    __m256i even = _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(x, m), nudge), 31);
    __m256i odd = _mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), m), nudge);
    odd = _mm256_slli_epi64(_mm256_srli_epi64(odd, 31), 32);
    return _mm256_blend_epi32(even, odd, 0xAA);
}

static inline __m128i qu8_finish8(__m256i v, const bd_qu8_requant *rq)
{
    v = _mm256_add_epi32(v, _mm256_set1_epi32(rq->out_zp));
    v = _mm256_max_epi32(v, _mm256_set1_epi32(rq->lo));
    v = _mm256_min_epi32(v, _mm256_set1_epi32(rq->hi));
    __m128i w16 = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    return _mm_packus_epi16(w16, w16);
}

static inline __m128i requant8(__m256i acc, const bd_qu8_requant *rq)
{
    const int right = rq->shift > 0 ? 0 : -rq->shift;
    __m256i hm = qu8_high_mul8(acc, rq);
    if (right) {
        const __m256i mask = _mm256_set1_epi32((int32_t)((UINT32_C(1) << right) - 1));
        __m256i rem = _mm256_and_si256(hm, mask);
        __m256i thr = _mm256_sub_epi32(_mm256_srli_epi32(mask, 1), _mm256_srai_epi32(hm, 31));
        __m256i q = _mm256_sra_epi32(hm, _mm_cvtsi32_si128(right));
        hm = _mm256_sub_epi32(q, _mm256_cmpgt_epi32(rem, thr));      /* + 1 where above */
    }
    return qu8_finish8(hm, rq);
}

static inline __m128i requant8_up(__m256i acc, const bd_qu8_requant *rq)
{
    const int right = rq->shift > 0 ? 0 : -rq->shift;
    __m256i hm = qu8_high_mul8(acc, rq);
    if (right)
        hm = _mm256_sra_epi32(_mm256_add_epi32(hm, _mm256_set1_epi32((int32_t)(UINT32_C(1) << (right - 1)))),
                              _mm_cvtsi32_si128(right));
    return qu8_finish8(hm, rq);
}

#endif
