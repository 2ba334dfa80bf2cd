/* pwconv_avx2.c — 1x1 convolution (out = act(in x W + bias) + residual) with AVX2 + FMA:
 * the GEMM driver of pwconv_body.h on 8-float ymm vectors, blocked for the 16 ymm
 * registers. Micro-kernel shapes (NR columns x MR rows):
 *   NR = 24 (3 vectors) x MR = 4 rows -> 12 accumulators + 3 B + 1 broadcast
 *   NR = 16 (2 vectors) x MR = 6 rows -> 12 accumulators + 2 B + 1 broadcast
 *   NR =  8 (1 vector)  x MR = 8 rows ->  8 accumulators (only for narrow remainders)
 * k chunks of up to 256 keep a packed 256 x 24 panel of B (24 KB) in L1.
 */
#define PW_MR1 8
#define PW_MR2 6
#define PW_MR3 4
#define PW_KC_MAX 256           /* k chunk: 256 x 24 floats of packed B = 24 KB */
#define PW_MC_BYTES (96 * 1024) /* target size of the MC x KC block of A */

#include "simd/vec_avx2.h"
#include "pwconv_body.h"
