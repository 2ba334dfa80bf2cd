/* peak_int8.c — measures the machine's peak integer multiply-add throughput with the
 * instructions the int8 kernels use, the ceiling bench_kernels quotes their GOP/s against
 * ("% of int8 peak"), as peak_fma.c does for float.
 *
 *   peak_int8 [--trials N] [--ms T] [--threads N] [--clock wall|cpu]
 *
 * Runs each loop of peak_int8.h this CPU supports (cpuid / xgetbv on x86-64, HWCAP on
 * aarch64): vpdpbusd (AVX-512 VNNI), vpmaddwd + vpaddd (AVX2), udot (NEON dot product), on
 * 1 thread and on all threads; best and median of N trials of about T ms, in GOP/s with
 * 2 ops per multiply-add (a vpdpbusd zmm is 64 multiply-adds = 128 ops). The last lines are
 * machine-readable:
 *   peak isa=avx512vnni threads=1 gops=B median=M per_core=P ...
 * (isa = the int8 kernel table the figure is the ceiling of: avx512vnni, avx2, neondot).
 */
#include <stdio.h>
#if defined(__aarch64__)
#include <sys/auxv.h>
#endif

#include "peak_int8.h"
#include "peak_timing.h"

typedef struct {
    const char *isa, *what;
    peak_loop_fn fn;
    int macs;                 /* multiply-adds per accumulator step */
    int supported;
} int8_loop;

int main(int argc, char **argv)
{
    int trials, threads;
    double ms;
    if (peak_parse(argc, argv, "peak_int8", &trials, &ms, &threads)) return 2;
#if defined(__x86_64__)
    int8_loop loops[] = {
        {"avx512vnni", "vpdpbusd zmm", peak_int8_avx512vnni, 64, cpu_has_avx512vnni()},
        {"avx2", "vpmaddwd+vpaddd ymm", peak_int8_avx2, 16, cpu_has_avx2_fma()},
    };
#elif defined(__aarch64__)
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
    int8_loop loops[] = {
        {"neondot", "udot q", peak_int8_neondot, 16, !!(getauxval(AT_HWCAP) & HWCAP_ASIMDDP)},
    };
#else
#error "peak_int8: x86-64 or aarch64 only"
#endif
    const int nloops = (int)(sizeof loops / sizeof loops[0]);
    printf("# peak int8: %d independent accumulators in registers, 2 ops per multiply-add, "
           "best and median of %d trials of ~%.0f ms\n", PEAK_INT8_ACCUMULATORS, trials, ms);
    int any = 0;
    for (int i = 0; i < nloops; i++) {
        printf("# %s (%s, %d multiply-adds each): %s\n", loops[i].isa, loops[i].what,
               loops[i].macs, loops[i].supported ? "supported" : "not on this CPU/OS: not run");
        any |= loops[i].supported;
    }
    if (!any) {
        fprintf(stderr, "peak_int8: none of the int8 loops runs on this CPU: nothing to measure\n");
        return 1;
    }
    int counts[2] = {1, threads};
    for (int k = 0; k < (threads > 1 ? 2 : 1); k++)
        for (int i = 0; i < nloops; i++)
            if (loops[i].supported)
                measure(loops[i].isa, loops[i].fn,
                        PEAK_INT8_ACCUMULATORS * loops[i].macs * 2.0, "ops", counts[k], trials,
                        ms);
    return 0;
}
