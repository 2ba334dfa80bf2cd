/* kernels.h — the operations DeepLabV3-MobileNetV2 is made of, and the table that picks an
 * implementation of each for the CPU we run on.
 *
 * Every kernel exists as a scalar reference (`<family>/<op>_ref.c`, plain loops that read like
 * the math) and as SIMD variants (`<op>_avx2.c`, `<op>_avx512.c`, `<op>_neon.c` beside it) that
 * must give the same results within float rounding. Each family folder (f32-pwconv/, ...)
 * holds one operation; the SIMD variants share one driver (`<op>_body.h`) and differ only in
 * the vector primitives they include (simd/vec_<isa>.h) and their register blocking. The network (src/network.c) only ever calls kernels through a
 * `bd_kernels` table, so the same code runs with any ISA, and tests can walk every table.
 *
 * Conventions for all kernels:
 *  - tensors are float32, NHWC with batch 1: element (y, x, c) of an H x W x C tensor is at
 *    index (y * W + x) * C + c;
 *  - weights have the output channel innermost (see weights/README.md);
 *  - padding is TensorFlow's SAME: callers pass pad_top/pad_left, the bottom/right padding is
 *    whatever the output size implies; padded pixels read as 0;
 *  - kernels parallelise internally with OpenMP (omp_get_max_threads() threads) and never
 *    allocate memory unless stated;
 *  - output buffers never alias inputs (except where a comment says so).
 */
#ifndef BACKDROP_KERNELS_H
#define BACKDROP_KERNELS_H

#include <stddef.h>
#include <stdint.h>

typedef enum { BD_ACT_NONE = 0, BD_ACT_RELU = 1, BD_ACT_RELU6 = 2 } bd_act;

/* 3x3 convolution, stride 2, on the network input (cin is 3, but any cin works).
 * out[oy][ox][co] = act(bias[co] + sum_{ky,kx,ci} in[2oy+ky-pad_top][2ox+kx-pad_left][ci]
 *                                                 * weight[ky][kx][ci][co])            */
typedef void (*bd_conv3x3s2_fn)(const float *in, int h, int w, int cin,
                                float *out, int oh, int ow, int cout,
                                const float *weight, const float *bias,
                                int pad_top, int pad_left, bd_act act);

/* Depthwise 3x3 convolution with stride s (1 or 2) and dilation d (1, 2, 4, ...):
 * out[oy][ox][c] = act(bias[c] + sum_{ky,kx} in[s*oy+d*ky-pad_top][s*ox+d*kx-pad_left][c]
 *                                               * weight[ky][kx][c])                    */
typedef void (*bd_dwconv3x3_fn)(const float *in, int h, int w, int c,
                                float *out, int oh, int ow,
                                const float *weight, const float *bias,
                                int stride, int dilation, int pad_top, int pad_left,
                                bd_act act);

/* Pointwise (1x1) convolution = matrix product, with fused bias, activation and residual:
 * out[i][j] = act(bias[j] + sum_k in[i][k] * weight[k][j]) + (residual ? residual[i][j] : 0)
 * in is m x k, weight k x n, out and residual m x n, all row-major and contiguous.      */
typedef void (*bd_pwconv_fn)(const float *in, int m, int k,
                             float *out, int n,
                             const float *weight, const float *bias,
                             const float *residual, bd_act act);

/* Global average pool: out[c] = mean over the hw pixels of in[p][c]. */
typedef void (*bd_avgpool_fn)(const float *in, int hw, int c, float *out);

/* Fused "upsample logits + argmax": the label of output pixel (oy, ox), 0 <= oy < crop_h,
 * 0 <= ox < crop_w, of the (full_h x full_w) align_corners bilinear upsampling of the
 * (ih x iw x c) logits, i.e. exactly argmax over the output of resize_bilinear without
 * storing it. First maximum wins. labels is crop_h x crop_w.                            */
typedef void (*bd_upsample_argmax_fn)(const float *logits, int ih, int iw, int c,
                                      int full_h, int full_w, int crop_h, int crop_w,
                                      uint8_t *labels);

struct bd_kernels {
    const char *isa;                 /* "scalar", "avx2", "avx512", "neon" */
    bd_conv3x3s2_fn conv3x3s2;
    bd_dwconv3x3_fn dwconv3x3;
    bd_pwconv_fn pwconv;
    bd_avgpool_fn avgpool;
    bd_upsample_argmax_fn upsample_argmax;
};
typedef struct bd_kernels bd_kernels;

/* The scalar reference table: always present. */
extern const bd_kernels bd_kernels_ref;

/* All tables compiled into this binary, NULL-terminated, scalar first. A table may be
 * compiled in but unusable on this CPU: check with bd_kernels_supported(). */
extern const bd_kernels *const bd_kernels_all[];
int bd_kernels_supported(const bd_kernels *k);

/* The table to use: the best supported one, or the one named by $BACKDROP_ISA
 * (scalar|avx2|avx512|neon). Returns NULL and writes a message to err if $BACKDROP_ISA
 * names one that is absent or not supported here. Chosen once, then cached. */
const bd_kernels *bd_kernels_select(char *err, size_t errlen);

#endif
