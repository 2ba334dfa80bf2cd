/* upsample_argmax_body.h — the fused "bilinear upsample of the logits (align_corners) +
 * argmax" driver, written once and compiled per ISA: upsample_argmax_<isa>.c includes
 * simd/vec_<isa>.h (vector primitives, VEC_N floats per vector), defines
 *   lerp1(a, b, f)          a + (b - a) * f in float32, one rounding per operation (never
 *                           contracted into an FMA)
 *   store_labels(out, idx, n)  the first n (1..VEC_N) lanes of idx (class numbers held as
 *                           floats) as bytes
 * and then includes this file. The output is vectorised over VEC_N neighbouring pixels.
 *
 * The labels must be exactly those of the scalar reference, so the arithmetic is the
 * reference's, operation for operation (separate mul and add, no FMA):
 *     top = tl + (tr - tl) * fx,  bottom = bl + (br - bl) * fx,  v = top + (bottom - top) * fy
 * with the same float32 coordinates, and ties keep the lower class (strict >).
 * The trick is the order of work: `top` depends only on the input row y0 and the output
 * column, so for a chunk of CW = 64 output columns the x-interpolated input rows y0 and y1
 * are computed once, stored class-major (X[class][column], 16 KB on the stack), and reused
 * by all the output rows that share them (about 8 at 65 -> 513). Each output row is then a
 * vector loop over VEC_N columns at a time: one sub/mul/add, one compare and two selects
 * per class. Up to CMAX = 32 classes take this path; more fall back to the scalar
 * reference.
 * OpenMP: output rows are split statically (each thread keeps its own cached rows).
 */
#include <math.h>
#include <omp.h>
#include <stdint.h>

#include "kernels_ref.h"
#include "kernels_isa.h"

#define CW 64    /* output columns per chunk */
#define CMAX 32  /* classes handled by the vector path */

/* X[cls][j] = x-interpolation of input row y at output column x_first + j, j < ncols;
 * columns ncols .. round-up-to-VEC_N are zeroed */
static void xrow(const float *logits, int iw, int c, int y, const int *x0, const int *x1,
                 const float *fx, int ncols, float (*X)[CW])
{
    const float *row = logits + (size_t)y * iw * c;
    for (int j = 0; j < ncols; j++) {
        const float *l = row + (size_t)x0[j] * c, *r = row + (size_t)x1[j] * c;
        for (int cls = 0; cls < c; cls++)
            X[cls][j] = lerp1(l[cls], r[cls], fx[j]);
    }
    const int padded = (ncols + VEC_N - 1) & ~(VEC_N - 1);
    for (int cls = 0; cls < c; cls++)
        for (int j = ncols; j < padded; j++)
            X[cls][j] = 0.0f;
}

static void rows(const float *logits, int ih, int iw, int c, float scale_y, float scale_x,
                 int r0, int r1, int crop_w, uint8_t *labels)
{
    float X[2][CMAX][CW] __attribute__((aligned(4 * VEC_N)));
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
        int have[2] = {-1, -1}; /* input rows held in X[0], X[1] */
        for (int oy = r0; oy < r1; oy++) {
            float sy = (float)oy * scale_y;
            int y0 = (int)floorf(sy);
            int y1 = y0 + 1 < ih ? y0 + 1 : ih - 1;
            float fy = sy - (float)y0;
            /* slot of y0 and y1, recomputing only what is not cached */
            int st = have[0] == y0 ? 0 : have[1] == y0 ? 1 : -1;
            if (st < 0) {
                st = have[0] == y1 ? 1 : 0; /* do not overwrite a cached y1 */
                xrow(logits, iw, c, y0, x0, x1, fx, ncols, X[st]);
                have[st] = y0;
            }
            int sb = have[st ^ 1] == y1 ? st ^ 1 : have[st] == y1 ? st : -1;
            if (sb < 0) {
                sb = st ^ 1;
                xrow(logits, iw, c, y1, x0, x1, fx, ncols, X[sb]);
                have[sb] = y1;
            }
            const vec_f vfy = vec_set1(fy);
            uint8_t *out = labels + (size_t)oy * crop_w + xc;
            for (int j = 0; j < ncols; j += VEC_N) {
                vec_f top = vec_load_aligned(&X[st][0][j]);
                vec_f bot = vec_load_aligned(&X[sb][0][j]);
                vec_f best = vec_add(top, vec_mul(vec_sub(bot, top), vfy));
                vec_f idx = vec_zero();
                for (int cls = 1; cls < c; cls++) {
                    top = vec_load_aligned(&X[st][cls][j]);
                    bot = vec_load_aligned(&X[sb][cls][j]);
                    const vec_f v = vec_add(top, vec_mul(vec_sub(bot, top), vfy));
                    const vec_cmp gt = vec_cmpgt(v, best);
                    best = vec_select(gt, v, best);
                    idx = vec_select(gt, vec_set1((float)cls), idx);
                }
                store_labels(out + j, idx, ncols - j < VEC_N ? ncols - j : VEC_N);
            }
        }
    }
}

void BD_ISA_FN(bd_upsample_argmax)(const float *logits, int ih, int iw, int c, int full_h,
                                   int full_w, int crop_h, int crop_w, uint8_t *labels)
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
        rows(logits, ih, iw, c, scale_y, scale_x, r0, r1, crop_w, labels);
    }
}
