/* simd/qu8_requant_avx2.h — TFLite's requantisation (kernels_fixedpoint.h) on 8 int32
 * lanes with AVX2: the high multiply as (a * M + 2^30) >> 31 on 64-bit products (a logical
 * 64-bit shift gives the same low 32 bits as an arithmetic one, which AVX2 lacks), the
 * rounding right shift (half away from zero, or half up for the depthwise reference), the
 * zero point, the clamp; 8 bytes out in the low half (or 16 from two vectors). */
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
    /* the odd lanes' bits 31..62 go to the high dword by a left shift of one */
    __m256i odd = _mm256_slli_epi64(_mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), m), nudge), 1);
    return _mm256_blend_epi32(even, odd, 0xAA);
}

/* + the zero point, clamped to lo..hi, still int32 */
static inline __m256i qu8_clamp8(__m256i v, const bd_qu8_requant *rq)
{
    v = _mm256_add_epi32(v, _mm256_set1_epi32(rq->out_zp));
    v = _mm256_max_epi32(v, _mm256_set1_epi32(rq->lo));
    return _mm256_min_epi32(v, _mm256_set1_epi32(rq->hi));
}

/* 8 int32 lanes in 0..255 to 8 bytes (low half) */
static inline __m128i qu8_bytes8(__m256i v)
{
    __m128i w16 = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    return _mm_packus_epi16(w16, w16);
}

/* 2 x 8 int32 lanes in 0..255 to 16 bytes in order (the packs work per 128-bit lane; the
 * qword permute puts a's then b's words back together) */
static inline __m128i qu8_bytes16(__m256i a, __m256i b)
{
    const __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xD8);
    return _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
}

static inline __m128i qu8_finish8(__m256i v, const bd_qu8_requant *rq)
{
    return qu8_bytes8(qu8_clamp8(v, rq));
}

/* MultiplyByQuantizedMultiplier on 8 lanes (no zero point, no clamp). */
static inline __m256i qu8_mbqm8(__m256i acc, const bd_qu8_requant *rq)
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
    return hm;
}

/* The depthwise requantisation (shift rounded half up) + the zero point, not clamped. */
static inline __m256i qu8_up8_raw(__m256i acc, const bd_qu8_requant *rq)
{
    const int right = rq->shift > 0 ? 0 : -rq->shift;
    __m256i hm = qu8_high_mul8(acc, rq);
    if (right)
        hm = _mm256_sra_epi32(_mm256_add_epi32(hm, _mm256_set1_epi32((int32_t)(UINT32_C(1) << (right - 1)))),
                              _mm_cvtsi32_si128(right));
    return _mm256_add_epi32(hm, _mm256_set1_epi32(rq->out_zp));
}

/* ---- one rounding instead of two, where that is provably the same result ----
 * With t = x M + 2^30 (x the accumulator; 64-bit, exact), the reference computes
 * v = floor(t / 2^31), then v / 2^r rounded. Rounding half up is floor((v + 2^(r-1)) / 2^r),
 * and floor(floor(a) + b) = floor(a + b) for integer b, so
 *   mbqm_upward(x) + zp  =  floor((t + 2^(r+30) + zp 2^(31+r)) / 2^(31+r))
 * for every sign. Rounding half away from zero differs from it only for t < 0, where the
 * result is <= 0 either way: when the clamp's lower bound is at least the zero point both
 * clamp to lo, so the formula is exact there too. AVX2 has no arithmetic 64-bit shift: 2^62
 * is added as well (|x M| < 2^62, so the sum is positive and below 2^64), which makes the
 * logical shift the floor, and K = 2^(31-r) (the 2^62 after the shift) is taken off the
 * 32-bit result. The odd lanes' quotient is wanted in the high dword: a shift right by
 * r - 1 puts bit 31 + r at bit 32 (the low dword is then dropped by the blend). Used for
 * 1 <= r <= 20 and no left shift (every such layer of the models), which keeps every term
 * far inside 64 bits. */
typedef struct {
    __m256i m, c, k, lo, hi;
    __m128i sh, osh;
    int fast;
    int clamp;       /* 0: the range is 0..255, which the saturating packs to bytes give */
    int flt;         /* rq->flt: the float32 form (below), proven exact at model load */
    int wide;        /* rq->fwide */
    __m256i alo, ahi;
    __m256 fm, fc, fcn;
} qu8_rq8;

static inline qu8_rq8 qu8_rq8_setup(const bd_qu8_requant *rq, int upward)
{
    qu8_rq8 f;
    const int right = rq->shift > 0 ? 0 : -rq->shift;
    const int r = right >= 1 && right <= 20 ? right : 1;
    f.fast = rq->shift < 0 && right <= 20 && (upward || rq->lo >= rq->out_zp);
    f.clamp = rq->lo > 0 || rq->hi < 255;
    f.sh = _mm_cvtsi32_si128(31 + r);
    f.osh = _mm_cvtsi32_si128(r - 1);
    f.m = _mm256_set1_epi64x(rq->multiplier);
    const int64_t c = (INT64_C(1) << 62) + (INT64_C(1) << 30) + (INT64_C(1) << (r + 30)) +
                      (int64_t)rq->out_zp * (INT64_C(1) << (31 + r));
    f.c = _mm256_set1_epi64x(c);
    f.k = _mm256_set1_epi32((int32_t)(UINT32_C(1) << (31 - r)));
    f.lo = _mm256_set1_epi32(rq->lo);
    f.hi = _mm256_set1_epi32(rq->hi);
    f.flt = rq->flt;
    f.wide = rq->flt && rq->fwide;
    f.alo = _mm256_set1_epi32(rq->acc_lo);
    f.ahi = _mm256_set1_epi32(rq->acc_hi);
    f.fm = _mm256_set1_ps(rq->fm);
    f.fc = _mm256_set1_ps(rq->fc);
    f.fcn = _mm256_set1_ps(rq->fcn);
    return f;
}

/* The float32 form (bd_qu8_requant_float), `form` a constant once inlined:
 *   1  rq->flt 1: the accumulator clamped into the window, converted (exactly: |acc| < 2^24),
 *      one fused multiply-add, rounded to nearest even; in lo..hi, zero point included;
 *   2  rq->flt 2: the same with fcn where the clamped accumulator is negative (vblendvps
 *      picks by the sign bit);
 *   3, 4  1 and 2 without the clamp (rq->fwide): outside the window the result is only
 *      beyond 0 or 255, so the saturating packs to bytes must follow. */
static inline __m256i qu8_rq8_float(__m256i acc, const qu8_rq8 *f, const int form)
{
    const __m256i a = form > 2 ? acc : _mm256_min_epi32(_mm256_max_epi32(acc, f->alo), f->ahi);
    const __m256 c = form % 2 == 0 ? _mm256_blendv_ps(f->fc, f->fcn, _mm256_castsi256_ps(a)) : f->fc;
    return _mm256_cvtps_epi32(_mm256_fmadd_ps(_mm256_cvtepi32_ps(a), f->fm, c));
}

/* The float form rq allows, 1..4 as above (the unclamped one where it can), or 0: none. */
static inline int qu8_rq8_float_form(const qu8_rq8 *f)
{
    return f->flt == 1 || f->flt == 2 ? f->flt + 2 * f->wide : 0;
}

/* requantised + zero point (f->fast only), clamped if `clamp` (a constant once inlined) */
static inline __m256i qu8_rq8_fast(__m256i acc, const qu8_rq8 *f, const int clamp)
{
    const __m256i e = _mm256_srl_epi64(_mm256_add_epi64(_mm256_mul_epi32(acc, f->m), f->c), f->sh);
    const __m256i o = _mm256_srl_epi64(_mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(acc, 32), f->m),
                                                        f->c), f->osh);
    const __m256i v = _mm256_sub_epi32(_mm256_blend_epi32(e, o, 0xAA), f->k);
    return clamp ? _mm256_min_epi32(_mm256_max_epi32(v, f->lo), f->hi) : v;
}

/* Any form: the float one where it was proven, fast when it is exact, else the two
 * roundings (upward: the depthwise one);
 * clamped only where the range is narrower than 0..255: the result must go through the
 * saturating packs (qu8_bytes8 / qu8_bytes16, or vpackssdw + vpackuswb), which clamp an
 * int32 to exactly 0..255. */
static inline __m256i qu8_rq8_any(__m256i acc, const qu8_rq8 *f, const bd_qu8_requant *rq,
                                  int upward)
{
    __m256i v;
    if (f->flt)                      /* (clamped: the caller's packs need not saturate) */
        return qu8_rq8_float(acc, f, f->flt == 2 ? 2 : 1);
    if (f->fast)
        v = qu8_rq8_fast(acc, f, 0);
    else
        v = upward ? qu8_up8_raw(acc, rq)
                   : _mm256_add_epi32(qu8_mbqm8(acc, rq), _mm256_set1_epi32(rq->out_zp));
    return f->clamp ? _mm256_min_epi32(_mm256_max_epi32(v, f->lo), f->hi) : v;
}

#endif
