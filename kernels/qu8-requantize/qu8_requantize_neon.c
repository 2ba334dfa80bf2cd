/* qu8_requantize_neon.c — QUANTIZE uint8 -> uint8 (a rescale) with NEON (both int8 tables),
 * bit-identical to bd_qu8_requantize_ref: 16 values per step, q - in_zp (vsubl_u8, exact in
 * int16) widened to int32, MultiplyByQuantizedMultiplier rounding half away from zero, the
 * zero point and the clamp (simd/qu8_requant_neon.h). A last partial step goes through a
 * 16-byte buffer. */
#include <arm_neon.h>
#include <string.h>

#include "kernels_quant.h"
#include "kernels_quant_isa.h"
#include "simd/qu8_requant_neon.h"

static inline uint8x16_t rescale16(uint8x16_t q, uint8x16_t zp, const qu8_rq4 *f)
{
    const int16x8_t lo = vreinterpretq_s16_u16(vsubl_u8(vget_low_u8(q), vget_low_u8(zp)));
    const int16x8_t hi = vreinterpretq_s16_u16(vsubl_high_u8(q, zp));
    const int32x4_t v[4] = {qu8_rq4_away(vmovl_s16(vget_low_s16(lo)), f),
                            qu8_rq4_away(vmovl_high_s16(lo), f),
                            qu8_rq4_away(vmovl_s16(vget_low_s16(hi)), f),
                            qu8_rq4_away(vmovl_high_s16(hi), f)};
    return qu8_finish16_neon(v, f);
}

void bd_qu8_requantize_neon(const uint8_t *in, size_t n, int32_t in_zp,
                            const bd_qu8_requant *rq, uint8_t *out)
{
    const qu8_rq4 f = qu8_rq4_setup(rq, 0);
    const uint8x16_t zp = vdupq_n_u8((uint8_t)in_zp);
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        vst1q_u8(out + i, rescale16(vld1q_u8(in + i), zp, &f));
    if (i < n) {
        uint8_t t[16] = {0}, r[16];
        memcpy(t, in + i, n - i);
        vst1q_u8(r, rescale16(vld1q_u8(t), zp, &f));
        memcpy(out + i, r, n - i);
    }
}
