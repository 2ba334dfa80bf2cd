/* qu8_add_ref.c — scalar reference of TFLite's uint8 ADD (the residual connections).
 *
 * The two inputs have different scales, so they are brought to a common one first, in fixed
 * point with 20 bits of headroom: with twice_max = 2 max(s_a, s_b),
 *     a' = mbqm((q_a - zp_a) * 2^20, M_a),   M_a ~ s_a / twice_max   (below one, so shift <= 0)
 *     b' = mbqm((q_b - zp_b) * 2^20, M_b)
 *     out = clamp(mbqm(a' + b', M_out) + zp_out, lo, hi),   M_out ~ twice_max / (2^20 s_out)
 * Each mbqm rounds twice (qu8_fixedpoint.h). (q - zp) * 2^20 stays below 2^28, and a' + b'
 * below 2^28 too, so nothing overflows.
 */
#include "kernels_quant.h"
#include "kernels_fixedpoint.h"

void bd_qu8_add_ref(const uint8_t *a, const uint8_t *b, size_t n, uint8_t *out,
                    const bd_qu8_add_params *p)
{
    const int left = 20;
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        const int32_t va = ((int32_t)a[i] - p->a_zp) * (1 << left);
        const int32_t vb = ((int32_t)b[i] - p->b_zp) * (1 << left);
        const int32_t sa = bd_qu8_mbqm(va, p->a_multiplier, p->a_shift);
        const int32_t sb = bd_qu8_mbqm(vb, p->b_multiplier, p->b_shift);
        const int32_t v = bd_qu8_mbqm(sa + sb, p->rq.multiplier, p->rq.shift) + p->rq.out_zp;
        out[i] = bd_qu8_clamp(v, p->rq.lo, p->rq.hi);
    }
}
