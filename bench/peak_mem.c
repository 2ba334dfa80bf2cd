/* peak_mem.c — measures the machine's memory bandwidth, the other ceiling kernels hit: a
 * kernel that moves its bytes at close to this rate is memory-bound, and its distance from
 * the FMA peak says nothing about its code.
 *
 *   peak_mem [--mb N] [--trials N] [--threads N]
 *
 * Over buffers of N MB each (default 128, well past the last-level cache), on 1 thread and
 * on all threads (OpenMP, each thread its own contiguous slice): read (64-bit XOR of every
 * word, 4 independent chains), write (memset), copy (memcpy, counted as bytes read + written).
 * Best and median of the trials, GB/s = 1e9 bytes/s. Machine-readable lines:
 *   mem threads=1 read_gbs=R write_gbs=W copy_gbs=C (best; medians in median_*)
 */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static volatile uint64_t sink;

static uint64_t read_words(const uint64_t *p, size_t n)
{
    uint64_t a = 0, b = 0, c = 0, d = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        a ^= p[i];
        b ^= p[i + 1];
        c ^= p[i + 2];
        d ^= p[i + 3];
    }
    for (; i < n; i++) a ^= p[i];
    return a ^ b ^ c ^ d;
}

enum { OP_READ, OP_WRITE, OP_COPY };

/* Seconds for `threads` threads to run op over their slices of n bytes, started together. */
static double time_op(int op, uint8_t *src, uint8_t *dst, size_t n, int threads)
{
    double t0 = 0, t1 = 0;
#pragma omp parallel num_threads(threads)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        size_t chunk = (n / nt) & ~(size_t)63, off = chunk * t;
        if (t == nt - 1) chunk = n - off;
#pragma omp barrier
#pragma omp master
        t0 = now_s();
#pragma omp barrier
        if (op == OP_READ) sink = read_words((const uint64_t *)(src + off), chunk / 8);
        else if (op == OP_WRITE) memset(dst + off, t + 1, chunk);
        else memcpy(dst + off, src + off, chunk);
#pragma omp barrier
#pragma omp master
        t1 = now_s();
    }
    return t1 - t0;
}

int main(int argc, char **argv)
{
    int trials = 7, threads = omp_get_max_threads();
    size_t mb = 128;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--mb") && i + 1 < argc) mb = (size_t)atol(argv[++i]);
        else if (!strcmp(argv[i], "--trials") && i + 1 < argc) trials = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: peak_mem [--mb N] [--trials N] [--threads N]\n");
            return 2;
        }
    }
    if (mb < 1 || trials < 1 || trials > 64 || threads < 1) {
        fprintf(stderr, "peak_mem: --mb, --trials (<= 64) and --threads must be positive\n");
        return 2;
    }
    size_t n = mb << 20;
    uint8_t *src = malloc(n), *dst = malloc(n);
    if (!src || !dst) {
        fprintf(stderr, "peak_mem: cannot allocate 2 x %zu MB\n", mb);
        return 1;
    }
    printf("# memory bandwidth: %zu MB buffers, best and median of %d trials, GB/s = 1e9 B/s\n",
           mb, trials);
    int counts[2] = {1, threads};
    for (int k = 0; k < (threads > 1 ? 2 : 1); k++) {
        memset(src, 1, n);                      /* first touch: pages mapped */
        memset(dst, 2, n);
        double best[3], med[3];
        for (int op = 0; op < 3; op++) {
            double g[64];
            double bytes = op == OP_COPY ? 2.0 * n : (double)n;
            for (int i = 0; i < trials; i++)
                g[i] = bytes / time_op(op, src, dst, n, counts[k]) * 1e-9;
            qsort(g, trials, sizeof g[0], cmp_double);
            best[op] = g[trials - 1];
            med[op] = g[trials / 2];
        }
        printf("mem threads=%d read_gbs=%.1f write_gbs=%.1f copy_gbs=%.1f "
               "median_read=%.1f median_write=%.1f median_copy=%.1f\n",
               counts[k], best[0], best[1], best[2], med[0], med[1], med[2]);
        fflush(stdout);
    }
    free(src);
    free(dst);
    return 0;
}
