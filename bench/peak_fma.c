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
#include <cpuid.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "peak_fma.h"

typedef float (*fma_loop_fn)(long iters);

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ------------------------------------------------------------ what the CPU can run ---- */

static unsigned long long xcr0(void)
{
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

/* 1 if the CPU has the feature and the OS saves the registers it needs. */
static int cpu_has_avx2_fma(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
    if (!osxsave || !avx || !fma || (xcr0() & 0x6) != 0x6) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b >> 5) & 1;
}

static int cpu_has_avx512f(void)
{
    unsigned a, b, c, d;
    if (!cpu_has_avx2_fma()) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return ((b >> 16) & 1) && (xcr0() & 0xE6) == 0xE6; /* opmask + zmm state enabled */
}

/* ------------------------------------------------------------ the timing ------------- */

static volatile float sink[256];

static int use_cpu_clock;   /* --clock cpu: 1-thread loops timed in thread CPU time */

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Seconds for every one of `threads` threads to run fn(iters) once, all started together. */
static double time_loop(fma_loop_fn fn, long iters, int threads)
{
    if (threads == 1 && use_cpu_clock) {
        double t0 = thread_cpu_s();
        sink[0] = fn(iters);
        return thread_cpu_s() - t0;
    }
    double t0 = 0, t1 = 0;
#pragma omp parallel num_threads(threads)
    {
#pragma omp barrier
#pragma omp master
        t0 = now_s();
#pragma omp barrier
        sink[omp_get_thread_num() & 255] = fn(iters);
#pragma omp barrier
#pragma omp master
        t1 = now_s();
    }
    return t1 - t0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void measure(const char *isa, fma_loop_fn fn, int lanes, int threads, int trials,
                    double ms)
{
    /* Calibrate: iterations for about `ms` milliseconds on one thread. */
    long iters = 1000000;
    double t = time_loop(fn, iters, 1);
    while (t < 0.02) {
        iters *= 4;
        t = time_loop(fn, iters, 1);
    }
    iters = (long)(iters * (ms * 1e-3) / t) + 1;
    double flops = (double)iters * PEAK_FMA_ACCUMULATORS * lanes * 2.0 * threads;
    double g[64];
    if (trials > 64) trials = 64;
    time_loop(fn, iters / 10 + 1, threads); /* wake every thread (and clocks) up */
    for (int i = 0; i < trials; i++) g[i] = flops / time_loop(fn, iters, threads) * 1e-9;
    qsort(g, trials, sizeof g[0], cmp_double);
    double best = g[trials - 1], median = g[trials / 2];
    if (!(trials & 1)) median = 0.5 * (g[trials / 2 - 1] + g[trials / 2]);
    printf("peak isa=%s threads=%d gflops=%.1f median=%.1f per_core=%.1f trials=%d "
           "ms_per_trial=%.0f clock=%s\n",
           isa, threads, best, median, best / threads, trials, ms,
           threads == 1 && use_cpu_clock ? "thread-cpu" : "wall");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    int trials = 7, threads = omp_get_max_threads();
    double ms = 200;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--trials") && i + 1 < argc) trials = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--ms") && i + 1 < argc) ms = atof(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--clock") && i + 1 < argc &&
                 (!strcmp(argv[i + 1], "cpu") || !strcmp(argv[i + 1], "wall")))
            use_cpu_clock = !strcmp(argv[++i], "cpu");
        else {
            fprintf(stderr, "usage: peak_fma [--trials N] [--ms T] [--threads N] "
                            "[--clock wall|cpu]\n");
            return 2;
        }
    }
    if (trials < 1 || ms <= 0 || threads < 1) {
        fprintf(stderr, "peak_fma: --trials, --ms and --threads must be positive\n");
        return 2;
    }
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
        measure("avx2", peak_fma_avx2, 8, counts[k], trials, ms);
        if (has_avx512) measure("avx512", peak_fma_avx512, 16, counts[k], trials, ms);
    }
    return 0;
}
