/* kernels_isa.h — private to kernels/: the SIMD kernel functions the per-ISA tables
 * (tables/table_<isa>.c) point to, the name each driver (<family>/<op>_body.h) gives its
 * function per ISA, and the threading helpers every kernel driver shares. */
#ifndef BACKDROP_KERNELS_ISA_H
#define BACKDROP_KERNELS_ISA_H

#include "kernels.h"

/* The SIMD kernels that exist, by ISA; each has exactly the signature and meaning of its
 * bd_*_fn type in kernels.h. Operations without an entry for an ISA reuse another table's
 * function (see tables/table_<isa>.c). */
#define BD_DECLARE_CONV3X3S2(sfx)                                                         \
    void bd_conv3x3s2_##sfx(const float *in, int h, int w, int cin, float *out, int oh,   \
                            int ow, int cout, const float *weight, const float *bias,     \
                            int pad_top, int pad_left, bd_act act);
#define BD_DECLARE_DWCONV3X3(sfx)                                                         \
    void bd_dwconv3x3_##sfx(const float *in, int h, int w, int c, float *out, int oh,     \
                            int ow, const float *weight, const float *bias, int stride,   \
                            int dilation, int pad_top, int pad_left, bd_act act);
#define BD_DECLARE_PWCONV(sfx)                                                            \
    void bd_pwconv_##sfx(const float *in, int m, int k, float *out, int n,                \
                         const float *weight, const float *bias, const float *residual,   \
                         bd_act act);
#define BD_DECLARE_UPSAMPLE_ARGMAX(sfx)                                                   \
    void bd_upsample_argmax_##sfx(const float *logits, int ih, int iw, int c, int full_h, \
                                  int full_w, int crop_h, int crop_w, uint8_t *labels);

#if defined(__x86_64__) || defined(__i386__)
BD_DECLARE_CONV3X3S2(avx2)
BD_DECLARE_DWCONV3X3(avx2)
BD_DECLARE_PWCONV(avx2)
BD_DECLARE_UPSAMPLE_ARGMAX(avx2)
BD_DECLARE_DWCONV3X3(avx512)
BD_DECLARE_PWCONV(avx512)
#endif
#if defined(__aarch64__)
BD_DECLARE_CONV3X3S2(neon)
BD_DECLARE_DWCONV3X3(neon)
BD_DECLARE_PWCONV(neon)
BD_DECLARE_UPSAMPLE_ARGMAX(neon)
#endif

/* BD_ISA_FN(bd_pwconv) names the kernel a per-ISA unit defines: bd_pwconv_avx2 when the unit
 * included simd/vec_avx2.h (which sets VEC_ISA), and so on. */
#define BD_ISA_FN(name) BD_ISA_FN_(name, VEC_ISA)
#define BD_ISA_FN_(name, isa) BD_ISA_FN__(name, isa)
#define BD_ISA_FN__(name, isa) name##_##isa

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
