/* qu8_requant_float.c — a requantisation in float32, proven equal to TFLite's fixed point
 * by trying every accumulator that matters.
 *
 * The fixed point (kernels_fixedpoint.h) rounds acc * M * 2^(shift - 31) twice, with 64-bit
 * products; on SIMD that is 9 to 13 instructions per vector. For a multiplier below one,
 * the exact output y(acc) = mbqm(acc) + out_zp is a staircase that rises by at most 1 per
 * step of acc, so only a window of accumulators, acc_lo .. acc_hi, gives outputs inside the
 * clamp range lo .. hi: below it the output is lo, above it hi. In that window (a few
 * thousand accumulators for the early layers: 256 / multiplier of them) a float32 line,
 * round(acc * fm + fc) with one fused multiply-add, is within 2^-15 of the exact value; it
 * rounds the same way unless the exact value comes that close to a step, which happens at
 * a few accumulators at most. (The two roundings of the fixed point put its steps at
 * k + 1/2 - 2^-(r+1) for a right shift r, not at k + 1/2: fc includes that 2^-(r+1), which
 * only works for one sign of acc * M, so layers whose window spans both signs of it, with
 * rounding half away from zero, usually keep the fixed point.) So this file tries fm (the
 * multiplier in float32, and its neighbours) and fc (out_zp + 2^-(r+1), moved by multiples
 * of 2^-14) against every accumulator of the
 * window, and keeps the first pair that gives exactly y(acc) for all of them. Kernels then
 * clamp acc into the window and evaluate the line: clamp, convert, fma, convert. If no pair
 * is exact, or the window is too wide, the layer keeps the fixed point (flt = 0).
 */
#include <math.h>
#include <stdlib.h>

#include "kernels_quant.h"
#include "kernels_fixedpoint.h"

#define MAX_WINDOW (1 << 17)

/* the exact output before the clamp, in int64 (no overflow from + out_zp) */
static int64_t exact(int32_t acc, const bd_qu8_requant *rq, int upward)
{
    const int32_t v = upward ? bd_qu8_mbqm_upward(acc, rq->multiplier, rq->shift)
                             : bd_qu8_mbqm(acc, rq->multiplier, rq->shift);
    return (int64_t)v + rq->out_zp;
}

/* the smallest acc with exact(acc) >= t (exact is nondecreasing), or INT32_MAX + 1 */
static int64_t first_at_least(int64_t t, const bd_qu8_requant *rq, int upward)
{
    int64_t lo = INT32_MIN, hi = (int64_t)INT32_MAX + 1;
    while (lo < hi) {
        const int64_t mid = lo + (hi - lo) / 2;
        if (exact((int32_t)mid, rq, upward) >= t)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static int line_is_exact(const int16_t *want, int32_t acc_lo, int32_t n, float fm, float fc)
{
    for (int32_t i = 0; i < n; i++)
        if (nearbyintf(fmaf((float)(acc_lo + i), fm, fc)) != (float)want[i])
            return 0;
    return 1;
}

void bd_qu8_requant_float(bd_qu8_requant *rq, int upward)
{
    rq->flt = 0;
    /* (rounding half away from zero with outputs below the zero point: both signs of
     * acc * M in the window, which one line does not follow; see the top) */
    if (rq->multiplier <= 0 || rq->shift > 0 || rq->lo > rq->hi || (!upward && rq->lo < rq->out_zp))
        return;
    /* mbqm_upward wraps within 2^(r-1) of INT32_MAX (kernels_fixedpoint.h), which would
     * break the staircase: only where that cannot happen */
    const int r = -rq->shift;
    if (upward && r > 0 &&
        bd_qu8_srdhm(INT32_MAX, rq->multiplier) > INT32_MAX - (INT32_C(1) << (r - 1)))
        return;
    const int64_t a0 = first_at_least(rq->lo, rq, upward);
    const int64_t a1 = first_at_least((int64_t)rq->hi + 1, rq, upward) - 1;
    if (a0 > a1 || a0 <= -(INT64_C(1) << 24) || a1 >= INT64_C(1) << 24 || a1 - a0 + 1 > MAX_WINDOW)
        return;
    /* the staircase rises by one at most: the window's ends are exactly lo and hi */
    if (exact((int32_t)a0, rq, upward) != rq->lo || exact((int32_t)a1, rq, upward) != rq->hi)
        return;
    const int32_t n = (int32_t)(a1 - a0 + 1);
    int16_t *want = malloc(sizeof(int16_t) * (size_t)n);
    if (!want)
        return;
    for (int32_t i = 0; i < n; i++)
        want[i] = (int16_t)exact((int32_t)(a0 + i), rq, upward);
    const float m0 = (float)ldexp((double)rq->multiplier, rq->shift - 31);
    const float ms[3] = {m0, nextafterf(m0, INFINITY), nextafterf(m0, 0.0f)};
    /* the first rounding (to an integer, half up) moves the second one's threshold from
     * 1/2 to 1/2 - 2^-(r+1) (v >= 2^(r-1) after it means x >= 2^(r-1) - 1/2 before) */
    const float bias = r > 0 ? ldexpf(1.0f, -(r + 1)) : 0.0f;
    for (int j = 0; j <= 4 && !rq->flt; j++) {
        const float fc = (float)rq->out_zp + bias +
                         (float)((j & 1 ? 1 : -1) * ((j + 1) / 2)) * 0x1p-14f;
        for (int i = 0; i < 3 && !rq->flt; i++)
            if (line_is_exact(want, (int32_t)a0, n, ms[i], fc)) {
                rq->flt = 1;
                rq->fm = ms[i];
                rq->fc = fc;
                rq->acc_lo = (int32_t)a0;
                rq->acc_hi = (int32_t)a1;
            }
    }
    free(want);
}
