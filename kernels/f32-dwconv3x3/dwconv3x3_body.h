/* dwconv3x3_body.h — the depthwise 3x3 convolution driver (stride 1/2, dilation 1/2/4/...),
 * written once and compiled per ISA: dwconv3x3_<isa>.c includes simd/vec_<isa>.h (vector
 * primitives, VEC_N floats per vector) and then this file, after setting
 *   DW_NP           interior pixels swept per step (accumulators): the 9 weight vectors,
 *                   the bias, DW_NP accumulators and one input vector must fit in registers
 *   DW_SCALAR_TAIL  1: the channels past the last multiple of VEC_N go through a scalar
 *                   loop (ISAs without masked loads); 0: one masked tile
 *
 * NHWC keeps the channels of a pixel contiguous, so the kernel vectorises over channels:
 * one vector = VEC_N channels of one pixel. Each output row is split into
 *  - the interior: output pixels whose 9 taps all fall inside the input, cut into chunks of
 *    CHUNK = 32 pixels. For each channel tile the 9 weight vectors and the bias are loaded
 *    into registers once per chunk, then the chunk is swept DW_NP pixels at a time, the
 *    rest 4, 2, 1 at a time. Copies specialised for the network's stride/dilation pairs
 *    (1/1, 2/1, 1/2, 1/4) unroll the taps at compile time and walk each tap row column by
 *    column, so an input vector shared by neighbouring pixels is loaded once (stride 1,
 *    dilation 1, 4 pixels: 6 loads for 12 FMAs per tap row) and every address is a
 *    constant offset from one pointer: no spilled address registers, no bounds checks.
 *    The chunk keeps the three input row pieces a tile touches in L1 while the tiles are
 *    swept.
 *  - the border (SAME padding's left/right columns, top/bottom rows) and any other
 *    stride/dilation: one pixel at a time over the list of in-range taps, two channel tiles
 *    per step for two independent FMA chains.
 * Every output value is bias + its in-range taps in (ky, kx) order, one FMA each, however
 * the pixels and tiles are grouped: the grouping is only about registers and loads.
 * OpenMP: output rows are split statically between threads.
 */
#include "kernels_isa.h"

#define CHUNK 32 /* interior pixels per column chunk */

#if DW_SCALAR_TAIL
static inline float act1(float x, bd_act act)
{
    if (act != BD_ACT_NONE)
        x = x > 0.0f ? x : 0.0f;
    if (act == BD_ACT_RELU6)
        x = x < 6.0f ? x : 6.0f;
    return x;
}
#endif

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
    for (; ch + 2 * VEC_N <= c; ch += 2 * VEC_N) { /* two tiles: two independent FMA chains */
        vec_f acc0 = vec_load(bias + ch), acc1 = vec_load(bias + ch + VEC_N);
        for (int t = 0; t < nt; t++) {
            acc0 = vec_fma(acc0, vec_load(src[t] + ch), vec_load(wk[t] + ch));
            acc1 = vec_fma(acc1, vec_load(src[t] + ch + VEC_N), vec_load(wk[t] + ch + VEC_N));
        }
        vec_store(o + ch, vec_act(acc0, act));
        vec_store(o + ch + VEC_N, vec_act(acc1, act));
    }
    for (; ch + VEC_N <= c; ch += VEC_N) {
        vec_f acc = vec_load(bias + ch);
        for (int t = 0; t < nt; t++)
            acc = vec_fma(acc, vec_load(src[t] + ch), vec_load(wk[t] + ch));
        vec_store(o + ch, vec_act(acc, act));
    }
#if DW_SCALAR_TAIL
    for (; ch < c; ch++) {
        float acc = bias[ch];
        for (int t = 0; t < nt; t++)
            acc += src[t][ch] * wk[t][ch];
        o[ch] = act1(acc, act);
    }
#else
    if (ch < c) {
        const vec_mask m = tail_mask(c - ch);
        vec_f acc = vec_load_mask(bias + ch, m);
        for (int t = 0; t < nt; t++)
            acc = vec_fma(acc, vec_load_mask(src[t] + ch, m), vec_load_mask(wk[t] + ch, m));
        vec_store_mask(o + ch, m, vec_act(acc, act));
    }
#endif
}

/* load VEC_N channels: plain for full tiles, masked (lanes of m) for the last partial one */
#define LD(p) (FULL ? vec_load(p) : vec_load_mask((p), m))

/* One channel tile of NP (1..DW_NP) neighbouring interior output pixels, the weights
 * already in registers. S and D are the stride and dilation: compile-time constants in the
 * specialised copies, so the tap loops unroll into straight FMAs. Each row of taps is
 * walked column by column (q += c): an input vector is loaded once and feeds every
 * (pixel, tap) pair that reads it. */
static inline __attribute__((always_inline)) void
tile_px(const int S, const int D, const int NP, const int FULL, const float *p, size_t c,
        size_t rowstride, float *o, const vec_f w[9], vec_f bias, bd_act act, vec_mask m)
{
    vec_f a[DW_NP];
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
            const vec_f x = LD(q);
#pragma GCC unroll 8
            for (int j = 0; j < NP; j++) {
                const int t = col - j * S;
                if (t >= 0 && t % D == 0 && t / D < 3)
                    a[j] = vec_fma(a[j], x, w[ky * 3 + t / D]);
            }
        }
    }
#pragma GCC unroll 8
    for (int j = 0; j < NP; j++) {
        vec_f v = vec_act(a[j], act);
        if (FULL)
            vec_store(o + j * c, v);
        else
            vec_store_mask(o + j * c, m, v);
    }
}

/* Interior output pixels [0, npx) of one row segment for one channel tile: p points at tap
 * (0,0) of the first pixel (+ the tile's channel offset), o at its output. */
static inline __attribute__((always_inline)) void
tile_run(const int S, const int D, const int FULL, const float *p, size_t c, size_t rowstride,
         float *o, int npx, const float *wt, const float *bias, bd_act act, vec_mask m)
{
    vec_f w[9];
#pragma GCC unroll 9
    for (int t = 0; t < 9; t++)
        w[t] = LD(wt + t * c);
    const vec_f b = LD(bias);
    const size_t step = (size_t)S * c;
    int j = 0;
    for (; j + DW_NP <= npx; j += DW_NP, p += DW_NP * step, o += DW_NP * c)
        tile_px(S, D, DW_NP, FULL, p, c, rowstride, o, w, b, act, m);
    if (DW_NP > 4 && npx - j >= 4) {
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

/* the tile runners specialised per (stride, dilation), for full (FULL 1) and masked tiles */
typedef void (*run_fn)(const float *p, size_t c, size_t rowstride, float *o, int npx,
                       const float *wt, const float *bias, bd_act act, vec_mask m);
#define RUN(S, D, FULL)                                                                    \
    static void run_##S##_##D##_##FULL(const float *p, size_t c, size_t rowstride, float *o, \
                                       int npx, const float *wt, const float *bias,         \
                                       bd_act act, vec_mask m)                              \
    {                                                                                      \
        tile_run(S, D, FULL, p, c, rowstride, o, npx, wt, bias, act, m);                   \
    }
RUN(1, 1, 1) RUN(2, 1, 1) RUN(1, 2, 1) RUN(1, 4, 1)
#if DW_SCALAR_TAIL
#define PART(S, D) NULL
#else
RUN(1, 1, 0) RUN(2, 1, 0) RUN(1, 2, 0) RUN(1, 4, 0)
#define PART(S, D) run_##S##_##D##_0
#endif

/* The interior pixels [x0, x1) of one output row with the stride/dilation's tile runners
 * (full: whole VEC_N-channel tiles, part: the masked last one). Column chunks of CHUNK
 * pixels keep each channel tile's working set (3 input row pieces) in L1 while the tiles
 * are swept. */
static void row_interior(run_fn full, run_fn part, const float *irow, int pad_left, int s,
                         int d, int w, int c, float *orow, int x0, int x1, const float *wt,
                         const float *bias, bd_act act)
{
    const size_t cs = (size_t)c, rowstride = (size_t)w * cs;
    const vec_mask all = tail_mask(VEC_N);
#if DW_SCALAR_TAIL
    (void)part;
#else
    const vec_mask tail = tail_mask(c % VEC_N ? c % VEC_N : VEC_N);
    (void)d;
#endif
    for (int xa = x0; xa < x1; xa += CHUNK) {
        const int npx = x1 - xa < CHUNK ? x1 - xa : CHUNK;
        const float *p = irow + (size_t)(s * xa - pad_left) * cs;
        float *o = orow + (size_t)xa * cs;
        int ch = 0;
        for (; ch + VEC_N <= c; ch += VEC_N)
            full(p + ch, cs, rowstride, o + ch, npx, wt + ch, bias + ch, act, all);
#if DW_SCALAR_TAIL
        for (; ch < c; ch++)
            for (int j = 0; j < npx; j++) {
                float acc = bias[ch];
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++)
                        acc += p[(size_t)j * s * cs + ky * d * rowstride + kx * d * cs + ch] *
                               wt[(ky * 3 + kx) * cs + ch];
                o[j * cs + ch] = act1(acc, act);
            }
#else
        if (ch < c)
            part(p + ch, cs, rowstride, o + ch, npx, wt + ch, bias + ch, act, tail);
#endif
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

void BD_ISA_FN(bd_dwconv3x3)(const float *in, int h, int w, int c, float *out, int oh, int ow,
                             const float *weight, const float *bias, int stride, int dilation,
                             int pad_top, int pad_left, bd_act act)
{
    const int s = stride, d = dilation;
    run_fn full = NULL, part = NULL; /* the interior runners for this stride and dilation */
    if (s == 1 && d == 1) full = run_1_1_1, part = PART(1, 1);
    if (s == 2 && d == 1) full = run_2_1_1, part = PART(2, 1);
    if (s == 1 && d == 2) full = run_1_2_1, part = PART(1, 2);
    if (s == 1 && d == 4) full = run_1_4_1, part = PART(1, 4);
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
            row_interior(full, part, in + (size_t)iy * w * cs, pad_left, s, d, w, c, orow,
                         xlo, xhi, weight, bias, act);
            ox = xhi;
        }
        for (; ox < ow; ox++)
            pixel_any(in, h, w, c, orow + ox * cs, weight, bias, iy, s * ox - pad_left, d, act);
    }
}
