/* dwconv3x3_avx2.c — depthwise 3x3 convolution (stride 1/2, dilation 1/2/4/...) with AVX2.
 *
 * NHWC keeps the channels of a pixel contiguous, so the kernel vectorises over channels:
 * one ymm = 8 channels of one pixel. Each output row is split into
 *  - the interior: output pixels whose 9 taps all fall inside the input, cut into chunks of
 *    32 pixels. For each 8-channel tile the 9 weight vectors are loaded into registers once
 *    per chunk, then the chunk is swept 4 pixels at a time (4 accumulators: 9 + 4 + 1
 *    registers). Copies specialised for the network's stride/dilation pairs (1/1, 2/1, 1/2,
 *    1/4) unroll the taps at compile time and walk each tap row column by column, so an
 *    input vector shared by neighbouring pixels is loaded once and every address is a
 *    pointer increment (no spilled address registers, no bounds checks). The chunk keeps
 *    the three input row pieces a tile touches in L1 while the tiles are swept.
 *  - the border (SAME padding's left/right columns, top/bottom rows) and any other
 *    stride/dilation: one pixel at a time over the list of in-range taps, two channel tiles
 *    per step for two independent FMA chains.
 * Channel counts that are not a multiple of 8 end with one masked tile (maskload never
 * touches the masked-out lanes, maskstore never writes them).
 * OpenMP: output rows are split statically between threads.
 */
#include <immintrin.h>
#include <stdint.h>

#include "kernels_isa.h"

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
    for (; ch + 16 <= c; ch += 16) { /* two tiles: two independent FMA chains */
        __m256 acc0 = _mm256_loadu_ps(bias + ch), acc1 = _mm256_loadu_ps(bias + ch + 8);
        for (int t = 0; t < nt; t++) {
            acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(src[t] + ch), _mm256_loadu_ps(wk[t] + ch),
                                   acc0);
            acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(src[t] + ch + 8),
                                   _mm256_loadu_ps(wk[t] + ch + 8), acc1);
        }
        _mm256_storeu_ps(o + ch, activate(acc0, act));
        _mm256_storeu_ps(o + ch + 8, activate(acc1, act));
    }
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
#define LD(p) (FULL ? _mm256_loadu_ps(p) : _mm256_maskload_ps((p), m))

/* One 8-channel tile of NP (1..4) neighbouring interior output pixels, the weights already
 * in registers. S and D are the stride and dilation: compile-time constants in the
 * specialised copies, so the tap loops unroll into straight FMAs. Each row of taps is
 * walked column by column (q += c): an input vector is loaded once and feeds every
 * (pixel, tap) pair that reads it (stride 1, dilation 1: 6 loads for 12 FMAs), and the
 * addresses are one pointer plus an increment, which keeps the loop free of spills. */
static inline __attribute__((always_inline)) void
tile_px(const int S, const int D, const int NP, const int FULL, const float *p, size_t c,
        size_t rowstride, float *o, const __m256 w[9], __m256 bias, bd_act act, __m256i m)
{
    __m256 a[4];
#pragma GCC unroll 4
    for (int j = 0; j < NP; j++)
        a[j] = bias;
#pragma GCC unroll 3
    for (int ky = 0; ky < 3; ky++) {
        const float *q = p + ky * D * rowstride;
        const int cols = (NP - 1) * S + 2 * D + 1;
#pragma GCC unroll 16
        for (int col = 0; col < cols; col++, q += c) {
            int used = 0;
#pragma GCC unroll 4
            for (int j = 0; j < NP; j++) {
                const int t = col - j * S;
                used |= t >= 0 && t % D == 0 && t / D < 3;
            }
            if (!used)
                continue;
            const __m256 x = LD(q);
#pragma GCC unroll 4
            for (int j = 0; j < NP; j++) {
                const int t = col - j * S;
                if (t >= 0 && t % D == 0 && t / D < 3)
                    a[j] = _mm256_fmadd_ps(x, w[ky * 3 + t / D], a[j]);
            }
        }
    }
#pragma GCC unroll 4
    for (int j = 0; j < NP; j++) {
        __m256 v = activate(a[j], act);
        if (FULL)
            _mm256_storeu_ps(o + j * c, v);
        else
            _mm256_maskstore_ps(o + j * c, m, v);
    }
}

/* Interior output pixels [0, npx) of one row segment for one 8-channel tile: p points at
 * tap (0,0) of the first pixel (+ the tile's channel offset), o at its output. */
static inline __attribute__((always_inline)) void
tile_run(const int S, const int D, const int FULL, const float *p, size_t c, size_t rowstride,
         float *o, int npx, const float *wt, const float *bias, bd_act act, __m256i m)
{
    __m256 w[9];
#pragma GCC unroll 9
    for (int t = 0; t < 9; t++)
        w[t] = LD(wt + t * c);
    const __m256 b = LD(bias);
    const size_t step = (size_t)S * c;
    int j = 0;
    for (; j + 4 <= npx; j += 4, p += 4 * step, o += 4 * c)
        tile_px(S, D, 4, FULL, p, c, rowstride, o, w, b, act, m);
    switch (npx - j) {
    case 3: tile_px(S, D, 3, FULL, p, c, rowstride, o, w, b, act, m); break;
    case 2: tile_px(S, D, 2, FULL, p, c, rowstride, o, w, b, act, m); break;
    case 1: tile_px(S, D, 1, FULL, p, c, rowstride, o, w, b, act, m); break;
    default: break;
    }
}
#undef LD

typedef void (*run_fn)(const float *p, size_t c, size_t rowstride, float *o, int npx,
                       const float *wt, const float *bias, bd_act act, __m256i m);
#define RUN(S, D, FULL)                                                                    \
    static void run_##S##_##D##_##FULL(const float *p, size_t c, size_t rowstride, float *o, \
                                       int npx, const float *wt, const float *bias,         \
                                       bd_act act, __m256i m)                               \
    {                                                                                      \
        tile_run(S, D, FULL, p, c, rowstride, o, npx, wt, bias, act, m);                   \
    }
RUN(1, 1, 1) RUN(1, 1, 0) RUN(2, 1, 1) RUN(2, 1, 0) RUN(1, 2, 1) RUN(1, 2, 0)
RUN(1, 4, 1) RUN(1, 4, 0)

/* The interior pixels [x0, x1) of one output row with the stride/dilation's tile runner.
 * Column chunks of CHUNK pixels keep each channel tile's working set (3 input row pieces)
 * in L1 while the 8-channel tiles are swept. */
#define CHUNK 32
static void row_interior(run_fn full, run_fn part, const float *irow, int pad_left, int s,
                         int w, int c, float *orow, int x0, int x1, const float *wt,
                         const float *bias, bd_act act)
{
    const size_t cs = (size_t)c, rowstride = (size_t)w * cs;
    const __m256i all = _mm256_set1_epi32(-1), tail = tail_mask(c % 8 ? c % 8 : 8);
    for (int xa = x0; xa < x1; xa += CHUNK) {
        const int npx = x1 - xa < CHUNK ? x1 - xa : CHUNK;
        const float *p = irow + (size_t)(s * xa - pad_left) * cs;
        float *o = orow + (size_t)xa * cs;
        int ch = 0;
        for (; ch + 8 <= c; ch += 8)
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

void bd_dwconv3x3_avx2(const float *in, int h, int w, int c, float *out, int oh, int ow,
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
