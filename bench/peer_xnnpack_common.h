/* peer_xnnpack_common.h — what the two XNNPACK peers (peer_xnnpack.c, float32, and
 * peer_xnnpack_qu8.c, uint8) share: the list of operators they run in order, the buffers they
 * own, the command line, XNNPACK's start-up (optionally without its AVX-512 kernels), and
 * the timed runs with the output bench/alternate.py and run_bench.sh read. Header-only,
 * because each bench program is built from its one .c file; define PEER_NAME (the program's
 * name, for messages) before including it.
 *
 * Command line of both peers:
 *   --model F.bdw [--os 8|16] [--threads N] [--runs N] [--warmup N] [--size N]
 *   [--check-input F.f32 --check-logits F.f32] [--layers] [--serve] [--quiet]
 *   [--clock wall|cpu] [--xnn-isa native|avx2]
 * --xnn-isa avx2 clears the AVX-512 bits of cpuinfo's feature table (the `cpuinfo_isa`
 * struct libcpuinfo exports, which XNNPACK reads when it picks its microkernels) after
 * cpuinfo_initialize() and before xnn_initialize(): XNNPACK then runs its AVX2 kernels on
 * an AVX-512 CPU, the counterpart of BACKDROP_ISA=avx2.
 */
#ifndef BACKDROP_PEER_XNNPACK_COMMON_H
#define BACKDROP_PEER_XNNPACK_COMMON_H

#include <cpuinfo.h>
#include <pthreadpool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <xnnpack.h>

#include "bench_util.h"

#ifndef PEER_NAME
#error "define PEER_NAME before including peer_xnnpack_common.h"
#endif

#define MAX_OPS 128
#define MAX_RUNS 10000

/* One step of the network: an XNNPACK operator, or (op NULL) a small piece of glue code
 * glue(ctx) that the network needs between two operators. */
typedef struct {
    xnn_operator_t op;
    void (*glue)(void *ctx);
    void *ctx;
    char name[64];
    double macs;
} xop;

typedef struct {
    xop ops[MAX_OPS];
    int count;
    void *owned[4 * MAX_OPS];      /* transposed weights, activations (freed at the end) */
    int nowned;
    pthreadpool_t pool;
    void *input, *logits;          /* float32 in both peers (the qu8 one converts) */
    int feat_h, feat_w, classes;
} xnet;

static int fail(const char *what, enum xnn_status s)
{
    fprintf(stderr, PEER_NAME ": %s failed (xnn_status %d)\n", what, (int)s);
    return -1;
}

static void *keep(xnet *x, void *p)
{
    if (p && x->nowned < 4 * MAX_OPS) x->owned[x->nowned++] = p;
    else if (p) { free(p); p = NULL; }
    return p;
}

/* Zeroed buffer with XNN_EXTRA_BYTES of slack (XNNPACK may read past the end). */
static void *buffer_bytes(xnet *x, size_t bytes)
{
    return keep(x, calloc(1, bytes + XNN_EXTRA_BYTES + 64));
}

static size_t max_sz(size_t a, size_t b) { return a > b ? a : b; }

/* TensorFlow's scope of block i: expanded_conv, expanded_conv_1, ... */
static void block_name(char *out, size_t n, int i, const char *layer)
{
    if (i) snprintf(out, n, "expanded_conv_%d/%s", i, layer);
    else snprintf(out, n, "expanded_conv/%s", layer);
}

static xop *add_op(xnet *x, const char *name, double macs)
{
    if (x->count >= MAX_OPS) return NULL;
    xop *o = &x->ops[x->count++];
    *o = (xop){0};
    snprintf(o->name, sizeof o->name, "%s", name);
    o->macs = macs;
    return o;
}

static int run_op(xnet *x, int i)
{
    if (!x->ops[i].op) {
        x->ops[i].glue(x->ops[i].ctx);
        return 0;
    }
    enum xnn_status s = xnn_run_operator(x->ops[i].op, x->pool);
    return s == xnn_status_success ? 0 : fail(x->ops[i].name, s);
}

/* Runs steps first..count-1 in order. */
static int run_from(xnet *x, int first)
{
    for (int i = first; i < x->count; i++)
        if (run_op(x, i)) return -1;
    return 0;
}

static int run(xnet *x) { return run_from(x, 0); }

static void xnet_free(xnet *x)
{
    for (int i = 0; i < x->count; i++)
        if (x->ops[i].op) xnn_delete_operator(x->ops[i].op);
    for (int i = 0; i < x->nowned; i++) free(x->owned[i]);
    if (x->pool) pthreadpool_destroy(x->pool);
}

/* ------------------------------------------------------------ command line ------------ */

typedef struct {
    const char *model, *check_in, *check_logits;
    int os, threads, runs, warmup, size, layers, serve, per_run, cpu_clock, xnn_avx2;
} peer_opts;

/* 0, or 2 after a usage message. */
static int peer_parse(int argc, char **argv, peer_opts *o)
{
    *o = (peer_opts){NULL, NULL, NULL, 0, 1, 10, 2, 0, 0, 0, 1, 0, 0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--layers")) o->layers = 1;
        else if (!strcmp(a, "--serve")) o->serve = 1;
        else if (!strcmp(a, "--quiet")) o->per_run = 0;
        else if (!v) { fprintf(stderr, PEER_NAME ": %s needs a value\n", a); return 2; }
        else if (!strcmp(a, "--model")) o->model = argv[++i];
        else if (!strcmp(a, "--check-input")) o->check_in = argv[++i];
        else if (!strcmp(a, "--check-logits")) o->check_logits = argv[++i];
        else if (!strcmp(a, "--os")) o->os = atoi(argv[++i]);
        else if (!strcmp(a, "--threads")) o->threads = atoi(argv[++i]);
        else if (!strcmp(a, "--runs")) o->runs = atoi(argv[++i]);
        else if (!strcmp(a, "--warmup")) o->warmup = atoi(argv[++i]);
        else if (!strcmp(a, "--size")) o->size = atoi(argv[++i]);
        else if (!strcmp(a, "--clock") && (!strcmp(v, "cpu") || !strcmp(v, "wall")))
            o->cpu_clock = !strcmp(argv[++i], "cpu");
        else if (!strcmp(a, "--xnn-isa") && (!strcmp(v, "native") || !strcmp(v, "avx2")))
            o->xnn_avx2 = !strcmp(argv[++i], "avx2");
        else { fprintf(stderr, PEER_NAME ": unknown option %s\n", a); return 2; }
    }
    if (!o->model || o->threads < 1 || o->runs < 1 || o->runs > MAX_RUNS || o->warmup < 0 ||
        (o->os && o->os != 8 && o->os != 16) || (!o->check_in != !o->check_logits)) {
        fprintf(stderr, "usage: " PEER_NAME " --model F.bdw [--os 8|16] [--threads N] "
                        "[--runs N] [--warmup N] [--size N] [--check-input F --check-logits F] "
                        "[--layers] [--serve] [--quiet] [--clock wall|cpu] "
                        "[--xnn-isa native|avx2]\n");
        return 2;
    }
    return 0;
}

/* xnn_initialize, after hiding AVX-512 from XNNPACK if asked; 0 or -1. Prints which. */
static int peer_xnn_init(const peer_opts *o)
{
    if (o->xnn_avx2) {
        if (!cpuinfo_initialize()) {
            fprintf(stderr, PEER_NAME ": cpuinfo_initialize failed\n");
            return -1;
        }
        cpuinfo_isa.avx512f = cpuinfo_isa.avx512pf = cpuinfo_isa.avx512er = false;
        cpuinfo_isa.avx512cd = cpuinfo_isa.avx512dq = cpuinfo_isa.avx512bw = false;
        cpuinfo_isa.avx512vl = cpuinfo_isa.avx512ifma = cpuinfo_isa.avx512vbmi = false;
        cpuinfo_isa.avx512vbmi2 = cpuinfo_isa.avx512bitalg = false;
        cpuinfo_isa.avx512vpopcntdq = cpuinfo_isa.avx512vnni = false;
        cpuinfo_isa.avx512bf16 = cpuinfo_isa.avx512vp2intersect = false;
        cpuinfo_isa.avx512_4vnniw = cpuinfo_isa.avx512_4fmaps = false;
    }
    enum xnn_status s = xnn_initialize(NULL);
    if (s != xnn_status_success) return fail("xnn_initialize", s);
    printf("# xnnpack kernels: %s (cpuinfo: avx2 %s, avx512f %s)\n",
           o->xnn_avx2 ? "avx2 (AVX-512 hidden from XNNPACK)" : "native",
           cpuinfo_has_x86_avx2() ? "yes" : "no", cpuinfo_has_x86_avx512f() ? "yes" : "no");
    return 0;
}

/* ------------------------------------------------------------ timing ------------------ */

static double (*clock_ms)(void) = bd_now_ms;

/* One run operator by operator; `unit` names the work (FLOP or OP). */
static void print_layers(xnet *x, const char *unit)
{
    printf("# per operator (one run; G%s/s = 2 x MACs / time)\n", unit);
    double total = 0;
    for (int i = 0; i < x->count; i++) {
        double t0 = clock_ms();
        run_op(x, i);
        double ms = clock_ms() - t0;
        total += ms;
        printf("layer %-40s %8.1f M%s %9.3f ms %8.1f G%s/s\n", x->ops[i].name,
               2e-6 * x->ops[i].macs, unit, ms, ms > 0 ? 2e-6 * x->ops[i].macs / ms : 0.0,
               unit);
    }
    printf("# operators total %.3f ms\n", total);
}

/* Warm-up, then the timed runs (or --serve), then the summary line
 *   LABEL median_ms=X min_ms=Y max_ms=Z gflops=G threads=N
 * (gflops = 2 x macs / median, in G of `unit`); 0, or -1 if an operator failed. */
static int peer_time(xnet *x, const peer_opts *o, double macs, const char *label,
                     const char *unit)
{
    if (o->cpu_clock && o->threads == 1) clock_ms = bench_thread_cpu_ms;
    double *ms = malloc(MAX_RUNS * sizeof *ms);
    if (!ms) return fail("out of memory", 0);
    for (int i = 0; i < o->warmup; i++)
        if (run(x)) goto failed;
    if (o->layers) print_layers(x, unit);
    int n = 0;
    if (o->serve) {
        printf("ready\n");
        fflush(stdout);
        char line[64];
        while (n < MAX_RUNS && fgets(line, sizeof line, stdin)) {
            if (strncmp(line, "run", 3)) continue;
            double t0 = clock_ms();
            if (run(x)) goto failed;
            ms[n] = clock_ms() - t0;
            printf("ms=%.3f\n", ms[n++]);
            fflush(stdout);
        }
    } else {
        for (; n < o->runs; n++) {
            double t0 = clock_ms();
            if (run(x)) goto failed;
            ms[n] = clock_ms() - t0;
            if (o->per_run) printf("run %d ms=%.3f\n", n + 1, ms[n]);
        }
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("threads=%d peak_rss_kb=%ld\n", o->threads, ru.ru_maxrss);
    if (n > 0) {
        double med = bench_median(ms, n);
        printf("%s median_ms=%.3f min_ms=%.3f max_ms=%.3f gflops=%.2f threads=%d\n", label,
               med, ms[0], ms[n - 1], 2e-6 * macs / med, o->threads);
    }
    free(ms);
    return 0;
failed:
    free(ms);
    return -1;
}

#endif
