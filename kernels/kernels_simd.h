/* kernels_simd.h — private to kernels/: the SIMD kernel functions the per-ISA tables
 * (kernels_avx2.c, kernels_avx512.c, kernels_neon.c) point to, and small helpers those
 * files share.
 * Each function has exactly the signature and meaning of its bd_*_fn type in kernels.h. */
#ifndef BACKDROP_KERNELS_SIMD_H
#define BACKDROP_KERNELS_SIMD_H

#include "kernels.h"

#define BD_DECLARE_KERNELS(sfx)                                                           \
    void conv3x3s2_##sfx(const float *in, int h, int w, int cin, float *out, int oh,      \
                         int ow, int cout, const float *weight, const float *bias,        \
                         int pad_top, int pad_left, bd_act act);                          \
    void dwconv3x3_##sfx(const float *in, int h, int w, int c, float *out, int oh, int ow, \
                         const float *weight, const float *bias, int stride, int dilation, \
                         int pad_top, int pad_left, bd_act act);                          \
    void pwconv_##sfx(const float *in, int m, int k, float *out, int n,                   \
                      const float *weight, const float *bias, const float *residual,      \
                      bd_act act);                                                        \
    void avgpool_##sfx(const float *in, int hw, int c, float *out);                       \
    void resize_bilinear_##sfx(const float *in, int ih, int iw, int c, float *out,        \
                               int oh, int ow);                                           \
    void upsample_argmax_##sfx(const float *logits, int ih, int iw, int c, int full_h,    \
                               int full_w, int crop_h, int crop_w, uint8_t *labels);      \
    void argmax_##sfx(const float *in, int n, int c, uint8_t *labels);

BD_DECLARE_KERNELS(avx2)
BD_DECLARE_KERNELS(neon)

/* AVX-512 versions exist only of the two hot kernels; the avx512 table reuses the AVX2 and
 * scalar functions for the rest (see kernels_avx512.c). */
void dwconv3x3_avx512(const float *in, int h, int w, int c, float *out, int oh, int ow,
                      const float *weight, const float *bias, int stride, int dilation,
                      int pad_top, int pad_left, bd_act act);
void pwconv_avx512(const float *in, int m, int k, float *out, int n, const float *weight,
                   const float *bias, const float *residual, bd_act act);

/* Split [0, n) into `parts` near-equal contiguous ranges aligned to `unit`; part i gets
 * [*lo, *hi). Used to give each OpenMP thread a static block of rows. */
static inline void bd_split_range(int n, int unit, int parts, int i, int *lo, int *hi)
{
    int units = (n + unit - 1) / unit;
    int u0 = (int)((long long)units * i / parts), u1 = (int)((long long)units * (i + 1) / parts);
    *lo = u0 * unit < n ? u0 * unit : n;
    *hi = u1 * unit < n ? u1 * unit : n;
}

/* How many threads a kernel doing `work` multiply-adds should use: tiny calls stay on one
 * thread, where waking the OpenMP team would cost more than it saves. */
int bd_kernel_threads(double work);

#endif
