/* table_avx2.c — the AVX2 + FMA kernel table (x86-64 with Haswell/Zen or newer).
 * The global average pool (one pass over one small feature map), where vectors do not
 * pay, reuses the scalar reference; see kernels/dispatch.c for when this table is chosen. */
#include "kernels.h"
#include "kernels_ref.h"
#include "kernels_isa.h"

const bd_kernels bd_kernels_avx2 = {
    .isa = "avx2",
    .conv3x3s2 = bd_conv3x3s2_avx2,
    .dwconv3x3 = bd_dwconv3x3_avx2,
    .pwconv = bd_pwconv_avx2,
    .avgpool = bd_avgpool_ref,
    .upsample_argmax = bd_upsample_argmax_avx2,
};
