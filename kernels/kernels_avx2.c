/* kernels_avx2.c — the AVX2 + FMA kernel table (x86-64 with Haswell/Zen or newer).
 * Operations where vectors do not pay (the pooled average over one small feature map, the
 * resize the network uses only to broadcast a 1x1 map, argmax at feature resolution) reuse
 * the scalar references; see kernels/dispatch.c for when this table is chosen. */
#include "kernels.h"
#include "kernels_ref_util.h"
#include "kernels_simd.h"

const bd_kernels bd_kernels_avx2 = {
    .isa = "avx2",
    .conv3x3s2 = conv3x3s2_avx2,
    .dwconv3x3 = dwconv3x3_avx2,
    .pwconv = pwconv_avx2,
    .avgpool = bd_avgpool_ref,
    .resize_bilinear = bd_resize_bilinear_ref,
    .upsample_argmax = upsample_argmax_avx2,
    .argmax = bd_argmax_ref,
};
