/* cli_bench.c — `backdrop bench`: end-to-end timing of the network on a synthetic input.
 *
 *   backdrop bench [--model F] [--os N] [--threads N] [--runs N] [--warmup N] [--size N]
 *                  [--per-run] [--layers]
 *
 * Times bd_network_run() (normalised input -> logits, the span the peers in bench/ time too)
 * with the kernel table bd_kernels_select() picks ($BACKDROP_ISA to force one). The input is
 * a deterministic pseudo-random image (bd_network_bench_input; bench/peer_opencv.py makes the
 * same bytes), copied into the network before every run, outside the timed region. The work is
 * counted from the layers the network actually ran (observed once, shapes from the model):
 * FLOPs = 2 x multiply-adds of every convolution; adds, pooling and activations not counted.
 * The last line is always
 *   network median_ms=X min_ms=Y max_ms=Z gflops=G
 * with G = FLOPs / median time. --layers adds one timed run with a per-layer breakdown.
 * (bench/bench_network.c is the same timing as a runner for bench/alternate.py.)
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli/cli.h"
#include "io/threads.h"
#include "kernels.h"
#include "engine/model.h"
#include "engine/network.h"
#include "engine/qnetwork.h"
#include "io/clock.h"

#define MAX_RUNS 10000
#define MAX_LAYERS 128

static void usage(FILE *to)
{
    fprintf(to,
        "usage: backdrop bench [--model F] [--os 8|16] [--threads N] [--runs N] [--warmup N]\n"
        "                      [--size N] [--per-run] [--layers] [--precision int8|f32]\n"
        "  Time the network (normalised input -> logits) on a synthetic image.\n"
        "  --model F    weights file (default $BACKDROP_MODEL, else %s)\n"
        "  --os N       output stride 8 or 16 (default: the model's own)\n"
        "  --threads N  OpenMP threads (default: all, %d here)\n"
        "  --runs N     timed runs (default 10), after --warmup N untimed ones (default 2)\n"
        "  --size N     square input size (default: the model's, usually 513)\n"
        "  --per-run    print every run's time\n"
        "  --layers     one more run, timed layer by layer (ms, GFLOP/s per layer; for\n"
        "               int8 GOP/s: 2 x integer multiply-adds / time)\n"
        "  --precision P  int8 (the default for files from uint8 models; the same MACs;\n"
        "               $BACKDROP_ISA_INT8=scalar|avx2|avx512vnni|neon|neondot forces a table)\n"
        "               or f32 (every file; the default for the others)\n"
        "  $BACKDROP_ISA=scalar|avx2|avx512|neon forces a kernel table.\n"
        "  Last line: network median_ms=X min_ms=Y max_ms=Z gflops=G\n",
        cli_default_model(), omp_get_max_threads());
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ------------------------------------------------------------ work per layer ---------- */

typedef struct {
    char name[96];
    int h, w, c;           /* output */
    double macs;
    double t_end;          /* ms, when the observer saw it */
} layer_rec;

typedef struct {
    const bd_model *m;
    int block;             /* index of the block whose layers come next */
    int count;
    layer_rec rec[MAX_LAYERS];
} layer_log;

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && !strcmp(s + n - t, tail);
}

/* Multiply-adds of the layer that just produced `name` (h x w x c), from the model's own
 * weight shapes; network.c's structure: stem, per block [expand] depthwise project|add,
 * then AvgPool2D, image_pooling, aspp0, concat_projection (its image-pooling half folded
 * into a bias: one 1x1 pass over cpool inputs), logits/semantic. */
static double layer_macs(layer_log *L, const char *name, int h, int w, int c)
{
    const bd_model *m = L->m;
    double hw = (double)h * w;
    if (!strcmp(name, "MobilenetV2/Conv"))
        return hw * c * 9.0 * m->stem.cin;
    if (L->block < MNV2_BLOCKS && !strncmp(name, "MobilenetV2/expanded_conv", 25)) {
        const bd_block *b = &m->blocks[L->block];
        if (ends_with(name, "/expand"))
            return hw * b->expand.cin * b->expand.cout;
        if (ends_with(name, "/depthwise"))
            return hw * c * 9.0;
        L->block++;                                     /* project or add ends the block */
        return hw * b->project.cin * b->project.cout;
    }
    if (!strcmp(name, "image_pooling"))
        return (double)m->image_pooling.cin * m->image_pooling.cout;
    if (!strcmp(name, "aspp0"))
        return hw * m->aspp0.cin * m->aspp0.cout;
    if (!strcmp(name, "concat_projection"))
        return (hw * (m->concat_projection.cin - m->image_pooling.cout) + m->image_pooling.cout)
               * m->concat_projection.cout;
    if (!strcmp(name, "logits/semantic"))
        return hw * m->logits.cin * m->logits.cout;
    if (strcmp(name, "AvgPool2D"))                      /* no multiply-adds: fine */
        fprintf(stderr, "backdrop bench: warning: layer '%s' not counted in the FLOPs\n", name);
    return 0;
}

static void record(layer_log *L, double t_end, const char *name, int h, int w, int c,
                   double macs)
{
    if (L->count >= MAX_LAYERS)
        return;
    layer_rec *r = &L->rec[L->count++];
    snprintf(r->name, sizeof r->name, "%s", name);
    r->h = h;
    r->w = w;
    r->c = c;
    r->macs = macs;
    r->t_end = t_end;
}

static void observe_layer(void *ctx, const char *name, const float *t, int h, int w, int c)
{
    (void)t;
    double t_end = bd_now_ms();
    layer_log *L = ctx;
    record(L, t_end, name, h, w, c, layer_macs(L, name, h, w, c));
}

/* The int8 network names its layers after the TFLite graph's tensors ("…/expand/Relu6",
 * "…/project/add_fold", "aspp0/Relu", ...): the same layers as the float network's, so the
 * float name (the tensor name up to its last part) gives the multiply-adds; a block's ADD is
 * its own step here (no multiply-adds), and concat_projection runs over the whole
 * concatenation (the float network folds its image-pooling half into a bias). */
static void observe_qlayer(void *ctx, const char *name, const uint8_t *t, int h, int w, int c)
{
    (void)t;
    double t_end = bd_now_ms();
    layer_log *L = ctx;
    const bd_model *m = L->m;
    char fname[96];
    snprintf(fname, sizeof fname, "%s", name);
    static const char *const tails[] = {"/Relu6", "/add_fold", "/AvgPool", "/Relu", "/BiasAdd"};
    for (size_t i = 0; i < sizeof tails / sizeof *tails; i++)
        if (ends_with(fname, tails[i])) {
            fname[strlen(fname) - strlen(tails[i])] = 0;
            break;
        }
    double macs = 0;
    if (!strcmp(fname, "concat_projection"))
        macs = (double)h * w * m->concat_projection.cin * m->concat_projection.cout;
    else if (!ends_with(fname, "/add") && strncmp(fname, "ResizeBilinear", 14) &&
             strcmp(fname, "concat") && !strstr(fname, "/input"))
        macs = layer_macs(L, fname, h, w, c);
    record(L, t_end, name, h, w, c, macs);
}

/* ------------------------------------------------------------ the command ------------- */

typedef struct {
    const char *model;
    int os, threads, runs, warmup, size, per_run, layers, precision;
} bench_opts;

static int parse_args(int argc, char **argv, bench_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int *target = NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(BD_EXIT_OK);
        } else if (!strcmp(a, "--per-run")) {
            o->per_run = 1;
        } else if (!strcmp(a, "--layers")) {
            o->layers = 1;
        } else if (!strcmp(a, "--model") && i + 1 < argc) {
            o->model = argv[++i];
        } else if (!strcmp(a, "--precision")) {
            if (i + 1 >= argc || cli_parse_precision(argv[i + 1], &o->precision)) {
                fprintf(stderr, "backdrop bench: --precision must be int8 or f32\n");
                return -1;
            }
            i++;
        } else if (!strcmp(a, "--os")) target = &o->os;
        else if (!strcmp(a, "--threads")) target = &o->threads;
        else if (!strcmp(a, "--runs")) target = &o->runs;
        else if (!strcmp(a, "--warmup")) target = &o->warmup;
        else if (!strcmp(a, "--size")) target = &o->size;
        else {
            fprintf(stderr, "backdrop bench: unknown or incomplete option '%s'\n", a);
            return -1;
        }
        if (target) {
            char *end;
            long v = i + 1 < argc ? strtol(argv[i + 1], &end, 10) : -1;
            if (i + 1 >= argc || *end || v < 0 || v > 100000) {
                fprintf(stderr, "backdrop bench: %s needs a number\n", a);
                return -1;
            }
            *target = (int)v;
            i++;
        }
    }
    if (o->threads > BD_MAX_THREADS) {
        fprintf(stderr, "backdrop bench: --threads must be 1..%d, not %d\n", BD_MAX_THREADS,
                o->threads);
        return -1;
    }
    if (o->runs < 1 || o->runs > MAX_RUNS || o->threads < 0 ||
        (o->os && o->os != 8 && o->os != 16)) {
        fprintf(stderr, "backdrop bench: need 1 <= --runs <= %d and --os 8 or 16\n", MAX_RUNS);
        return -1;
    }
    return 0;
}

/* One timed run of whichever network exists (input copied in first, untimed); its ms. */
static double run_once(bd_network *net, bd_qnetwork *qnet, const bd_kernels *k,
                       const bd_qu8_kernels *qk, const float *input, size_t in_bytes)
{
    memcpy(qnet ? bd_qnetwork_input(qnet) : bd_network_input(net), input, in_bytes);
    double t0 = bd_now_ms();
    if (qnet)
        bd_qnetwork_run(qnet, qk, NULL, NULL);
    else
        bd_network_run(net, k, NULL, NULL);
    return bd_now_ms() - t0;
}

static void print_layers(const layer_log *L, double t_start, double flops_total)
{
    printf("# per layer (one run, timed between layer ends; GFLOP/s = 2 x MACs / time)\n");
    printf("# %-40s %-14s %8s %9s %8s %6s\n", "layer", "output", "MFLOP", "ms", "GFLOP/s",
           "%time");
    double prev = t_start, total = L->rec[L->count - 1].t_end - t_start;
    for (int i = 0; i < L->count; i++) {
        const layer_rec *r = &L->rec[i];
        double ms = r->t_end - prev, fl = 2.0 * r->macs;
        char shape[32];
        snprintf(shape, sizeof shape, "%dx%dx%d", r->h, r->w, r->c);
        printf("layer %-40s %-14s %8.1f %9.3f %8.1f %6.1f\n", r->name, shape, fl * 1e-6, ms,
               ms > 0 ? fl / ms * 1e-6 : 0.0, 100.0 * ms / total);
        prev = r->t_end;
    }
    printf("# layers total %.3f ms, %.1f GFLOP/s\n", total, flops_total / total * 1e-6);
}

int cli_bench(int argc, char **argv)
{
    bench_opts o = {NULL, 0, 0, 10, 2, 0, 0, 0, 0};
    if (parse_args(argc, argv, &o))
        return BD_EXIT_USAGE;
    char err[512];
    int threads = bd_threads_start(o.threads, err, sizeof err);
    if (threads < 0) {
        fprintf(stderr, "backdrop bench: %s\n", err);
        return BD_EXIT_FAIL;
    }

    const bd_kernels *k = bd_kernels_select(err, sizeof err);
    if (!k) {
        fprintf(stderr, "backdrop bench: %s\n", err);
        return BD_EXIT_FAIL;
    }
    char *model_path = cli_model_path(o.model, err, sizeof err);
    bd_model *m = model_path ? cli_load_model(model_path, err, sizeof err) : NULL;
    if (!m) {
        fprintf(stderr, "backdrop bench: %s\n", err);
        free(model_path);
        return BD_EXIT_FAIL;
    }
    o.model = model_path;
    if (!o.precision)                  /* as the segmenter: int8 wherever the file has it */
        o.precision = m->q ? BD_PRECISION_INT8 : BD_PRECISION_F32;
    int os = o.os ? o.os : m->export_output_stride;
    int size = o.size ? o.size : m->input_size;
    bd_network *net = bd_network_new(m, size, size, os, err, sizeof err);
    float *input = net ? malloc((size_t)size * size * 3 * sizeof *input) : NULL;
    double *ms = malloc(MAX_RUNS * sizeof *ms);
    layer_log *L = calloc(1, sizeof *L);
    if (!net || !input || !ms || !L) {
        fprintf(stderr, "backdrop bench: %s\n", net ? "out of memory" : err);
        free(input);
        free(ms);
        free(L);
        bd_network_free(net);
        bd_model_free(m);
        free(model_path);
        return BD_EXIT_FAIL;
    }
    size_t in_bytes = (size_t)size * size * 3 * sizeof *input;
    bd_network_bench_input(input, size, size, m->norm_scale, m->norm_offset);

    /* One observed run: which layers ran at which shapes -> the FLOP count. */
    L->m = m;
    memcpy(bd_network_input(net), input, in_bytes);
    double t_start = bd_now_ms();
    bd_network_run(net, k, observe_layer, L);
    double macs = 0;
    for (int i = 0; i < L->count; i++)
        macs += L->rec[i].macs;
    double flops = 2.0 * macs;

    /* int8: the same layers (the MAC count above holds), run by the int8 engine */
    bd_qnetwork *qnet = NULL;
    const bd_qu8_kernels *qk = NULL;
    if (o.precision == BD_PRECISION_INT8) {
        bd_network_free(net);
        net = NULL;
        if (!(qk = bd_qu8_kernels_select(err, sizeof err)) ||
            !(qnet = bd_qnetwork_new(m, size, size, os, err, sizeof err)) ||
            bd_qnetwork_prepare(qnet, qk)) {
            fprintf(stderr, "backdrop bench: %s\n", qnet ? "out of memory" : err);
            bd_qnetwork_free(qnet);
            free(input);
            free(ms);
            free(L);
            bd_model_free(m);
            free(model_path);
            return BD_EXIT_FAIL;
        }
    }
    const char *isa = qnet ? qk->isa : k->isa;
    printf("# backdrop bench: %s (depth %g, %d classes), input %dx%d, output stride %d, %s\n",
           o.model, m->depth_multiplier, m->num_classes, size, size, os, qnet ? "int8" : "f32");
    printf("# isa=%s threads=%d layers=%d macs=%.4g gflop=%.4g warmup=%d runs=%d\n", isa,
           threads, L->count, macs, flops * 1e-9, o.warmup, o.runs);
    fflush(stdout);

    for (int i = 0; i < o.warmup; i++)
        run_once(net, qnet, k, qk, input, in_bytes);
    if (o.layers) {                    /* a warm run, observed layer by layer */
        memset(L, 0, sizeof *L);
        L->m = m;
        memcpy(qnet ? bd_qnetwork_input(qnet) : bd_network_input(net), input, in_bytes);
        t_start = bd_now_ms();
        if (qnet)
            bd_qnetwork_run(qnet, qk, observe_qlayer, L);
        else
            bd_network_run(net, k, observe_layer, L);
        double qflops = 0;
        for (int i = 0; i < L->count; i++)
            qflops += 2.0 * L->rec[i].macs;
        print_layers(L, t_start, qnet ? qflops : flops);
    }
    int n = 0;
    for (; n < o.runs; n++) {
        ms[n] = run_once(net, qnet, k, qk, input, in_bytes);
        if (o.per_run)
            printf("run %d ms=%.3f\n", n + 1, ms[n]);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("isa=%s precision=%s threads=%d arena_bytes=%zu peak_rss_kb=%ld\n", isa,
           qnet ? "int8" : "f32", threads,
           qnet ? bd_qnetwork_arena_bytes(qnet) : bd_network_arena_bytes(net), ru.ru_maxrss);
    if (n > 0) {
        qsort(ms, n, sizeof *ms, cmp_double);
        double median = n & 1 ? ms[n / 2] : 0.5 * (ms[n / 2 - 1] + ms[n / 2]);
        printf("network median_ms=%.3f min_ms=%.3f max_ms=%.3f gflops=%.2f\n", median, ms[0],
               ms[n - 1], flops / median * 1e-6);
    }
    free(input);
    free(ms);
    free(L);
    bd_network_free(net);
    bd_qnetwork_free(qnet);
    bd_model_free(m);
    free(model_path);
    return n > 0 ? BD_EXIT_OK : BD_EXIT_FAIL;
}
