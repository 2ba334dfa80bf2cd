/* bench_kernels.c — every kernel on the network's own layer shapes, with every kernel
 * table this CPU supports, on 1 and on all threads; prints markdown tables.
 *
 *   bench_kernels --model F.bdw [--model G.bdw ...] [--os 8] [--os 16] [--size 513]
 *                 [--threads N ...] [--isa NAME ...] [--peak GFLOPS_PER_CORE]
 *                 [--runs N] [--target-ms T] [--clock wall|cpu]
 *
 * Tables: the --isa ones, else the one $BACKDROP_ISA names (scalar|avx2|avx512|neon), else
 * every table this CPU supports; a named table that is absent or unsupported is an error.
 * Shapes come from the loaded weights (so depth 0.5's channel counts are the real ones, not
 * make_divisible guesses) and the network's own plan (bd_network_plan), checked first against the layer
 * shapes bd_network_run() reports. Identical shapes within a model and output stride are timed
 * once ("xN" = how many layers share it). Each (shape, table, threads) is run once untimed,
 * then up to --runs times (at least 3, fewer when one run exceeds --target-ms / runs); the
 * median is reported. GFLOP/s = 2 x multiply-adds / median; "% peak" = GFLOP/s over
 * --peak x threads (bench/peak_fma's measured per-core peak). upsample_argmax is not
 * multiply-add work: its row shows output megapixels per second instead. GB/s = the bytes a
 * kernel cannot avoid moving (input, output, weights, residual, once each) / median: near
 * the machine's memory bandwidth, a kernel is memory-bound, not compute-bound.
 * The weights are the model's own; activations are deterministic pseudo-random values.
 * --clock cpu: single-threaded rows timed in the thread's CPU time instead of wall time, a
 * diagnostic for a machine other work keeps busy (multi-threaded rows stay wall time).
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "kernels.h"
#include "engine/model.h"
#include "engine/network.h"

#define MAX_SHAPES 96
#define MAX_LIST 8

typedef enum { K_CONV3X3S2, K_DWCONV3X3, K_PWCONV, K_UPSAMPLE_ARGMAX } kernel_kind;
static const char *const kind_name[] = {"conv3x3s2", "dwconv3x3", "pwconv", "upsample_argmax"};

typedef struct {
    kernel_kind kind;
    char layer[64];              /* first layer with this shape */
    int count;                   /* layers sharing it */
    int h, w, cin, oh, ow, cout; /* pwconv: m = h*w rows, k = cin, n = cout */
    int stride, dilation, pad_top, pad_left, residual;
    bd_act act;
    const float *weight, *bias;
    double macs;                 /* 0 for upsample_argmax */
} kshape;

typedef struct {
    kshape s[MAX_SHAPES];
    int n;
} shape_list;

static int same_shape(const kshape *a, const kshape *b)
{
    return a->kind == b->kind && a->h == b->h && a->w == b->w && a->cin == b->cin &&
           a->oh == b->oh && a->ow == b->ow && a->cout == b->cout && a->stride == b->stride &&
           a->dilation == b->dilation && a->pad_top == b->pad_top &&
           a->pad_left == b->pad_left && a->residual == b->residual && a->act == b->act;
}

static void add_shape(shape_list *L, kshape s)
{
    for (int i = 0; i < L->n; i++)
        if (same_shape(&L->s[i], &s)) {
            L->s[i].count++;
            return;
        }
    if (L->n < MAX_SHAPES) {
        s.count = 1;
        L->s[L->n++] = s;
    }
}

static kshape pw(const char *layer, int m, int k, int n, const bd_layer *l, int residual,
                 bd_act act)
{
    kshape s = {K_PWCONV, "", 0, m, 1, k, m, 1, n, 1, 1, 0, 0, residual, act, l->weight,
                l->bias, (double)m * k * n};
    snprintf(s.layer, sizeof s.layer, "%s", layer);
    return s;
}

/* Every kernel call bd_network_run() makes at this size and output stride (except the
 * one-pixel image-pooling products), plus the post-processing upsample_argmax to the full
 * input size. */
static void collect(const bd_model *m, const bd_net_plan *p, shape_list *L)
{
    char name[64];
    kshape stem = {K_CONV3X3S2, "MobilenetV2/Conv", 0, p->in_h, p->in_w, p->cin, p->stem_h,
                   p->stem_w, p->stem_cout, 2, 1, p->stem_pad_top, p->stem_pad_left, 0,
                   BD_ACT_RELU6, m->stem.weight, m->stem.bias,
                   (double)p->stem_h * p->stem_w * p->stem_cout * 9 * p->cin};
    add_shape(L, stem);
    for (int i = 0; i < MNV2_BLOCKS; i++) {
        const bd_block_plan *b = &p->b[i];
        const bd_block *mb = &m->blocks[i];
        char scope[32];
        if (i) snprintf(scope, sizeof scope, "expanded_conv_%d", i);
        else snprintf(scope, sizeof scope, "expanded_conv");
        if (mb->has_expand) {
            snprintf(name, sizeof name, "%s/expand", scope);
            add_shape(L, pw(name, b->in_h * b->in_w, b->cin, b->cexp, &mb->expand, 0,
                            BD_ACT_RELU6));
        }
        kshape dw = {K_DWCONV3X3, "", 0, b->in_h, b->in_w, b->cexp, b->out_h, b->out_w,
                     b->cexp, b->stride, b->dilation, b->pad_top, b->pad_left, 0,
                     BD_ACT_RELU6, mb->depthwise.weight, mb->depthwise.bias,
                     (double)b->out_h * b->out_w * b->cexp * 9};
        snprintf(dw.layer, sizeof dw.layer, "%s/depthwise", scope);
        add_shape(L, dw);
        snprintf(name, sizeof name, "%s/project", scope);
        add_shape(L, pw(name, b->out_h * b->out_w, b->cexp, b->cout, &mb->project,
                        b->residual, BD_ACT_NONE));
    }
    int hw = p->feat_h * p->feat_w, cpool = m->image_pooling.cout;
    add_shape(L, pw("aspp0", hw, p->feat_c, m->aspp0.cout, &m->aspp0, 0, BD_ACT_RELU));
    bd_layer proj = m->concat_projection;
    proj.weight += (size_t)cpool * proj.cout;          /* the aspp0 half, as network.c */
    add_shape(L, pw("concat_projection", hw, proj.cin - cpool, proj.cout, &proj, 0,
                    BD_ACT_RELU));
    add_shape(L, pw("logits/semantic", hw, m->logits.cin, m->logits.cout, &m->logits, 0,
                    BD_ACT_NONE));
    kshape up = {K_UPSAMPLE_ARGMAX, "upsample_argmax", 0, p->feat_h, p->feat_w,
                 m->num_classes, p->in_h, p->in_w, 1, 1, 1, 0, 0, 0, BD_ACT_NONE, NULL, NULL,
                 0};
    add_shape(L, up);
}

/* ------------------------------------------------------------ plan vs the network ----- */

typedef struct {
    const bd_net_plan *p;
    int block, errors;
} plan_check;

static void check_layer(void *ctx, const char *name, const float *t, int h, int w, int c)
{
    (void)t;
    plan_check *pc = ctx;
    const char *tail = strrchr(name, '/');
    if (!tail || pc->block >= MNV2_BLOCKS || strncmp(name, "MobilenetV2/expanded_conv", 25))
        return;
    const bd_block_plan *b = &pc->p->b[pc->block];
    if (!strcmp(tail, "/depthwise") && (h != b->out_h || w != b->out_w || c != b->cexp)) {
        fprintf(stderr, "bench_kernels: %s is %dx%dx%d in the network, %dx%dx%d here\n", name,
                h, w, c, b->out_h, b->out_w, b->cexp);
        pc->errors++;
    }
    if (!strcmp(tail, "/project") || !strcmp(tail, "/add")) {
        if (((!strcmp(tail, "/add")) != b->residual) || c != b->cout) {
            fprintf(stderr, "bench_kernels: %s: residual or channels differ\n", name);
            pc->errors++;
        }
        pc->block++;
    }
}

static int check_plan(const bd_model *m, const bd_net_plan *p, int os)
{
    char err[512];
    const bd_kernels *k = bd_kernels_select(err, sizeof err);
    bd_network *net = k ? bd_network_new(m, p->in_h, p->in_w, os, err, sizeof err) : NULL;
    if (!net) {
        fprintf(stderr, "bench_kernels: %s\n", err);
        return -1;
    }
    float *in = bd_network_input(net);
    for (size_t i = 0, n = (size_t)p->in_h * p->in_w * 3; i < n; i++) in[i] = 0.0f;
    plan_check pc = {p, 0, 0};
    bd_network_run(net, k, check_layer, &pc);
    int fh, fw, nc;
    bd_network_logits(net, &fh, &fw, &nc);
    bd_network_free(net);
    if (pc.block != MNV2_BLOCKS || fh != p->feat_h || fw != p->feat_w) pc.errors++;
    return pc.errors ? -1 : 0;
}

/* ------------------------------------------------------------ timing ------------------ */

typedef struct {
    float *in, *out, *res;
    uint8_t *labels;
} bufs;

static void call(const bd_kernels *k, const kshape *s, const bufs *b)
{
    switch (s->kind) {
    case K_CONV3X3S2:
        k->conv3x3s2(b->in, s->h, s->w, s->cin, b->out, s->oh, s->ow, s->cout, s->weight,
                     s->bias, s->pad_top, s->pad_left, s->act);
        break;
    case K_DWCONV3X3:
        k->dwconv3x3(b->in, s->h, s->w, s->cin, b->out, s->oh, s->ow, s->weight, s->bias,
                     s->stride, s->dilation, s->pad_top, s->pad_left, s->act);
        break;
    case K_PWCONV:
        k->pwconv(b->in, s->h, s->cin, b->out, s->cout, s->weight, s->bias,
                  s->residual ? b->res : NULL, s->act);
        break;
    case K_UPSAMPLE_ARGMAX:
        k->upsample_argmax(b->in, s->h, s->w, s->cin, s->oh, s->ow, s->oh, s->ow, b->labels);
        break;
    }
}

typedef struct { const bd_kernels *k; const kshape *s; const bufs *b; } timed_call;

static void run_timed(const void *ctx)
{
    const timed_call *t = ctx;
    call(t->k, t->s, t->b);
}

static double time_shape(const bd_kernels *k, const kshape *s, const bufs *b, int runs,
                         double target_ms, int cpu_clock)
{
    const timed_call t = {k, s, b};
    return bench_time_calls(run_timed, &t, runs, target_ms, cpu_clock);
}

static void fill(float *x, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = (float)(seed >> 8) * (2.0f / 16777216.0f) - 1.0f;
    }
}

/* Bytes a kernel must at least move: its input, output, weights (and residual) once. */
static double min_bytes(const kshape *s)
{
    double in = (double)s->h * s->w * s->cin, out = (double)s->oh * s->ow * s->cout;
    switch (s->kind) {
    case K_PWCONV: return 4 * (in + out * (s->residual ? 2 : 1) + (double)s->cin * s->cout);
    case K_DWCONV3X3: return 4 * (in + out + 9.0 * s->cin);
    case K_CONV3X3S2: return 4 * (in + out + 9.0 * s->cin * s->cout);
    default: return 4 * in + (double)s->oh * s->ow;           /* logits in, u8 labels out */
    }
}

static void describe(const kshape *s, char *out, size_t n)
{
    switch (s->kind) {
    case K_PWCONV:
        snprintf(out, n, "%d px: %d -> %d%s", s->h, s->cin, s->cout, s->residual ? " +res" : "");
        break;
    case K_UPSAMPLE_ARGMAX:
        snprintf(out, n, "%dx%dx%d -> %dx%d labels", s->h, s->w, s->cin, s->oh, s->ow);
        break;
    default:
        snprintf(out, n, "%dx%dx%d -> %dx%dx%d s%d d%d", s->h, s->w, s->cin, s->oh, s->ow,
                 s->cout, s->stride, s->dilation);
    }
}

typedef struct {
    const char *isa[8];
    int nisa, threads[8], nthreads, runs, size;
    double peak, target_ms;
    int cpu_clock;
} opts;

static int bench_model_os(const char *path, const bd_model *m, int os, const opts *o)
{
    bd_net_plan p;
    bd_network_plan(m, o->size, o->size, os, &p);
    if (check_plan(m, &p, os)) {
        fprintf(stderr, "bench_kernels: %s OS%d: the network plan disagrees with the layers bd_network_run reports\n",
                path, os);
        return -1;
    }
    static shape_list L;
    L.n = 0;
    collect(m, &p, &L);

    size_t in_max = 0, out_max = 0;
    for (int i = 0; i < L.n; i++) {
        const kshape *s = &L.s[i];
        size_t in = (size_t)s->h * s->w * s->cin, out = (size_t)s->oh * s->ow * s->cout;
        if (in > in_max) in_max = in;
        if (out > out_max) out_max = out;
    }
    bufs b = {malloc(in_max * sizeof(float)), malloc(out_max * sizeof(float)),
              malloc(out_max * sizeof(float)), malloc((size_t)o->size * o->size)};
    if (!b.in || !b.out || !b.res || !b.labels) {
        fprintf(stderr, "bench_kernels: out of memory\n");
        free(b.in); free(b.out); free(b.res); free(b.labels);
        return -1;
    }
    fill(b.in, in_max, 1);
    fill(b.res, out_max, 2);
    memset(b.out, 0, out_max * sizeof(float));

    const char *base = strrchr(path, '/');
    printf("\n### %s (depth %g), output stride %d, input %dx%d\n\n", base ? base + 1 : path,
           m->depth_multiplier, os, o->size, o->size);
    printf("| layer (xN: layers with this shape) | kernel | shape | MFLOP | isa | threads "
           "| median ms | GFLOP/s | %% peak | GB/s |\n|---|---|---|---:|---|---:|---:|---:|---:|---:|\n");
    double total_ms[8][8] = {{0}}, total_flop = 0;
    for (int i = 0; i < L.n; i++) total_flop += 2.0 * L.s[i].macs * L.s[i].count;
    for (int i = 0; i < L.n; i++) {
        const kshape *s = &L.s[i];
        char shape[64];
        describe(s, shape, sizeof shape);
        for (int a = 0; a < o->nisa; a++) {
            const bd_kernels *k = NULL;
            for (int j = 0; bd_kernels_all[j]; j++)
                if (!strcmp(bd_kernels_all[j]->isa, o->isa[a])) k = bd_kernels_all[j];
            for (int t = 0; t < o->nthreads; t++) {
                omp_set_num_threads(o->threads[t]);
                double ms = time_shape(k, s, &b, o->runs, o->target_ms,
                                       o->cpu_clock && o->threads[t] == 1);
                total_ms[a][t] += ms * s->count;
                double gf = 2.0 * s->macs / ms * 1e-6;
                char rate[32], pct[16];
                if (s->kind == K_UPSAMPLE_ARGMAX) {
                    snprintf(rate, sizeof rate, "%.1f Mpx/s", (double)s->oh * s->ow / ms * 1e-3);
                    snprintf(pct, sizeof pct, "-");
                } else {
                    snprintf(rate, sizeof rate, "%.1f", gf);
                    if (o->peak > 0) snprintf(pct, sizeof pct, "%.0f", 100 * gf / (o->peak * o->threads[t]));
                    else snprintf(pct, sizeof pct, "-");
                }
                printf("| %s x%d | %s | %s | %.1f | %s | %d | %.3f | %s | %s | %.1f |\n",
                       s->layer, s->count, kind_name[s->kind], shape, 2e-6 * s->macs, k->isa,
                       o->threads[t], ms, rate, pct, min_bytes(s) / ms * 1e-6);
                fflush(stdout);
            }
        }
    }
    printf("\nSum over all layers (each shape's median x its count), %.3f GFLOP:\n\n",
           total_flop * 1e-9);
    for (int a = 0; a < o->nisa; a++)
        for (int t = 0; t < o->nthreads; t++) {
            double gf = total_flop / total_ms[a][t] * 1e-6;
            printf("- %s, %d thread%s: %.2f ms, %.1f GFLOP/s", o->isa[a], o->threads[t],
                   o->threads[t] > 1 ? "s" : "", total_ms[a][t], gf);
            if (o->peak > 0) printf(", %.0f%% of peak", 100 * gf / (o->peak * o->threads[t]));
            printf("\n");
        }
    free(b.in); free(b.out); free(b.res); free(b.labels);
    return 0;
}

int main(int argc, char **argv)
{
    const char *models[8];
    int nmodels = 0, oss[2], noss = 0;
    opts o = {{0}, 0, {0}, 0, 7, 513, 0, 400, 0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) goto usage;
        i++;
        if (!strcmp(a, "--model") && nmodels < 8) models[nmodels++] = v;
        else if (!strcmp(a, "--os") && noss < 2) oss[noss++] = atoi(v);
        else if (!strcmp(a, "--threads") && o.nthreads < 8) o.threads[o.nthreads++] = atoi(v);
        else if (!strcmp(a, "--isa") && o.nisa < 8) o.isa[o.nisa++] = v;
        else if (!strcmp(a, "--peak")) o.peak = atof(v);
        else if (!strcmp(a, "--runs")) o.runs = atoi(v);
        else if (!strcmp(a, "--size")) o.size = atoi(v);
        else if (!strcmp(a, "--target-ms")) o.target_ms = atof(v);
        else if (!strcmp(a, "--clock") && (!strcmp(v, "cpu") || !strcmp(v, "wall")))
            o.cpu_clock = !strcmp(v, "cpu");
        else goto usage;
    }
    if (!nmodels || o.runs < 3 || o.runs > BENCH_MAX_RUNS || o.size < 33) goto usage;
    if (!noss) { oss[0] = 8; oss[1] = 16; noss = 2; }
    if (!o.nthreads) {
        o.threads[o.nthreads++] = 1;
        if (omp_get_max_threads() > 1) o.threads[o.nthreads++] = omp_get_max_threads();
    }
    for (int t = 0; t < o.nthreads; t++) if (o.threads[t] < 1) goto usage;
    const char *env_isa = getenv("BACKDROP_ISA"); /* no --isa: $BACKDROP_ISA, else all */
    if (!o.nisa && env_isa && *env_isa)
        o.isa[o.nisa++] = env_isa;
    if (!o.nisa)
        for (int j = 0; bd_kernels_all[j]; j++)
            if (bd_kernels_supported(bd_kernels_all[j])) o.isa[o.nisa++] = bd_kernels_all[j]->isa;
    for (int a = 0; a < o.nisa; a++) {
        int ok = 0;
        for (int j = 0; bd_kernels_all[j]; j++)
            ok |= !strcmp(bd_kernels_all[j]->isa, o.isa[a]) &&
                  bd_kernels_supported(bd_kernels_all[j]);
        if (!ok) {
            fprintf(stderr, "bench_kernels: no supported kernel table '%s' here\n", o.isa[a]);
            return 1;
        }
    }
    printf("## Kernels on the network's layer shapes\n\n"
           "Median of up to %d runs after one untimed run; %% peak against %.1f GFLOP/s per "
           "core x threads (bench/peak_fma); %s. Tables:", o.runs, o.peak,
           o.cpu_clock ? "1-thread rows in thread CPU time (--clock cpu), others wall time"
                       : "wall time");
    for (int a = 0; a < o.nisa; a++) printf(" %s", o.isa[a]);
    printf(".\n");
    int rc = 0;
    for (int i = 0; i < nmodels; i++) {
        char err[512];
        bd_model *m = bd_model_load(models[i], err, sizeof err);
        if (!m) {
            fprintf(stderr, "bench_kernels: %s\n", err);
            rc = 1;
            continue;
        }
        for (int j = 0; j < noss; j++)
            if (bench_model_os(models[i], m, oss[j], &o)) rc = 1;
        bd_model_free(m);
    }
    return rc;
usage:
    fprintf(stderr, "usage: bench_kernels --model F.bdw [--model G.bdw ...] [--os 8] [--os 16] "
                    "[--size 513] [--threads N ...] [--isa NAME ...] [--peak GFLOPS_PER_CORE] "
                    "[--runs N>=3] [--target-ms T] [--clock wall|cpu]\n");
    return 2;
}
