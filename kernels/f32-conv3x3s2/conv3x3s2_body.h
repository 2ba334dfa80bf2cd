/* conv3x3s2_body.h — the driver of the network's first layer (full 3x3 conv, stride 2,
 * cin = 3), written once and compiled per ISA: conv3x3s2_<isa>.c includes
 * simd/vec_<isa>.h (vector primitives, VEC_N floats per vector) and then this file.
 *
 * With only 3 input channels there is nothing to vectorise on the input side, so the kernel
 * vectorises over output channels: the output channels of a pixel are cut into blocks of up
 * to 4 vectors (4 VEC_N channels, 4 accumulators per pixel; the last vector of the last
 * block may be partial and then goes through the ISA's mask). For each of the 27 (tap,
 * input channel) pairs the input value is broadcast and FMA'd with the weight row
 * weight[ky][kx][ci][co .. co + 4 VEC_N).
 * In the interior of a row two neighbouring output pixels are computed together, so every
 * weight vector loaded feeds two FMAs (8 accumulators + 4 weights + 1 broadcast registers);
 * border pixels (SAME padding) are done one by one with the out-of-range taps skipped.
 * OpenMP: output rows are split statically between threads.
 */
#include <stddef.h>

#include "kernels_isa.h"

#define BLOCK (4 * VEC_N) /* output channels per block: 4 vectors */

typedef struct {
    const float *in;    /* the input tensor */
    ptrdiff_t off;      /* index of tap (0, 0) of the first output pixel (may be outside) */
    int w, cin, cout;
    int ky0, ky1, kx0, kx1; /* the in-range taps */
    const float *wt;    /* weight + first output channel of the block */
    const float *bias;  /* bias + first output channel of the block */
    int last_valid;     /* valid lanes of the block's last vector */
    float *o;           /* output of the first pixel + first channel of the block */
    bd_act act;
} conv_args;

/* NV vectors of output channels for NP (1 or 2) horizontally neighbouring output pixels;
 * FULL: the last vector is complete (no masks). */
static inline __attribute__((always_inline)) void conv_tile(const int NV, const int NP,
                                                            const int FULL, const conv_args *a)
{
    const vec_mask m = tail_mask(a->last_valid);
    const size_t cin = (size_t)a->cin, cout = (size_t)a->cout, rowlen = (size_t)a->w * cin;
    vec_f acc[2][4];
#define LDW(p, v) ((FULL || (v) < NV - 1) ? vec_load(p) : vec_load_mask((p), m))
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) {
        acc[0][v] = LDW(a->bias + VEC_N * v, v);
        acc[1][v] = acc[0][v];
    }
    for (int ky = a->ky0; ky < a->ky1; ky++)
        for (int kx = a->kx0; kx < a->kx1; kx++) {
            const float *px = a->in + (a->off + (ptrdiff_t)(ky * rowlen + kx * cin));
            const float *wk = a->wt + (size_t)(ky * 3 + kx) * cin * cout;
            for (size_t ci = 0; ci < cin; ci++, wk += cout) {
                vec_f wv[4];
#pragma GCC unroll 4
                for (int v = 0; v < NV; v++)
                    wv[v] = LDW(wk + VEC_N * v, v);
#pragma GCC unroll 2
                for (int p = 0; p < NP; p++) {
                    const vec_f x = vec_broadcast(px + 2 * p * cin + ci);
#pragma GCC unroll 4
                    for (int v = 0; v < NV; v++)
                        acc[p][v] = vec_fma(acc[p][v], x, wv[v]);
                }
            }
        }
#undef LDW
#pragma GCC unroll 2
    for (int p = 0; p < NP; p++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) {
            const vec_f x = vec_act(acc[p][v], a->act);
            float *dst = a->o + p * cout + VEC_N * v;
            if (FULL || v < NV - 1)
                vec_store(dst, x);
            else
                vec_store_mask(dst, m, x);
        }
}

typedef void (*conv_fn)(const conv_args *a);
#define CONV(NV, NP, FULL) \
    static void conv_##NV##_##NP##_##FULL(const conv_args *a) { conv_tile(NV, NP, FULL, a); }
CONV(1, 1, 0) CONV(2, 1, 0) CONV(3, 1, 0) CONV(4, 1, 0)
CONV(1, 1, 1) CONV(2, 1, 1) CONV(3, 1, 1) CONV(4, 1, 1)
CONV(1, 2, 0) CONV(2, 2, 0) CONV(3, 2, 0) CONV(4, 2, 0)
CONV(1, 2, 1) CONV(2, 2, 1) CONV(3, 2, 1) CONV(4, 2, 1)
static const conv_fn convs[2][2][5] = {
    {{0, conv_1_1_0, conv_2_1_0, conv_3_1_0, conv_4_1_0},
     {0, conv_1_1_1, conv_2_1_1, conv_3_1_1, conv_4_1_1}},
    {{0, conv_1_2_0, conv_2_2_0, conv_3_2_0, conv_4_2_0},
     {0, conv_1_2_1, conv_2_2_1, conv_3_2_1, conv_4_2_1}},
};

/* all output-channel blocks of np pixels starting at output (oy, ox) */
static void conv_pixels(const conv_args *a, int np, float *o)
{
    for (int co = 0; co < a->cout; co += BLOCK) {
        const int left = a->cout - co < BLOCK ? a->cout - co : BLOCK;
        const int nv = (left + VEC_N - 1) / VEC_N;
        conv_args t = *a;
        t.wt += co;
        t.bias += co;
        t.o = o + co;
        t.last_valid = left - VEC_N * (nv - 1);
        convs[np - 1][t.last_valid == VEC_N][nv](&t);
    }
}

void BD_ISA_FN(bd_conv3x3s2)(const float *in, int h, int w, int cin, float *out, int oh,
                             int ow, int cout, const float *weight, const float *bias,
                             int pad_top, int pad_left, bd_act act)
{
    const int nth = bd_kernel_threads((double)oh * ow * cout * cin * 9);
#pragma omp parallel for schedule(static) num_threads(nth) if (nth > 1)
    for (int oy = 0; oy < oh; oy++) {
        const int iy = 2 * oy - pad_top;
        conv_args a = {.in = in, .w = w, .cin = cin, .cout = cout, .wt = weight, .bias = bias,
                       .act = act};
        a.ky0 = iy < 0 ? -iy : 0;
        a.ky1 = h - iy < 3 ? h - iy : 3;
        if (a.ky1 < a.ky0)
            a.ky1 = a.ky0;
        float *orow = out + (size_t)oy * ow * cout;
        for (int ox = 0; ox < ow;) {
            const int ix = 2 * ox - pad_left;
            a.off = ((ptrdiff_t)iy * w + ix) * cin; /* only in-range taps are read */
            a.kx0 = ix < 0 ? -ix : 0;
            a.kx1 = w - ix < 3 ? w - ix : 3;
            if (a.kx1 < a.kx0)
                a.kx1 = a.kx0;
            /* a pair when both pixels have all three columns in range */
            const int pair = ox + 1 < ow && ix >= 0 && ix + 2 + 2 < w;
            conv_pixels(&a, pair ? 2 : 1, orow + (size_t)ox * cout);
            ox += pair ? 2 : 1;
        }
    }
}
