/* pwconv_neon.c — 1x1 convolution (out = act(in x W + bias) + residual) with NEON
 * (aarch64): the GEMM driver of pwconv_body.h on 4-float q vectors, blocked for the 32
 * vector registers. Micro-kernel shapes: NR = 12 (3 vectors) x MR = 6 rows (18
 * accumulators + 3 B + 6 broadcast A = 27 of the 32 registers; 8 rows would spill),
 * NR = 8 or 4 x MR = 8 rows for narrower strips. A strip's partial last vector
 * (n % 4 != 0) goes through a small zero-padded buffer (NEON has no masked loads).
 */
#define PW_MR1 8
#define PW_MR2 8
#define PW_MR3 6
#define PW_KC_MAX 256           /* k chunk: 256 x 12 floats of packed B = 12 KB */
#define PW_MC_BYTES (64 * 1024) /* target size of the MC x KC block of A */

#include "simd/vec_neon.h"
#include "pwconv_body.h"
