/* qu8_add_neon.c — TFLite's uint8 ADD with NEON (both int8 tables), bit-identical to
 * qu8_add_ref.c, 16 values per step in four int32x4 lanes: each input's (q - zp) (vsubl_u8,
 * exact in int16) widened and shifted left by 20, its MultiplyByQuantizedMultiplier, the
 * sum's, the output zero point and clamp (simd/qu8_requant_neon.h). A last partial step
 * goes through a 16-byte buffer, so nothing past n is read or written. */
#include <arm_neon.h>
#include <string.h>

#include "kernels_quant.h"
#include "kernels_quant_isa.h"
#include "simd/qu8_requant_neon.h"

/* (q - zp) * 2^20 of 8 bytes, as two int32x4 */
static inline void scaled8(int16x8_t d, int32x4_t *lo, int32x4_t *hi)
{
    *lo = vshlq_n_s32(vmovl_s16(vget_low_s16(d)), 20);
    *hi = vshlq_n_s32(vmovl_high_s16(d), 20);
}

typedef struct {
    uint8x16_t za, zb;
    qu8_rq4 a, b, out;
} add_consts;

static inline uint8x16_t add16(uint8x16_t a, uint8x16_t b, const add_consts *k)
{
    const uint8x16_t za = k->za, zb = k->zb;
    int32x4_t va[4], vb[4], s[4];
    scaled8(vreinterpretq_s16_u16(vsubl_u8(vget_low_u8(a), vget_low_u8(za))), &va[0], &va[1]);
    scaled8(vreinterpretq_s16_u16(vsubl_high_u8(a, za)), &va[2], &va[3]);
    scaled8(vreinterpretq_s16_u16(vsubl_u8(vget_low_u8(b), vget_low_u8(zb))), &vb[0], &vb[1]);
    scaled8(vreinterpretq_s16_u16(vsubl_high_u8(b, zb)), &vb[2], &vb[3]);
    for (int q = 0; q < 4; q++)
        s[q] = qu8_rq4_away(vaddq_s32(qu8_rq4_away(va[q], &k->a), qu8_rq4_away(vb[q], &k->b)),
                            &k->out);
    return qu8_finish16_neon(s, &k->out);
}

#define CHUNK 4096                    /* values per parallel step (a multiple of 16) */

void bd_qu8_add_neon(const uint8_t *a, const uint8_t *b, size_t n, uint8_t *out,
                     const bd_qu8_add_params *p)
{
    /* the inputs' multipliers as requantisations (only multiplier and shift matter) */
    const bd_qu8_requant ra = {.multiplier = p->a_multiplier, .shift = p->a_shift};
    const bd_qu8_requant rb = {.multiplier = p->b_multiplier, .shift = p->b_shift};
    const add_consts k = {vdupq_n_u8((uint8_t)p->a_zp), vdupq_n_u8((uint8_t)p->b_zp),
                          qu8_rq4_setup(&ra, 0), qu8_rq4_setup(&rb, 0), qu8_rq4_setup(&p->rq, 0)};
    const long chunks = (long)((n + CHUNK - 1) / CHUNK);
    #pragma omp parallel for schedule(guided)
    for (long ch = 0; ch < chunks; ch++) {
        size_t i = (size_t)ch * CHUNK;
        const size_t end = n - i > CHUNK ? i + CHUNK : n;
        for (; i + 16 <= end; i += 16)
            vst1q_u8(out + i, add16(vld1q_u8(a + i), vld1q_u8(b + i), &k));
        if (i < end) {
            uint8_t ta[16] = {0}, tb[16] = {0}, to[16];
            memcpy(ta, a + i, end - i);
            memcpy(tb, b + i, end - i);
            vst1q_u8(to, add16(vld1q_u8(ta), vld1q_u8(tb), &k));
            memcpy(out + i, to, end - i);
        }
    }
}
