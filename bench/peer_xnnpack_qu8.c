/* peer_xnnpack_qu8.c — the XNNPACK uint8 peer: backdrop's int8 DeepLabV3-MobileNetV2 (the
 * uint8 weights, int32 biases and every tensor's scale and zero point of our weights file,
 * engine/qmodel.h) built from XNNPACK's qu8 operators, timed like `bench_network --int8`
 * (normalised float input -> float logits) for comparison with backdrop's int8 engine.
 *
 *   peer_xnnpack_qu8 --model F.bdw [--os 8|16] [--threads N] [--runs N] [--warmup N]
 *                    [--size N] [--layers] [--serve] [--quiet] [--clock wall|cpu]
 *                    [--xnn-isa native|avx2]
 *
 * (Command line, start-up and timing shared with peer_xnnpack.c: peer_xnnpack_common.h.)
 * The graph, op for op as engine/qnetwork.c and TFLite's uint8 graph:
 *   xnn_create_convert_nc_f32_qu8          the input QUANTIZE
 *   xnn_create_convolution2d_nhwc_qu8      stem 3x3 s2, 1x1 expand / project, depthwise 3x3
 *                                          (XNN_FLAG_DEPTHWISE_CONVOLUTION, dilation, the
 *                                          plan's SAME padding), aspp0, concat_projection,
 *                                          logits; the fused ReLU/ReLU6 as the output clamp
 *   xnn_create_add_nd_qu8                  the residual ADDs
 *   xnn_create_global_average_pooling_nwc_qu8 + xnn_create_fully_connected_nc_qu8
 *                                          image pooling
 *   glue (C, as qnetwork.c does)           the QUANTIZE of image pooling's 256 values into
 *                                          the concatenation's scale and their broadcast
 *                                          into every pixel of the concatenation; aspp0
 *                                          writes its half of the concatenation in place
 *                                          (output pixel stride 512), so no copy
 *   xnn_create_convert_nc_qu8_f32          the dequantised logits
 * concat_projection runs over all 512 channels of the concatenation, as in TFLite's graph:
 * qnetwork.c folds the image-pooling half (the same for every pixel) into the layer's int32
 * bias per image, which XNNPACK's operators (bias packed once, requantised inside the
 * convolution) cannot express; so this peer does 2.7 % more multiply-adds than ours at d=1.0
 * OS16 (9 % at d=0.5), and its gflops figure counts its own.
 *
 * XNNPACK requantises in float (its fp32 requantisation), TFLite and backdrop in fixed
 * point, so the bytes can differ by a level where a value falls near a rounding boundary,
 * and such differences travel down the network. Before timing, on the benchmark input:
 * both quantise the same float input (share of identical input bytes printed); then both
 * networks run from backdrop's quantised input and their uint8 logits are compared: share
 * of identical bytes, max and mean |difference| in quantisation levels, and the share of
 * logits pixels whose argmax label agrees. It fails if labels agree on less than 95 % of
 * the pixels or a logit differs by more than 32 levels.
 * Output: per-run lines, then  xnnpack_qu8 median_ms=X min_ms=Y max_ms=Z gflops=G threads=N
 * (gflops here = 2 x multiply-adds / time in GOP/s).
 */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PEER_NAME "peer_xnnpack_qu8"
#include "peer_xnnpack_common.h"
#include "kernels_quant.h"
#include "engine/model.h"
#include "engine/network.h"
#include "engine/qnetwork.h"

#define MIN_LABEL_AGREEMENT 0.95
#define MAX_LEVEL_DIFF 32

static uint8_t *bytes(xnet *x, size_t n) { return buffer_bytes(x, n); }

static uint8_t u8(int32_t v) { return (uint8_t)v; }   /* zero points and clamps: 0..255 */

/* Our IO [k][n] weights -> XNNPACK's OI [n][k]. */
static uint8_t *transpose_u8(xnet *x, const uint8_t *w, int k, int n)
{
    uint8_t *t = keep(x, malloc((size_t)k * n));
    if (t)
        for (int i = 0; i < k; i++)
            for (int j = 0; j < n; j++) t[(size_t)j * k + i] = w[(size_t)i * n + j];
    return t;
}

/* A qu8 convolution of one quantised layer: kh x kw, stride, dilation, padding; weights
 * in XNNPACK's layout; in_stride / out_stride: channels between two pixels. */
typedef struct {
    int pad_top, pad_right, pad_bottom, pad_left, kh, kw, stride, dilation;
    int groups, cin, cout, in_stride, out_stride, flags;
} conv_geom;

static int conv(xnet *x, const char *name, double macs, const conv_geom *g, const bd_qlayer *L,
                const uint8_t *kernel, const uint8_t *in, int h, int w, uint8_t *out)
{
    xop *o = add_op(x, name, macs);
    if (!kernel || !o) return fail("out of memory", 0);
    enum xnn_status s = xnn_create_convolution2d_nhwc_qu8(
        g->pad_top, g->pad_right, g->pad_bottom, g->pad_left, g->kh, g->kw, g->stride,
        g->stride, g->dilation, g->dilation, g->groups, g->cin, g->cout, g->in_stride,
        g->out_stride, u8(L->in.zp), L->in.scale, u8(L->w.zp), L->w.scale, kernel, L->bias,
        u8(L->out.zp), L->out.scale, u8(L->conv.rq.lo), u8(L->conv.rq.hi), g->flags, &o->op);
    if (s != xnn_status_success) return fail(name, s);
    s = xnn_setup_convolution2d_nhwc_qu8(o->op, 1, h, w, in, out, x->pool);
    return s == xnn_status_success ? 0 : fail(name, s);
}

/* A 1x1 convolution over h x w pixels (plain strides unless out_stride is given). */
static int conv1x1(xnet *x, const char *name, const bd_qlayer *L, int cin, int cout,
                   const uint8_t *in, int h, int w, uint8_t *out, int out_stride)
{
    conv_geom g = {0, 0, 0, 0, 1, 1, 1, 1, 1, cin, cout, cin, out_stride ? out_stride : cout, 0};
    return conv(x, name, (double)h * w * cin * cout, &g, L, transpose_u8(x, L->weight, cin, cout),
                in, h, w, out);
}

/* The glue between image pooling and the concatenation (see the top of the file). */
typedef struct {
    const uint8_t *ip;             /* image pooling's cpool outputs */
    int32_t ip_zp;
    const bd_qu8_requant *rq;      /* into the concatenation's quantisation */
    uint8_t *ipq, *concat;
    int cpool, stride;
    size_t pixels;
} pool_glue;

static void pool_to_concat(void *ctx)
{
    const pool_glue *g = ctx;
    bd_qu8_requantize_ref(g->ip, (size_t)g->cpool, g->ip_zp, g->rq, g->ipq);
    for (size_t p = 0; p < g->pixels; p++)
        memcpy(g->concat + p * (size_t)g->stride, g->ipq, (size_t)g->cpool);
}

typedef struct {
    uint8_t *in_u8, *logits_u8;    /* the quantised input, the uint8 logits */
    pool_glue glue;
    const uint8_t *out[MAX_OPS];   /* per step: its uint8 output (NULL: float or strided) */
    size_t out_n[MAX_OPS];
} qbufs;

static void output(qbufs *qb, const xnet *x, const uint8_t *p, size_t n)
{
    qb->out[x->count - 1] = p;
    qb->out_n[x->count - 1] = n;
}

/* ------------------------------------------------------------ the network ------------- */

static int build(xnet *x, qbufs *qb, const bd_model *m, const bd_net_plan *p)
{
    const bd_qmodel *q = m->q;
    char name[64];
    enum xnn_status s;
    xop *o;
    size_t ping = (size_t)p->stem_h * p->stem_w * p->stem_cout, expanded = 0, depthwise = 0;
    for (int i = 0; i < MNV2_BLOCKS; i++) {
        const bd_block_plan *b = &p->b[i];
        size_t out = (size_t)b->out_h * b->out_w;
        expanded = max_sz(expanded, (size_t)b->in_h * b->in_w * b->cexp);
        depthwise = max_sz(depthwise, out * b->cexp);
        ping = max_sz(ping, out * b->cout);
    }
    const size_t hw = (size_t)p->feat_h * p->feat_w;
    const int cpool = m->image_pooling.cout, caspp = m->aspp0.cout;
    const int cproj = m->concat_projection.cout, ccat = cpool + caspp, nc = m->num_classes;
    depthwise = max_sz(depthwise, hw * ccat);       /* D holds the concatenation */
    ping = max_sz(ping, hw * cproj);
    uint8_t *X = bytes(x, ping), *Y = bytes(x, ping), *T = bytes(x, ping);
    uint8_t *E = bytes(x, expanded), *D = bytes(x, depthwise);
    size_t npix = (size_t)p->in_h * p->in_w;
    x->input = buffer_bytes(x, npix * p->cin * sizeof(float));
    x->logits = buffer_bytes(x, hw * nc * sizeof(float));
    qb->in_u8 = bytes(x, npix * p->cin);
    qb->logits_u8 = bytes(x, hw * nc);
    uint8_t *pooled = bytes(x, p->feat_c), *ip = bytes(x, cpool), *ipq = bytes(x, cpool);
    if (!X || !Y || !T || !E || !D || !x->input || !x->logits || !qb->in_u8 ||
        !qb->logits_u8 || !pooled || !ip || !ipq)
        return fail("out of memory", 0);

    /* Input QUANTIZE: npix rows of cin floats. */
    o = add_op(x, "input/quantize", 0);
    if (!o) return fail("out of memory", 0);
    s = xnn_create_convert_nc_f32_qu8(p->cin, p->cin, p->cin, q->input.scale, u8(q->input.zp),
                                      0, 255, 0, &o->op);
    if (s != xnn_status_success) return fail("input/quantize", s);
    s = xnn_setup_convert_nc_f32_qu8(o->op, npix, x->input, qb->in_u8, x->pool);
    if (s != xnn_status_success) return fail("input/quantize", s);

    /* Stem: HWIO [3][3][cin][cout] -> OHWI. */
    const int cin = p->cin, c0 = p->stem_cout;
    uint8_t *sw = keep(x, malloc((size_t)9 * cin * c0));
    if (!sw) return fail("out of memory", 0);
    for (int t = 0; t < 9; t++)
        for (int ci = 0; ci < cin; ci++)
            for (int co = 0; co < c0; co++)
                sw[((size_t)co * 9 + t) * cin + ci] = q->stem.weight[((size_t)t * cin + ci) * c0 + co];
    conv_geom sg = {p->stem_pad_top, p->stem_pad_right, p->stem_pad_bottom, p->stem_pad_left,
                    3, 3, 2, 1, 1, cin, c0, cin, c0, 0};
    if (conv(x, "MobilenetV2/Conv", (double)p->stem_h * p->stem_w * c0 * 9 * cin, &sg, &q->stem,
             sw, qb->in_u8, p->in_h, p->in_w, X))
        return -1;
    output(qb, x, X, (size_t)p->stem_h * p->stem_w * c0);

    /* Blocks: X -> [E] -> D -> Y (or T, then ADD(X, T) -> Y), then swap X and Y.
     * xq: the quantisation of X (the ADD needs both inputs' scales). */
    bd_qparam xq = q->stem.out;
    for (int i = 0; i < MNV2_BLOCKS; i++) {
        const bd_block_plan *b = &p->b[i];
        const bd_qblock *qbk = &q->blocks[i];
        const uint8_t *dw_in = X;
        if (m->blocks[i].has_expand) {
            block_name(name, sizeof name, i, "expand");
            if (conv1x1(x, name, &qbk->expand, b->cin, b->cexp, X, b->in_h, b->in_w, E, 0))
                return -1;
            output(qb, x, E, (size_t)b->in_h * b->in_w * b->cexp);
            dw_in = E;
        }
        block_name(name, sizeof name, i, "depthwise");
        conv_geom dg = {b->pad_top, b->pad_right, b->pad_bottom, b->pad_left, 3, 3, b->stride,
                        b->dilation, b->cexp, 1, 1, b->cexp, b->cexp,
                        XNN_FLAG_DEPTHWISE_CONVOLUTION};
        /* depthwise weights [ky][kx][c]: XNNPACK's [1][kh][kw][groups] as they are */
        if (conv(x, name, (double)b->out_h * b->out_w * b->cexp * 9, &dg, &qbk->depthwise,
                 qbk->depthwise.weight, dw_in, b->in_h, b->in_w, D))
            return -1;
        const size_t bhw = (size_t)b->out_h * b->out_w;
        output(qb, x, D, bhw * b->cexp);
        const int add = qbk->has_add && b->residual;
        block_name(name, sizeof name, i, "project");
        if (conv1x1(x, name, &qbk->project, b->cexp, b->cout, D, b->out_h, b->out_w,
                    add ? T : Y, 0))
            return -1;
        output(qb, x, add ? T : Y, bhw * b->cout);
        if (add) {
            size_t shape[4] = {1, (size_t)b->out_h, (size_t)b->out_w, (size_t)b->cout};
            const bd_qparam pq = qbk->project.out, oq = qbk->add_out;
            block_name(name, sizeof name, i, "add");
            o = add_op(x, name, 0);
            if (!o) return fail("out of memory", 0);
            s = xnn_create_add_nd_qu8(u8(xq.zp), xq.scale, u8(pq.zp), pq.scale, u8(oq.zp),
                                      oq.scale, u8(qbk->add.rq.lo), u8(qbk->add.rq.hi), 0,
                                      &o->op);
            if (s != xnn_status_success) return fail(name, s);
            s = xnn_setup_add_nd_qu8(o->op, 4, shape, 4, shape, X, T, Y, x->pool);
            if (s != xnn_status_success) return fail(name, s);
            output(qb, x, Y, bhw * b->cout);
            xq = oq;
        } else {
            xq = qbk->project.out;
        }
        uint8_t *t = X; X = Y; Y = t;
    }

    /* Head on X (feat_h x feat_w x feat_c, quantised as xq = q->pool). */
    const int c = p->feat_c;
    o = add_op(x, "AvgPool2D", 0);
    if (!o) return fail("out of memory", 0);
    s = xnn_create_global_average_pooling_nwc_qu8(c, c, c, u8(xq.zp), xq.scale, u8(q->pool.zp),
                                                  q->pool.scale, 0, 255, 0, &o->op);
    if (s != xnn_status_success) return fail("global average pooling", s);
    s = xnn_setup_global_average_pooling_nwc_qu8(o->op, 1, hw, X, pooled, x->pool);
    if (s != xnn_status_success) return fail("global average pooling", s);
    output(qb, x, pooled, c);

    const bd_qlayer *L = &q->image_pooling;
    o = add_op(x, "image_pooling", (double)c * cpool);
    uint8_t *ipw = transpose_u8(x, L->weight, c, cpool);
    if (!o || !ipw) return fail("out of memory", 0);
    s = xnn_create_fully_connected_nc_qu8(c, cpool, c, cpool, u8(L->in.zp), L->in.scale,
                                          u8(L->w.zp), L->w.scale, ipw, L->bias, u8(L->out.zp),
                                          L->out.scale, u8(L->conv.rq.lo), u8(L->conv.rq.hi),
                                          0, &o->op);
    if (s != xnn_status_success) return fail("image_pooling", s);
    s = xnn_setup_fully_connected_nc_qu8(o->op, 1, pooled, ip, x->pool);
    if (s != xnn_status_success) return fail("image_pooling", s);
    output(qb, x, ip, cpool);

    o = add_op(x, "image_pooling/quantize+broadcast (C glue)", 0);
    if (!o) return fail("out of memory", 0);
    qb->glue = (pool_glue){ip, L->out.zp, &q->pool_to_concat, ipq, D, cpool, ccat, hw};
    o->glue = pool_to_concat;
    o->ctx = &qb->glue;

    if (conv1x1(x, "aspp0", &q->aspp0, c, caspp, X, p->feat_h, p->feat_w, D + cpool, ccat) ||
        conv1x1(x, "concat_projection", &q->concat_projection, ccat, cproj, D, p->feat_h,
                p->feat_w, Y, 0))
        return -1;
    output(qb, x, Y, hw * cproj);
    if (conv1x1(x, "logits/semantic", &q->logits, cproj, nc, Y, p->feat_h, p->feat_w,
                qb->logits_u8, 0))
        return -1;
    output(qb, x, qb->logits_u8, hw * nc);

    o = add_op(x, "logits/dequantize", 0);
    if (!o) return fail("out of memory", 0);
    s = xnn_create_convert_nc_qu8_f32(nc, nc, nc, q->logits.out.scale, u8(q->logits.out.zp), 0,
                                      &o->op);
    if (s != xnn_status_success) return fail("logits/dequantize", s);
    s = xnn_setup_convert_nc_qu8_f32(o->op, hw, qb->logits_u8, x->logits, x->pool);
    if (s != xnn_status_success) return fail("logits/dequantize", s);
    x->feat_h = p->feat_h;
    x->feat_w = p->feat_w;
    x->classes = nc;
    return 0;
}

/* ------------------------------------------------------------ the check --------------- */

/* What the observer keeps of our run: the quantised input, and with --layers a copy of
 * every tensor (for the per-layer comparison). */
#define MAX_TENSORS 96
typedef struct {
    uint8_t *input;
    size_t n;
    int seen, all, count;
    char name[MAX_TENSORS][96];
    uint8_t *t[MAX_TENSORS];
    size_t size[MAX_TENSORS];
} grab;

static void grab_tensor(void *ctx, const char *name, const uint8_t *t, int h, int w, int c)
{
    grab *g = ctx;
    const size_t n = (size_t)h * w * c;
    if (!strcmp(name, "MobilenetV2/MobilenetV2/input") && n == g->n) {
        memcpy(g->input, t, g->n);
        g->seen = 1;
    }
    if (g->all && g->count < MAX_TENSORS && (g->t[g->count] = malloc(n))) {
        memcpy(g->t[g->count], t, n);
        snprintf(g->name[g->count], sizeof g->name[0], "%s", name);
        g->size[g->count++] = n;
    }
}

/* Our tensor that XNNPACK step `xname` computes: ours is named MobilenetV2/<xname>/<op>,
 * <xname>/<op> or ends in <xname> (the ADDs). */
static int find_tensor(const grab *g, const char *xname, size_t n)
{
    char slash[80];
    snprintf(slash, sizeof slash, "%s/", xname);
    for (int i = 0; i < g->count; i++) {
        const char *nm = g->name[i];
        size_t ln = strlen(nm), lx = strlen(xname);
        int ends = ln >= lx && !strcmp(nm + ln - lx, xname) && (ln == lx || nm[ln - lx - 1] == '/');
        if (g->size[i] == n && (strstr(nm, slash) == nm || ends ||
                                (!strncmp(nm, "MobilenetV2/", 12) && strstr(nm + 12, slash) == nm + 12)))
            return i;
    }
    return -1;
}

static int argmax(const uint8_t *v, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[best]) best = i;
    return best;
}

/* Share of equal bytes, max and mean |a - b|, share of pixels (n of them, c values each)
 * whose first-maximum labels agree. */
static void compare_u8(const uint8_t *a, const uint8_t *b, size_t pixels, int c, double *same,
                       int *max_diff, double *mean_diff, double *labels)
{
    size_t eq = 0, agree = 0, n = pixels * (size_t)c;
    double sum = 0;
    *max_diff = 0;
    for (size_t i = 0; i < n; i++) {
        int d = abs((int)a[i] - (int)b[i]);
        eq += d == 0;
        sum += d;
        if (d > *max_diff) *max_diff = d;
    }
    for (size_t p = 0; p < pixels; p++)
        agree += argmax(a + p * c, c) == argmax(b + p * c, c);
    *same = n ? (double)eq / n : 1;
    *mean_diff = n ? sum / n : 0;
    *labels = pixels ? (double)agree / pixels : 1;
}

/* Our int8 network and XNNPACK's on the same input; 0 if they agree well enough. */
static int check_against_ours(xnet *x, qbufs *qb, const bd_model *m, const float *input,
                              int size, int os, int layers)
{
    char err[512];
    const bd_qu8_kernels *k = bd_qu8_kernels_select(err, sizeof err);
    bd_qnetwork *net = k ? bd_qnetwork_new(m, size, size, os, err, sizeof err) : NULL;
    const size_t nin = (size_t)size * size * 3;
    static grab g;
    g.input = malloc(nin);
    g.n = nin;
    g.all = layers;
    if (!net || !g.input) {
        fprintf(stderr, PEER_NAME ": cannot run backdrop's int8 network to check: %s\n",
                net ? "out of memory" : err);
        bd_qnetwork_free(net);
        free(g.input);
        return -1;
    }
    memcpy(bd_qnetwork_input(net), input, nin * sizeof *input);
    bd_qnetwork_run(net, k, grab_tensor, &g);
    float ls;
    int32_t lzp;
    const uint8_t *ours = bd_qnetwork_logits_u8(net, &ls, &lzp);
    const size_t pixels = (size_t)x->feat_h * x->feat_w;
    double same, mean, labels;
    int maxd, rc = -1;

    /* 1. the input QUANTIZE alone */
    memcpy(x->input, input, nin * sizeof *input);
    if (!g.seen || run_op(x, 0)) goto done;
    size_t eq = 0;
    for (size_t i = 0; i < nin; i++) eq += qb->in_u8[i] == g.input[i];
    printf("check input quantize vs backdrop: %.4f%% identical bytes\n", 100.0 * eq / nin);
    /* 2. the network from backdrop's quantised input: every operator after the first */
    memcpy(qb->in_u8, g.input, nin);
    for (int i = 1; i < x->count; i++) {
        if (run_op(x, i)) goto done;
        int t = layers && qb->out[i] ? find_tensor(&g, x->ops[i].name, qb->out_n[i]) : -1;
        if (t < 0) continue;
        compare_u8(qb->out[i], g.t[t], qb->out_n[i], 1, &same, &maxd, &mean, &labels);
        printf("check layer %-40s vs %-52s identical=%6.2f%% max_diff=%d mean_diff=%.3f\n",
               x->ops[i].name, g.name[t], 100 * same, maxd, mean);
    }
    compare_u8(qb->logits_u8, ours, pixels, x->classes, &same, &maxd, &mean, &labels);
    printf("check logits %dx%dx%d u8 vs backdrop int8 (%s), same uint8 input: identical=%.2f%% "
           "max_diff=%d mean_diff=%.3f levels labels_agree=%.2f%%\n",
           x->feat_h, x->feat_w, x->classes, k->isa, 100 * same, maxd, mean, 100 * labels);
    if (labels < MIN_LABEL_AGREEMENT || maxd > MAX_LEVEL_DIFF) {
        fprintf(stderr, PEER_NAME ": XNNPACK's uint8 logits do not match backdrop's int8 "
                "network (labels agree on %.2f%% < %.0f%%, or a logit differs by %d > %d "
                "levels)\n", 100 * labels, 100 * MIN_LABEL_AGREEMENT, maxd, MAX_LEVEL_DIFF);
        goto done;
    }
    rc = 0;
done:
    bd_qnetwork_free(net);
    free(g.input);
    for (int i = 0; i < g.count; i++) free(g.t[i]);
    return rc;
}

/* ------------------------------------------------------------ main -------------------- */

int main(int argc, char **argv)
{
    peer_opts o;
    if (peer_parse(argc, argv, &o)) return 2;
    if (o.check_in) {
        fprintf(stderr, PEER_NAME ": --check-input/--check-logits: no golden uint8 logits to "
                        "compare with (the check is against backdrop's int8 network)\n");
        return 2;
    }
    char err[512];
    bd_model *m = bd_model_load(o.model, err, sizeof err);
    if (!m) { fprintf(stderr, PEER_NAME ": %s\n", err); return 1; }
    if (!m->q) {
        fprintf(stderr, PEER_NAME ": %s: no int8 network in this weights file (converted from "
                        "a float model)\n", o.model);
        bd_model_free(m);
        return 1;
    }
    const int os = o.os ? o.os : m->export_output_stride, size = o.size ? o.size : m->input_size;
    if (peer_xnn_init(&o)) {
        bd_model_free(m);
        return 1;
    }
    omp_set_num_threads(o.threads);   /* our check run: no idle OpenMP workers beyond these */
    static xnet x;
    static qbufs qb;
    x.pool = o.threads > 1 ? pthreadpool_create(o.threads) : NULL;
    bd_net_plan plan;
    bd_network_plan(m, size, size, os, &plan);
    const size_t in_floats = (size_t)size * size * plan.cin;
    float *input = malloc(in_floats * sizeof *input);
    int rc = 1;
    if (!input || (o.threads > 1 && !x.pool) || build(&x, &qb, m, &plan)) goto done;
    double macs = 0;
    for (int i = 0; i < x.count; i++) macs += x.ops[i].macs;
    printf("# xnnpack qu8 (Debian libxnnpack0, operator API): %s (depth %g), input %dx%d, "
           "output stride %d, threads=%d, %d steps, macs=%.4g gop=%.4g\n", o.model,
           m->depth_multiplier, size, size, os, o.threads, x.count, macs, 2e-9 * macs);
    bd_network_bench_input(input, size, size, m->norm_scale, m->norm_offset);
    if (check_against_ours(&x, &qb, m, input, size, os, o.layers)) goto done;
    fflush(stdout);
    if (peer_time(&x, &o, macs, "xnnpack_qu8", "OP")) goto done;
    rc = 0;
done:
    xnet_free(&x);
    free(input);
    bd_model_free(m);
    xnn_deinitialize();
    return rc;
}
