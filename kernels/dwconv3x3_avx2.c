/* dwconv3x3_avx2.c — depthwise 3x3 convolution (stride 1/2, dilation 1/2/4/...) with AVX2.
 *
 * NHWC keeps the channels of a pixel contiguous, so the kernel vectorises over channels:
 * one ymm = 8 channels of one pixel. Each output row is split into
 *  - the interior: output pixels whose 9 taps all fall inside the input. They are done in
 *    blocks of 4 neighbouring pixels; for each 8-channel tile the 9 weight vectors are
 *    loaded once into registers and feed 4 accumulators (9 + 4 registers, 36 FMAs whose
 *    input operand comes straight from memory). No bounds checks in this loop.
 *  - the border (SAME padding's left/right columns, top/bottom rows, interior leftovers):
 *    one pixel at a time, with the list of in-bounds taps computed once per pixel.
 * Channel counts that are not a multiple of 8 end with one masked tile (maskload never
 * touches the masked-out lanes, maskstore never writes them).
 * Sweeping the pixel blocks outermost and the channels innermost reads the input and
 * writes the output as contiguous streams, which is what matters for the large early
 * layers (memory-bound); the weights are reloaded per block (10 loads per 36 FMAs).
 * OpenMP: output rows are split statically between threads.
 */
#include <immintrin.h>
#include <stdint.h>

#include "kernels_simd.h"

static inline __m256i tail_mask(int nvalid)
{
    static const int32_t tbl[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256((const __m256i *)(tbl + 8 - nvalid));
}

static inline __m256 activate(__m256 x, bd_act act)
{
    if (act != BD_ACT_NONE)
        x = _mm256_max_ps(x, _mm256_setzero_ps());
    if (act == BD_ACT_RELU6)
        x = _mm256_min_ps(x, _mm256_set1_ps(6.0f));
    return x;
}

/* One output pixel anywhere: taps outside the input are skipped. (iy, ix) is the input
 * position of tap (0, 0), possibly negative. */
static void pixel_any(const float *in, int h, int w, int c, float *o, const float *wt,
                      const float *bias, int iy, int ix, int d, bd_act act)
{
    const float *src[9], *wk[9];
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
    int ch = 0;
    for (; ch + 8 <= c; ch += 8) {
        __m256 acc = _mm256_loadu_ps(bias + ch);
        for (int t = 0; t < nt; t++)
            acc = _mm256_fmadd_ps(_mm256_loadu_ps(src[t] + ch), _mm256_loadu_ps(wk[t] + ch), acc);
        _mm256_storeu_ps(o + ch, activate(acc, act));
    }
    if (ch < c) {
        const __m256i m = tail_mask(c - ch);
        __m256 acc = _mm256_maskload_ps(bias + ch, m);
        for (int t = 0; t < nt; t++)
            acc = _mm256_fmadd_ps(_mm256_maskload_ps(src[t] + ch, m),
                                  _mm256_maskload_ps(wk[t] + ch, m), acc);
        _mm256_maskstore_ps(o + ch, m, activate(acc, act));
    }
}

/* load 8 channels: plain for full tiles, masked (lanes of m) for the last partial one */
#define LD(p) (full ? _mm256_loadu_ps(p) : _mm256_maskload_ps((p), m))

/* Four interior output pixels, left to right; p points at tap (0,0) of the first one.
 * ps = floats between the taps of neighbouring output pixels (stride * c),
 * dx / dy = floats between horizontally / vertically neighbouring taps. */
static inline __attribute__((always_inline)) void
block4_tile(const float *p, size_t ps, size_t dx, size_t dy, size_t c, float *o,
            const float *wt, const float *bias, bd_act act, int full, __m256i m)
{
    __m256 w0 = LD(wt), w1 = LD(wt + c), w2 = LD(wt + 2 * c);
    __m256 w3 = LD(wt + 3 * c), w4 = LD(wt + 4 * c), w5 = LD(wt + 5 * c);
    __m256 w6 = LD(wt + 6 * c), w7 = LD(wt + 7 * c), w8 = LD(wt + 8 * c);
    __m256 a0 = LD(bias), a1 = a0, a2 = a0, a3 = a0;
#define ROW(r, wa, wb, wc)                                                                  \
    do {                                                                                    \
        const float *q = p + (r) * dy;                                                      \
        a0 = _mm256_fmadd_ps(LD(q), wa, a0);                                                \
        a1 = _mm256_fmadd_ps(LD(q + ps), wa, a1);                                           \
        a2 = _mm256_fmadd_ps(LD(q + 2 * ps), wa, a2);                                       \
        a3 = _mm256_fmadd_ps(LD(q + 3 * ps), wa, a3);                                       \
        q += dx;                                                                            \
        a0 = _mm256_fmadd_ps(LD(q), wb, a0);                                                \
        a1 = _mm256_fmadd_ps(LD(q + ps), wb, a1);                                           \
        a2 = _mm256_fmadd_ps(LD(q + 2 * ps), wb, a2);                                       \
        a3 = _mm256_fmadd_ps(LD(q + 3 * ps), wb, a3);                                       \
        q += dx;                                                                            \
        a0 = _mm256_fmadd_ps(LD(q), wc, a0);                                                \
        a1 = _mm256_fmadd_ps(LD(q + ps), wc, a1);                                           \
        a2 = _mm256_fmadd_ps(LD(q + 2 * ps), wc, a2);                                       \
        a3 = _mm256_fmadd_ps(LD(q + 3 * ps), wc, a3);                                       \
    } while (0)
    ROW(0, w0, w1, w2);
    ROW(1, w3, w4, w5);
    ROW(2, w6, w7, w8);
#undef ROW
    a0 = activate(a0, act), a1 = activate(a1, act);
    a2 = activate(a2, act), a3 = activate(a3, act);
    if (full) {
        _mm256_storeu_ps(o, a0);
        _mm256_storeu_ps(o + c, a1);
        _mm256_storeu_ps(o + 2 * c, a2);
        _mm256_storeu_ps(o + 3 * c, a3);
    } else {
        _mm256_maskstore_ps(o, m, a0);
        _mm256_maskstore_ps(o + c, m, a1);
        _mm256_maskstore_ps(o + 2 * c, m, a2);
        _mm256_maskstore_ps(o + 3 * c, m, a3);
    }
}
#undef LD

static void block4(const float *p, size_t ps, size_t dx, size_t dy, int c, float *o,
                   const float *wt, const float *bias, bd_act act)
{
    int ch = 0;
    const __m256i all = _mm256_set1_epi32(-1);
    for (; ch + 8 <= c; ch += 8)
        block4_tile(p + ch, ps, dx, dy, c, o + ch, wt + ch, bias + ch, act, 1, all);
    if (ch < c)
        block4_tile(p + ch, ps, dx, dy, c, o + ch, wt + ch, bias + ch, act, 0,
                    tail_mask(c - ch));
}

/* first output index o >= 0 with s*o - pad >= 0, and one past the last with
 * s*o - pad + 2d <= size - 1: the interior range along one axis */
static void interior(int size, int osize, int s, int d, int pad, int *lo, int *hi)
{
    int a = (pad + s - 1) / s;
    int b = size - 1 - 2 * d + pad; /* need s*o <= b */
    int e = b >= 0 ? b / s + 1 : 0;
    if (e > osize)
        e = osize;
    if (a > e)
        a = e;
    *lo = a;
    *hi = e;
}

void dwconv3x3_avx2(const float *in, int h, int w, int c, float *out, int oh, int ow,
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
        if (oy < ylo || oy >= yhi) {
            for (int ox = 0; ox < ow; ox++)
                pixel_any(in, h, w, c, orow + ox * cs, weight, bias, iy, s * ox - pad_left, d,
                          act);
            continue;
        }
        int ox = 0;
        for (; ox < xlo; ox++)
            pixel_any(in, h, w, c, orow + ox * cs, weight, bias, iy, s * ox - pad_left, d, act);
        const float *irow = in + (size_t)iy * w * cs;
        for (; ox + 4 <= xhi; ox += 4)
            block4(irow + (size_t)(s * ox - pad_left) * cs, s * cs, d * cs, (size_t)d * w * cs,
                   c, orow + ox * cs, weight, bias, act);
        for (; ox < ow; ox++)
            pixel_any(in, h, w, c, orow + ox * cs, weight, bias, iy, s * ox - pad_left, d, act);
    }
}
