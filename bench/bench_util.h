/* bench_util.h — small helpers shared by the C benchmark programs in bench/: the median of a
 * sample and the thread CPU clock (the synthetic input every runner times on is
 * bd_network_bench_input, engine/network.h). Header-only, because each bench program is built
 * from its one .c file against the library. */
#ifndef BACKDROP_BENCH_UTIL_H
#define BACKDROP_BENCH_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "io/clock.h"

static int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* CPU time of the calling thread: unlike wall time, it does not run while the thread waits
 * for a core another process holds (a diagnostic for busy machines, single-threaded only). */
static inline double bench_thread_cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

/* Sorts v in place; returns the median of the n > 0 values. */
static inline double bench_median(double *v, int n)
{
    qsort(v, n, sizeof *v, bench_cmp_double);
    return n & 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

#define BENCH_MAX_RUNS 50

/* The median ms of run(ctx) over up to `runs` timed calls (3 .. BENCH_MAX_RUNS), fewer when
 * the untimed first call says they would take more than target_ms in all; in the calling
 * thread's CPU time with cpu_clock, else wall time. */
static inline double bench_time_calls(void (*run)(const void *), const void *ctx, int runs,
                                      double target_ms, int cpu_clock)
{
    double (*clock_ms)(void) = cpu_clock ? bench_thread_cpu_ms : bd_now_ms;
    double ms[BENCH_MAX_RUNS];
    double t0 = clock_ms();
    run(ctx);                                           /* untimed: caches, pages, threads */
    double first = clock_ms() - t0;
    int n = runs;
    if (first * runs > target_ms) n = (int)(target_ms / (first > 0 ? first : 1));
    if (n < 3) n = 3;
    if (n > runs) n = runs;
    if (n > BENCH_MAX_RUNS) n = BENCH_MAX_RUNS;
    for (int i = 0; i < n; i++) {
        t0 = clock_ms();
        run(ctx);
        ms[i] = clock_ms() - t0;
    }
    return bench_median(ms, n);
}

#endif
