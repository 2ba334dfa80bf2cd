/* dwconv3x3_neon.c — depthwise 3x3 convolution (stride 1/2, dilation 1/2/4/...) with NEON:
 * the driver of dwconv3x3_body.h on 4-channel q-register tiles, the interior swept 4 pixels
 * at a time (9 weights + bias + 4 accumulators + 1 input of the 32 registers). NEON has no
 * masked loads, so the channels past the last multiple of 4 are computed by a scalar loop
 * over the same taps.
 */
#define DW_NP 4          /* interior pixels per step */
#define DW_SCALAR_TAIL 1 /* partial channel tile: scalar loop */

#include "simd/vec_neon.h"
#include "dwconv3x3_body.h"
