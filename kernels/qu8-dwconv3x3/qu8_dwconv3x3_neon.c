/* qu8_dwconv3x3_neon.c — the uint8 depthwise 3x3 convolution with NEON (both int8 tables:
 * plain and dot product), bit-identical to qu8_dwconv3x3_ref.c.
 *
 * 16 channels of one output pixel at a time, each lane one channel: per tap, the 16 input
 * bytes minus the zero point (vsubl_u8: x - in_zp in -255..255, exact in int16), times the
 * tap's (w - w_zp) in int16, widened into four int32 accumulators (vmlal_s16 /
 * vmlal_high_s16: exact int16 x int16 -> int32 products), so each lane sums exactly the
 * reference's terms. A tap outside the image reads a buffer of in_zp bytes: x - in_zp = 0,
 * it adds nothing, like the reference's skipped tap. The weights of a block of 16 channels
 * are widened once per output row and stay in registers along it; pixels whose window lies
 * inside the image take their 9 taps from 3 row pointers without tests. A last block of
 * fewer than 16 channels is copied through a small buffer (no read past the tensor).
 * Requantisation: simd/qu8_requant_neon.h, the shift rounding half up as the depthwise
 * reference does (in one rounding shift where no accumulator can wrap, see there).
 * (The dot-product table uses this kernel too: udot sums 4 taps of one channel, which would
 * need the taps transposed into each lane and the zero points put back per pixel; that costs
 * more instructions than the 6 per 16 channel-taps here.)
 */
#include <arm_neon.h>
#include <string.h>

#include "kernels_quant.h"
#include "kernels_quant_isa.h"
#include "simd/qu8_requant_neon.h"

/* one block of 16 channels: (w - w_zp) per tap as two int16x8, and the bias */
typedef struct {
    int16x8_t lo[9], hi[9];
    int32x4_t bias[4];
} dw_block16;

static inline void widen_weights(const uint8_t *weight, const int32_t *bias, int c, int c0,
                                 int nc, int32_t w_zp, dw_block16 *b)
{
    uint8_t wt[16];
    int32_t bs[16] = {0};
    const uint8x16_t wz = vdupq_n_u8((uint8_t)w_zp);
    for (int t = 0; t < 9; t++) {
        memset(wt, (int)w_zp, sizeof wt);          /* lanes past the channels: weight 0 */
        memcpy(wt, weight + (size_t)t * c + c0, (size_t)nc);
        const uint8x16_t v = vld1q_u8(wt);
        b->lo[t] = vreinterpretq_s16_u16(vsubl_u8(vget_low_u8(v), vget_low_u8(wz)));
        b->hi[t] = vreinterpretq_s16_u16(vsubl_high_u8(v, wz));
    }
    memcpy(bs, bias + c0, sizeof(int32_t) * (size_t)nc);
    for (int q = 0; q < 4; q++)
        b->bias[q] = vld1q_s32(bs + 4 * q);
}

/* 16 requantised channels of one pixel from its 9 tap pointers (each at the block's first
 * channel). */
static inline __attribute__((always_inline))
uint8x16_t pixel16(const uint8_t *const tp[9], const dw_block16 *b, uint8x16_t zp,
                   const qu8_rq4 *f, int nowrap)
{
    int32x4_t a0 = b->bias[0], a1 = b->bias[1], a2 = b->bias[2], a3 = b->bias[3];
    #pragma GCC unroll 9
    for (int t = 0; t < 9; t++) {
        const uint8x16_t x = vld1q_u8(tp[t]);
        const int16x8_t dl = vreinterpretq_s16_u16(vsubl_u8(vget_low_u8(x), vget_low_u8(zp)));
        const int16x8_t dh = vreinterpretq_s16_u16(vsubl_high_u8(x, zp));
        a0 = vmlal_s16(a0, vget_low_s16(dl), vget_low_s16(b->lo[t]));
        a1 = vmlal_high_s16(a1, dl, b->lo[t]);
        a2 = vmlal_s16(a2, vget_low_s16(dh), vget_low_s16(b->hi[t]));
        a3 = vmlal_high_s16(a3, dh, b->hi[t]);
    }
    if (nowrap) {
        const int32x4_t v[4] = {qu8_rq4_up_nowrap(a0, f), qu8_rq4_up_nowrap(a1, f),
                                qu8_rq4_up_nowrap(a2, f), qu8_rq4_up_nowrap(a3, f)};
        return qu8_finish16_neon(v, f);
    }
    const int32x4_t v[4] = {qu8_rq4_up(a0, f), qu8_rq4_up(a1, f), qu8_rq4_up(a2, f),
                            qu8_rq4_up(a3, f)};
    return qu8_finish16_neon(v, f);
}

/* The geometry of one output row. */
typedef struct {
    const uint8_t *row[3];     /* input row of each ky, NULL above or below the image */
    int w, c, stride, dilation, pad_left;
    int in_lo, in_hi;          /* columns [in_lo, in_hi) have their whole window inside */
} dw_row;

/* tap pointers of output column ox at channel c0; a tap outside the image reads zbuf */
static inline void border_taps(const dw_row *r, int ox, size_t c0, const uint8_t *zbuf,
                               const uint8_t *tp[9])
{
    for (int kx = 0; kx < 3; kx++) {
        const int x = r->stride * ox - r->pad_left + r->dilation * kx;
        const int col_ok = x >= 0 && x < r->w;
        for (int ky = 0; ky < 3; ky++)
            tp[ky * 3 + kx] = col_ok && r->row[ky] ? r->row[ky] + (size_t)x * r->c + c0 : zbuf;
    }
}

/* One output row, channels [c0, c0 + 16) (all inside the tensor); nowrap: the shorter
 * requantisation applies (a constant where it is called, so each form is compiled apart). */
static inline __attribute__((always_inline))
void row_full(const dw_row *r, size_t c0, int ow, const dw_block16 *b, uint8x16_t zp,
              const uint8_t *zbuf, const qu8_rq4 *f, int nowrap, uint8_t *orow)
{
    const uint8_t *tp[9];
    const size_t step = (size_t)r->stride * r->c, dc = (size_t)r->dilation * r->c;
    for (int ox = 0; ox < ow; ox++) {
        if (ox == r->in_lo && r->in_lo < r->in_hi) {
            /* the inside run: three row pointers walk along, the taps a fixed distance apart */
            const size_t x0 = (size_t)(r->stride * ox - r->pad_left) * r->c + c0;
            const uint8_t *p0 = r->row[0] + x0, *p1 = r->row[1] + x0, *p2 = r->row[2] + x0;
            for (; ox < r->in_hi; ox++, p0 += step, p1 += step, p2 += step) {
                const uint8_t *const t[9] = {p0, p0 + dc, p0 + 2 * dc, p1, p1 + dc, p1 + 2 * dc,
                                             p2, p2 + dc, p2 + 2 * dc};
                vst1q_u8(orow + (size_t)ox * r->c + c0, pixel16(t, b, zp, f, nowrap));
            }
            if (ox == ow)
                break;
        }
        border_taps(r, ox, c0, zbuf, tp);
        vst1q_u8(orow + (size_t)ox * r->c + c0, pixel16(tp, b, zp, f, nowrap));
    }
}

/* One output row, the last nc < 16 channels from c0: every tap copied to a buffer. */
static void row_tail(const dw_row *r, size_t c0, int nc, int ow, const dw_block16 *b,
                     uint8x16_t zp, const uint8_t *zbuf, const qu8_rq4 *f, uint8_t *orow)
{
    uint8_t buf[9][16], res[16];
    memset(buf, 0, sizeof buf);
    for (int ox = 0; ox < ow; ox++) {
        const uint8_t *tp[9], *bp[9];
        border_taps(r, ox, c0, zbuf, tp);
        for (int t = 0; t < 9; t++) {
            memcpy(buf[t], tp[t], (size_t)nc);
            bp[t] = buf[t];
        }
        vst1q_u8(res, pixel16(bp, b, zp, f, 0));
        memcpy(orow + (size_t)ox * r->c + c0, res, (size_t)nc);
    }
}

void bd_qu8_dwconv3x3_neon(const uint8_t *in, int h, int w, int c, uint8_t *out, int oh,
                           int ow, const uint8_t *weight, const int32_t *bias, int stride,
                           int dilation, int pad_top, int pad_left, const bd_qu8_conv *p)
{
    const qu8_rq4 f = qu8_rq4_setup(&p->rq, 1);
    /* |acc| <= |bias| + 9 * 255 * 255: without a left shift and with room for the rounding
     * constant below INT32_MAX no lane can wrap (every layer of the models) */
    int64_t most = 0;
    for (int ch = 0; ch < c; ch++) {
        const int64_t a = bias[ch] < 0 ? -(int64_t)bias[ch] : bias[ch];
        most = a > most ? a : most;
    }
    const int right = p->rq.shift < 0 ? -p->rq.shift : 0;
    const int nowrap = p->rq.shift <= 0 &&
                       most + 9 * 255 * 255 + (right ? INT64_C(1) << (right - 1) : 0) <= INT32_MAX;
    const uint8x16_t zp = vdupq_n_u8((uint8_t)p->in_zp);
    /* inside columns: x0 = s ox - pad_left >= 0 and x0 + 2d <= w - 1 */
    int in_lo = (pad_left + stride - 1) / stride;
    const int span = w - 2 * dilation + pad_left;          /* s ox < span */
    int in_hi = span > 0 ? (span - 1) / stride + 1 : 0;
    in_hi = in_hi < ow ? in_hi : ow;
    #pragma omp parallel for schedule(guided)
    for (int oy = 0; oy < oh; oy++) {
        uint8_t zbuf[16];
        memset(zbuf, (int)p->in_zp, sizeof zbuf);
        dw_row r = {{NULL, NULL, NULL}, w, c, stride, dilation, pad_left, 0, 0};
        for (int ky = 0; ky < 3; ky++) {
            const int y = stride * oy + dilation * ky - pad_top;
            r.row[ky] = y >= 0 && y < h ? in + (size_t)y * w * c : NULL;
        }
        if (r.row[0] && r.row[1] && r.row[2]) {
            r.in_lo = in_lo;
            r.in_hi = in_hi;
        }
        uint8_t *orow = out + (size_t)oy * ow * c;
        for (int c0 = 0; c0 < c; c0 += 16) {
            const int nc = c - c0 < 16 ? c - c0 : 16;
            dw_block16 b;
            widen_weights(weight, bias, c, c0, nc, p->w_zp, &b);
            if (nc == 16 && nowrap)
                row_full(&r, (size_t)c0, ow, &b, zp, zbuf, &f, 1, orow);
            else if (nc == 16)
                row_full(&r, (size_t)c0, ow, &b, zp, zbuf, &f, 0, orow);
            else
                row_tail(&r, (size_t)c0, nc, ow, &b, zp, zbuf, &f, orow);
        }
    }
}
