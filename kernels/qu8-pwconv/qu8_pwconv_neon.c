/* qu8_pwconv_neon.c — the uint8 1x1 convolution with NEON, bit-identical to
 * qu8_pwconv_ref.c, in two forms chosen at run time:
 *
 * - plain NEON (any ARMv8): (x - in_zp) and (w - w_zp) widened to int16, vmlal_n_s16
 *   multiply-accumulates 4 channels by one input value into int32: exact products, the
 *   reference's sum. Packed: per block of 8 output channels, per input channel, 8 int16.
 * - with the dot-product extension (udot, ARMv8.2 DotProd: Cortex-A55/A76, Raspberry Pi 5):
 *   vdotq_laneq_u32 adds 4 products of unsigned bytes per lane, x_t w_t with both raw. The
 *   zero points are put back exactly:
 *     sum_t (x_t - zx)(w_t - zw) = sum_t x_t w_t - zw sum_t x_t - zx sum_t w_t + k zx zw
 *   the last two terms per output channel, folded into the bias at packing; zw times the
 *   row's byte sum per pixel. uint32 sums wrap, the result is the int32 sum modulo 2^32,
 *   which is the true sum since that fits. Packed: int32 bias'[n16], then per block of 16
 *   channels and group of 4 input channels 64 bytes (byte 4c + u of vector c/4... laid out
 *   as four 16-byte vectors, vector v holding channels 4v..4v+3 x the 4 inputs; padding 0).
 * Requantisation: simd/qu8_requant_neon.h.
 */
#include <arm_neon.h>
#include <string.h>

#include "kernels_quant.h"
#include "kernels_quant_isa.h"
#include "qu8_pwconv_body.h"
#include "simd/qu8_requant_neon.h"

/* ------------------------------------------------------------------ plain NEON -------- */

static size_t blocks8(int n) { return (size_t)(n + 7) / 8; }

size_t bd_qu8_pw_packed_size_neon(int k, int n)
{
    return qu8_pack_i16_size(k, n, 1);
}

void bd_qu8_pw_pack_neon(const uint8_t *w, const int32_t *bias, int k, int n,
                         const bd_qu8_conv *p, void *dst)
{
    qu8_pack_i16(w, bias, k, n, p->w_zp, 1, dst);
}

void bd_qu8_pwconv_packed_neon(const uint8_t *in, int m, int k, uint8_t *out, int n,
                               const void *packed, const bd_qu8_conv *p)
{
    const int32_t *b8 = packed;
    const int16_t *pw = (const int16_t *)(const void *)((const char *)packed + blocks8(n) * 8 * sizeof(int32_t));
    #pragma omp parallel for schedule(static)
    for (int i = 0; i < m; i++) {
        const uint8_t *row = in + (size_t)i * k;
        for (size_t b = 0; b < blocks8(n); b++) {
            int32x4_t lo = vld1q_s32(b8 + 8 * b), hi = vld1q_s32(b8 + 8 * b + 4);
            const int16_t *wb = pw + b * (size_t)k * 8;
            for (int t = 0; t < k; t++) {
                const int16x8_t wv = vld1q_s16(wb + (size_t)t * 8);
                const int16_t x = (int16_t)((int32_t)row[t] - p->in_zp);
                lo = vmlal_n_s16(lo, vget_low_s16(wv), x);
                hi = vmlal_n_s16(hi, vget_high_s16(wv), x);
            }
            uint8_t tmp[8];
            vst1_u8(tmp, qu8_finish8_neon(qu8_mbqm4(lo, &p->rq), qu8_mbqm4(hi, &p->rq), &p->rq));
            const int nj = n - 8 * (int)b < 8 ? n - 8 * (int)b : 8;
            memcpy(out + (size_t)i * n + 8 * b, tmp, (size_t)nj);
        }
    }
}

/* ------------------------------------------------------------------ dot product ------- */

static size_t groups(int k) { return (size_t)(k + 3) / 4; }
static size_t blocks16(int n) { return (size_t)(n + 15) / 16; }

size_t bd_qu8_pw_packed_size_neondot(int k, int n)
{
    return blocks16(n) * 16 * sizeof(int32_t) + blocks16(n) * groups(k) * 64;
}

void bd_qu8_pw_pack_neondot(const uint8_t *w, const int32_t *bias, int k, int n,
                            const bd_qu8_conv *p, void *dst)
{
    int32_t *b2 = dst;
    uint8_t *pw = (uint8_t *)dst + blocks16(n) * 16 * sizeof(int32_t);
    memset(dst, 0, bd_qu8_pw_packed_size_neondot(k, n));
    for (int j = 0; j < n; j++) {
        uint32_t colsum = 0;
        for (int t = 0; t < k; t++)
            colsum += w[(size_t)t * n + j];
        /* bias - zx sum w + k zx zw, modulo 2^32 like the accumulators */
        b2[j] = (int32_t)((uint32_t)bias[j] - (uint32_t)p->in_zp * colsum +
                          (uint32_t)k * (uint32_t)p->in_zp * (uint32_t)p->w_zp);
    }
    for (size_t b = 0; b < blocks16(n); b++)
        for (size_t g = 0; g < groups(k); g++)
            for (int c = 0; c < 16; c++)
                for (int u = 0; u < 4; u++) {
                    size_t t = 4 * g + (size_t)u, j = 16 * b + (size_t)c;
                    if (t < (size_t)k && j < (size_t)n)
                        pw[(b * groups(k) + g) * 64 + 4 * (size_t)c + (size_t)u] = w[t * n + j];
                }
}

__attribute__((target("arch=armv8.2-a+dotprod")))
void bd_qu8_pwconv_packed_neondot(const uint8_t *in, int m, int k, uint8_t *out, int n,
                                  const void *packed, const bd_qu8_conv *p)
{
    const int32_t *b2 = packed;
    const uint8_t *pw = (const uint8_t *)packed + blocks16(n) * 16 * sizeof(int32_t);
    const size_t kg = groups(k);
    #pragma omp parallel for schedule(static)
    for (int i = 0; i < m; i++) {
        const uint8_t *row = in + (size_t)i * k;
        uint32_t s = 0;
        for (int t = 0; t < k; t++)
            s += row[t];
        const int32x4_t fix = vdupq_n_s32((int32_t)(0u - (uint32_t)p->w_zp * s));
        for (size_t b = 0; b < blocks16(n); b++) {
            uint32x4_t acc[4];
            for (int v = 0; v < 4; v++)
                acc[v] = vreinterpretq_u32_s32(vaddq_s32(vld1q_s32(b2 + 16 * b + 4 * v), fix));
            const uint8_t *wb = pw + b * kg * 64;
            for (size_t g = 0; g < kg; g++) {
                uint8_t q4[16] = {0};
                size_t t = 4 * g, have = (size_t)k - t < 4 ? (size_t)k - t : 4;
                memcpy(q4, row + t, have);
                const uint8x16_t x = vld1q_u8(q4);
                for (int v = 0; v < 4; v++)
                    acc[v] = vdotq_laneq_u32(acc[v], vld1q_u8(wb + g * 64 + 16 * v), x, 0);
            }
            uint8_t tmp[16];
            for (int h = 0; h < 2; h++)
                vst1_u8(tmp + 8 * h, qu8_finish8_neon(qu8_mbqm4(vreinterpretq_s32_u32(acc[2 * h]), &p->rq),
                                                      qu8_mbqm4(vreinterpretq_s32_u32(acc[2 * h + 1]), &p->rq),
                                                      &p->rq));
            const int nj = n - 16 * (int)b < 16 ? n - 16 * (int)b : 16;
            memcpy(out + (size_t)i * n + 16 * b, tmp, (size_t)nj);
        }
    }
}
