/* peak_timing.h — what the peak-throughput programs (peak_fma.c: float FMA, peak_int8.c:
 * integer multiply-adds) share: which x86 ISAs the CPU and OS can run (cpuid, xgetbv), and
 * the timing of a register-only loop on 1 and on all threads (OpenMP, one loop per thread,
 * timed between barriers; --clock cpu times 1-thread trials in the thread's CPU time).
 * Header-only: each program is one .c file plus its per-ISA loop files.
 */
#ifndef BACKDROP_PEAK_TIMING_H
#define BACKDROP_PEAK_TIMING_H

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#if defined(__x86_64__) || defined(__i386__)
/* ------------------------------------------------------------ what the CPU can run ---- */

static inline unsigned long long xcr0(void)
{
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}

/* 1 if the CPU has the feature and the OS saves the registers it needs. */
static inline int cpu_has_avx2_fma(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
    if (!osxsave || !avx || !fma || (xcr0() & 0x6) != 0x6) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b >> 5) & 1;
}

static inline int cpu_has_avx512f(void)
{
    unsigned a, b, c, d;
    if (!cpu_has_avx2_fma()) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return ((b >> 16) & 1) && (xcr0() & 0xE6) == 0xE6; /* opmask + zmm state enabled */
}

/* AVX-512 VNNI (vpdpbusd) with AVX-512F usable. */
static inline int cpu_has_avx512vnni(void)
{
    unsigned a, b, c, d;
    if (!cpu_has_avx512f()) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (c >> 11) & 1;
}
#endif

/* One throughput loop: `iters` iterations of register-only work, returns a value derived
 * from every accumulator (so the compiler keeps the work). */
typedef float (*peak_loop_fn)(long iters);

static inline double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ------------------------------------------------------------ the timing ------------- */

static volatile float sink[256];

static int use_cpu_clock;   /* --clock cpu: 1-thread loops timed in thread CPU time */

static inline double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Seconds for every one of `threads` threads to run fn(iters) once, all started together. */
static inline double time_loop(peak_loop_fn fn, long iters, int threads)
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

static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Best and median of `trials` runs of fn on `threads` threads, each about `ms` long, in
 * G`unit`/s with ops_per_iter operations per iteration and thread; prints
 *   peak isa=ISA threads=N g<unit>=B median=M per_core=P trials=... ms_per_trial=... clock=... */
static inline void measure(const char *isa, peak_loop_fn fn, double ops_per_iter, const char *unit,
                    int threads, int trials, double ms)
{
    /* Calibrate: iterations for about `ms` milliseconds on one thread. */
    long iters = 1000000;
    double t = time_loop(fn, iters, 1);
    while (t < 0.02) {
        iters *= 4;
        t = time_loop(fn, iters, 1);
    }
    iters = (long)(iters * (ms * 1e-3) / t) + 1;
    double ops = (double)iters * ops_per_iter * threads;
    double g[64];
    if (trials > 64) trials = 64;
    time_loop(fn, iters / 10 + 1, threads); /* wake every thread (and clocks) up */
    for (int i = 0; i < trials; i++) g[i] = ops / time_loop(fn, iters, threads) * 1e-9;
    qsort(g, trials, sizeof g[0], cmp_double);
    double best = g[trials - 1], median = g[trials / 2];
    if (!(trials & 1)) median = 0.5 * (g[trials / 2 - 1] + g[trials / 2]);
    printf("peak isa=%s threads=%d g%s=%.1f median=%.1f per_core=%.1f trials=%d "
           "ms_per_trial=%.0f clock=%s\n",
           isa, threads, unit, best, median, best / threads, trials, ms,
           threads == 1 && use_cpu_clock ? "thread-cpu" : "wall");
    fflush(stdout);
}

/* The shared command line [--trials N] [--ms T] [--threads N] [--clock wall|cpu]:
 * 0, or 2 after a usage message naming `prog`. */
static inline int peak_parse(int argc, char **argv, const char *prog, int *trials, double *ms,
                      int *threads)
{
    *trials = 7;
    *ms = 200;
    *threads = omp_get_max_threads();
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--trials") && i + 1 < argc) *trials = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--ms") && i + 1 < argc) *ms = atof(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) *threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--clock") && i + 1 < argc &&
                 (!strcmp(argv[i + 1], "cpu") || !strcmp(argv[i + 1], "wall")))
            use_cpu_clock = !strcmp(argv[++i], "cpu");
        else {
            fprintf(stderr, "usage: %s [--trials N] [--ms T] [--threads N] [--clock wall|cpu]\n",
                    prog);
            return 2;
        }
    }
    if (*trials < 1 || *ms <= 0 || *threads < 1) {
        fprintf(stderr, "%s: --trials, --ms and --threads must be positive\n", prog);
        return 2;
    }
    return 0;
}

#endif
