/* conv3x3s2_avx2.c — the network's first layer (full 3x3 conv, stride 2, cin = 3) with
 * AVX2: the driver of conv3x3s2_body.h on 8-float ymm vectors, so blocks of up to 32 output
 * channels (a partial last vector is loaded and stored with a mask). Two interior pixels at
 * once: 8 accumulators + 4 weights + 1 broadcast of the 16 ymm registers.
 */
#include "simd/vec_avx2.h"
#include "conv3x3s2_body.h"
