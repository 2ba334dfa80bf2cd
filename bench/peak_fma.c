/* peak_fma.c — measures the machine's peak float32 FMA throughput, the ceiling every other
 * benchmark quotes its GFLOP/s against ("% of peak").
 *
 *   peak_fma [--trials N] [--ms T] [--threads N] [--clock wall|cpu]
 *
 * Runs the 12-accumulator register-only FMA loop of peak_fma_avx2.c (and of
 * peak_fma_avx512.c, only if cpuid and the OS say AVX-512F is usable) on 1 thread and on
 * all threads (OpenMP, one loop per thread, timed between barriers). Each trial lasts about
 * T ms; prints the best and the median of N trials in GFLOP/s (2 flops per lane per FMA).
 * --clock cpu times the 1-thread trials in the thread's CPU time (a diagnostic for a busy
 * machine; all-thread trials stay wall time). The last lines are machine-readable:
 *   peak isa=avx2 threads=1 gflops=B median=M per_core=P
 */
#include <stdio.h>

#include "peak_fma.h"
#include "peak_timing.h"

int main(int argc, char **argv)
{
    int trials, threads;
    double ms;
    if (peak_parse(argc, argv, "peak_fma", &trials, &ms, &threads)) return 2;
    printf("# peak FMA: %d independent accumulators in registers, 2 flops/lane/FMA, "
           "best and median of %d trials of ~%.0f ms\n", PEAK_FMA_ACCUMULATORS, trials, ms);
    int has_avx2 = cpu_has_avx2_fma(), has_avx512 = cpu_has_avx512f();
    printf("# cpuid: avx2+fma %s, avx512f %s%s\n", has_avx2 ? "yes" : "no",
           has_avx512 ? "yes" : "no",
           has_avx512 ? "" : " (zmm loop not run: this CPU/OS has no usable AVX-512)");
    if (!has_avx2) {
        fprintf(stderr, "peak_fma: no AVX2+FMA on this CPU: nothing to measure\n");
        return 1;
    }
    int counts[2] = {1, threads};
    for (int k = 0; k < (threads > 1 ? 2 : 1); k++) {
        measure("avx2", peak_fma_avx2, PEAK_FMA_ACCUMULATORS * 8 * 2.0, "flops", counts[k],
                trials, ms);
        if (has_avx512)
            measure("avx512", peak_fma_avx512, PEAK_FMA_ACCUMULATORS * 16 * 2.0, "flops",
                    counts[k], trials, ms);
    }
    return 0;
}
