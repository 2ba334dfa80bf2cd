/* kernels_neon.c — the NEON kernel table (aarch64, where NEON is always present).
 * Operations where vectors do not pay (global average pool, the resize the network uses
 * only to broadcast a 1x1 map, argmax at feature resolution) reuse the scalar references. */
#include "kernels.h"
#include "kernels_ref_util.h"
#include "kernels_simd.h"

const bd_kernels bd_kernels_neon = {
    .isa = "neon",
    .conv3x3s2 = conv3x3s2_neon,
    .dwconv3x3 = dwconv3x3_neon,
    .pwconv = pwconv_neon,
    .avgpool = bd_avgpool_ref,
    .resize_bilinear = bd_resize_bilinear_ref,
    .upsample_argmax = upsample_argmax_neon,
    .argmax = bd_argmax_ref,
};
