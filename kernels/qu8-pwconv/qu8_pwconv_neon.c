/* qu8_pwconv_neon.c — the uint8 1x1 convolution with NEON, bit-identical to
 * qu8_pwconv_ref.c, in two forms chosen at run time. Both work on tiles of 4 pixels x 16
 * output channels held in 16 accumulator registers, so each weight vector loaded serves four
 * pixels and each input vector loaded serves 16 channels:
 *
 * - plain NEON (any ARMv8): (x - in_zp) and (w - w_zp) widened to int16 (8 inputs of a
 *   pixel per vector), vmlal_laneq_s16 multiply-accumulates 4 channels by one input lane
 *   into int32: exact products, the reference's sum. Packed: per block of 8 output
 *   channels, per input channel, 8 int16 (a tile takes two blocks).
 * - with the dot-product extension (udot, ARMv8.2 DotProd: Cortex-A55/A76, Raspberry Pi 5):
 *   vdotq_laneq_u32 adds 4 products of unsigned bytes per lane, x_t w_t with both raw (16
 *   inputs of a pixel per vector, lane g = inputs 4g..4g+3). The zero points are put back
 *   exactly:
 *     sum_t (x_t - zx)(w_t - zw) = sum_t x_t w_t - zw sum_t x_t - zx sum_t w_t + k zx zw
 *   the last two terms per output channel, folded into the bias at packing; zw times the
 *   row's byte sum per pixel (udot against ones). uint32 sums wrap, the result is the int32
 *   sum modulo 2^32, which is the true sum since that fits. Packed: int32 bias'[n16], then
 *   per block of 16 channels and group of 4 input channels 64 bytes, four 16-byte vectors,
 *   vector v holding channels 4v..4v+3 x the 4 inputs (byte 4c' + u; padding 0).
 * The last pixels of a layer (m % 4) repeat the tile's first row, whose extra results are
 * not stored. Requantisation: simd/qu8_requant_neon.h (branch-free, rounding half away).
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

/* Requantises one row's 16 accumulators (4 vectors) and stores its nj <= 16 bytes. */
static inline void store_row(int32x4_t v0, int32x4_t v1, int32x4_t v2, int32x4_t v3,
                             const qu8_rq4 *f, uint8_t *o, int nj)
{
    const int32x4_t v[4] = {qu8_rq4_away(v0, f), qu8_rq4_away(v1, f), qu8_rq4_away(v2, f),
                            qu8_rq4_away(v3, f)};
    const uint8x16_t bytes = qu8_finish16_neon(v, f);
    if (nj == 16) {
        vst1q_u8(o, bytes);
    } else {
        uint8_t tmp[16];
        vst1q_u8(tmp, bytes);
        memcpy(o, tmp, (size_t)nj);
    }
}

/* one input (lane L of each row's X) times the two weight vectors w0, w1 */
#define MAC_ROW(A, X, L)                                                                   \
    A##0 = vmlal_laneq_s16(A##0, vget_low_s16(w0), X, L);                                   \
    A##1 = vmlal_high_laneq_s16(A##1, w0, X, L);                                            \
    A##2 = vmlal_laneq_s16(A##2, vget_low_s16(w1), X, L);                                   \
    A##3 = vmlal_high_laneq_s16(A##3, w1, X, L);
#define MAC_STEP(Q0, Q1, L)                                                                \
    do {                                                                                   \
        const int16x8_t w0 = vld1q_s16(Q0), w1 = vld1q_s16(Q1);                            \
        MAC_ROW(r0, x0, L) MAC_ROW(r1, x1, L) MAC_ROW(r2, x2, L) MAC_ROW(r3, x3, L)        \
    } while (0)

/* Rows i0 .. i0+3 times the blocks b0, b0+1 of 8 output channels: 16 int32x4
 * accumulators. 8 inputs of each row are widened at once (x - in_zp, exact in int16) and
 * each weight vector multiplies all four rows by lane (smlal by element). Fewer rows (the
 * last pixels) repeat row i0 and fewer blocks block b0; those results are not stored. */
static void tile_i16(const uint8_t *in, int i0, int mr, int k, const int16_t *pw, size_t b0,
                     int nb, const int32_t *b8, int32_t in_zp, const qu8_rq4 *f, uint8_t *out,
                     int n)
{
    const uint8_t *row[4];
    for (int r = 0; r < 4; r++)
        row[r] = in + (size_t)(i0 + (r < mr ? r : 0)) * k;
    const size_t b1 = nb == 2 ? b0 + 1 : b0;
    const int16_t *p0 = pw + b0 * (size_t)k * 8, *p1 = pw + b1 * (size_t)k * 8;
    const int32x4_t c0 = vld1q_s32(b8 + 8 * b0), c1 = vld1q_s32(b8 + 8 * b0 + 4);
    const int32x4_t c2 = vld1q_s32(b8 + 8 * b1), c3 = vld1q_s32(b8 + 8 * b1 + 4);
    int32x4_t r00 = c0, r01 = c1, r02 = c2, r03 = c3, r10 = c0, r11 = c1, r12 = c2, r13 = c3;
    int32x4_t r20 = c0, r21 = c1, r22 = c2, r23 = c3, r30 = c0, r31 = c1, r32 = c2, r33 = c3;
    const uint8x8_t zp = vdup_n_u8((uint8_t)in_zp);
    int t = 0;
    for (; t + 8 <= k; t += 8) {
        const int16x8_t x0 = vreinterpretq_s16_u16(vsubl_u8(vld1_u8(row[0] + t), zp));
        const int16x8_t x1 = vreinterpretq_s16_u16(vsubl_u8(vld1_u8(row[1] + t), zp));
        const int16x8_t x2 = vreinterpretq_s16_u16(vsubl_u8(vld1_u8(row[2] + t), zp));
        const int16x8_t x3 = vreinterpretq_s16_u16(vsubl_u8(vld1_u8(row[3] + t), zp));
        const int16_t *q0 = p0 + (size_t)t * 8, *q1 = p1 + (size_t)t * 8;
        MAC_STEP(q0, q1, 0);
        MAC_STEP(q0 + 8, q1 + 8, 1);
        MAC_STEP(q0 + 16, q1 + 16, 2);
        MAC_STEP(q0 + 24, q1 + 24, 3);
        MAC_STEP(q0 + 32, q1 + 32, 4);
        MAC_STEP(q0 + 40, q1 + 40, 5);
        MAC_STEP(q0 + 48, q1 + 48, 6);
        MAC_STEP(q0 + 56, q1 + 56, 7);
    }
    for (; t < k; t++) {                   /* the last k % 8 inputs one by one */
        const int16x8_t x0 = vdupq_n_s16((int16_t)((int32_t)row[0][t] - in_zp));
        const int16x8_t x1 = vdupq_n_s16((int16_t)((int32_t)row[1][t] - in_zp));
        const int16x8_t x2 = vdupq_n_s16((int16_t)((int32_t)row[2][t] - in_zp));
        const int16x8_t x3 = vdupq_n_s16((int16_t)((int32_t)row[3][t] - in_zp));
        MAC_STEP(p0 + (size_t)t * 8, p1 + (size_t)t * 8, 0);
    }
    const int have = n - 8 * (int)b0, nj = have < 8 * nb ? have : 8 * nb;
    uint8_t *o = out + (size_t)i0 * n + 8 * b0;
    store_row(r00, r01, r02, r03, f, o, nj);
    if (mr > 1)
        store_row(r10, r11, r12, r13, f, o + n, nj);
    if (mr > 2)
        store_row(r20, r21, r22, r23, f, o + 2 * (size_t)n, nj);
    if (mr > 3)
        store_row(r30, r31, r32, r33, f, o + 3 * (size_t)n, nj);
}

void bd_qu8_pwconv_packed_neon(const uint8_t *in, int m, int k, uint8_t *out, int n,
                               const void *packed, const bd_qu8_conv *p)
{
    const int32_t *b8 = packed;
    const int16_t *pw = (const int16_t *)(const void *)((const char *)packed + blocks8(n) * 8 * sizeof(int32_t));
    const qu8_rq4 f = qu8_rq4_setup(&p->rq, 0);
    const size_t nb8 = blocks8(n);
    #pragma omp parallel for schedule(guided)
    for (int i0 = 0; i0 < m; i0 += 4) {
        const int mr = m - i0 < 4 ? m - i0 : 4;
        for (size_t b = 0; b < nb8; b += 2)
            tile_i16(in, i0, mr, k, pw, b, nb8 - b >= 2 ? 2 : 1, b8, p->in_zp, &f, out, n);
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

/* The byte sum of each row, with udot against ones (16 bytes per instruction). */
__attribute__((target("arch=armv8.2-a+dotprod")))
static inline uint32_t row_sum(const uint8_t *row, int k)
{
    uint32x4_t s = vdupq_n_u32(0);
    const uint8x16_t ones = vdupq_n_u8(1);
    int t = 0;
    for (; t + 16 <= k; t += 16)
        s = vdotq_u32(s, vld1q_u8(row + t), ones);
    uint32_t sum = vaddvq_u32(s);
    for (; t < k; t++)
        sum += row[t];
    return sum;
}

/* group G (lane G of each row's 16 input bytes) times the block's 4 weight vectors */
#define DOT_ROW(A, X, G)                                                                   \
    A##0 = vdotq_laneq_u32(A##0, w0, X, G);                                                 \
    A##1 = vdotq_laneq_u32(A##1, w1, X, G);                                                 \
    A##2 = vdotq_laneq_u32(A##2, w2, X, G);                                                 \
    A##3 = vdotq_laneq_u32(A##3, w3, X, G);
#define DOT_STEP(WG, G)                                                                    \
    do {                                                                                   \
        const uint8x16_t w0 = vld1q_u8(WG), w1 = vld1q_u8((WG) + 16);                      \
        const uint8x16_t w2 = vld1q_u8((WG) + 32), w3 = vld1q_u8((WG) + 48);               \
        DOT_ROW(r0, x0, G) DOT_ROW(r1, x1, G) DOT_ROW(r2, x2, G) DOT_ROW(r3, x3, G)        \
    } while (0)

/* Rows i0 .. i0+3 times one block of 16 output channels: 16 uint32x4 accumulators. 16
 * input bytes of each row are loaded at once (a partial last one through a zero-padded
 * buffer: its weights are 0 too, and groups past k are not read), and each of their 4
 * groups multiplies the block's 4 weight vectors by lane. Fewer rows repeat row i0. */
__attribute__((target("arch=armv8.2-a+dotprod")))
static void tile_u8(const uint8_t *in, int i0, int mr, int k, const uint8_t *wb,
                    const int32_t *bias, const int32_t fix[4], const qu8_rq4 *f, uint8_t *out,
                    int n, size_t b)
{
    const uint8_t *row[4];
    for (int r = 0; r < 4; r++)
        row[r] = in + (size_t)(i0 + (r < mr ? r : 0)) * k;
    const int32x4_t c0 = vld1q_s32(bias), c1 = vld1q_s32(bias + 4);
    const int32x4_t c2 = vld1q_s32(bias + 8), c3 = vld1q_s32(bias + 12);
#define START(A, F)                                                                        \
    uint32x4_t A##0 = vreinterpretq_u32_s32(vaddq_s32(c0, vdupq_n_s32(F)));                 \
    uint32x4_t A##1 = vreinterpretq_u32_s32(vaddq_s32(c1, vdupq_n_s32(F)));                 \
    uint32x4_t A##2 = vreinterpretq_u32_s32(vaddq_s32(c2, vdupq_n_s32(F)));                 \
    uint32x4_t A##3 = vreinterpretq_u32_s32(vaddq_s32(c3, vdupq_n_s32(F)));
    START(r0, fix[0]) START(r1, fix[1]) START(r2, fix[2]) START(r3, fix[3])
#undef START
    int t = 0;
    for (; t + 16 <= k; t += 16) {
        const uint8x16_t x0 = vld1q_u8(row[0] + t), x1 = vld1q_u8(row[1] + t);
        const uint8x16_t x2 = vld1q_u8(row[2] + t), x3 = vld1q_u8(row[3] + t);
        const uint8_t *wg = wb + (size_t)t * 16;
        DOT_STEP(wg, 0);
        DOT_STEP(wg + 64, 1);
        DOT_STEP(wg + 128, 2);
        DOT_STEP(wg + 192, 3);
    }
    if (t < k) {
        uint8_t q[4][16];
        memset(q, 0, sizeof q);
        for (int r = 0; r < 4; r++)
            memcpy(q[r], row[r] + t, (size_t)(k - t));
        const uint8x16_t x0 = vld1q_u8(q[0]), x1 = vld1q_u8(q[1]);
        const uint8x16_t x2 = vld1q_u8(q[2]), x3 = vld1q_u8(q[3]);
        const uint8_t *wg = wb + (size_t)t * 16;
        const int ng = (k - t + 3) / 4;
        DOT_STEP(wg, 0);
        if (ng > 1)
            DOT_STEP(wg + 64, 1);
        if (ng > 2)
            DOT_STEP(wg + 128, 2);
        if (ng > 3)
            DOT_STEP(wg + 192, 3);
    }
    const int have = n - 16 * (int)b, nj = have < 16 ? have : 16;
    uint8_t *o = out + (size_t)i0 * n + 16 * b;
#define S(A) vreinterpretq_s32_u32(A##0), vreinterpretq_s32_u32(A##1), vreinterpretq_s32_u32(A##2), \
             vreinterpretq_s32_u32(A##3)
    store_row(S(r0), f, o, nj);
    if (mr > 1)
        store_row(S(r1), f, o + n, nj);
    if (mr > 2)
        store_row(S(r2), f, o + 2 * (size_t)n, nj);
    if (mr > 3)
        store_row(S(r3), f, o + 3 * (size_t)n, nj);
#undef S
}

__attribute__((target("arch=armv8.2-a+dotprod")))
void bd_qu8_pwconv_packed_neondot(const uint8_t *in, int m, int k, uint8_t *out, int n,
                                  const void *packed, const bd_qu8_conv *p)
{
    const int32_t *b2 = packed;
    const uint8_t *pw = (const uint8_t *)packed + blocks16(n) * 16 * sizeof(int32_t);
    const size_t kg = groups(k);
    const qu8_rq4 f = qu8_rq4_setup(&p->rq, 0);
    #pragma omp parallel for schedule(guided)
    for (int i0 = 0; i0 < m; i0 += 4) {
        const int mr = m - i0 < 4 ? m - i0 : 4;
        int32_t fix[4] = {0, 0, 0, 0};     /* - w_zp * (the row's byte sum), modulo 2^32 */
        for (int r = 0; r < mr; r++)
            fix[r] = (int32_t)(0u - (uint32_t)p->w_zp * row_sum(in + (size_t)(i0 + r) * k, k));
        for (size_t b = 0; b < blocks16(n); b++)
            tile_u8(in, i0, mr, k, pw + b * kg * 64, b2 + 16 * b, fix, &f, out, n, b);
    }
}
