/* qu8_quantize_f32_neon.c — the network's input QUANTIZE (float -> uint8) with NEON (both
 * int8 tables), bit-identical to bd_qu8_quantize_f32 in qu8_requantize_ref.c, and split
 * over the threads (it runs once per image on every input value).
 *
 * Per 4 values, as the reference: the float32 division x / scale (fdiv rounds as the scalar
 * division does); the clamp to +-1024 as the reference's two comparisons, by selects (fmax
 * and fmin would keep a NaN; a failed comparison, as for NaN, takes the bound: -1024, then
 * stays); fcvtas, the conversion rounding to nearest with ties away from zero, which is
 * roundf, exact on values within +-1024; the zero point, and saturating narrows to 0..255
 * (int32 -> uint16 -> uint8, the same as the clamp). A partial last vector goes through a
 * small buffer. */
#include <arm_neon.h>
#include <string.h>

#include "kernels_quant.h"
#include "kernels_quant_isa.h"

#define CHUNK 4096            /* values per parallel step (a multiple of 16) */

static inline int32x4_t level4(float32x4_t x, float32x4_t s, int32x4_t zp)
{
    const float32x4_t lo = vdupq_n_f32(-1024.0f), hi = vdupq_n_f32(1024.0f);
    float32x4_t d = vdivq_f32(x, s);
    d = vbslq_f32(vcgtq_f32(d, lo), d, lo);
    d = vbslq_f32(vcltq_f32(d, hi), d, hi);
    return vaddq_s32(vcvtaq_s32_f32(d), zp);
}

static inline uint8x16_t quant16(const float *x, float32x4_t s, int32x4_t zp)
{
    const uint16x8_t a = vcombine_u16(vqmovun_s32(level4(vld1q_f32(x), s, zp)),
                                      vqmovun_s32(level4(vld1q_f32(x + 4), s, zp)));
    const uint16x8_t b = vcombine_u16(vqmovun_s32(level4(vld1q_f32(x + 8), s, zp)),
                                      vqmovun_s32(level4(vld1q_f32(x + 12), s, zp)));
    return vcombine_u8(vqmovn_u16(a), vqmovn_u16(b));
}

void bd_qu8_quantize_f32_neon(const float *x, size_t n, float scale, int32_t zp, uint8_t *q)
{
    const float32x4_t s = vdupq_n_f32(scale);
    const int32x4_t z = vdupq_n_s32(zp);
    const long chunks = (long)((n + CHUNK - 1) / CHUNK);
    #pragma omp parallel for schedule(guided)
    for (long ch = 0; ch < chunks; ch++) {
        size_t i = (size_t)ch * CHUNK;
        const size_t end = n - i > CHUNK ? i + CHUNK : n;
        for (; i + 16 <= end; i += 16)
            vst1q_u8(q + i, quant16(x + i, s, z));
        if (i < end) {
            float t[16] = {0};
            uint8_t r[16];
            memcpy(t, x + i, sizeof(float) * (end - i));
            vst1q_u8(r, quant16(t, s, z));
            memcpy(q + i, r, end - i);
        }
    }
}
