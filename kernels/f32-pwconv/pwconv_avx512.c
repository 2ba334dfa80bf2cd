/* pwconv_avx512.c — 1x1 convolution (out = act(in x W + bias) + residual) with AVX-512F:
 * the GEMM driver of pwconv_body.h on 16-float zmm vectors, blocked for the 32 zmm
 * registers. Micro-kernel shapes (NR columns x MR rows):
 *   NR = 48 (3 vectors) x MR =  8 rows -> 24 accumulators + 3 B + 1 broadcast = 28 zmm
 *   NR = 32 (2 vectors) x MR = 12 rows -> 24 accumulators + 2 B + 1 broadcast = 27 zmm
 *   NR = 16 (1 vector)  x MR =  8 rows ->  8 accumulators (narrow n and remainders)
 * 24 independent accumulator chains hide the FMA latency, and a k step costs 11 (or 14)
 * loads for 24 FMAs (the broadcast may be an embedded {1to16} operand of the FMA). Strips:
 * n % 48 == 0 (48, 96, ..., 960) 48-wide, else n % 32 == 0 (32, 64, 160, 256, 320)
 * 32-wide, otherwise 48-wide plus one narrower remainder (72 = 48 + 24, 21 = one 32-wide
 * strip). The strip's last vector always goes through an __mmask16 (as cheap as a plain
 * access here). k chunks of up to 128 keep a packed 128 x 48 panel of B (24 KB) in L1.
 */
#define PW_MR1 8
#define PW_MR2 12
#define PW_MR3 8
#define PW_KC_MAX 128            /* k chunk: 128 x 48 floats of packed B = 24 KB */
#define PW_MC_BYTES (128 * 1024) /* target size of the MC x KC block of A */

#include "simd/vec_avx512.h"
#include "pwconv_body.h"
