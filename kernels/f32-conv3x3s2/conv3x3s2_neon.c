/* conv3x3s2_neon.c — the network's first layer (full 3x3 conv, stride 2, cin = 3) with
 * NEON: the driver of conv3x3s2_body.h on 4-float q vectors, so blocks of up to 16 output
 * channels. A block's partial last vector (cout % 4 != 0) goes through a small zero-padded
 * buffer, since NEON has no masked loads.
 */
#include "simd/vec_neon.h"
#include "conv3x3s2_body.h"
