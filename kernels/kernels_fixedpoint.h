/* kernels_fixedpoint.h — the fixed-point arithmetic of TFLite's integer kernels (its
 * quantization_util and gemmlowp's fixedpoint, default "double rounding" build), written out
 * so every int8 kernel, scalar or SIMD, rounds exactly as the reference does.
 *
 * A uint8 tensor stands for real = scale * (q - zero_point). A convolution sums
 * (q_in - zp_in)(q_w - zp_w) in int32: that sum has the scale s_in * s_w, and the output
 * wants s_out, so the accumulator must be multiplied by the real number
 * r = s_in * s_w / s_out (about 1e-3 .. 1). Integers only: r is written once as
 * M * 2^shift with M a Q31 fixed-point number in [0.5, 1) (QuantizeMultiplier), and then
 *     x * r  =  RoundingDivideByPOT( SaturatingRoundingDoublingHighMul(x * 2^max(shift,0), M),
 *                                    max(-shift, 0) )
 * The first step is the high half of the doubled 64-bit product x * M, rounded to nearest
 * (ties upward: gemmlowp's nudge-and-truncate); the second an arithmetic right shift rounded
 * to nearest (ties away from zero). Two roundings: the result can differ by one level from rounding x * r once,
 * which is why engines that requantise in float disagree with TFLite at ties, and why these
 * helpers must be bit-exact copies of the semantics, not of the idea.
 */
#ifndef BACKDROP_KERNELS_FIXEDPOINT_H
#define BACKDROP_KERNELS_FIXEDPOINT_H

#include <stdint.h>

/* (a * b * 2) / 2^32 rounded to nearest; the one overflow case (INT32_MIN * INT32_MIN)
 * saturates to INT32_MAX. The division is C's (toward zero), after a nudge of +2^30 for
 * positive products and 1 - 2^30 for negative ones: truncation then rounds to nearest with
 * ties upward (+0.5 -> 1, -0.5 -> 0, -1.5 -> -1), which is what gemmlowp computes. */
static inline int32_t bd_qu8_srdhm(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN)
        return INT32_MAX;
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t nudge = ab >= 0 ? (INT64_C(1) << 30) : (1 - (INT64_C(1) << 30));
    return (int32_t)((ab + nudge) / (INT64_C(1) << 31));
}

/* x / 2^e rounded to nearest, ties away from zero (0 <= e <= 31). The arithmetic shift
 * floors; one is added back when the remainder is above half (or at half for x >= 0, since
 * the threshold is one more for negative x). */
static inline int32_t bd_qu8_rdivpot(int32_t x, int e)
{
    const int32_t mask = (int32_t)((UINT32_C(1) << e) - 1u);
    const int32_t rem = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0);
    return (x >> e) + (rem > threshold);
}

/* x * 2^left, wrapping like the two's-complement int32 multiply TFLite compiles to (left is
 * 0 for every multiplier below one, i.e. for every layer of the DeepLab models). */
static inline int32_t bd_qu8_shl(int32_t x, int left)
{
    return (int32_t)((uint32_t)x << left);
}

/* MultiplyByQuantizedMultiplier: x * M * 2^shift with TFLite's two roundings. */
static inline int32_t bd_qu8_mbqm(int32_t x, int32_t m, int shift)
{
    const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    return bd_qu8_rdivpot(bd_qu8_srdhm(bd_qu8_shl(x, left), m), right);
}

/* The depthwise reference's variant (DepthwiseConvRound<kUpward>): the same doubling high
 * multiply, then a right shift that rounds half up (toward +infinity) instead of away from
 * zero. It differs from bd_qu8_mbqm only on negative ties. */
static inline int32_t bd_qu8_mbqm_upward(int32_t x, int32_t m, int shift)
{
    const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    const int32_t v = bd_qu8_srdhm(bd_qu8_shl(x, left), m);
    if (right == 0)
        return v;
    /* (v + 2^(right-1)) >> right in int32; the sum wraps like TFLite's compiled code within
     * 2^(right-1) of INT32_MAX (only reachable by accumulators far outside any model) */
    return (int32_t)((uint32_t)v + (UINT32_C(1) << (right - 1))) >> right;
}

static inline uint8_t bd_qu8_clamp(int32_t v, int32_t lo, int32_t hi)
{
    return (uint8_t)(v < lo ? lo : v > hi ? hi : v);
}

#endif
