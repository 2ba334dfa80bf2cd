/* peer_xnnpack.c — the XNNPACK peer: the same DeepLabV3-MobileNetV2, with the same folded
 * weights read from our weights file, built from XNNPACK operators, timed like
 * `backdrop bench` (normalised input -> logits) for comparison.
 *
 *   peer_xnnpack --model F.bdw [--os 8|16] [--threads N] [--runs N] [--warmup N] [--size N]
 *                [--check-input F.f32 --check-logits F.f32] [--layers] [--serve]
 *                [--clock wall|cpu] [--xnn-isa native|avx2]
 *
 * (Command line, start-up and timing shared with peer_xnnpack_qu8.c: peer_xnnpack_common.h;
 * --xnn-isa avx2 keeps XNNPACK on its AVX2 kernels.)
 *
 * Operators (Debian 12's XNNPACK, operator API): every convolution is
 * xnn_create_convolution2d_nhwc_f32 (the stem 3x3 s2, 1x1 expand/project as 1x1 convs,
 * depthwise with XNN_FLAG_DEPTHWISE_CONVOLUTION, dilation and TF SAME padding), ReLU6 / ReLU
 * as the op's output clamp, residuals xnn_create_add_nd_f32, image pooling
 * xnn_create_global_average_pooling_nwc_f32 + fully connected. The head uses the same
 * algebra as src/network.c: the image-pooling half of concat_projection is a constant per
 * channel, computed by a fully-connected op on the pooled vector; the aspp0 half is a 1x1
 * conv, and a broadcasting add (with the ReLU as its clamp) joins them. Same FLOPs as ours
 * plus one elementwise pass.
 *
 * Before timing, the logits are compared with backdrop's own network on the same input
 * (max abs difference printed, and a failure if it exceeds 1e-3 x the logits' range), and
 * with golden logits if --check-* are given. Threads through pthreadpool (1: no pool).
 * Output as backdrop bench: per-run lines, then
 *   xnnpack median_ms=X min_ms=Y max_ms=Z gflops=G threads=N
 * --serve: print "ready" after warm-up, then one timed run per "run" line on stdin.
 * --clock cpu: with 1 thread, time in the thread's CPU time (a diagnostic for a busy
 * machine, comparable with bench_kernels --clock cpu); otherwise wall time.
 */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PEER_NAME "peer_xnnpack"
#include "peer_xnnpack_common.h"
#include "kernels.h"
#include "engine/model.h"
#include "engine/network.h"

/* Activation buffer of `floats` floats. */
static float *buffer(xnet *x, size_t floats)
{
    return buffer_bytes(x, floats * sizeof(float));
}

/* Our IO [k][n] weights -> XNNPACK's OI [n][k]. */
static float *transpose(xnet *x, const float *w, int k, int n)
{
    float *t = keep(x, malloc((size_t)k * n * sizeof *t));
    if (t)
        for (int i = 0; i < k; i++)
            for (int j = 0; j < n; j++) t[(size_t)j * k + i] = w[(size_t)i * n + j];
    return t;
}

/* A 1x1 convolution over h x w pixels, in -> out, weights IO [cin][cout]. */
static int conv1x1(xnet *x, const char *name, const float *in, float *out, int h, int w,
                   int cin, int cout, const float *weight, const float *bias, float lo,
                   float hi)
{
    const float *k = transpose(x, weight, cin, cout);
    xop *o = add_op(x, name, (double)h * w * cin * cout);
    if (!k || !o) return fail("out of memory", 0);
    enum xnn_status s = xnn_create_convolution2d_nhwc_f32(
        0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, cin, cout, cin, cout, k, bias, lo, hi, 0, &o->op);
    if (s != xnn_status_success) return fail(name, s);
    s = xnn_setup_convolution2d_nhwc_f32(o->op, 1, h, w, in, out, x->pool);
    return s == xnn_status_success ? 0 : fail(name, s);
}

static int add_nd(xnet *x, const char *name, const float *a, const size_t *ashape,
                  const float *b, const size_t *bshape, float *out, float lo, float hi)
{
    xop *o = add_op(x, name, 0);
    if (!o) return fail("out of memory", 0);
    enum xnn_status s = xnn_create_add_nd_f32(lo, hi, 0, &o->op);
    if (s != xnn_status_success) return fail(name, s);
    s = xnn_setup_add_nd_f32(o->op, 4, ashape, 4, bshape, a, b, out, x->pool);
    return s == xnn_status_success ? 0 : fail(name, s);
}

/* ------------------------------------------------------------ the network ------------- */

static int build(xnet *x, const bd_model *m, const bd_net_plan *p)
{
    const float inf = INFINITY;
    char name[64];
    enum xnn_status s;
    size_t ping = (size_t)p->stem_h * p->stem_w * p->stem_cout, expanded = 0, depthwise = 0;
    for (int i = 0; i < MNV2_BLOCKS; i++) {
        const bd_block_plan *b = &p->b[i];
        size_t out = (size_t)b->out_h * b->out_w;
        expanded = max_sz(expanded, (size_t)b->in_h * b->in_w * b->cexp);
        depthwise = max_sz(depthwise, out * b->cexp);
        ping = max_sz(ping, out * b->cout);
    }
    size_t hw = (size_t)p->feat_h * p->feat_w;
    int cpool = m->image_pooling.cout, caspp = m->aspp0.cout, cproj = m->concat_projection.cout;
    expanded = max_sz(expanded, hw * caspp);
    depthwise = max_sz(depthwise, hw * cproj);
    ping = max_sz(ping, hw * cproj);              /* Y holds the joined concat_projection */
    float *X = buffer(x, ping), *Y = buffer(x, ping), *T = buffer(x, ping);
    float *E = buffer(x, expanded), *D = buffer(x, depthwise);
    x->input = buffer(x, (size_t)p->in_h * p->in_w * p->cin);
    x->logits = buffer(x, hw * m->num_classes);
    float *pooled = buffer(x, p->feat_c), *pool_feat = buffer(x, cpool);
    float *proj_bias = buffer(x, cproj);
    if (!X || !Y || !T || !E || !D || !x->input || !x->logits || !pooled || !pool_feat ||
        !proj_bias)
        return fail("out of memory", 0);

    /* Stem: HWIO [3][3][cin][cout] -> OHWI. */
    int cin = p->cin, c0 = p->stem_cout;
    float *sw = keep(x, malloc((size_t)9 * cin * c0 * sizeof *sw));
    xop *o = add_op(x, "MobilenetV2/Conv", (double)p->stem_h * p->stem_w * c0 * 9 * cin);
    if (!sw || !o) return fail("out of memory", 0);
    for (int t = 0; t < 9; t++)
        for (int ci = 0; ci < cin; ci++)
            for (int co = 0; co < c0; co++)
                sw[((size_t)co * 9 + t) * cin + ci] = m->stem.weight[((size_t)t * cin + ci) * c0 + co];
    s = xnn_create_convolution2d_nhwc_f32(p->stem_pad_top, p->stem_pad_right,
                                          p->stem_pad_bottom, p->stem_pad_left, 3, 3, 2, 2, 1,
                                          1, 1, cin, c0, cin, c0, sw, m->stem.bias, 0, 6, 0,
                                          &o->op);
    if (s != xnn_status_success) return fail("stem", s);
    s = xnn_setup_convolution2d_nhwc_f32(o->op, 1, p->in_h, p->in_w, x->input, X, x->pool);
    if (s != xnn_status_success) return fail("stem", s);

    /* Blocks: X -> [E] -> D -> Y (or T + X -> Y), then swap X and Y. */
    for (int i = 0; i < MNV2_BLOCKS; i++) {
        const bd_block_plan *b = &p->b[i];
        const bd_block *mb = &m->blocks[i];
        const float *dw_in = X;
        if (mb->has_expand) {
            block_name(name, sizeof name, i, "expand");
            if (conv1x1(x, name, X, E, b->in_h, b->in_w, b->cin, b->cexp, mb->expand.weight,
                        mb->expand.bias, 0, 6))
                return -1;
            dw_in = E;
        }
        block_name(name, sizeof name, i, "depthwise");
        o = add_op(x, name, (double)b->out_h * b->out_w * b->cexp * 9);
        if (!o) return fail("out of memory", 0);
        s = xnn_create_convolution2d_nhwc_f32(
            b->pad_top, b->pad_right, b->pad_bottom, b->pad_left, 3, 3, b->stride, b->stride,
            b->dilation, b->dilation, b->cexp, 1, 1, b->cexp, b->cexp, mb->depthwise.weight,
            mb->depthwise.bias, 0, 6, XNN_FLAG_DEPTHWISE_CONVOLUTION, &o->op);
        if (s != xnn_status_success) return fail(name, s);
        s = xnn_setup_convolution2d_nhwc_f32(o->op, 1, b->in_h, b->in_w, dw_in, D, x->pool);
        if (s != xnn_status_success) return fail(name, s);

        block_name(name, sizeof name, i, "project");
        if (conv1x1(x, name, D, b->residual ? T : Y, b->out_h, b->out_w, b->cexp, b->cout,
                    mb->project.weight, mb->project.bias, -inf, inf))
            return -1;
        if (b->residual) {
            size_t shape[4] = {1, (size_t)b->out_h, (size_t)b->out_w, (size_t)b->cout};
            block_name(name, sizeof name, i, "add");
            if (add_nd(x, name, T, shape, X, shape, Y, -inf, inf)) return -1;
        }
        float *t = X; X = Y; Y = t;
    }

    /* Head on X (feat_h x feat_w x feat_c). */
    int c = p->feat_c;
    o = add_op(x, "AvgPool2D", 0);
    if (!o) return fail("out of memory", 0);
    s = xnn_create_global_average_pooling_nwc_f32(c, c, c, -inf, inf, 0, &o->op);
    if (s != xnn_status_success) return fail("global average pooling", s);
    s = xnn_setup_global_average_pooling_nwc_f32(o->op, 1, hw, X, pooled, x->pool);
    if (s != xnn_status_success) return fail("global average pooling", s);

    /* image_pooling (1x1 conv on one pixel = fully connected), then its concat_projection
     * contribution plus that layer's bias: one cproj vector. XNN_FLAG_TRANSPOSE_WEIGHTS: our
     * IO layout as is. */
    struct { const char *name; const float *in; float *out; int k, n; const float *w, *b;
             float lo; } fc[2] = {
        {"image_pooling", pooled, pool_feat, c, cpool, m->image_pooling.weight,
         m->image_pooling.bias, 0},
        {"concat_projection/pool_bias", pool_feat, proj_bias, cpool, cproj,
         m->concat_projection.weight, m->concat_projection.bias, -inf},
    };
    for (int i = 0; i < 2; i++) {
        o = add_op(x, fc[i].name, (double)fc[i].k * fc[i].n);
        if (!o) return fail("out of memory", 0);
        s = xnn_create_fully_connected_nc_f32(fc[i].k, fc[i].n, fc[i].k, fc[i].n, fc[i].w,
                                              fc[i].b, fc[i].lo, inf,
                                              XNN_FLAG_TRANSPOSE_WEIGHTS, &o->op);
        if (s != xnn_status_success) return fail(fc[i].name, s);
        s = xnn_setup_fully_connected_nc_f32(o->op, 1, fc[i].in, fc[i].out, x->pool);
        if (s != xnn_status_success) return fail(fc[i].name, s);
    }
    if (conv1x1(x, "aspp0", X, E, p->feat_h, p->feat_w, c, caspp, m->aspp0.weight,
                m->aspp0.bias, 0, inf))
        return -1;
    if (conv1x1(x, "concat_projection", E, D, p->feat_h, p->feat_w, caspp, cproj,
                m->concat_projection.weight + (size_t)cpool * cproj, NULL, -inf, inf))
        return -1;
    size_t fshape[4] = {1, (size_t)p->feat_h, (size_t)p->feat_w, (size_t)cproj};
    size_t bshape[4] = {1, 1, 1, (size_t)cproj};
    if (add_nd(x, "concat_projection/add_bias_relu", D, fshape, proj_bias, bshape, Y, 0, inf))
        return -1;
    if (conv1x1(x, "logits/semantic", Y, x->logits, p->feat_h, p->feat_w, cproj,
                m->num_classes, m->logits.weight, m->logits.bias, -inf, inf))
        return -1;
    x->feat_h = p->feat_h;
    x->feat_w = p->feat_w;
    x->classes = m->num_classes;
    return 0;
}

/* ------------------------------------------------------------ checks ------------------ */

static double max_abs_diff(const float *a, const float *b, size_t n, double *range)
{
    double d = 0, lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)a[i] - b[i]);
        if (!(e <= d)) d = e;                 /* NaN counts as the largest difference */
        if (b[i] < lo) lo = b[i];
        if (b[i] > hi) hi = b[i];
    }
    *range = hi - lo;
    return d;
}

/* Our network on the same input; returns 0 if XNNPACK's logits agree. */
static int check_against_ours(xnet *x, const bd_model *m, const float *input, int h, int w,
                              int os)
{
    char err[512];
    const bd_kernels *k = bd_kernels_select(err, sizeof err);
    bd_network *net = k ? bd_network_new(m, h, w, os, err, sizeof err) : NULL;
    if (!net) {
        fprintf(stderr, "peer_xnnpack: cannot run backdrop's network to check: %s\n", err);
        return -1;
    }
    memcpy(bd_network_input(net), input, (size_t)h * w * 3 * sizeof *input);
    bd_network_run(net, k, NULL, NULL);
    int fh, fw, nc;
    const float *ours = bd_network_logits(net, &fh, &fw, &nc);
    int ok = fh == x->feat_h && fw == x->feat_w && nc == x->classes;
    double range = 0, d = ok ? max_abs_diff(x->logits, ours, (size_t)fh * fw * nc, &range) : 0;
    printf("check logits %dx%dx%d vs backdrop (%s): max_abs_diff=%.3g (logits range %.3g)\n",
           x->feat_h, x->feat_w, x->classes, k->isa, d, range);
    bd_network_free(net);
    if (!ok || !(d <= 1e-3 * range)) {
        fprintf(stderr, "peer_xnnpack: XNNPACK's logits do not match backdrop's (%s)\n",
                ok ? "values" : "shape");
        return -1;
    }
    return 0;
}

static int check_against_file(xnet *x, const char *input_path, const char *logits_path,
                              size_t in_floats)
{
    size_t n = (size_t)x->feat_h * x->feat_w * x->classes;
    float *ref = malloc(n * sizeof *ref);
    FILE *fi = fopen(input_path, "rb"), *fl = fopen(logits_path, "rb");
    int ok = ref && fi && fl && fread(x->input, sizeof(float), in_floats, fi) == in_floats &&
             fread(ref, sizeof(float), n, fl) == n;
    if (fi) fclose(fi);
    if (fl) fclose(fl);
    if (!ok || run(x)) {
        fprintf(stderr, "peer_xnnpack: cannot read %s (%zu floats) and %s (%zu floats)\n",
                input_path, in_floats, logits_path, n);
        free(ref);
        return -1;
    }
    double range, d = max_abs_diff(x->logits, ref, n, &range);
    printf("check logits vs %s: max_abs_diff=%.3g (logits range %.3g)\n", logits_path, d, range);
    free(ref);
    return d <= 1e-3 * range ? 0 : -1;
}

/* ------------------------------------------------------------ main -------------------- */

int main(int argc, char **argv)
{
    peer_opts o;
    if (peer_parse(argc, argv, &o)) return 2;
    const char *model = o.model;
    int os = o.os, size = o.size, threads = o.threads;
    char err[512];
    bd_model *m = bd_model_load(model, err, sizeof err);
    if (!m) { fprintf(stderr, "peer_xnnpack: %s\n", err); return 1; }
    if (!os) os = m->export_output_stride;
    if (!size) size = m->input_size;
    if (peer_xnn_init(&o)) {
        bd_model_free(m);
        return 1;
    }

    omp_set_num_threads(threads);   /* our check run: no idle OpenMP workers beyond these */
    static xnet x;
    x.pool = threads > 1 ? pthreadpool_create(threads) : NULL;
    bd_net_plan plan;
    bd_network_plan(m, size, size, os, &plan);
    size_t in_floats = (size_t)size * size * plan.cin;
    float *input = malloc(in_floats * sizeof *input);
    int rc = 1;
    if (!input || (threads > 1 && !x.pool) || build(&x, m, &plan)) goto done;
    double macs = 0;
    for (int i = 0; i < x.count; i++) macs += x.ops[i].macs;
    printf("# xnnpack (Debian libxnnpack0, operator API): %s (depth %g), input %dx%d, "
           "output stride %d, threads=%d, %d operators, macs=%.4g gflop=%.4g\n",
           model, m->depth_multiplier, size, size, os, threads, x.count, macs, 2e-9 * macs);

    if (o.check_in && check_against_file(&x, o.check_in, o.check_logits, in_floats)) goto done;
    bd_network_bench_input(input, size, size, m->norm_scale, m->norm_offset);
    memcpy(x.input, input, in_floats * sizeof *input);
    if (run(&x) || check_against_ours(&x, m, input, size, size, os)) goto done;
    fflush(stdout);

    if (peer_time(&x, &o, macs, "xnnpack", "FLOP")) goto done;
    rc = 0;
done:
    xnet_free(&x);
    free(input);
    bd_model_free(m);
    xnn_deinitialize();
    return rc;
}
