/* peak_int8_neondot.c — the udot (ARMv8.2 dot product, vdotq_u32) loop for peak_int8.c on
 * aarch64; compiled for armv8.2-a+dotprod, only run when the kernel reports the dot product
 * (HWCAP_ASIMDDP). Under qemu-aarch64 it checks that the program runs, not the speed. */
#include <arm_neon.h>

#include "peak_int8.h"

__attribute__((target("arch=armv8.2-a+dotprod")))
float peak_int8_neondot(long iters)
{
    const uint8x16_t a = vdupq_n_u8(3), b = vdupq_n_u8(5);
    uint32x4_t c[PEAK_INT8_ACCUMULATORS];
    for (int j = 0; j < PEAK_INT8_ACCUMULATORS; j++) c[j] = vdupq_n_u32((uint32_t)j);
    for (long i = 0; i < iters; i++)
#pragma GCC unroll 12
        for (int j = 0; j < PEAK_INT8_ACCUMULATORS; j++)   /* unrolled: c[] stays in registers */
            c[j] = vdotq_u32(c[j], a, b);
    uint32x4_t s = c[0];
    for (int j = 1; j < PEAK_INT8_ACCUMULATORS; j++) s = vaddq_u32(s, c[j]);
    return (float)vaddvq_u32(s);
}
