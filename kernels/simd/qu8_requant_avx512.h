/* simd/qu8_requant_avx512.h — TFLite's requantisation (kernels_fixedpoint.h) on 16 int32
 * lanes with AVX-512, for the int8 kernels: the high multiply as (a * M + 2^30) >> 31 on
 * 64-bit products (the reference's nudge-and-truncate is this floor for every sign; M >= 0,
 * so its saturating case never occurs), its low 32 bits, then the rounding right shift, the
 * zero point and the clamp. requant16 rounds the shift half away from zero (the 1x1
 * convolutions; the depthwise 3x3 runs on ymm, simd/qu8_requant_avx2.h). */
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

/* + the zero point, clamped to lo..hi, still int32 */
static inline __m512i qu8_clamp16(__m512i v, const bd_qu8_requant *rq)
{
    v = _mm512_add_epi32(v, _mm512_set1_epi32(rq->out_zp));
    v = _mm512_max_epi32(v, _mm512_set1_epi32(rq->lo));
    return _mm512_min_epi32(v, _mm512_set1_epi32(rq->hi));
}

static inline __m128i qu8_finish16(__m512i v, const bd_qu8_requant *rq)
{
    return _mm512_cvtepi32_epi8(qu8_clamp16(v, rq));
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

/* ---- one rounding instead of two, where that is provably the same result ----
 * With t = x M + 2^30 (x the accumulator after any left shift, 64-bit, exact), the
 * reference's steps are v = floor(t / 2^31), then v / 2^r rounded. Rounding half up is
 * floor((v + 2^(r-1)) / 2^r), and floor(floor(a) + b) = floor(a + b) for integer b, so
 *   mbqm_upward(x) + zp  =  floor((t + 2^(r+30) + zp 2^(31+r)) / 2^(31+r))
 * one add and one arithmetic 64-bit shift after the multiply, for every sign (the depthwise
 * rounding). Rounding half away from zero (the other layers) differs from this only for
 * t < 0, where the result is <= 0 either way: when the clamp's lower bound is at least the
 * zero point (every ReLU / ReLU6 / plain uint8 range with zp <= lo), both clamp to lo, so
 * the same formula is exact there too. r <= 20 keeps t + zp 2^(31+r) inside int64. */
typedef struct {
    __m512i m, c, lo, hi, odd;
    __m128i left, sh;
    int fast, has_left;
    int flt;                         /* rq->flt: the float32 form (qu8_rq16_float) */
    int wide;                        /* rq->fwide */
    __m512i alo, ahi;
    __m512 fm, fc, fcn;
} qu8_rq16;

static inline qu8_rq16 qu8_rq16_setup(const bd_qu8_requant *rq, int upward)
{
    qu8_rq16 f;
    const int left = rq->shift > 0 ? rq->shift : 0, right = rq->shift > 0 ? 0 : -rq->shift;
    f.fast = right <= 20 && (upward || rq->lo >= rq->out_zp);
    f.has_left = left > 0;
    f.left = _mm_cvtsi32_si128(left);
    f.sh = _mm_cvtsi32_si128(31 + right);
    f.m = _mm512_set1_epi64(rq->multiplier);
    const int64_t c = (INT64_C(1) << 30) + (right ? INT64_C(1) << (right + 30) : 0) +
                      (int64_t)rq->out_zp * (INT64_C(1) << (31 + (right <= 20 ? right : 0)));
    f.c = _mm512_set1_epi64(c);
    f.lo = _mm512_set1_epi32(rq->lo);
    f.hi = _mm512_set1_epi32(rq->hi);
    /* the low dwords of the even products' qwords at even lanes, of the odd ones at odd */
    f.odd = _mm512_setr_epi32(0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30);
    f.flt = rq->flt;
    f.wide = rq->flt && rq->fwide;
    f.alo = _mm512_set1_epi32(rq->acc_lo);
    f.ahi = _mm512_set1_epi32(rq->acc_hi);
    f.fm = _mm512_set1_ps(rq->fm);
    f.fc = _mm512_set1_ps(rq->fc);
    f.fcn = _mm512_set1_ps(rq->fcn);
    return f;
}

/* The float32 form (bd_qu8_requant_float), `form` as qu8_rq8_float's (1: clamp into the
 * window, 2: and fcn below zero, 3 and 4: the same without the clamp, for results that go
 * through saturating packs); the fma and the conversion round to nearest even by their own
 * encoding, not by the MXCSR mode. */
static inline __m512i qu8_rq16_float(__m512i acc, const qu8_rq16 *f, const int form)
{
    const __m512i a = form > 2 ? acc : _mm512_min_epi32(_mm512_max_epi32(acc, f->alo), f->ahi);
    const __m512 c = form % 2 == 0 ? _mm512_mask_blend_ps(_mm512_movepi32_mask(a), f->fc, f->fcn)
                                   : f->fc;
    const __m512 y = _mm512_fmadd_round_ps(_mm512_cvtepi32_ps(a), f->fm, c,
                                           _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    return _mm512_cvt_roundps_epi32(y, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}

/* The float form rq allows, 1..4, or 0: none. */
static inline int qu8_rq16_float_form(const qu8_rq16 *f)
{
    return f->flt == 1 || f->flt == 2 ? f->flt + 2 * f->wide : 0;
}


/* requantised + zero point, not clamped (f->fast only) */
static inline __m512i qu8_rq16_core(__m512i acc, const qu8_rq16 *f)
{
    const __m512i x = f->has_left ? _mm512_sll_epi32(acc, f->left) : acc;
    const __m512i e = _mm512_sra_epi64(_mm512_add_epi64(_mm512_mul_epi32(x, f->m), f->c), f->sh);
    const __m512i o = _mm512_sra_epi64(_mm512_add_epi64(_mm512_mul_epi32(_mm512_srli_epi64(x, 32), f->m),
                                                        f->c), f->sh);
    return _mm512_permutex2var_epi32(e, f->odd, o);
}

static inline __m512i qu8_rq16_clamp(__m512i v, const qu8_rq16 *f)
{
    return _mm512_min_epi32(_mm512_max_epi32(v, f->lo), f->hi);
}


#endif
