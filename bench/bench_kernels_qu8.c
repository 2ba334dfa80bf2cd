/* bench_kernels_qu8.c — every int8 kernel on the int8 network's own layer shapes, with
 * every int8 table this CPU supports, on 1 and on all threads; prints markdown tables (the
 * float kernels are bench_kernels.c's).
 *
 *   bench_kernels_qu8 --model F.bdw [--model G.bdw ...] [--os 8] [--os 16] [--size 513]
 *                     [--threads N ...] [--isa NAME ...] [--peak ISA=GOPS_PER_CORE ...]
 *                     [--runs N] [--target-ms T] [--clock wall|cpu]
 *
 * Tables: the --isa ones, else the one $BACKDROP_ISA_INT8 names, else every int8 table this
 * CPU supports (bd_qu8_kernels_all / bd_qu8_kernels_supported). Shapes come from the int8
 * model (engine/qmodel.h: its uint8 weights, int32 biases and requantisation) and the
 * network's own plan (bd_network_plan), checked first against the depthwise tensors
 * bd_qnetwork_run() reports. A 1x1 layer runs as bd_qnetwork_run() runs it: on weights
 * packed once for the table (pwconv_packed) when the table packs that shape, else the plain
 * pwconv; a depthwise likewise (dwconv3x3_packed where the table has it), and an ADD by
 * its table (add_lut) where the table has that. The stem is timed twice when the table packs its 27 x cout weights: the direct
 * conv3x3s2 kernel, and the matrix product qnetwork.c runs instead on its im2col rows
 * (the gather itself is not in that row). concat_projection runs over the aspp0 half of
 * its input, as qnetwork.c runs it (the image-pooling half folded into its bias). The
 * network's fused early blocks (qnetwork_fused.c) are timed here layer by layer. Identical shapes within a model and output stride
 * are timed once ("xN" = how many layers share it). Each (shape, table, threads) is run once
 * untimed, then up to --runs times (at least 3, fewer when one run exceeds --target-ms / runs);
 * the median is reported. GOP/s = 2 x multiply-adds / median; "% peak" = GOP/s over the
 * --peak figure of that table x threads (bench/peak_int8's measured per-core rate of the
 * table's instruction: vpdpbusd for avx512vnni, vpmaddwd + vpaddd for avx2, udot for
 * neondot; none given, e.g. for scalar: "-"). add is the residual ADD and quantize_f32 the
 * input QUANTIZE: no multiply-adds, GB/s only. GB/s = bytes in + out + weights once / median.
 * The activations are deterministic pseudo-random bytes.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "kernels_quant.h"
#include "engine/model.h"
#include "engine/network.h"
#include "engine/qmodel.h"
#include "engine/qnetwork.h"

#define MAX_SHAPES 96
#define MAX_LIST 8

typedef enum { Q_CONV3X3S2, Q_STEM_GEMM, Q_DWCONV3X3, Q_PWCONV, Q_ADD, Q_QUANTIZE } qkind;
static const char *const kind_name[] = {"conv3x3s2", "pwconv (stem im2col)", "dwconv3x3",
                                        "pwconv", "add", "quantize_f32"};

typedef struct {
    qkind kind;
    char layer[64];              /* first layer with this shape */
    int count;                   /* layers sharing it */
    int h, w, cin, oh, ow, cout; /* pwconv: m = h rows, k = cin, n = cout; add: h values */
    int stride, dilation, pad_top, pad_left;
    const bd_qlayer *L;          /* weights, bias, requantisation (conv kinds) */
    const uint8_t *weight;       /* the weights the network multiplies by (L's, or a part) */
    const bd_qu8_add_params *add;
    const bd_qparam *qin;        /* quantize_f32: the input's scale and zero point */
    double macs;
} qshape;

typedef struct {
    qshape s[MAX_SHAPES];
    int n;
} shape_list;

/* Same kernel on the same sizes with the same weights: timed once. */
static int same_shape(const qshape *a, const qshape *b)
{
    return a->kind == b->kind && a->h == b->h && a->w == b->w && a->cin == b->cin &&
           a->oh == b->oh && a->ow == b->ow && a->cout == b->cout && a->stride == b->stride &&
           a->dilation == b->dilation && a->pad_top == b->pad_top && a->pad_left == b->pad_left;
}

static void add_shape(shape_list *S, qshape s)
{
    for (int i = 0; i < S->n; i++)
        if (same_shape(&S->s[i], &s)) {
            S->s[i].count++;
            return;
        }
    if (S->n < MAX_SHAPES) {
        s.count = 1;
        S->s[S->n++] = s;
    }
}

static qshape pw(const char *layer, int m, int k, int n, const bd_qlayer *L)
{
    qshape s = {Q_PWCONV, "", 0, m, 1, k, m, 1, n, 1, 1, 0, 0, L, L->weight, NULL, NULL,
                (double)m * k * n};
    snprintf(s.layer, sizeof s.layer, "%s", layer);
    return s;
}

/* Every kernel call bd_qnetwork_run() makes at this size and output stride, except the
 * one-pixel image-pooling product, the average pool and the concatenation's copies. */
static void collect(const bd_model *m, const bd_net_plan *p, shape_list *S)
{
    const bd_qmodel *q = m->q;
    char name[64];
    qshape in = {Q_QUANTIZE, "MobilenetV2/input", 0, p->in_h * p->in_w * p->cin, 1, 1, 0, 0, 0,
                 1, 1, 0, 0, NULL, NULL, NULL, &q->input, 0};
    add_shape(S, in);
    const double stem_macs = (double)p->stem_h * p->stem_w * p->stem_cout * 9 * p->cin;
    qshape stem = {Q_CONV3X3S2, "MobilenetV2/Conv", 0, p->in_h, p->in_w, p->cin, p->stem_h,
                   p->stem_w, p->stem_cout, 2, 1, p->stem_pad_top, p->stem_pad_left, &q->stem,
                   q->stem.weight, NULL, NULL, stem_macs};
    add_shape(S, stem);
    qshape gemm = {Q_STEM_GEMM, "MobilenetV2/Conv", 0, p->stem_h * p->stem_w, 1, 9 * p->cin,
                   p->stem_h * p->stem_w, 1, p->stem_cout, 1, 1, 0, 0, &q->stem, q->stem.weight,
                   NULL, NULL, stem_macs};
    add_shape(S, gemm);
    for (int i = 0; i < MNV2_BLOCKS; i++) {
        const bd_block_plan *b = &p->b[i];
        const bd_qblock *qb = &q->blocks[i];
        char scope[32];
        if (i) snprintf(scope, sizeof scope, "expanded_conv_%d", i);
        else snprintf(scope, sizeof scope, "expanded_conv");
        if (m->blocks[i].has_expand) {
            snprintf(name, sizeof name, "%s/expand", scope);
            add_shape(S, pw(name, b->in_h * b->in_w, b->cin, b->cexp, &qb->expand));
        }
        qshape dw = {Q_DWCONV3X3, "", 0, b->in_h, b->in_w, b->cexp, b->out_h, b->out_w,
                     b->cexp, b->stride, b->dilation, b->pad_top, b->pad_left, &qb->depthwise,
                     qb->depthwise.weight, NULL, NULL, (double)b->out_h * b->out_w * b->cexp * 9};
        snprintf(dw.layer, sizeof dw.layer, "%s/depthwise", scope);
        add_shape(S, dw);
        snprintf(name, sizeof name, "%s/project", scope);
        add_shape(S, pw(name, b->out_h * b->out_w, b->cexp, b->cout, &qb->project));
        if (qb->has_add && b->residual) {
            qshape a = {Q_ADD, "", 0, b->out_h * b->out_w * b->cout, 1, 1, 0, 0, 0, 1, 1, 0, 0,
                        NULL, NULL, &qb->add, NULL, 0};
            snprintf(a.layer, sizeof a.layer, "%s/add", scope);
            add_shape(S, a);
        }
    }
    const int hw = p->feat_h * p->feat_w;
    add_shape(S, pw("aspp0", hw, p->feat_c, m->aspp0.cout, &q->aspp0));
    /* concat_projection over the aspp0 channels only: qnetwork.c folds the image-pooling
     * half (the same for every pixel) into the bias */
    const int cpool = m->image_pooling.cout, cproj = m->concat_projection.cout;
    qshape proj = pw("concat_projection", hw, m->concat_projection.cin - cpool, cproj,
                     &q->concat_projection);
    proj.weight += (size_t)cpool * cproj;
    add_shape(S, proj);
    add_shape(S, pw("logits/semantic", hw, m->logits.cin, m->logits.cout, &q->logits));
}

/* ------------------------------------------------------------ plan vs the network ----- */

typedef struct {
    const bd_net_plan *p;
    int block, errors;
} plan_check;

static void check_tensor(void *ctx, const char *name, const uint8_t *t, int h, int w, int c)
{
    (void)t;
    plan_check *pc = ctx;
    size_t n = strlen(name);
    if (n < 16 || strcmp(name + n - 16, "/depthwise/Relu6"))
        return;
    const bd_block_plan *b = pc->block < MNV2_BLOCKS ? &pc->p->b[pc->block] : NULL;
    if (!b || h != b->out_h || w != b->out_w || c != b->cexp) {
        fprintf(stderr, "bench_kernels_qu8: %s is %dx%dx%d in the int8 network, not as planned\n",
                name, h, w, c);
        pc->errors++;
    }
    pc->block++;
}

static int check_plan(const bd_model *m, const bd_net_plan *p, int os)
{
    char err[512];
    const bd_qu8_kernels *k = bd_qu8_kernels_select(err, sizeof err);
    bd_qnetwork *net = k ? bd_qnetwork_new(m, p->in_h, p->in_w, os, err, sizeof err) : NULL;
    if (!net) {
        fprintf(stderr, "bench_kernels_qu8: %s\n", err);
        return -1;
    }
    memset(bd_qnetwork_input(net), 0, (size_t)p->in_h * p->in_w * p->cin * sizeof(float));
    plan_check pc = {p, 0, 0};
    bd_qnetwork_run(net, k, check_tensor, &pc);
    bd_qnetwork_free(net);
    return pc.errors || pc.block != MNV2_BLOCKS ? -1 : 0;
}

/* ------------------------------------------------------------ timing ------------------ */

typedef struct {
    uint8_t *in, *out, *res;
    float *fin;
    void *packed;                /* the shape's weights packed for the table, or NULL */
} bufs;

static void call(const bd_qu8_kernels *k, const qshape *s, const bufs *b)
{
    const bd_qlayer *L = s->L;
    switch (s->kind) {
    case Q_QUANTIZE:
        (k->quantize_f32 ? k->quantize_f32 : bd_qu8_quantize_f32)(b->fin, (size_t)s->h,
                                                                 s->qin->scale, s->qin->zp, b->out);
        break;
    case Q_CONV3X3S2:
        k->conv3x3s2(b->in, s->h, s->w, s->cin, b->out, s->oh, s->ow, s->cout, s->weight,
                     L->bias, s->pad_top, s->pad_left, &L->conv);
        break;
    case Q_DWCONV3X3:
        if (b->packed)
            k->dwconv3x3_packed(b->in, s->h, s->w, s->cin, b->out, s->oh, s->ow, b->packed,
                                s->stride, s->dilation, s->pad_top, s->pad_left, &L->conv);
        else
            k->dwconv3x3(b->in, s->h, s->w, s->cin, b->out, s->oh, s->ow, s->weight, L->bias,
                         s->stride, s->dilation, s->pad_top, s->pad_left, &L->conv);
        break;
    case Q_STEM_GEMM:
    case Q_PWCONV:
        if (b->packed)
            k->pwconv_packed(b->in, s->h, s->cin, b->out, s->cout, b->packed, &L->conv);
        else
            k->pwconv(b->in, s->h, s->cin, b->out, s->cout, s->weight, L->bias, &L->conv);
        break;
    case Q_ADD:
        if (b->packed)
            k->add_lut(b->res, b->out, (size_t)s->h, b->out, b->packed);
        else
            k->add(b->res, b->out, (size_t)s->h, b->out, s->add);
        break;
    }
}

typedef struct { const bd_qu8_kernels *k; const qshape *s; const bufs *b; } timed_call;

static void run_timed(const void *ctx)
{
    const timed_call *t = ctx;
    call(t->k, t->s, t->b);
}

static double time_shape(const bd_qu8_kernels *k, const qshape *s, const bufs *b, int runs,
                         double target_ms, int cpu_clock)
{
    const timed_call t = {k, s, b};
    return bench_time_calls(run_timed, &t, runs, target_ms, cpu_clock);
}

static void fill(uint8_t *x, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = (uint8_t)(seed >> 24);
    }
}

/* Bytes a kernel must at least move: its input, output and weights once. */
static double min_bytes(const qshape *s)
{
    double in = (double)s->h * s->w * s->cin, out = (double)s->oh * s->ow * s->cout;
    switch (s->kind) {
    case Q_PWCONV:
    case Q_STEM_GEMM: return in + out + (double)s->cin * s->cout;
    case Q_DWCONV3X3: return in + out + 9.0 * s->cin;
    case Q_CONV3X3S2: return in + out + 9.0 * s->cin * s->cout;
    case Q_ADD: return 3.0 * s->h;
    default: return 5.0 * s->h;                       /* float in, uint8 out */
    }
}

static void describe(const qshape *s, char *out, size_t n)
{
    switch (s->kind) {
    case Q_PWCONV:
    case Q_STEM_GEMM: snprintf(out, n, "%d px: %d -> %d", s->h, s->cin, s->cout); break;
    case Q_ADD: snprintf(out, n, "%d values", s->h); break;
    case Q_QUANTIZE: snprintf(out, n, "%d floats", s->h); break;
    default:
        snprintf(out, n, "%dx%dx%d -> %dx%dx%d s%d d%d", s->h, s->w, s->cin, s->oh, s->ow,
                 s->cout, s->stride, s->dilation);
    }
}

typedef struct {
    const char *isa[MAX_LIST], *peak_isa[MAX_LIST];
    double peak[MAX_LIST];
    int nisa, npeak, threads[MAX_LIST], nthreads, runs, size, cpu_clock;
    double target_ms;
} opts;

static double peak_of(const opts *o, const char *isa)
{
    for (int i = 0; i < o->npeak; i++)
        if (!strcmp(o->peak_isa[i], isa)) return o->peak[i];
    return 0;
}

static const bd_qu8_kernels *table(const char *isa)
{
    for (int j = 0; bd_qu8_kernels_all[j]; j++)
        if (!strcmp(bd_qu8_kernels_all[j]->isa, isa)) return bd_qu8_kernels_all[j];
    return NULL;
}

static size_t max_u(size_t a, size_t b) { return a > b ? a : b; }

/* qnetwork.c runs the stem as a packed matrix product when the table packs its weights. */
static int table_packs_stem(const bd_qu8_kernels *k, const bd_net_plan *p)
{
    return k->pw_packed_size && k->pw_packed_size(9 * p->cin, p->stem_cout) > 0;
}

/* The shape's weights packed for k when qnetwork.c would run it packed: 1, else 0 (-1 out
 * of memory). */
static int pack(const bd_qu8_kernels *k, const qshape *s, void **packed)
{
    *packed = NULL;
    if (s->kind == Q_ADD && k->add_lut) {
        if (posix_memalign(packed, 64, BD_QU8_ADD_LUT_BYTES)) {
            *packed = NULL;
            return -1;
        }
        bd_qu8_add_lut_build(k, s->add, *packed);
        return 1;
    }
    if (s->kind == Q_DWCONV3X3 && k->dw_packed_size) {
        if (posix_memalign(packed, 64, (k->dw_packed_size(s->cin) + 63) / 64 * 64)) {
            *packed = NULL;
            return -1;
        }
        k->dw_pack(s->weight, s->L->bias, s->cin, &s->L->conv, *packed);
        return 1;
    }
    if ((s->kind != Q_PWCONV && s->kind != Q_STEM_GEMM) || !k->pw_packed_size) return 0;
    size_t sz = k->pw_packed_size(s->cin, s->cout);
    if (!sz) return 0;
    if (posix_memalign(packed, 64, (sz + 63) / 64 * 64)) {
        *packed = NULL;
        return -1;
    }
    k->pw_pack(s->weight, s->L->bias, s->cin, s->cout, &s->L->conv, *packed);
    return 1;
}

static int bench_model_os(const char *path, const bd_model *m, int os, const opts *o)
{
    bd_net_plan p;
    bd_network_plan(m, o->size, o->size, os, &p);
    if (check_plan(m, &p, os)) {
        fprintf(stderr, "bench_kernels_qu8: %s OS%d: the plan disagrees with the int8 network\n",
                path, os);
        return -1;
    }
    static shape_list S;
    S.n = 0;
    collect(m, &p, &S);
    size_t in_max = 0, out_max = 0;
    for (int i = 0; i < S.n; i++) {
        const qshape *s = &S.s[i];
        in_max = max_u(in_max, (size_t)s->h * s->w * s->cin);
        out_max = max_u(out_max, (size_t)s->oh * s->ow * s->cout);
        if (s->kind == Q_ADD || s->kind == Q_QUANTIZE) out_max = max_u(out_max, (size_t)s->h);
    }
    bufs b = {malloc(in_max), malloc(out_max), malloc(out_max),
              malloc((size_t)o->size * o->size * 3 * sizeof(float)), NULL};
    if (!b.in || !b.out || !b.res || !b.fin) {
        fprintf(stderr, "bench_kernels_qu8: out of memory\n");
        free(b.in); free(b.out); free(b.res); free(b.fin);
        return -1;
    }
    fill(b.in, in_max, 1);
    fill(b.res, out_max, 2);
    memset(b.out, 0, out_max);
    bd_network_bench_input(b.fin, o->size, o->size, m->norm_scale, m->norm_offset);

    const char *base = strrchr(path, '/');
    printf("\n### int8: %s (depth %g), output stride %d, input %dx%d\n\n", base ? base + 1 : path,
           m->depth_multiplier, os, o->size, o->size);
    printf("| layer (xN: layers with this shape) | kernel | shape | MOP | isa | threads "
           "| median ms | GOP/s | %% int8 peak | GB/s |\n"
           "|---|---|---|---:|---|---:|---:|---:|---:|---:|\n");
    double total_ms[MAX_LIST][MAX_LIST] = {{0}}, total_ops = 0;
    for (int i = 0; i < S.n; i++)
        if (S.s[i].kind != Q_STEM_GEMM) total_ops += 2.0 * S.s[i].macs * S.s[i].count;
    int rc = 0;
    for (int i = 0; i < S.n && !rc; i++) {
        const qshape *s = &S.s[i];
        char shape[64];
        describe(s, shape, sizeof shape);
        for (int a = 0; a < o->nisa; a++) {
            const bd_qu8_kernels *k = table(o->isa[a]);
            int packed = pack(k, s, &b.packed);
            if (packed < 0) { rc = -1; break; }
            if (s->kind == Q_STEM_GEMM && !packed) continue;   /* the table runs conv3x3s2 */
            const double peak = peak_of(o, k->isa);
            const int stem_packed = table_packs_stem(k, &p);
            for (int t = 0; t < o->nthreads; t++) {
                omp_set_num_threads(o->threads[t]);
                double ms = time_shape(k, s, &b, o->runs, o->target_ms,
                                       o->cpu_clock && o->threads[t] == 1);
                /* the network total: the stem as this table runs it (packed GEMM or direct) */
                if ((s->kind != Q_STEM_GEMM && s->kind != Q_CONV3X3S2) ||
                    (s->kind == Q_STEM_GEMM) == stem_packed)
                    total_ms[a][t] += ms * s->count;
                char rate[32] = "-", pct[16] = "-";
                if (s->macs > 0) {
                    double g = 2.0 * s->macs / ms * 1e-6;
                    snprintf(rate, sizeof rate, "%.1f", g);
                    if (peak > 0)
                        snprintf(pct, sizeof pct, "%.0f", 100 * g / (peak * o->threads[t]));
                }
                printf("| %s x%d | %s%s | %s | %.1f | %s | %d | %.3f | %s | %s | %.1f |\n",
                       s->layer, s->count, kind_name[s->kind],
                       packed && s->kind == Q_PWCONV ? " (packed)" : "", shape, 2e-6 * s->macs,
                       k->isa, o->threads[t], ms, rate, pct, min_bytes(s) / ms * 1e-6);
                fflush(stdout);
            }
            free(b.packed);
            b.packed = NULL;
        }
    }
    if (!rc) {
        printf("\nSum over all layers (each shape's median x its count; the stem as the table "
               "runs it), %.3f GOP:\n\n", total_ops * 1e-9);
        for (int a = 0; a < o->nisa; a++)
            for (int t = 0; t < o->nthreads; t++) {
                double g = total_ops / total_ms[a][t] * 1e-6, peak = peak_of(o, o->isa[a]);
                printf("- %s, %d thread%s: %.2f ms, %.1f GOP/s", o->isa[a], o->threads[t],
                       o->threads[t] > 1 ? "s" : "", total_ms[a][t], g);
                if (peak > 0) printf(", %.0f%% of its int8 peak", 100 * g / (peak * o->threads[t]));
                printf("\n");
            }
    }
    free(b.in); free(b.out); free(b.res); free(b.fin);
    return rc;
}

int main(int argc, char **argv)
{
    const char *models[MAX_LIST];
    int nmodels = 0, oss[2], noss = 0;
    opts o = {.runs = 7, .size = 513, .target_ms = 400};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) goto usage;
        i++;
        if (!strcmp(a, "--model") && nmodels < MAX_LIST) models[nmodels++] = v;
        else if (!strcmp(a, "--os") && noss < 2) oss[noss++] = atoi(v);
        else if (!strcmp(a, "--threads") && o.nthreads < MAX_LIST)
            o.threads[o.nthreads++] = atoi(v);
        else if (!strcmp(a, "--isa") && o.nisa < MAX_LIST) o.isa[o.nisa++] = v;
        else if (!strcmp(a, "--peak") && o.npeak < MAX_LIST && strchr(v, '=')) {
            static char names[MAX_LIST][32];
            snprintf(names[o.npeak], sizeof names[0], "%.*s", (int)(strchr(v, '=') - v), v);
            o.peak_isa[o.npeak] = names[o.npeak];
            o.peak[o.npeak++] = atof(strchr(v, '=') + 1);
        }
        else if (!strcmp(a, "--runs")) o.runs = atoi(v);
        else if (!strcmp(a, "--size")) o.size = atoi(v);
        else if (!strcmp(a, "--target-ms")) o.target_ms = atof(v);
        else if (!strcmp(a, "--clock") && (!strcmp(v, "cpu") || !strcmp(v, "wall")))
            o.cpu_clock = !strcmp(v, "cpu");
        else goto usage;
    }
    if (!nmodels || o.runs < 3 || o.runs > BENCH_MAX_RUNS || o.size < 33 || o.size > 8192) goto usage;
    for (int j = 0; j < noss; j++) if (oss[j] != 8 && oss[j] != 16) goto usage;
    if (!noss) { oss[0] = 16; noss = 1; }
    if (!o.nthreads) {
        o.threads[o.nthreads++] = 1;
        if (omp_get_max_threads() > 1) o.threads[o.nthreads++] = omp_get_max_threads();
    }
    for (int t = 0; t < o.nthreads; t++) if (o.threads[t] < 1) goto usage;
    const char *env_isa = getenv("BACKDROP_ISA_INT8");  /* no --isa: $BACKDROP_ISA_INT8, else all */
    if (!o.nisa && env_isa && *env_isa)
        o.isa[o.nisa++] = env_isa;
    if (!o.nisa)
        for (int j = 0; bd_qu8_kernels_all[j] && o.nisa < MAX_LIST; j++)
            if (bd_qu8_kernels_supported(bd_qu8_kernels_all[j]))
                o.isa[o.nisa++] = bd_qu8_kernels_all[j]->isa;
    for (int a = 0; a < o.nisa; a++)
        if (!bd_qu8_kernels_supported(table(o.isa[a]))) {
            fprintf(stderr, "bench_kernels_qu8: no supported int8 kernel table '%s' here\n",
                    o.isa[a]);
            return 1;
        }
    printf("## int8 kernels on the network's layer shapes\n\n"
           "Median of up to %d runs after one untimed run; %% int8 peak against bench/peak_int8's "
           "per-core rate of each table's instruction x threads (", o.runs);
    for (int i = 0; i < o.npeak; i++)
        printf("%s%s %.1f GOP/s", i ? ", " : "", o.peak_isa[i], o.peak[i]);
    printf("%s); %s. Tables:", o.npeak ? "" : "none given",
           o.cpu_clock ? "1-thread rows in thread CPU time (--clock cpu), others wall time"
                       : "wall time");
    for (int a = 0; a < o.nisa; a++) printf(" %s", o.isa[a]);
    printf(".\n");
    int rc = 0;
    for (int i = 0; i < nmodels; i++) {
        char err[512];
        bd_model *m = bd_model_load(models[i], err, sizeof err);
        if (!m) {
            fprintf(stderr, "bench_kernels_qu8: %s\n", err);
            rc = 1;
            continue;
        }
        if (!m->q) {
            fprintf(stderr, "bench_kernels_qu8: %s: no int8 network in this weights file\n",
                    models[i]);
            rc = 1;
        }
        for (int j = 0; j < noss && m->q; j++)
            if (bench_model_os(models[i], m, oss[j], &o)) rc = 1;
        bd_model_free(m);
    }
    return rc;
usage:
    fprintf(stderr, "usage: bench_kernels_qu8 --model F.bdw [--model G.bdw ...] [--os 8] "
                    "[--os 16] [--size 513] [--threads N ...] [--isa NAME ...] "
                    "[--peak ISA=GOPS_PER_CORE ...] [--runs N>=3] [--target-ms T] "
                    "[--clock wall|cpu]\n");
    return 2;
}
