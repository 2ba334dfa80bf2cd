/* table_avx512.c — the AVX-512 kernel table (x86-64 with AVX-512 F/DQ/BW/VL + AVX2 + FMA:
 * Skylake-SP, Ice Lake, Tiger Lake, Sapphire Rapids, Zen 4 or newer).
 * zmm versions exist where the work is: the 1x1 conv GEMM (pwconv_avx512.c, ~85% of the
 * network's multiply-adds) and the depthwise 3x3 (dwconv3x3_avx512.c). The rest reuse the
 * AVX2 table's choices, because a zmm version would not pay:
 *  - conv3x3s2 (the stem, ~2% of the work, 16 or 32 output channels = 1 or 2 zmm per
 *    pixel, bound by the 27 broadcasts per pixel rather than the FMA width): bd_conv3x3s2_avx2;
 *  - upsample_argmax (must match the scalar labels bit for bit; 8 pixels per ymm already
 *    leaves it bound by the x-interpolation rows it caches): bd_upsample_argmax_avx2;
 *  - avgpool (one pass over one small feature map): the scalar reference, as in the AVX2
 *    table.
 * See kernels/dispatch.c for when this table is chosen. */
#include "kernels.h"
#include "kernels_ref.h"
#include "kernels_isa.h"

const bd_kernels bd_kernels_avx512 = {
    .isa = "avx512",
    .conv3x3s2 = bd_conv3x3s2_avx2,
    .dwconv3x3 = bd_dwconv3x3_avx512,
    .pwconv = bd_pwconv_avx512,
    .avgpool = bd_avgpool_ref,
    .upsample_argmax = bd_upsample_argmax_avx2,
};
