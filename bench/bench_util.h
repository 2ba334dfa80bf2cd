/* bench_util.h — small helpers shared by the C benchmark programs in bench/: the median of a
 * sample, the thread CPU clock and the synthetic input image every runner times on (the same
 * bytes as src/cli/cli_bench.c and bench/peer_opencv.py). Header-only, because each bench
 * program is built from its one .c file against the library. */
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

/* The synthetic image: h x w x 3 bytes from the 32-bit LCG s = s * 1664525 + 1013904223
 * (s0 = 0x12345678), byte = s >> 24, HWC order, normalised as v * scale + offset. */
static inline void bench_input(float *x, int h, int w, float scale, float offset)
{
    uint32_t s = 0x12345678u;
    for (size_t i = 0, n = (size_t)h * w * 3; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = (float)(s >> 24) * scale + offset;
    }
}

#endif
