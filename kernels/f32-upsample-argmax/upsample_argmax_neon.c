/* upsample_argmax_neon.c — fused "bilinear upsample of the logits (align_corners) + argmax"
 * with NEON, vectorised over 4 neighbouring output pixels.
 *
 * The scheme of upsample_argmax_avx2.c: for a chunk of 64 output columns, the two input
 * rows an output row interpolates between are first interpolated along x (once per input
 * row, reused by every output row that shares it) into class-major buffers on the stack;
 * then each output row interpolates along y and takes the argmax 4 columns at a time.
 * The labels must equal the scalar reference's exactly, so the float operations are its
 * own, in its order: top = tl + (tr - tl) * fx, likewise bottom, v = top + (bottom - top)
 * * fy, and strict > so ties keep the lower class. The build's -std=c11 means gcc never
 * contracts these mul/add pairs into FMAs (it does only under -ffp-contract=fast); the
 * kernel test checks the labels for exact equality.
 * Up to 32 classes take this path; more fall back to the scalar reference.
 * OpenMP: output rows are split statically (each thread keeps its own cached rows).
 */
#include <arm_neon.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>

#include "kernels_ref.h"
#include "kernels_isa.h"

#define CW 64
#define CMAX 32

static void xrow(const float *logits, int iw, int c, int y, const int *x0, const int *x1,
                 const float *fx, int ncols, float (*X)[CW])
{
    const float *row = logits + (size_t)y * iw * c;
    for (int j = 0; j < ncols; j++) {
        const float *l = row + (size_t)x0[j] * c, *r = row + (size_t)x1[j] * c;
        const float f = fx[j];
        for (int cls = 0; cls < c; cls++)
            X[cls][j] = l[cls] + (r[cls] - l[cls]) * f;
    }
    const int padded = (ncols + 3) & ~3;
    for (int cls = 0; cls < c; cls++)
        for (int j = ncols; j < padded; j++)
            X[cls][j] = 0.0f;
}

static void rows_neon(const float *logits, int ih, int iw, int c, float scale_y,
                      float scale_x, int r0, int r1, int crop_w, uint8_t *labels)
{
    float X[2][CMAX][CW] __attribute__((aligned(16)));
    int x0[CW], x1[CW];
    float fx[CW];
    for (int xc = 0; xc < crop_w; xc += CW) {
        const int ncols = crop_w - xc < CW ? crop_w - xc : CW;
        for (int j = 0; j < ncols; j++) {
            float sx = (float)(xc + j) * scale_x;
            x0[j] = (int)floorf(sx);
            x1[j] = x0[j] + 1 < iw ? x0[j] + 1 : iw - 1;
            fx[j] = sx - (float)x0[j];
        }
        int have[2] = {-1, -1};
        for (int oy = r0; oy < r1; oy++) {
            float sy = (float)oy * scale_y;
            int y0 = (int)floorf(sy);
            int y1 = y0 + 1 < ih ? y0 + 1 : ih - 1;
            float fy = sy - (float)y0;
            int st = have[0] == y0 ? 0 : have[1] == y0 ? 1 : -1;
            if (st < 0) {
                st = have[0] == y1 ? 1 : 0;
                xrow(logits, iw, c, y0, x0, x1, fx, ncols, X[st]);
                have[st] = y0;
            }
            int sb = have[st ^ 1] == y1 ? st ^ 1 : have[st] == y1 ? st : -1;
            if (sb < 0) {
                sb = st ^ 1;
                xrow(logits, iw, c, y1, x0, x1, fx, ncols, X[sb]);
                have[sb] = y1;
            }
            const float32x4_t vfy = vdupq_n_f32(fy);
            uint8_t *out = labels + (size_t)oy * crop_w + xc;
            for (int j = 0; j < ncols; j += 4) {
                float32x4_t top = vld1q_f32(&X[st][0][j]), bot = vld1q_f32(&X[sb][0][j]);
                float32x4_t best = vaddq_f32(top, vmulq_f32(vsubq_f32(bot, top), vfy));
                uint32x4_t idx = vdupq_n_u32(0);
                for (int cls = 1; cls < c; cls++) {
                    top = vld1q_f32(&X[st][cls][j]);
                    bot = vld1q_f32(&X[sb][cls][j]);
                    float32x4_t v = vaddq_f32(top, vmulq_f32(vsubq_f32(bot, top), vfy));
                    uint32x4_t gt = vcgtq_f32(v, best);
                    best = vbslq_f32(gt, v, best);
                    idx = vbslq_u32(gt, vdupq_n_u32((uint32_t)cls), idx);
                }
                uint32_t tmp[4];
                vst1q_u32(tmp, idx);
                const int nv = ncols - j < 4 ? ncols - j : 4;
                for (int q = 0; q < nv; q++)
                    out[j + q] = (uint8_t)tmp[q];
            }
        }
    }
}

void bd_upsample_argmax_neon(const float *logits, int ih, int iw, int c, int full_h, int full_w,
                          int crop_h, int crop_w, uint8_t *labels)
{
    if (c > CMAX || c < 1) {
        bd_upsample_argmax_ref(logits, ih, iw, c, full_h, full_w, crop_h, crop_w, labels);
        return;
    }
    const float scale_y = bd_align_corners_scale(ih, full_h);
    const float scale_x = bd_align_corners_scale(iw, full_w);
    const int nth = bd_kernel_threads((double)crop_h * crop_w * c * 4);
#pragma omp parallel num_threads(nth) if (nth > 1)
    {
        int r0, r1;
        bd_split_range(crop_h, 1, omp_get_num_threads(), omp_get_thread_num(), &r0, &r1);
        rows_neon(logits, ih, iw, c, scale_y, scale_x, r0, r1, crop_w, labels);
    }
}
