/* peak_fma.h — the FMA throughput loops peak_fma.c times, one file per ISA (each compiled
 * with its own -m flags, so only that file contains the instructions it is named after).
 *
 * Each loop runs `iters` iterations of 12 independent fused multiply-adds on 12 vector
 * accumulators that stay in registers (12 accumulators hide the 4-cycle FMA latency of two
 * FMA pipes: 2 x 4 = 8 would be the minimum), and returns a value derived from all of them
 * so that the compiler cannot drop the work. Flops per call: iters * 12 * lanes * 2.
 */
#ifndef BACKDROP_PEAK_FMA_H
#define BACKDROP_PEAK_FMA_H

#define PEAK_FMA_ACCUMULATORS 12

float peak_fma_avx2(long iters);   /* ymm: 8 lanes */
float peak_fma_avx512(long iters); /* zmm: 16 lanes */

#endif
