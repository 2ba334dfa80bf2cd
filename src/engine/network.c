/* network.c — DeepLabV3 with a MobileNetV2 backbone, described in code.
 *
 *   input  H x W x 3 (normalised to -1..1, padded)
 *   stem   MobilenetV2/Conv: 3x3 conv, stride 2, ReLU6
 *   17 inverted residual blocks (table below): expand 1x1 + ReLU6 -> depthwise 3x3 + ReLU6
 *          -> project 1x1 (linear), plus the block input when shapes allow (residual)
 *   head   image pooling (global average -> 1x1 conv + ReLU, broadcast back), aspp0 (1x1
 *          conv + ReLU), concat_projection (1x1 conv + ReLU over both), logits (1x1 conv)
 *
 * Channel counts come from the loaded model (depth multiplier 0.5 or 1.0, any class count);
 * this file only knows the structure. Batch norm is already folded into weights and biases.
 *
 * Output stride: the backbone would shrink the image 32x; DeepLab stops at 8x or 16x. Once
 * the running stride reaches the output stride, each further stride-2 block runs at stride 1
 * instead and doubles the dilation of the blocks after it, which keeps their receptive field
 * (TensorFlow's mobilenet "output_stride" rule).
 *
 * The big early blocks run fused, band by band, where that keeps their tensors in the
 * caches: network_fused.c says when and why; the results are the same.
 *
 * Memory: every buffer is planned in bd_network_new and lives in one arena:
 *   ping, pong  block input / output, alternating (max over layers of H x W x C)
 *   expanded    output of the expand 1x1 (max H x W x 6C); also holds the network input
 *               before the stem runs, and the aspp0 output in the head
 *   depthwise   output of the depthwise 3x3; also the concat_projection output
 *   logits      fh x fw x classes, kept after the run for post-processing
 *   small       pooled features, image-pooling vector, folded bias
 */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/network_internal.h"

/* ------------------------------------------------------------ the MobileNetV2 table -- */

static const struct {
    int expansion;      /* expand 1x1 multiplies the channels by this (1 = no expand) */
    int stride;         /* nominal stride of the depthwise conv */
    const char *scope;  /* TensorFlow name scope, used for observer names */
} mnv2_blocks[MNV2_BLOCKS] = {
    {1, 1, "MobilenetV2/expanded_conv"},
    {6, 2, "MobilenetV2/expanded_conv_1"},
    {6, 1, "MobilenetV2/expanded_conv_2"},
    {6, 2, "MobilenetV2/expanded_conv_3"},
    {6, 1, "MobilenetV2/expanded_conv_4"},
    {6, 1, "MobilenetV2/expanded_conv_5"},
    {6, 2, "MobilenetV2/expanded_conv_6"},
    {6, 1, "MobilenetV2/expanded_conv_7"},
    {6, 1, "MobilenetV2/expanded_conv_8"},
    {6, 1, "MobilenetV2/expanded_conv_9"},
    {6, 1, "MobilenetV2/expanded_conv_10"},
    {6, 1, "MobilenetV2/expanded_conv_11"},
    {6, 1, "MobilenetV2/expanded_conv_12"},
    {6, 2, "MobilenetV2/expanded_conv_13"},
    {6, 1, "MobilenetV2/expanded_conv_14"},
    {6, 1, "MobilenetV2/expanded_conv_15"},
    {6, 1, "MobilenetV2/expanded_conv_16"},
};

/* ------------------------------------------------------------ the plan --------------- */

int bd_network_nominal_stride(int block) { return mnv2_blocks[block].stride; }

/* TensorFlow SAME padding for a 3x3 kernel with the given stride and dilation: the output
 * is ceil(in / stride); the padding needed to produce it is split with the smaller half on
 * top/left (so stride 2 on an even size pads 0 before and 1 after, on an odd size 1 and 1),
 * and a dilated stride-1 conv pads `dilation` on each side. */
static void same_3x3(int in, int stride, int dilation, int *out, int *pad_before,
                     int *pad_after)
{
    int extent = 2 * dilation + 1;
    *out = (in + stride - 1) / stride;
    int total = (*out - 1) * stride + extent - in;
    if (total < 0)
        total = 0;
    *pad_before = total / 2;
    *pad_after = total - total / 2;
}

static size_t max_sz(size_t a, size_t b) { return a > b ? a : b; }

/* The channel counts must chain from layer to layer; bd_model_load checks this too, but a
 * hand-made model (tests) goes through here only. */
static int check_model(const bd_model *m, char *err, size_t errlen)
{
    int c = m->stem.cout;
    if (m->stem.cin < 1 || c < 1) {
        snprintf(err, errlen, "network: model has an empty stem");
        return -1;
    }
    for (int i = 0; i < MNV2_BLOCKS; i++) {
        const bd_block *b = &m->blocks[i];
        if (b->has_expand != (mnv2_blocks[i].expansion != 1) ||
            (b->has_expand && b->expand.cin != c) ||
            b->depthwise.cin != (b->has_expand ? b->expand.cout : c) ||
            b->depthwise.cout != b->depthwise.cin || b->project.cin != b->depthwise.cout ||
            b->project.cout < 1) {
            snprintf(err, errlen, "network: %s: channel counts do not chain",
                     mnv2_blocks[i].scope);
            return -1;
        }
        c = b->project.cout;
    }
    if (m->image_pooling.cin != c || m->aspp0.cin != c ||
        m->concat_projection.cin != m->image_pooling.cout + m->aspp0.cout ||
        m->logits.cin != m->concat_projection.cout || m->logits.cout != m->num_classes ||
        m->num_classes < 1 || m->num_classes > BD_MAX_CLASSES) {
        snprintf(err, errlen, "network: head channel counts do not chain");
        return -1;
    }
    return 0;
}

/* The geometry of every layer for an in_h x in_w input at the given output stride (the
 * rule at the top of this file). The model must have passed check_model (bd_network_new)
 * or bd_model_load. */
void bd_network_plan(const bd_model *m, int in_h, int in_w, int output_stride, bd_net_plan *p)
{
    p->in_h = in_h;
    p->in_w = in_w;
    p->cin = m->stem.cin;
    p->output_stride = output_stride;
    p->stem_cout = m->stem.cout;
    same_3x3(in_h, 2, 1, &p->stem_h, &p->stem_pad_top, &p->stem_pad_bottom);
    same_3x3(in_w, 2, 1, &p->stem_w, &p->stem_pad_left, &p->stem_pad_right);

    int h = p->stem_h, w = p->stem_w, c = m->stem.cout;
    int current_stride = 2, rate = 1;
    for (int i = 0; i < MNV2_BLOCKS; i++) {
        const bd_block *b = &m->blocks[i];
        bd_block_plan *bp = &p->b[i];
        int s = mnv2_blocks[i].stride;
        if (current_stride == output_stride) {   /* at the output stride: dilate instead */
            bp->stride = 1;
            bp->dilation = rate;
            rate *= s;
        } else {
            bp->stride = s;
            bp->dilation = 1;
            current_stride *= s;
        }
        bp->in_h = h;
        bp->in_w = w;
        same_3x3(h, bp->stride, bp->dilation, &bp->out_h, &bp->pad_top, &bp->pad_bottom);
        same_3x3(w, bp->stride, bp->dilation, &bp->out_w, &bp->pad_left, &bp->pad_right);
        bp->cin = c;
        bp->cexp = b->depthwise.cin;
        bp->cout = b->project.cout;
        bp->residual = bp->stride == 1 && bp->cout == c;
        h = bp->out_h;
        w = bp->out_w;
        c = bp->cout;
    }
    p->feat_h = h;
    p->feat_w = w;
    p->feat_c = c;
    p->max_io = (size_t)p->stem_h * p->stem_w * p->stem_cout;
    p->max_expanded = (size_t)in_h * in_w * p->cin;
    p->max_depthwise = 0;
    for (int i = 0; i < MNV2_BLOCKS; i++) {
        const bd_block_plan *bp = &p->b[i];
        if (m->blocks[i].has_expand)
            p->max_expanded = max_sz(p->max_expanded, (size_t)bp->in_h * bp->in_w * bp->cexp);
        p->max_depthwise = max_sz(p->max_depthwise, (size_t)bp->out_h * bp->out_w * bp->cexp);
        p->max_io = max_sz(p->max_io, (size_t)bp->out_h * bp->out_w * bp->cout);
    }
}

bd_network *bd_network_new(const bd_model *m, int in_h, int in_w, int output_stride,
                        char *err, size_t errlen)
{
    if (output_stride != 8 && output_stride != 16) {
        snprintf(err, errlen, "network: output stride must be 8 or 16, not %d", output_stride);
        return NULL;
    }
    if (in_h < 1 || in_w < 1 || in_h > 8192 || in_w > 8192) {
        snprintf(err, errlen, "network: input size %dx%d is outside 1..8192", in_w, in_h);
        return NULL;
    }
    if (check_model(m, err, errlen))
        return NULL;
    bd_network *n = calloc(1, sizeof *n);
    if (!n) {
        snprintf(err, errlen, "network: out of memory");
        return NULL;
    }
    n->m = m;
    n->fusion = bd_fusion_from_env();
    bd_net_plan *p = &n->plan;
    bd_network_plan(m, in_h, in_w, output_stride, p);

    /* The largest buffer of each kind over the layers. */
    size_t ping = p->max_io, expanded = p->max_expanded, depthwise = p->max_depthwise;
    int h = p->feat_h, w = p->feat_w, c = p->feat_c;
    expanded = max_sz(expanded, (size_t)h * w * m->aspp0.cout);
    depthwise = max_sz(depthwise, (size_t)h * w * m->concat_projection.cout);
    size_t small = (size_t)c + m->image_pooling.cout + m->concat_projection.cout;

    n->cap_ping = ping;
    n->cap_expanded = expanded;
    n->cap_depthwise = depthwise;
    bd_arena *a = &n->arena;
    n->buf[BUF_PING] = bd_arena_reserve(a, ping * sizeof(float));
    n->buf[BUF_PONG] = bd_arena_reserve(a, ping * sizeof(float));
    n->buf[BUF_EXPANDED] = bd_arena_reserve(a, expanded * sizeof(float));
    n->buf[BUF_DEPTHWISE] = bd_arena_reserve(a, depthwise * sizeof(float));
    n->buf[BUF_LOGITS] = bd_arena_reserve(a, (size_t)h * w * m->num_classes * sizeof(float));
    n->buf[BUF_SMALL] = bd_arena_reserve(a, small * sizeof(float));
    if (bd_arena_commit(a)) {
        snprintf(err, errlen, "network: out of memory allocating %zu MB of activations for "
                 "a %dx%d input", bd_arena_bytes(a) >> 20, in_w, in_h);
        bd_network_free(n);
        return NULL;
    }
    return n;
}

void bd_network_free(bd_network *n)
{
    if (!n)
        return;
    bd_arena_release(&n->arena);
    free(n);
}


float *bd_network_input(bd_network *n) { return bd_network_buffer(n, BUF_EXPANDED); }
size_t bd_network_arena_bytes(const bd_network *n) { return bd_arena_bytes(&n->arena); }

void bd_network_release_scratch(bd_network *n)
{
    static const int scratch[] = {BUF_PING, BUF_PONG, BUF_EXPANDED, BUF_DEPTHWISE};
    for (size_t i = 0; i < sizeof scratch / sizeof scratch[0]; i++)
        bd_arena_discard(&n->arena, n->buf[scratch[i]]);
}
int bd_network_input_h(const bd_network *n) { return n->plan.in_h; }
int bd_network_input_w(const bd_network *n) { return n->plan.in_w; }
int bd_network_output_stride(const bd_network *n) { return n->plan.output_stride; }

const bd_net_plan *bd_network_get_plan(const bd_network *n) { return &n->plan; }
void bd_network_set_fusion(bd_network *n, bd_fusion mode) { n->fusion = mode; }

bd_fusion bd_fusion_from_env(void)
{
    const char *fuse = getenv("BACKDROP_FUSE");
    return !fuse || !*fuse ? BD_FUSE_AUTO : !strcmp(fuse, "all") ? BD_FUSE_ALL
         : !strcmp(fuse, "0") || !strcmp(fuse, "none") ? BD_FUSE_NONE : BD_FUSE_AUTO;
}

void bd_network_bench_input(float *x, int h, int w, float scale, float offset)
{
    uint32_t s = 0x12345678u;
    for (size_t i = 0, n = (size_t)h * w * 3; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = (float)(s >> 24) * scale + offset;
    }
}

const float *bd_network_logits(const bd_network *n, int *fh, int *fw, int *classes)
{
    *fh = n->plan.feat_h;
    *fw = n->plan.feat_w;
    *classes = n->m->num_classes;
    return bd_network_buffer(n, BUF_LOGITS);
}

/* ------------------------------------------------------------ the forward pass -------- */

static void observe(bd_layer_observer obs, void *ctx, const char *scope, const char *layer,
                    const float *t, int h, int w, int c)
{
    if (!obs)
        return;
    char name[128];
    snprintf(name, sizeof name, "%s%s%s", scope, layer ? "/" : "", layer ? layer : "");
    obs(ctx, name, t, h, w, c);
}

/* Block i, layer by layer: expand 1x1 + ReLU6 (absent in block 0), depthwise 3x3 + ReLU6,
 * project 1x1 (+ the block input when p->residual). x -> y. */
static void block_layers(bd_network *n, const bd_kernels *k, int i, const float *x, float *y,
                         bd_layer_observer obs, void *ctx)
{
    const bd_block *b = &n->m->blocks[i];
    const bd_block_plan *p = &n->plan.b[i];
    const char *scope = mnv2_blocks[i].scope;
    float *expanded = bd_network_buffer(n, BUF_EXPANDED);
    float *depthwise = bd_network_buffer(n, BUF_DEPTHWISE);

    const float *dw_in = x;                           /* in_h x in_w x cexp */
    if (b->has_expand) {
        k->pwconv(x, p->in_h * p->in_w, p->cin, expanded, p->cexp,
                  b->expand.weight, b->expand.bias, NULL, BD_ACT_RELU6);
        observe(obs, ctx, scope, "expand", expanded, p->in_h, p->in_w, p->cexp);
        dw_in = expanded;
    }
    k->dwconv3x3(dw_in, p->in_h, p->in_w, p->cexp, depthwise, p->out_h, p->out_w,
                 b->depthwise.weight, b->depthwise.bias,
                 p->stride, p->dilation, p->pad_top, p->pad_left, BD_ACT_RELU6);
    observe(obs, ctx, scope, "depthwise", depthwise, p->out_h, p->out_w, p->cexp);

    k->pwconv(depthwise, p->out_h * p->out_w, p->cexp, y, p->cout,
              b->project.weight, b->project.bias, p->residual ? x : NULL, BD_ACT_NONE);
    observe(obs, ctx, scope, p->residual ? "add" : "project", y, p->out_h, p->out_w, p->cout);
}

void bd_network_run(bd_network *n, const bd_kernels *k, bd_layer_observer obs, void *ctx)
{
    const bd_model *m = n->m;
    const bd_net_plan *pl = &n->plan;
    float *x = bd_network_buffer(n, BUF_PING);       /* current block input */
    float *y = bd_network_buffer(n, BUF_PONG);       /* current block output */
    float *expanded = bd_network_buffer(n, BUF_EXPANDED);
    float *depthwise = bd_network_buffer(n, BUF_DEPTHWISE);
    float *t;

    /* Stem: input (in_h x in_w x 3, held in `expanded`) -> x (stem_h x stem_w x C0); when
     * block 0 runs fused (network_fused.c), the stem runs inside its bands instead. An
     * observer sees every layer's tensor, so observed runs never fuse (same numbers). */
    int first = 0;
    if (!obs && bd_network_block_fused(n, k, 0, x, y, expanded)) {
        t = x, x = y, y = t;                          /* block 0 is done too */
        first = 1;
    } else {
        k->conv3x3s2(expanded, pl->in_h, pl->in_w, m->stem.cin, x, pl->stem_h, pl->stem_w,
                     m->stem.cout, m->stem.weight, m->stem.bias,
                     pl->stem_pad_top, pl->stem_pad_left, BD_ACT_RELU6);
        observe(obs, ctx, "MobilenetV2/Conv", NULL, x, pl->stem_h, pl->stem_w, m->stem.cout);
    }

    /* Backbone: the 17 inverted residual blocks of the table, x -> y, then swap. */
    for (int i = first; i < MNV2_BLOCKS; i++) {
        if (obs || !bd_network_block_fused(n, k, i, x, y, NULL))
            block_layers(n, k, i, x, y, obs, ctx);
        t = x, x = y, y = t;
    }
    int c = pl->feat_c;

    /* Head. fh x fw x c features in x. */
    int fh = pl->feat_h, fw = pl->feat_w, hw = fh * fw;
    int cpool = m->image_pooling.cout, caspp = m->aspp0.cout, cproj = m->concat_projection.cout;
    float *pooled = bd_network_buffer(n, BUF_SMALL);              /* [c] */
    float *pool_feat = pooled + c;                     /* [cpool] */
    float *proj_bias = pool_feat + cpool;              /* [cproj] */
    float *aspp = expanded;                            /* fh x fw x caspp */
    float *proj = depthwise;                           /* fh x fw x cproj */
    float *logits = bd_network_buffer(n, BUF_LOGITS);             /* fh x fw x classes */

    /* Image pooling: one c-vector for the whole image -> 1x1 conv + ReLU. */
    k->avgpool(x, hw, c, pooled);
    observe(obs, ctx, "AvgPool2D", NULL, pooled, 1, 1, c);
    k->pwconv(pooled, 1, c, pool_feat, cpool, m->image_pooling.weight,
              m->image_pooling.bias, NULL, BD_ACT_RELU);
    observe(obs, ctx, "image_pooling", NULL, pool_feat, 1, 1, cpool);

    /* TensorFlow now resizes pool_feat to fh x fw (a broadcast: it is one pixel), concats it
     * with aspp0 into cpool + caspp channels and applies concat_projection. Since the pooled
     * half is the same at every pixel, its contribution
     *     sum_{k < cpool} pool_feat[k] * W[k][j]
     * is a constant per output channel j: fold it into the bias once, and run
     * concat_projection over the aspp0 half only (weight rows cpool..cpool+caspp-1). Same
     * numbers, no 512-channel tensor, half the multiply-adds. */
    k->pwconv(pool_feat, 1, cpool, proj_bias, cproj, m->concat_projection.weight,
              m->concat_projection.bias, NULL, BD_ACT_NONE);

    k->pwconv(x, hw, c, aspp, caspp, m->aspp0.weight, m->aspp0.bias, NULL, BD_ACT_RELU);
    observe(obs, ctx, "aspp0", NULL, aspp, fh, fw, caspp);

    k->pwconv(aspp, hw, caspp, proj, cproj,
              m->concat_projection.weight + (size_t)cpool * cproj, proj_bias, NULL,
              BD_ACT_RELU);
    observe(obs, ctx, "concat_projection", NULL, proj, fh, fw, cproj);

    k->pwconv(proj, hw, cproj, logits, m->num_classes, m->logits.weight, m->logits.bias,
              NULL, BD_ACT_NONE);
    observe(obs, ctx, "logits/semantic", NULL, logits, fh, fw, m->num_classes);
}
