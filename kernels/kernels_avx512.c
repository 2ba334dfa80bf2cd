/* kernels_avx512.c — the AVX-512 kernel table (x86-64 with AVX-512 F/DQ/BW/VL + AVX2 + FMA:
 * Skylake-SP, Ice Lake, Tiger Lake, Sapphire Rapids, Zen 4 or newer).
 * zmm versions exist where the work is: the 1x1 conv GEMM (pwconv_avx512.c, ~85% of the
 * network's multiply-adds) and the depthwise 3x3 (dwconv3x3_avx512.c). The rest reuse the
 * AVX2 table's choices, because a zmm version would not pay:
 *  - conv3x3s2 (the stem, ~2% of the work, 16 or 32 output channels = 1 or 2 zmm per
 *    pixel, bound by the 27 broadcasts per pixel rather than the FMA width): conv3x3s2_avx2;
 *  - upsample_argmax (must match the scalar labels bit for bit; 8 pixels per ymm already
 *    leaves it bound by the x-interpolation rows it caches): upsample_argmax_avx2;
 *  - avgpool, resize_bilinear (used only to broadcast a 1x1 map) and argmax at feature
 *    resolution: the scalar references, as in the AVX2 table.
 * See kernels/dispatch.c for when this table is chosen. */
#include "kernels.h"
#include "kernels_ref_util.h"
#include "kernels_simd.h"

const bd_kernels bd_kernels_avx512 = {
    .isa = "avx512",
    .conv3x3s2 = conv3x3s2_avx2,
    .dwconv3x3 = dwconv3x3_avx512,
    .pwconv = pwconv_avx512,
    .avgpool = bd_avgpool_ref,
    .resize_bilinear = bd_resize_bilinear_ref,
    .upsample_argmax = upsample_argmax_avx2,
    .argmax = bd_argmax_ref,
};
