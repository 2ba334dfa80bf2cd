/* conv3x3s2_neon.c — the network's first layer (full 3x3 conv, stride 2, cin = 3) with NEON.
 *
 * As in conv3x3s2_avx2.c the kernel vectorises over output channels: blocks of up to 16
 * output channels (4 q-register accumulators per pixel), two neighbouring interior output
 * pixels at once so each weight vector loaded feeds two FMAs (8 accumulators + 4 weights +
 * 2 broadcasts). Border pixels (SAME padding) go one at a time over the in-range taps.
 * A block's partial last vector (cout % 4 != 0) is loaded and stored through a small
 * zero-padded buffer, since NEON has no masked loads.
 * OpenMP: output rows are split statically between threads.
 */
#include <arm_neon.h>
#include <string.h>

#include "kernels_isa.h"

typedef struct {
    const float *in;
    ptrdiff_t off;          /* index of tap (0, 0) of the first output pixel (may be outside) */
    int w, cin, cout;
    int ky0, ky1, kx0, kx1; /* the in-range taps */
    const float *wt, *bias; /* + first output channel of the block */
    int last_valid;         /* valid lanes of the block's last vector */
    float *o;               /* output of the first pixel + first channel of the block */
    bd_act act;
} conv_args;

static inline float32x4_t load_part(const float *p, int n)
{
    float t[4] = {0, 0, 0, 0};
    memcpy(t, p, (size_t)n * sizeof *t);
    return vld1q_f32(t);
}

static inline __attribute__((always_inline)) void conv_tile(const int NV, const int NP,
                                                            const int FULL, const conv_args *a)
{
    const int lv = a->last_valid;
    const size_t cin = (size_t)a->cin, cout = (size_t)a->cout, rowlen = (size_t)a->w * cin;
    float32x4_t acc[2][4];
#define LDW(p, v) ((FULL || (v) < NV - 1) ? vld1q_f32(p) : load_part((p), lv))
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) {
        acc[0][v] = LDW(a->bias + 4 * v, v);
        acc[1][v] = acc[0][v];
    }
    for (int ky = a->ky0; ky < a->ky1; ky++)
        for (int kx = a->kx0; kx < a->kx1; kx++) {
            const float *px = a->in + (a->off + (ptrdiff_t)(ky * rowlen + kx * cin));
            const float *wk = a->wt + (size_t)(ky * 3 + kx) * cin * cout;
            for (size_t ci = 0; ci < cin; ci++, wk += cout) {
                float32x4_t wv[4];
#pragma GCC unroll 4
                for (int v = 0; v < NV; v++)
                    wv[v] = LDW(wk + 4 * v, v);
#pragma GCC unroll 2
                for (int p = 0; p < NP; p++) {
                    float32x4_t x = vld1q_dup_f32(px + 2 * p * cin + ci);
#pragma GCC unroll 4
                    for (int v = 0; v < NV; v++)
                        acc[p][v] = vfmaq_f32(acc[p][v], x, wv[v]);
                }
            }
        }
#undef LDW
    const float32x4_t zero = vdupq_n_f32(0.0f), six = vdupq_n_f32(6.0f);
#pragma GCC unroll 2
    for (int p = 0; p < NP; p++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) {
            float32x4_t x = acc[p][v];
            if (a->act != BD_ACT_NONE)
                x = vmaxq_f32(x, zero);
            if (a->act == BD_ACT_RELU6)
                x = vminq_f32(x, six);
            float *dst = a->o + p * cout + 4 * v;
            if (FULL || v < NV - 1) {
                vst1q_f32(dst, x);
            } else {
                float t[4];
                vst1q_f32(t, x);
                memcpy(dst, t, (size_t)lv * sizeof *t);
            }
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

static void conv_pixels(const conv_args *a, int np, float *o)
{
    for (int co = 0; co < a->cout; co += 16) {
        const int left = a->cout - co < 16 ? a->cout - co : 16;
        const int nv = (left + 3) / 4;
        conv_args t = *a;
        t.wt += co;
        t.bias += co;
        t.o = o + co;
        t.last_valid = left - 4 * (nv - 1);
        convs[np - 1][t.last_valid == 4][nv](&t);
    }
}

void bd_conv3x3s2_neon(const float *in, int h, int w, int cin, float *out, int oh, int ow,
                    int cout, const float *weight, const float *bias, int pad_top,
                    int pad_left, bd_act act)
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
            const int pair = ox + 1 < ow && ix >= 0 && ix + 2 + 2 < w;
            conv_pixels(&a, pair ? 2 : 1, orow + (size_t)ox * cout);
            ox += pair ? 2 : 1;
        }
    }
}
