/* dwconv3x3_neon.c — depthwise 3x3 convolution (stride 1/2, dilation 1/2/4/...) with NEON.
 *
 * The scheme of dwconv3x3_avx2.c with 4-channel vectors: each output row is split into the
 * interior (all 9 taps inside the input, no bounds checks), done 4 neighbouring pixels at a
 * time with the 9 weight vectors of a 4-channel tile in registers feeding 4 accumulators,
 * and the border (SAME padding), done pixel by pixel over the in-range taps only.
 * NEON has no masked loads, so channels past the last multiple of 4 are computed by a
 * scalar loop over the same taps. Pixel blocks outermost, channels innermost: input and
 * output are read and written as contiguous streams.
 * OpenMP: output rows are split statically between threads.
 */
#include <arm_neon.h>

#include "kernels_simd.h"

static inline float32x4_t activate(float32x4_t x, bd_act act)
{
    if (act != BD_ACT_NONE)
        x = vmaxq_f32(x, vdupq_n_f32(0.0f));
    if (act == BD_ACT_RELU6)
        x = vminq_f32(x, vdupq_n_f32(6.0f));
    return x;
}

static inline float activate1(float x, bd_act act)
{
    if (act != BD_ACT_NONE)
        x = x > 0.0f ? x : 0.0f;
    if (act == BD_ACT_RELU6)
        x = x < 6.0f ? x : 6.0f;
    return x;
}

/* the in-range taps of output pixel with tap (0,0) at (iy, ix) */
static int taps(const float *in, int h, int w, int c, const float *wt, int iy, int ix, int d,
                const float **src, const float **wk)
{
    int nt = 0;
    for (int ky = 0; ky < 3; ky++) {
        int y = iy + d * ky;
        if (y < 0 || y >= h)
            continue;
        for (int kx = 0; kx < 3; kx++) {
            int x = ix + d * kx;
            if (x < 0 || x >= w)
                continue;
            src[nt] = in + ((size_t)y * w + x) * c;
            wk[nt] = wt + (size_t)(ky * 3 + kx) * c;
            nt++;
        }
    }
    return nt;
}

/* one output pixel, any position: only the in-range taps are read */
static void pixel_any(const float *in, int h, int w, int c, float *o, const float *wt,
                      const float *bias, int iy, int ix, int d, bd_act act)
{
    const float *src[9], *wk[9];
    const int nt = taps(in, h, w, c, wt, iy, ix, d, src, wk);
    int ch = 0;
    for (; ch + 4 <= c; ch += 4) {
        float32x4_t acc = vld1q_f32(bias + ch);
        for (int t = 0; t < nt; t++)
            acc = vfmaq_f32(acc, vld1q_f32(src[t] + ch), vld1q_f32(wk[t] + ch));
        vst1q_f32(o + ch, activate(acc, act));
    }
    for (; ch < c; ch++) {
        float acc = bias[ch];
        for (int t = 0; t < nt; t++)
            acc += src[t][ch] * wk[t][ch];
        o[ch] = activate1(acc, act);
    }
}

/* Four interior output pixels; p points at tap (0,0) of the first one, ps = floats between
 * neighbouring output pixels' taps, dx / dy = floats between neighbouring taps. */
static void block4(const float *p, size_t ps, size_t dx, size_t dy, int c, float *o,
                   const float *wt, const float *bias, bd_act act)
{
    const size_t cs = (size_t)c;
    int ch = 0;
    for (; ch + 4 <= c; ch += 4) {
        const float *wp = wt + ch;
        float32x4_t w0 = vld1q_f32(wp), w1 = vld1q_f32(wp + cs), w2 = vld1q_f32(wp + 2 * cs);
        float32x4_t w3 = vld1q_f32(wp + 3 * cs), w4 = vld1q_f32(wp + 4 * cs);
        float32x4_t w5 = vld1q_f32(wp + 5 * cs), w6 = vld1q_f32(wp + 6 * cs);
        float32x4_t w7 = vld1q_f32(wp + 7 * cs), w8 = vld1q_f32(wp + 8 * cs);
        float32x4_t a0 = vld1q_f32(bias + ch), a1 = a0, a2 = a0, a3 = a0;
#define ROW(r, wa, wb, wc)                                                                  \
    do {                                                                                    \
        const float *q = p + ch + (r) * dy;                                                 \
        a0 = vfmaq_f32(a0, vld1q_f32(q), wa);                                               \
        a1 = vfmaq_f32(a1, vld1q_f32(q + ps), wa);                                          \
        a2 = vfmaq_f32(a2, vld1q_f32(q + 2 * ps), wa);                                      \
        a3 = vfmaq_f32(a3, vld1q_f32(q + 3 * ps), wa);                                      \
        q += dx;                                                                            \
        a0 = vfmaq_f32(a0, vld1q_f32(q), wb);                                               \
        a1 = vfmaq_f32(a1, vld1q_f32(q + ps), wb);                                          \
        a2 = vfmaq_f32(a2, vld1q_f32(q + 2 * ps), wb);                                      \
        a3 = vfmaq_f32(a3, vld1q_f32(q + 3 * ps), wb);                                      \
        q += dx;                                                                            \
        a0 = vfmaq_f32(a0, vld1q_f32(q), wc);                                               \
        a1 = vfmaq_f32(a1, vld1q_f32(q + ps), wc);                                          \
        a2 = vfmaq_f32(a2, vld1q_f32(q + 2 * ps), wc);                                      \
        a3 = vfmaq_f32(a3, vld1q_f32(q + 3 * ps), wc);                                      \
    } while (0)
        ROW(0, w0, w1, w2);
        ROW(1, w3, w4, w5);
        ROW(2, w6, w7, w8);
#undef ROW
        vst1q_f32(o + ch, activate(a0, act));
        vst1q_f32(o + cs + ch, activate(a1, act));
        vst1q_f32(o + 2 * cs + ch, activate(a2, act));
        vst1q_f32(o + 3 * cs + ch, activate(a3, act));
    }
    for (; ch < c; ch++) /* the last c % 4 channels */
        for (int j = 0; j < 4; j++) {
            float acc = bias[ch];
            for (int ky = 0; ky < 3; ky++)
                for (int kx = 0; kx < 3; kx++)
                    acc += p[j * ps + ky * dy + kx * dx + ch] * wt[(ky * 3 + kx) * cs + ch];
            o[j * cs + ch] = activate1(acc, act);
        }
}

static void interior(int size, int osize, int s, int d, int pad, int *lo, int *hi)
{
    int a = (pad + s - 1) / s;
    int b = size - 1 - 2 * d + pad;
    int e = b >= 0 ? b / s + 1 : 0;
    if (e > osize)
        e = osize;
    if (a > e)
        a = e;
    *lo = a;
    *hi = e;
}

void dwconv3x3_neon(const float *in, int h, int w, int c, float *out, int oh, int ow,
                    const float *weight, const float *bias, int stride, int dilation,
                    int pad_top, int pad_left, bd_act act)
{
    const int s = stride, d = dilation;
    int ylo, yhi, xlo, xhi;
    interior(h, oh, s, d, pad_top, &ylo, &yhi);
    interior(w, ow, s, d, pad_left, &xlo, &xhi);
    const size_t cs = (size_t)c;
    const int nth = bd_kernel_threads((double)oh * ow * c * 9);
#pragma omp parallel for schedule(static) num_threads(nth) if (nth > 1)
    for (int oy = 0; oy < oh; oy++) {
        const int iy = s * oy - pad_top;
        float *orow = out + (size_t)oy * ow * cs;
        int ox = 0;
        if (oy >= ylo && oy < yhi) {
            for (; ox < xlo; ox++)
                pixel_any(in, h, w, c, orow + ox * cs, weight, bias, iy, s * ox - pad_left, d,
                          act);
            const float *irow = in + (size_t)iy * w * cs;
            for (; ox + 4 <= xhi; ox += 4)
                block4(irow + (size_t)(s * ox - pad_left) * cs, s * cs, d * cs,
                       (size_t)d * w * cs, c, orow + ox * cs, weight, bias, act);
        }
        for (; ox < ow; ox++)
            pixel_any(in, h, w, c, orow + ox * cs, weight, bias, iy, s * ox - pad_left, d, act);
    }
}
