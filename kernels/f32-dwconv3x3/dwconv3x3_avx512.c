/* dwconv3x3_avx512.c — depthwise 3x3 convolution (stride 1/2, dilation 1/2/4/...) with
 * AVX-512F.
 *
 * The structure of dwconv3x3_avx2.c with 16-channel zmm tiles. NHWC keeps the channels of
 * a pixel contiguous, so one zmm = 16 channels of one pixel. Each output row is split into
 *  - the interior: output pixels whose 9 taps all fall inside the input, cut into chunks of
 *    32 pixels. For each 16-channel tile the 9 weight vectors and the bias are loaded into
 *    registers once per chunk, then the chunk is swept 8 pixels at a time (8 accumulators:
 *    9 + 1 + 8 + 1 = 19 of the 32 zmm registers), the rest 4, 2, 1 at a time. Copies
 *    specialised for the network's stride/dilation pairs (1/1, 2/1, 1/2, 1/4) unroll the
 *    taps at compile time and walk each tap row column by column, so an input vector shared
 *    by neighbouring pixels is loaded once (stride 1, dilation 1: 10 loads for 24 FMAs per
 *    tap row) and every address is a constant offset from one pointer: no bounds checks.
 *  - the border (SAME padding's left/right columns, top/bottom rows) and any other
 *    stride/dilation: one pixel at a time over the list of in-range taps, two channel tiles
 *    per step for two independent FMA chains.
 * Channel counts that are not a multiple of 16 end with one masked tile: an __mmask16 with
 * the valid lanes (masked loads never touch the lanes past c, masked stores never write
 * them), also inside the interior runs.
 * OpenMP: output rows are split statically between threads.
 */
#include <immintrin.h>
#include <stdint.h>

#include "kernels_isa.h"

/* mask with the first `nvalid` (1..16) lanes set */
static inline __mmask16 tail_mask(int nvalid)
{
    return (__mmask16)((1u << nvalid) - 1u);
}

static inline __m512 activate(__m512 x, bd_act act)
{
    if (act != BD_ACT_NONE)
        x = _mm512_max_ps(x, _mm512_setzero_ps());
    if (act == BD_ACT_RELU6)
        x = _mm512_min_ps(x, _mm512_set1_ps(6.0f));
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
    for (; ch + 32 <= c; ch += 32) { /* two tiles: two independent FMA chains */
        __m512 acc0 = _mm512_loadu_ps(bias + ch), acc1 = _mm512_loadu_ps(bias + ch + 16);
        for (int t = 0; t < nt; t++) {
            acc0 = _mm512_fmadd_ps(_mm512_loadu_ps(src[t] + ch), _mm512_loadu_ps(wk[t] + ch),
                                   acc0);
            acc1 = _mm512_fmadd_ps(_mm512_loadu_ps(src[t] + ch + 16),
                                   _mm512_loadu_ps(wk[t] + ch + 16), acc1);
        }
        _mm512_storeu_ps(o + ch, activate(acc0, act));
        _mm512_storeu_ps(o + ch + 16, activate(acc1, act));
    }
    for (; ch + 16 <= c; ch += 16) {
        __m512 acc = _mm512_loadu_ps(bias + ch);
        for (int t = 0; t < nt; t++)
            acc = _mm512_fmadd_ps(_mm512_loadu_ps(src[t] + ch), _mm512_loadu_ps(wk[t] + ch), acc);
        _mm512_storeu_ps(o + ch, activate(acc, act));
    }
    if (ch < c) {
        const __mmask16 m = tail_mask(c - ch);
        __m512 acc = _mm512_maskz_loadu_ps(m, bias + ch);
        for (int t = 0; t < nt; t++)
            acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, src[t] + ch),
                                  _mm512_maskz_loadu_ps(m, wk[t] + ch), acc);
        _mm512_mask_storeu_ps(o + ch, m, activate(acc, act));
    }
}

/* load 16 channels: plain for full tiles, masked (lanes of m) for the last partial one */
#define LD(p) (FULL ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(m, (p)))

/* One 16-channel tile of NP (1..8) neighbouring interior output pixels, the weights already
 * in registers. S and D are the stride and dilation: compile-time constants in the
 * specialised copies, so the tap loops unroll into straight FMAs. Each row of taps is
 * walked column by column (q += c): an input vector is loaded once and feeds every
 * (pixel, tap) pair that reads it. */
static inline __attribute__((always_inline)) void
tile_px(const int S, const int D, const int NP, const int FULL, const float *p, size_t c,
        size_t rowstride, float *o, const __m512 w[9], __m512 bias, bd_act act, __mmask16 m)
{
    __m512 a[8];
#pragma GCC unroll 8
    for (int j = 0; j < NP; j++)
        a[j] = bias;
#pragma GCC unroll 3
    for (int ky = 0; ky < 3; ky++) {
        const float *q = p + ky * D * rowstride;
        const int cols = (NP - 1) * S + 2 * D + 1;
#pragma GCC unroll 24
        for (int col = 0; col < cols; col++, q += c) {
            int used = 0;
#pragma GCC unroll 8
            for (int j = 0; j < NP; j++) {
                const int t = col - j * S;
                used |= t >= 0 && t % D == 0 && t / D < 3;
            }
            if (!used)
                continue;
            const __m512 x = LD(q);
#pragma GCC unroll 8
            for (int j = 0; j < NP; j++) {
                const int t = col - j * S;
                if (t >= 0 && t % D == 0 && t / D < 3)
                    a[j] = _mm512_fmadd_ps(x, w[ky * 3 + t / D], a[j]);
            }
        }
    }
#pragma GCC unroll 8
    for (int j = 0; j < NP; j++) {
        __m512 v = activate(a[j], act);
        if (FULL)
            _mm512_storeu_ps(o + j * c, v);
        else
            _mm512_mask_storeu_ps(o + j * c, m, v);
    }
}

/* Interior output pixels [0, npx) of one row segment for one 16-channel tile: p points at
 * tap (0,0) of the first pixel (+ the tile's channel offset), o at its output. */
static inline __attribute__((always_inline)) void
tile_run(const int S, const int D, const int FULL, const float *p, size_t c, size_t rowstride,
         float *o, int npx, const float *wt, const float *bias, bd_act act, __mmask16 m)
{
    __m512 w[9];
#pragma GCC unroll 9
    for (int t = 0; t < 9; t++)
        w[t] = LD(wt + t * c);
    const __m512 b = LD(bias);
    const size_t step = (size_t)S * c;
    int j = 0;
    for (; j + 8 <= npx; j += 8, p += 8 * step, o += 8 * c)
        tile_px(S, D, 8, FULL, p, c, rowstride, o, w, b, act, m);
    if (npx - j >= 4) {
        tile_px(S, D, 4, FULL, p, c, rowstride, o, w, b, act, m);
        j += 4, p += 4 * step, o += 4 * c;
    }
    if (npx - j >= 2) {
        tile_px(S, D, 2, FULL, p, c, rowstride, o, w, b, act, m);
        j += 2, p += 2 * step, o += 2 * c;
    }
    if (npx - j >= 1)
        tile_px(S, D, 1, FULL, p, c, rowstride, o, w, b, act, m);
}
#undef LD

typedef void (*run_fn)(const float *p, size_t c, size_t rowstride, float *o, int npx,
                       const float *wt, const float *bias, bd_act act, __mmask16 m);
#define RUN(S, D, FULL)                                                                    \
    static void run_##S##_##D##_##FULL(const float *p, size_t c, size_t rowstride, float *o, \
                                       int npx, const float *wt, const float *bias,         \
                                       bd_act act, __mmask16 m)                             \
    {                                                                                      \
        tile_run(S, D, FULL, p, c, rowstride, o, npx, wt, bias, act, m);                   \
    }
RUN(1, 1, 1) RUN(1, 1, 0) RUN(2, 1, 1) RUN(2, 1, 0) RUN(1, 2, 1) RUN(1, 2, 0)
RUN(1, 4, 1) RUN(1, 4, 0)

/* The interior pixels [x0, x1) of one output row with the stride/dilation's tile runner.
 * Column chunks of CHUNK pixels keep each channel tile's working set (3 input row pieces)
 * in L1 while the 16-channel tiles are swept. */
#define CHUNK 32
static void row_interior(run_fn full, run_fn part, const float *irow, int pad_left, int s,
                         int w, int c, float *orow, int x0, int x1, const float *wt,
                         const float *bias, bd_act act)
{
    const size_t cs = (size_t)c, rowstride = (size_t)w * cs;
    const __mmask16 all = 0xFFFF, tail = tail_mask(c % 16 ? c % 16 : 16);
    for (int xa = x0; xa < x1; xa += CHUNK) {
        const int npx = x1 - xa < CHUNK ? x1 - xa : CHUNK;
        const float *p = irow + (size_t)(s * xa - pad_left) * cs;
        float *o = orow + (size_t)xa * cs;
        int ch = 0;
        for (; ch + 16 <= c; ch += 16)
            full(p + ch, cs, rowstride, o + ch, npx, wt + ch, bias + ch, act, all);
        if (ch < c)
            part(p + ch, cs, rowstride, o + ch, npx, wt + ch, bias + ch, act, tail);
    }
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

void bd_dwconv3x3_avx512(const float *in, int h, int w, int c, float *out, int oh, int ow,
                      const float *weight, const float *bias, int stride, int dilation,
                      int pad_top, int pad_left, bd_act act)
{
    const int s = stride, d = dilation;
    run_fn full = NULL, part = NULL; /* the interior runner for this stride and dilation */
    if (s == 1 && d == 1) full = run_1_1_1, part = run_1_1_0;
    if (s == 2 && d == 1) full = run_2_1_1, part = run_2_1_0;
    if (s == 1 && d == 2) full = run_1_2_1, part = run_1_2_0;
    if (s == 1 && d == 4) full = run_1_4_1, part = run_1_4_0;
    int ylo, yhi, xlo, xhi;
    interior(h, oh, s, d, pad_top, &ylo, &yhi);
    interior(w, ow, s, d, pad_left, &xlo, &xhi);
    if (!full) /* other combinations (not in the network): per-pixel path everywhere */
        ylo = yhi = 0;
    const size_t cs = (size_t)c;
    const int nth = bd_kernel_threads((double)oh * ow * c * 9);
#pragma omp parallel for schedule(static) num_threads(nth) if (nth > 1)
    for (int oy = 0; oy < oh; oy++) {
        const int iy = s * oy - pad_top;
        float *orow = out + (size_t)oy * ow * cs;
        int ox = 0;
        if (oy >= ylo && oy < yhi && xlo < xhi) {
            for (; ox < xlo; ox++)
                pixel_any(in, h, w, c, orow + ox * cs, weight, bias, iy, s * ox - pad_left, d,
                          act);
            row_interior(full, part, in + (size_t)iy * w * cs, pad_left, s, w, c, orow, xlo,
                         xhi, weight, bias, act);
            ox = xhi;
        }
        for (; ox < ow; ox++)
            pixel_any(in, h, w, c, orow + ox * cs, weight, bias, iy, s * ox - pad_left, d, act);
    }
}
