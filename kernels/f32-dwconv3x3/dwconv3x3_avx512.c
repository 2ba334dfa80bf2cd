/* dwconv3x3_avx512.c — depthwise 3x3 convolution (stride 1/2, dilation 1/2/4/...) with
 * AVX-512F: the driver of dwconv3x3_body.h on 16-channel zmm tiles. The interior is swept
 * 8 pixels at a time: 9 weights + bias + 8 accumulators + 1 input = 19 of the 32 zmm
 * registers (stride 1, dilation 1: 10 loads for 24 FMAs per tap row). Channel counts that
 * are not a multiple of 16 end with one tile under an __mmask16, also in the interior.
 */
#define DW_NP 8          /* interior pixels per step */
#define DW_SCALAR_TAIL 0 /* partial channel tile: masked */

#include "simd/vec_avx512.h"
#include "dwconv3x3_body.h"
