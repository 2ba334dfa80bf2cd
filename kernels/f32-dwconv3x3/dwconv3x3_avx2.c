/* dwconv3x3_avx2.c — depthwise 3x3 convolution (stride 1/2, dilation 1/2/4/...) with AVX2:
 * the driver of dwconv3x3_body.h on 8-channel ymm tiles. The interior is swept 4 pixels
 * at a time: 9 weights + bias + 4 accumulators + 1 input = 15 of the 16 ymm registers.
 * Channel counts that are not a multiple of 8 end with one masked tile (maskload never
 * touches the masked-out lanes, maskstore never writes them).
 */
#define DW_NP 4          /* interior pixels per step */
#define DW_SCALAR_TAIL 0 /* partial channel tile: masked */

#include "simd/vec_avx2.h"
#include "dwconv3x3_body.h"
