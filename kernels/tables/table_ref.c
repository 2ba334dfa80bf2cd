/* table_ref.c — the table of scalar reference kernels (one <family>/<op>_ref.c file per operation).
 * It is the correctness yardstick every SIMD table is tested against, and the fallback on
 * CPUs without a supported vector extension. */
#include "kernels.h"
#include "kernels_ref.h"

const bd_kernels bd_kernels_ref = {
    .isa = "scalar",
    .conv3x3s2 = bd_conv3x3s2_ref,
    .dwconv3x3 = bd_dwconv3x3_ref,
    .pwconv = bd_pwconv_ref,
    .avgpool = bd_avgpool_ref,
    .upsample_argmax = bd_upsample_argmax_ref,
};
