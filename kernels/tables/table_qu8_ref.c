/* qu8_kernels_ref.c — the table of scalar uint8 reference kernels (the qu8-OP folders):
 * the yardstick every int8 SIMD table is tested against, bit for bit, and the fallback on
 * any CPU. */
#include "kernels_quant.h"

const bd_qu8_kernels bd_qu8_kernels_ref = {
    .isa = "scalar",
    .conv3x3s2 = bd_qu8_conv3x3s2_ref,
    .dwconv3x3 = bd_qu8_dwconv3x3_ref,
    .pwconv = bd_qu8_pwconv_ref,
    .add = bd_qu8_add_ref,
    .avgpool = bd_qu8_avgpool_ref,
    .requantize = bd_qu8_requantize_ref,
};
