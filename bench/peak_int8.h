/* peak_int8.h — the integer multiply-add throughput loops peak_int8.c times, one file per
 * ISA (each compiled with its own flags, so only that file contains the instructions it is
 * named after). The instructions are the ones the int8 kernels (kernels/qu8-pwconv) run:
 *
 *   avx512vnni  vpdpbusd zmm: 16 lanes x 4 u8*s8 products added into an int32 = 64 MACs
 *   avx2        vpmaddwd ymm + vpaddd ymm: 8 lanes x 2 int16 products, summed pairwise,
 *               added into an int32 accumulator = 16 MACs per pair of instructions
 *   neondot     udot (vdotq_u32) q: 4 lanes x 4 u8*u8 products = 16 MACs
 *
 * Each loop runs `iters` iterations of 12 independent accumulators that stay in registers
 * (enough to cover the latency at the issue rate of two vector pipes) and returns a value
 * derived from all of them. Integer overflow wraps in SIMD lanes (no undefined behaviour),
 * and integer timing does not depend on the values. Ops per call: iters * 12 * MACs * 2.
 */
#ifndef BACKDROP_PEAK_INT8_H
#define BACKDROP_PEAK_INT8_H

#define PEAK_INT8_ACCUMULATORS 12

float peak_int8_avx512vnni(long iters);   /* 64 MACs per accumulator step */
float peak_int8_avx2(long iters);         /* 16 */
float peak_int8_neondot(long iters);      /* 16 */

#endif
