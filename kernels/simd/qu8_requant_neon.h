/* simd/qu8_requant_neon.h — TFLite's requantisation (kernels_fixedpoint.h) on 4 int32 lanes
 * with NEON. vqrdmulh is exactly the reference's SaturatingRoundingDoublingHighMul
 * ((2 a M + 2^31) >> 32 = floor((a M + 2^30) / 2^31), saturating only for a = M = INT32_MIN,
 * and M >= 0); the right shift rounds half away from zero (remainder test) or, for the
 * depthwise reference, half up (add 2^(r-1) in wrapping int32, then shift). */
#ifndef BACKDROP_SIMD_QU8_REQUANT_NEON_H
#define BACKDROP_SIMD_QU8_REQUANT_NEON_H

#include <arm_neon.h>

#include "kernels_quant.h"

static inline int32x4_t qu8_high_mul4(int32x4_t acc, const bd_qu8_requant *rq)
{
    const int left = rq->shift > 0 ? rq->shift : 0;
    return vqrdmulhq_n_s32(vshlq_s32(acc, vdupq_n_s32(left)), rq->multiplier);
}

static inline int32x4_t qu8_mbqm4(int32x4_t acc, const bd_qu8_requant *rq)
{
    const int right = rq->shift > 0 ? 0 : -rq->shift;
    int32x4_t hm = qu8_high_mul4(acc, rq);
    if (right) {
        const int32x4_t mask = vdupq_n_s32((int32_t)((UINT32_C(1) << right) - 1));
        const int32x4_t rem = vandq_s32(hm, mask);
        const int32x4_t thr = vsubq_s32(vshrq_n_s32(mask, 1), vshrq_n_s32(hm, 31));
        const int32x4_t q = vshlq_s32(hm, vdupq_n_s32(-right));
        hm = vsubq_s32(q, vreinterpretq_s32_u32(vcgtq_s32(rem, thr)));
    }
    return hm;
}

static inline int32x4_t qu8_mbqm4_up(int32x4_t acc, const bd_qu8_requant *rq)
{
    const int right = rq->shift > 0 ? 0 : -rq->shift;
    int32x4_t hm = qu8_high_mul4(acc, rq);
    if (right)
        hm = vshlq_s32(vaddq_s32(hm, vdupq_n_s32((int32_t)(UINT32_C(1) << (right - 1)))),
                       vdupq_n_s32(-right));
    return hm;
}

/* + zero point, clamp, 8 lanes (two vectors) -> 8 bytes */
static inline uint8x8_t qu8_finish8_neon(int32x4_t lo, int32x4_t hi, const bd_qu8_requant *rq)
{
    const int32x4_t zp = vdupq_n_s32(rq->out_zp), mn = vdupq_n_s32(rq->lo), mx = vdupq_n_s32(rq->hi);
    lo = vminq_s32(vmaxq_s32(vaddq_s32(lo, zp), mn), mx);
    hi = vminq_s32(vmaxq_s32(vaddq_s32(hi, zp), mn), mx);
    return vqmovn_u16(vcombine_u16(vqmovun_s32(lo), vqmovun_s32(hi)));
}

#endif
