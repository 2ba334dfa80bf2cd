/* qu8_avgpool_neon.c — the uint8 global average pool with NEON (both int8 tables),
 * bit-identical to qu8_avgpool_ref.c: per block of 16 channels the bytes of up to 257
 * pixels are summed in uint16 lanes (257 * 255 = 65535 fits), those partial sums added into
 * uint32 lanes, exact while hw * 255 < 2^32 (larger maps, over 16 million pixels, take the
 * reference). The rounded division (sum + hw/2) / hw is the reference's, per channel; the
 * last c % 16 channels are summed one by one. */
#include <arm_neon.h>

#include "kernels_quant.h"
#include "kernels_quant_isa.h"

#define RUN 257                   /* pixels per uint16 partial sum */

static uint8_t mean_of(uint32_t sum, int hw)
{
    const uint32_t v = (sum + (uint32_t)hw / 2) / (uint32_t)hw;
    return (uint8_t)(v > 255 ? 255 : v);
}

void bd_qu8_avgpool_neon(const uint8_t *in, int hw, int c, uint8_t *out)
{
    if (hw > (1 << 24)) {
        bd_qu8_avgpool_ref(in, hw, c, out);
        return;
    }
    int c0 = 0;
    for (; c0 + 16 <= c; c0 += 16) {
        uint32x4_t s[4] = {vdupq_n_u32(0), vdupq_n_u32(0), vdupq_n_u32(0), vdupq_n_u32(0)};
        for (int p0 = 0; p0 < hw; p0 += RUN) {
            const int p1 = hw - p0 < RUN ? hw : p0 + RUN;
            uint16x8_t lo = vdupq_n_u16(0), hi = vdupq_n_u16(0);
            for (int px = p0; px < p1; px++) {
                const uint8x16_t v = vld1q_u8(in + (size_t)px * c + c0);
                lo = vaddw_u8(lo, vget_low_u8(v));
                hi = vaddw_high_u8(hi, v);
            }
            s[0] = vaddw_u16(s[0], vget_low_u16(lo));
            s[1] = vaddw_high_u16(s[1], lo);
            s[2] = vaddw_u16(s[2], vget_low_u16(hi));
            s[3] = vaddw_high_u16(s[3], hi);
        }
        uint32_t sum[16];
        for (int q = 0; q < 4; q++)
            vst1q_u32(sum + 4 * q, s[q]);
        for (int j = 0; j < 16; j++)
            out[c0 + j] = mean_of(sum[j], hw);
    }
    for (; c0 < c; c0++) {
        uint32_t sum = 0;
        for (int px = 0; px < hw; px++)
            sum += in[(size_t)px * c + c0];
        out[c0] = mean_of(sum, hw);
    }
}
