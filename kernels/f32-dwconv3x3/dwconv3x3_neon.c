/* dwconv3x3_neon.c — depthwise 3x3 convolution (stride 1/2, dilation 1/2/4/...) with NEON.
 *
 * The scheme of dwconv3x3_avx2.c with 4-channel vectors: each output row is split into the
 * interior (all 9 taps inside the input, no bounds checks) and the border (SAME padding),
 * done pixel by pixel over the in-range taps only. The interior is cut into chunks of 32
 * pixels; for each 4-channel tile the 9 weight vectors are loaded into registers once and
 * the chunk is swept 4 pixels at a time (4 accumulators), with copies specialised for the
 * network's stride/dilation pairs (1/1, 2/1, 1/2, 1/4) so all tap offsets are simple
 * pointer increments. NEON has no masked loads, so channels past the last multiple of 4
 * are computed by a scalar loop over the same taps.
 * OpenMP: output rows are split statically between threads.
 */
#include <arm_neon.h>

#include "kernels_isa.h"

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

/* One 4-channel tile of NP (1..4) neighbouring interior output pixels, the 9 weight
 * vectors already in registers. S and D (stride, dilation) are compile-time constants in
 * the specialised copies, so the tap loops unroll into straight FMAs; each row of taps is
 * walked column by column (q += c), an input vector loaded once feeding every (pixel, tap)
 * pair that reads it (stride 1, dilation 1: 6 loads for 12 FMAs). */
static inline __attribute__((always_inline)) void
tile_px(const int S, const int D, const int NP, const float *p, size_t c, size_t rowstride,
        float *o, const float32x4_t w[9], float32x4_t bias, bd_act act)
{
    float32x4_t a[4];
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
            const float32x4_t x = vld1q_f32(q);
#pragma GCC unroll 4
            for (int j = 0; j < NP; j++) {
                const int t = col - j * S;
                if (t >= 0 && t % D == 0 && t / D < 3)
                    a[j] = vfmaq_f32(a[j], x, w[ky * 3 + t / D]);
            }
        }
    }
#pragma GCC unroll 4
    for (int j = 0; j < NP; j++)
        vst1q_f32(o + j * c, activate(a[j], act));
}

/* Interior output pixels [0, npx) of one row segment for one 4-channel tile. */
static inline __attribute__((always_inline)) void
tile_run(const int S, const int D, const float *p, size_t c, size_t rowstride, float *o,
         int npx, const float *wt, const float *bias, bd_act act)
{
    float32x4_t w[9];
#pragma GCC unroll 9
    for (int t = 0; t < 9; t++)
        w[t] = vld1q_f32(wt + t * c);
    const float32x4_t b = vld1q_f32(bias);
    const size_t step = (size_t)S * c;
    int j = 0;
    for (; j + 4 <= npx; j += 4, p += 4 * step, o += 4 * c)
        tile_px(S, D, 4, p, c, rowstride, o, w, b, act);
    switch (npx - j) {
    case 3: tile_px(S, D, 3, p, c, rowstride, o, w, b, act); break;
    case 2: tile_px(S, D, 2, p, c, rowstride, o, w, b, act); break;
    case 1: tile_px(S, D, 1, p, c, rowstride, o, w, b, act); break;
    default: break;
    }
}

typedef void (*run_fn)(const float *p, size_t c, size_t rowstride, float *o, int npx,
                       const float *wt, const float *bias, bd_act act);
#define RUN(S, D)                                                                          \
    static void run_##S##_##D(const float *p, size_t c, size_t rowstride, float *o, int npx, \
                              const float *wt, const float *bias, bd_act act)               \
    {                                                                                      \
        tile_run(S, D, p, c, rowstride, o, npx, wt, bias, act);                            \
    }
RUN(1, 1) RUN(2, 1) RUN(1, 2) RUN(1, 4)

/* The interior pixels [x0, x1) of one output row: column chunks of CHUNK pixels, each swept
 * tile by tile; the last c % 4 channels by a scalar loop over the same taps. */
#define CHUNK 32
static void row_interior(run_fn run, const float *irow, int pad_left, int s, int d, int w,
                         int c, float *orow, int x0, int x1, const float *wt,
                         const float *bias, bd_act act)
{
    const size_t cs = (size_t)c, rowstride = (size_t)w * cs;
    for (int xa = x0; xa < x1; xa += CHUNK) {
        const int npx = x1 - xa < CHUNK ? x1 - xa : CHUNK;
        const float *p = irow + (size_t)(s * xa - pad_left) * cs;
        float *o = orow + (size_t)xa * cs;
        int ch = 0;
        for (; ch + 4 <= c; ch += 4)
            run(p + ch, cs, rowstride, o + ch, npx, wt + ch, bias + ch, act);
        for (; ch < c; ch++)
            for (int j = 0; j < npx; j++) {
                float acc = bias[ch];
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++)
                        acc += p[(size_t)j * s * cs + ky * d * rowstride + kx * d * cs + ch] *
                               wt[(ky * 3 + kx) * cs + ch];
                o[j * cs + ch] = activate1(acc, act);
            }
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

void bd_dwconv3x3_neon(const float *in, int h, int w, int c, float *out, int oh, int ow,
                    const float *weight, const float *bias, int stride, int dilation,
                    int pad_top, int pad_left, bd_act act)
{
    const int s = stride, d = dilation;
    run_fn run = NULL; /* the interior runner for this stride and dilation */
    if (s == 1 && d == 1) run = run_1_1;
    if (s == 2 && d == 1) run = run_2_1;
    if (s == 1 && d == 2) run = run_1_2;
    if (s == 1 && d == 4) run = run_1_4;
    int ylo, yhi, xlo, xhi;
    interior(h, oh, s, d, pad_top, &ylo, &yhi);
    interior(w, ow, s, d, pad_left, &xlo, &xhi);
    if (!run) /* other combinations (not in the network): per-pixel path everywhere */
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
            row_interior(run, in + (size_t)iy * w * cs, pad_left, s, d, w, c, orow, xlo, xhi,
                         weight, bias, act);
            ox = xhi;
        }
        for (; ox < ow; ox++)
            pixel_any(in, h, w, c, orow + ox * cs, weight, bias, iy, s * ox - pad_left, d, act);
    }
}
