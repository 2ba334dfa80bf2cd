/* simd/qu8_requant_avx512.h — TFLite's requantisation (kernels_fixedpoint.h) on 16 int32
 * lanes with AVX-512, for the int8 kernels: the high multiply as (a * M + 2^30) >> 31 on
 * 64-bit products (the reference's nudge-and-truncate is this floor for every sign; M >= 0,
 * so its saturating case never occurs), its low 32 bits, then the rounding right shift, the
 * zero point and the clamp. requant16 rounds the shift half away from zero (convolutions),
 * requant16_up half up (the depthwise reference). */
#ifndef BACKDROP_SIMD_QU8_REQUANT_AVX512_H
#define BACKDROP_SIMD_QU8_REQUANT_AVX512_H

#include <immintrin.h>

#include "kernels_quant.h"

static inline __m512i qu8_high_mul16(__m512i acc, const bd_qu8_requant *rq)
{
    const int left = rq->shift > 0 ? rq->shift : 0;
    const __m512i m = _mm512_set1_epi64(rq->multiplier), nudge = _mm512_set1_epi64(INT64_C(1) << 30);
    __m512i x = _mm512_sll_epi32(acc, _mm_cvtsi32_si128(left));
    __m512i even = _mm512_srli_epi64(_mm512_add_epi64(_mm512_mul_epi32(x, m), nudge), 31);
    __m512i odd = _mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(x, 32), m), nudge);
    odd = _mm512_slli_epi64(_mm512_srli_epi64(odd, 31), 32);
    return _mm512_mask_blend_epi32(0xAAAA, even, odd);   /* the low 32 bits of each */
}

static inline __m128i qu8_finish16(__m512i v, const bd_qu8_requant *rq)
{
    v = _mm512_add_epi32(v, _mm512_set1_epi32(rq->out_zp));
    v = _mm512_max_epi32(v, _mm512_set1_epi32(rq->lo));
    v = _mm512_min_epi32(v, _mm512_set1_epi32(rq->hi));
    return _mm512_cvtepi32_epi8(v);
}

/* MultiplyByQuantizedMultiplier on 16 lanes (no zero point, no clamp). */
static inline __m512i qu8_mbqm16(__m512i acc, const bd_qu8_requant *rq)
{
    const int right = rq->shift > 0 ? 0 : -rq->shift;
    __m512i hm = qu8_high_mul16(acc, rq);
    if (right) {
        const __m512i mask = _mm512_set1_epi32((int32_t)((UINT32_C(1) << right) - 1));
        __m512i rem = _mm512_and_si512(hm, mask);
        __m512i thr = _mm512_sub_epi32(_mm512_srli_epi32(mask, 1), _mm512_srai_epi32(hm, 31));
        __m512i q = _mm512_sra_epi32(hm, _mm_cvtsi32_si128(right));
        hm = _mm512_mask_add_epi32(q, _mm512_cmpgt_epi32_mask(rem, thr), q, _mm512_set1_epi32(1));
    }
    return hm;
}

static inline __m128i requant16(__m512i acc, const bd_qu8_requant *rq)
{
    return qu8_finish16(qu8_mbqm16(acc, rq), rq);
}

static inline __m128i requant16_up(__m512i acc, const bd_qu8_requant *rq)
{
    const int right = rq->shift > 0 ? 0 : -rq->shift;
    __m512i hm = qu8_high_mul16(acc, rq);
    if (right)
        hm = _mm512_sra_epi32(_mm512_add_epi32(hm, _mm512_set1_epi32((int32_t)(UINT32_C(1) << (right - 1)))),
                              _mm_cvtsi32_si128(right));
    return qu8_finish16(hm, rq);
}

#endif
