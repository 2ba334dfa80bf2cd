/* table_neon.c — the NEON kernel table (aarch64, where NEON is always present).
 * The global average pool (one pass over one small feature map), where vectors do not
 * pay, reuses the scalar reference. */
#include "kernels.h"
#include "kernels_ref.h"
#include "kernels_isa.h"

const bd_kernels bd_kernels_neon = {
    .isa = "neon",
    .conv3x3s2 = bd_conv3x3s2_neon,
    .dwconv3x3 = bd_dwconv3x3_neon,
    .pwconv = bd_pwconv_neon,
    .avgpool = bd_avgpool_ref,
    .upsample_argmax = bd_upsample_argmax_neon,
};
