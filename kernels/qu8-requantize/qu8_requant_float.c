/* qu8_requant_float.c — a requantisation in float32, proven equal to TFLite's fixed point
 * for every accumulator.
 *
 * The fixed point (kernels_fixedpoint.h) rounds acc * M * 2^(shift - 31) twice, with 64-bit
 * products: 9 to 13 vector instructions. For a multiplier below one the exact output
 * y(acc) = mbqm(acc) + out_zp is a staircase that never goes down and rises by at most 1
 * per step of acc, so only a window of accumulators, acc_lo .. acc_hi, gives outputs inside
 * the clamp range lo .. hi: below it the output is lo, above it hi, which clamping acc into
 * the window reproduces. Inside it (256 / multiplier accumulators: thousands for the early
 * layers) the float32 line round(acc * fm + fc), one fused multiply-add, stays within about
 * 2^-15 of the exact value, so it rounds the same way unless that value comes that close
 * to a step. The two roundings of the fixed point put its steps at k + 1/2 - 2^-(r+1) for a
 * right shift r, not at k + 1/2, so fc = out_zp + 2^-(r+1); rounding half away from zero
 * mirrors the steps below zero, where a second constant fcn = out_zp - 2^-(r+1) takes over
 * (flt = 2). The candidates (fm the multiplier in float32 or a neighbour, fc moved by
 * multiples of 2^-14) are each checked against the exact staircase: both never go down, so
 * they are equal on the window iff they agree at its ends and reach each value lo+1 .. hi
 * at the same accumulator, which binary searches find. The first exact candidate is kept;
 * if none is, or the window is too wide for float32, the layer keeps the fixed point.
 * Kernels then do: clamp, convert, fma, convert (round to nearest even).
 */
#include <math.h>

#include "kernels_quant.h"
#include "kernels_fixedpoint.h"

#define MAX_WINDOW (1 << 22)

/* the exact output before the clamp, in int64 (no overflow from + out_zp) */
static int64_t exact(int32_t acc, const bd_qu8_requant *rq, int upward)
{
    const int32_t v = upward ? bd_qu8_mbqm_upward(acc, rq->multiplier, rq->shift)
                             : bd_qu8_mbqm(acc, rq->multiplier, rq->shift);
    return (int64_t)v + rq->out_zp;
}

/* the smallest acc in [lo, hi) with exact(acc) >= t (exact is nondecreasing), or hi */
static int64_t first_at_least(int64_t t, const bd_qu8_requant *rq, int upward, int64_t lo,
                              int64_t hi)
{
    while (lo < hi) {
        const int64_t mid = lo + (hi - lo) / 2;
        if (exact((int32_t)mid, rq, upward) >= t)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* The line's output at acc (fcn below acc = 0): nondecreasing in acc, as the exact one. */
static float line(int32_t acc, float fm, float fc, float fcn)
{
    return nearbyintf(fmaf((float)acc, fm, acc < 0 ? fcn : fc));
}

/* the smallest acc in [a0, a1 + 1] where the line reaches t */
static int64_t line_first(float t, int32_t a0, int32_t a1, float fm, float fc, float fcn)
{
    int64_t lo = a0, hi = (int64_t)a1 + 1;
    while (lo < hi) {
        const int64_t mid = lo + (hi - lo) / 2;
        if (line((int32_t)mid, fm, fc, fcn) >= t)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Two nondecreasing integer staircases on [a0, a1] that agree at both ends are equal iff
 * each step lo+1 .. hi is first reached at the same accumulator: steps[] holds the exact
 * one's; 255 binary searches instead of one evaluation per accumulator. */
static int line_is_exact(const int64_t *steps, const bd_qu8_requant *rq, int32_t a0, int32_t a1,
                         float fm, float fc, float fcn)
{
    if (line(a0, fm, fc, fcn) != (float)rq->lo || line(a1, fm, fc, fcn) != (float)rq->hi)
        return 0;
    for (int32_t v = rq->lo + 1; v <= rq->hi; v++)
        if (line_first((float)v, a0, a1, fm, fc, fcn) != steps[v])
            return 0;
    return 1;
}

void bd_qu8_requant_float(bd_qu8_requant *rq, int upward)
{
    rq->flt = 0;
    rq->fwide = 0;
    if (rq->multiplier <= 0 || rq->shift > 0 || rq->lo > rq->hi)
        return;
    /* mbqm_upward wraps within 2^(r-1) of INT32_MAX (kernels_fixedpoint.h), which would
     * break the staircase: only where that cannot happen */
    const int r = -rq->shift;
    if (upward && r > 0 &&
        bd_qu8_srdhm(INT32_MAX, rq->multiplier) > INT32_MAX - (INT32_C(1) << (r - 1)))
        return;
    const int64_t all0 = INT32_MIN, all1 = (int64_t)INT32_MAX + 1;
    const int64_t a0 = first_at_least(rq->lo, rq, upward, all0, all1);
    const int64_t a1 = first_at_least((int64_t)rq->hi + 1, rq, upward, all0, all1) - 1;
    if (a0 > a1 || a0 <= -(INT64_C(1) << 24) || a1 >= INT64_C(1) << 24 || a1 - a0 + 1 > MAX_WINDOW)
        return;
    /* the staircase rises by one at most: the window's ends are exactly lo and hi */
    if (exact((int32_t)a0, rq, upward) != rq->lo || exact((int32_t)a1, rq, upward) != rq->hi)
        return;
    /* with rounding half away from zero the negative accumulators need their own
     * constant only if some of them give more than lo: where the window's negative part
     * is all lo (a ReLU's zero point), it starts at 0 instead */
    int64_t a0c = a0;
    if (!upward && a0 < 0 && exact(-1, rq, upward) == rq->lo && exact(0, rq, upward) == rq->lo)
        a0c = 0;
    int64_t steps[256];
    for (int32_t v = rq->lo + 1; v <= rq->hi; v++)
        steps[v] = first_at_least(v, rq, upward, a0c, a1 + 1);
    const float m0 = (float)ldexp((double)rq->multiplier, rq->shift - 31);
    const float ms[3] = {m0, nextafterf(m0, INFINITY), nextafterf(m0, 0.0f)};
    /* the first rounding (to an integer, half up) moves the second one's threshold from
     * 1/2 to 1/2 - 2^-(r+1) (v >= 2^(r-1) after it means x >= 2^(r-1) - 1/2 before) */
    const float bias = r > 0 ? ldexpf(1.0f, -(r + 1)) : 0.0f;
    /* rounding half away from zero mirrors that threshold below zero: a second constant
     * for negative accumulators (flt = 2), where the window has any */
    const int two = !upward && a0c < 0;
    for (int j = 0; j <= 2 && !rq->flt; j++) {
        const float nudge = (float)((j & 1 ? 1 : -1) * ((j + 1) / 2)) * 0x1p-14f;
        const float fc = (float)rq->out_zp + bias + nudge;
        const float fcn = two ? (float)rq->out_zp - bias - nudge : fc;
        for (int i = 0; i < 3 && !rq->flt; i++)
            if (line_is_exact(steps, rq, (int32_t)a0c, (int32_t)a1, ms[i], fc, fcn)) {
                rq->flt = two ? 2 : 1;
                rq->fm = ms[i];
                rq->fc = fc;
                rq->fcn = fcn;
                rq->acc_lo = (int32_t)a0c;
                rq->acc_hi = (int32_t)a1;
            }
    }
    /* Unclamped, the line is still nondecreasing beyond the window (the conversion of a
     * larger accumulator, exact or not, is not smaller), so with the range 0..255 the packs'
     * saturation does the clamp if the line is at most 0 just below the window and at least
     * 255 just above it; fm <= 1/2 keeps |acc * fm + fc| inside int32 for every int32 acc. */
    rq->fwide = rq->flt && rq->lo == 0 && rq->hi == 255 && rq->fm <= 0.5f &&
                line(rq->acc_lo - 1, rq->fm, rq->fc, rq->fcn) <= 0.0f &&
                line(rq->acc_hi + 1, rq->fm, rq->fc, rq->fcn) >= 255.0f;
}
