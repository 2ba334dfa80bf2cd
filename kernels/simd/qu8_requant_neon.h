/* simd/qu8_requant_neon.h — TFLite's requantisation (kernels_fixedpoint.h) on 4 int32 lanes
 * with NEON. vqrdmulh is exactly the reference's SaturatingRoundingDoublingHighMul
 * ((2 a M + 2^31) >> 32 = floor((a M + 2^30) / 2^31), saturating only for a = M = INT32_MIN,
 * and M >= 0). The right shift:
 * - half away from zero (the reference's RoundingDivideByPOT): srshl rounds half up
 *   (computed without overflow), so negative lanes are first lowered by one (saturating:
 *   INT32_MIN stays, and rounds to the same -2^(31-r) either way). For x < 0 a tie
 *   -(k + 1/2) 2^r then lands on floor(-k - 2^-r) = -k - 1, away from zero, and a non-tie
 *   does not cross a rounding boundary by moving one unit below it.
 * - half up for the depthwise reference: add 2^(r-1) in wrapping int32, then the
 *   arithmetic shift, as its compiled code does (srshl would not wrap). */
#ifndef BACKDROP_SIMD_QU8_REQUANT_NEON_H
#define BACKDROP_SIMD_QU8_REQUANT_NEON_H

#include <arm_neon.h>

#include "kernels_quant.h"

/* Both requantisations without branches, their constants set up once per kernel call:
 * shifting left by 0 and right by 0 change nothing, so one instruction sequence serves
 * every shift. extra is the half-up rounding constant 2^(r-1) (0 without a right shift), or
 * for half away from zero the mask of the negative lanes' fix-up (all ones when r > 0). */
typedef struct {
    int32x4_t left, right, extra;      /* vshlq amounts: left >= 0, right = -r <= 0 */
    int16x8_t zp;                      /* for qu8_finish16_neon */
    uint8x16_t lo, hi;
    int32_t m;
} qu8_rq4;

static inline qu8_rq4 qu8_rq4_setup(const bd_qu8_requant *rq, int upward)
{
    const int left = rq->shift > 0 ? rq->shift : 0, right = rq->shift > 0 ? 0 : -rq->shift;
    qu8_rq4 f;
    f.left = vdupq_n_s32(left);
    f.right = vdupq_n_s32(-right);
    f.extra = vdupq_n_s32(!right ? 0 : upward ? (int32_t)(UINT32_C(1) << (right - 1)) : -1);
    f.zp = vdupq_n_s16((int16_t)rq->out_zp);
    f.lo = vdupq_n_u8((uint8_t)rq->lo);
    f.hi = vdupq_n_u8((uint8_t)rq->hi);
    f.m = rq->multiplier;
    return f;
}

/* bd_qu8_mbqm_upward (the depthwise rounding) */
static inline int32x4_t qu8_rq4_up(int32x4_t acc, const qu8_rq4 *f)
{
    const int32x4_t hm = vqrdmulhq_n_s32(vshlq_s32(acc, f->left), f->m);
    return vshlq_s32(vaddq_s32(hm, f->extra), f->right);
}

/* The same when no lane can wrap: acc is never shifted left (shift <= 0) and
 * |acc| + 2^(r-1) <= INT32_MAX. The high multiply gives |v| <= |acc| (M < 2^31), so
 * v + 2^(r-1) does not wrap and srshl, which rounds half up exactly, is the whole shift. */
static inline int32x4_t qu8_rq4_up_nowrap(int32x4_t acc, const qu8_rq4 *f)
{
    return vrshlq_s32(vqrdmulhq_n_s32(acc, f->m), f->right);
}

/* bd_qu8_mbqm (half away from zero) */
static inline int32x4_t qu8_rq4_away(int32x4_t acc, const qu8_rq4 *f)
{
    const int32x4_t hm = vqrdmulhq_n_s32(vshlq_s32(acc, f->left), f->m);
    return vrshlq_s32(vqaddq_s32(hm, vandq_s32(vshrq_n_s32(hm, 31), f->extra)), f->right);
}

/* + zero point, clamp, 16 lanes (four vectors) -> 16 bytes, the clamp on bytes: saturating
 * to int16, adding the zero point (0..255) with int16 saturation and saturating to 0..255
 * change nothing that the clamp to lo..hi (within 0..255) would keep: a lane that saturates
 * anywhere is beyond 255 or below 0 after the zero point, and ends at the same bound. */
static inline uint8x16_t qu8_finish16_neon(const int32x4_t v[4], const qu8_rq4 *f)
{
    const int16x8_t a = vqaddq_s16(vcombine_s16(vqmovn_s32(v[0]), vqmovn_s32(v[1])), f->zp);
    const int16x8_t b = vqaddq_s16(vcombine_s16(vqmovn_s32(v[2]), vqmovn_s32(v[3])), f->zp);
    const uint8x16_t u = vcombine_u8(vqmovun_s16(a), vqmovun_s16(b));
    return vminq_u8(vmaxq_u8(u, f->lo), f->hi);
}

#endif
