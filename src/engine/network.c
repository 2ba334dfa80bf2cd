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
 * Memory: every buffer is planned in bd_network_new and lives in one arena:
 *   ping, pong  block input / output, alternating (max over layers of H x W x C)
 *   expanded    output of the expand 1x1 (max H x W x 6C); also holds the network input
 *               before the stem runs, and the aspp0 output in the head
 *   depthwise   output of the depthwise 3x3; also the concat_projection output
 *   logits      fh x fw x classes, kept after the run for post-processing
 *   small       pooled features, image-pooling vector, folded bias
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/arena.h"
#include "engine/network.h"

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

enum { BUF_PING, BUF_PONG, BUF_EXPANDED, BUF_DEPTHWISE, BUF_LOGITS, BUF_SMALL, BUF_COUNT };

struct bd_network {
    const bd_model *m;
    bd_net_plan plan;                   /* every layer's size, stride, dilation, padding */
    bd_arena arena;
    int buf[BUF_COUNT];                 /* arena handles */
    size_t cap_ping, cap_expanded, cap_depthwise; /* floats in those buffers */
    bd_fusion fusion;                   /* which blocks run fused (bd_network_set_fusion) */
};

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

/* The geometry of every layer for an in_h x in_w input at the given output stride.
 * Output stride: the backbone would shrink the image 32x; once the running stride reaches
 * the output stride, each further stride becomes 1 and multiplies the dilation of the blocks
 * after it. The model must have passed check_model (bd_network_new) or bd_model_load. */
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
    const char *fuse = getenv("BACKDROP_FUSE");
    n->fusion = !fuse || !*fuse ? BD_FUSE_AUTO : !strcmp(fuse, "all") ? BD_FUSE_ALL
              : !strcmp(fuse, "0") || !strcmp(fuse, "none") ? BD_FUSE_NONE : BD_FUSE_AUTO;
    bd_net_plan *p = &n->plan;
    bd_network_plan(m, in_h, in_w, output_stride, p);

    /* The largest buffer of each kind over the layers. */
    size_t ping = (size_t)p->stem_h * p->stem_w * p->stem_cout;
    size_t expanded = (size_t)in_h * in_w * p->cin, depthwise = 0;
    for (int i = 0; i < MNV2_BLOCKS; i++) {
        const bd_block_plan *bp = &p->b[i];
        if (m->blocks[i].has_expand)
            expanded = max_sz(expanded, (size_t)bp->in_h * bp->in_w * bp->cexp);
        depthwise = max_sz(depthwise, (size_t)bp->out_h * bp->out_w * bp->cexp);
        ping = max_sz(ping, (size_t)bp->out_h * bp->out_w * bp->cout);
    }
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

static float *buffer(const bd_network *n, int which)
{
    return bd_arena_get(&n->arena, n->buf[which]);
}

float *bd_network_input(bd_network *n) { return buffer(n, BUF_EXPANDED); }
size_t bd_network_arena_bytes(const bd_network *n) { return bd_arena_bytes(&n->arena); }
int bd_network_input_h(const bd_network *n) { return n->plan.in_h; }
int bd_network_input_w(const bd_network *n) { return n->plan.in_w; }
int bd_network_output_stride(const bd_network *n) { return n->plan.output_stride; }

const bd_net_plan *bd_network_get_plan(const bd_network *n) { return &n->plan; }
void bd_network_set_fusion(bd_network *n, bd_fusion mode) { n->fusion = mode; }

const float *bd_network_logits(const bd_network *n, int *fh, int *fw, int *classes)
{
    *fh = n->plan.feat_h;
    *fw = n->plan.feat_w;
    *classes = n->m->num_classes;
    return buffer(n, BUF_LOGITS);
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

/* ------------------------------------------------------------ fused blocks ----------- */

/* The early blocks run on big maps with few channels: block 1 of the d=1.0 model expands
 * 257x257x16 to 257x257x96, a 25 MB tensor that the expand conv writes to memory and the
 * depthwise conv reads back. Both then run at memory speed, and two cores share one memory
 * bus, so they barely scale with threads. A fused block never builds that tensor: each
 * thread takes a range of output rows and walks it in bands of R rows, and for each band
 *   1. expands just the input rows the band's 3x3 window needs (keeping the rows it shares
 *      with the previous band, so nothing is computed twice inside a thread),
 *   2. runs the depthwise conv on those rows,
 *   3. projects the band's R output rows straight into the block output (+ residual).
 * The band's expanded and depthwise rows fit in the core's L2 cache. The arithmetic is the
 * same as layer by layer, in the same order per element, so the results are identical.
 *
 * Band scratch lives in the `expanded` and `depthwise` buffers (sized for the unfused
 * schedule, so much larger than T bands). */
#define BAND_BYTES (320 * 1024)   /* target size of one thread's expanded + depthwise rows */
#define FUSE_MIN_BYTES (4u << 20) /* fuse blocks whose expanded tensor is at least this */

/* Is block i worth fusing? Only when it has an expand conv and its expanded tensor is too
 * big for the caches; the later blocks are small enough to run layer by layer (where the
 * kernels' own parallel loops split the work most evenly). */
static int fuse_block(bd_fusion mode, const bd_block_plan *p)
{
    if (mode != BD_FUSE_AUTO)
        return mode == BD_FUSE_ALL;
    return (size_t)p->in_h * p->in_w * p->cexp * sizeof(float) >= FUSE_MIN_BYTES;
}

/* The band's input rows [from, to) of block i, into E: block i's expand conv of rows of x,
 * or, when the stem is fused into block 0 (stem_in), the stem's 3x3 stride-2 conv of the
 * network input rows those stem rows read. */
static void band_input_rows(const bd_network *n, const bd_kernels *k, int i, const float *x,
                            const float *stem_in, int from, int to, float *E)
{
    const bd_model *m = n->m;
    const bd_net_plan *pl = &n->plan;
    if (stem_in) {
        int lo = 2 * from - pl->stem_pad_top, hi = 2 * (to - 1) - pl->stem_pad_top + 3;
        lo = lo < 0 ? 0 : lo;
        hi = hi > pl->in_h ? pl->in_h : hi;
        k->conv3x3s2(stem_in + (size_t)lo * pl->in_w * pl->cin, hi - lo, pl->in_w, pl->cin,
                     E, to - from, pl->stem_w, m->stem.cout, m->stem.weight, m->stem.bias,
                     pl->stem_pad_top + lo - 2 * from, pl->stem_pad_left, BD_ACT_RELU6);
    } else {
        const bd_block *b = &m->blocks[i];
        const bd_block_plan *p = &pl->b[i];
        k->pwconv(x + (size_t)from * p->in_w * p->cin, (to - from) * p->in_w, p->cin, E,
                  p->cexp, b->expand.weight, b->expand.bias, NULL, BD_ACT_RELU6);
    }
}

/* Block i, x -> y, in bands (see above). With stem_in (block 0 only), x does not exist yet:
 * each band computes the stem output rows it needs from the network input stem_in, and the
 * band scratch for them is the ping buffer, which would otherwise have held x. Returns -1,
 * having done nothing, if the scratch cannot hold one band per thread (then the caller runs
 * the layers one by one). */
static int block_fused(const bd_network *n, const bd_kernels *k, int i, const float *x,
                       float *y, const float *stem_in)
{
    const bd_block *b = &n->m->blocks[i];
    const bd_block_plan *p = &n->plan.b[i];
    const int s = p->stride, d = p->dilation, cin = p->cin, cexp = p->cexp, cout = p->cout;
    const size_t in_row = (size_t)p->in_w * cexp, out_row = (size_t)p->out_w * cexp;
    const int computed = b->has_expand || stem_in;  /* else the depthwise reads x itself */

    int threads = omp_get_max_threads();
    if (threads > p->out_h)
        threads = p->out_h;
    /* each thread's share of the scratch, in floats, a multiple of 16 (64 bytes) */
    float *e_base = buffer(n, stem_in ? BUF_PING : BUF_EXPANDED);
    float *d_base = buffer(n, BUF_DEPTHWISE);
    size_t e_share = (stem_in ? n->cap_ping : n->cap_expanded) / threads / 16 * 16;
    size_t d_share = n->cap_depthwise / threads / 16 * 16;
    /* rows per band: as many as fit BAND_BYTES (at least 1) and the thread's share */
    int R = 0;
    for (int r = 1; r <= p->out_h; r++) {
        size_t e_rows = computed ? (size_t)(r - 1) * s + 2 * d + 1 : 0;
        if (e_rows * in_row > e_share || r * out_row > d_share)
            break;
        if (r > 1 && (e_rows * in_row + r * out_row) * sizeof(float) > BAND_BYTES)
            break;
        R = r;
    }
    if (R == 0)
        return -1;

#pragma omp parallel num_threads(threads) if (threads > 1)
    {
        int t = omp_get_thread_num();
        int r0 = p->out_h * t / threads, r1 = p->out_h * (t + 1) / threads;
        float *E = e_base + t * e_share;          /* holds input rows [have_lo, have_hi) */
        float *D = d_base + t * d_share;          /* depthwise output of one band */
        int have_lo = 0, have_hi = 0;
        for (int oy = r0; oy < r1; oy += R) {
            int oy1 = oy + R < r1 ? oy + R : r1;
            /* input rows the band's window touches, clipped to the map (the rest is
             * padding, which the depthwise conv supplies as zeros) */
            int lo = s * oy - p->pad_top, hi = s * (oy1 - 1) - p->pad_top + 2 * d + 1;
            lo = lo < 0 ? 0 : lo;
            hi = hi > p->in_h ? p->in_h : hi;
            const float *dw_in = x + (size_t)lo * in_row;
            if (computed) {
                int from = lo;                    /* first row not yet in E */
                if (have_hi > lo && have_lo <= lo) { /* rows shared with the last band */
                    memmove(E, E + (size_t)(lo - have_lo) * in_row,
                            (size_t)(have_hi - lo) * in_row * sizeof(float));
                    from = have_hi;
                }
                if (hi > from)
                    band_input_rows(n, k, i, x, stem_in, from, hi, E + (size_t)(from - lo) * in_row);
                have_lo = lo;
                have_hi = hi;
                dw_in = E;
            }
            /* the band's first output row oy reads input row s*oy - pad_top + d*ky, which
             * is row s*oy - pad_top + d*ky - lo of E: so E's padding on top is this */
            k->dwconv3x3(dw_in, hi - lo, p->in_w, cexp, D, oy1 - oy, p->out_w,
                         b->depthwise.weight, b->depthwise.bias, s, d,
                         p->pad_top + lo - s * oy, p->pad_left, BD_ACT_RELU6);
            k->pwconv(D, (oy1 - oy) * p->out_w, cexp, y + (size_t)oy * p->out_w * cout, cout,
                      b->project.weight, b->project.bias,
                      p->residual ? x + (size_t)oy * p->in_w * cin : NULL, BD_ACT_NONE);
        }
    }
    return 0;
}

void bd_network_run(bd_network *n, const bd_kernels *k, bd_layer_observer obs, void *ctx)
{
    const bd_model *m = n->m;
    float *x = buffer(n, BUF_PING);           /* current block input */
    float *y = buffer(n, BUF_PONG);           /* current block output */
    float *expanded = buffer(n, BUF_EXPANDED);
    float *depthwise = buffer(n, BUF_DEPTHWISE);

    /* Stem: input (in_h x in_w x 3, held in `expanded`) -> x (stem_h x stem_w x C0). When
     * block 0 runs fused, the stem goes into its bands: block 0 has no expand conv, so the
     * stem's output is what its depthwise conv reads. */
    const bd_net_plan *pl = &n->plan;
    int first = 0;                                /* first block the loop below runs */
    if (!obs && !m->blocks[0].has_expand && !pl->b[0].residual &&
        fuse_block(n->fusion, &pl->b[0]) && block_fused(n, k, 0, x, y, expanded) == 0) {
        float *t = x; x = y; y = t;
        first = 1;
    } else {
        k->conv3x3s2(expanded, pl->in_h, pl->in_w, m->stem.cin, x, pl->stem_h, pl->stem_w,
                     m->stem.cout, m->stem.weight, m->stem.bias,
                     pl->stem_pad_top, pl->stem_pad_left, BD_ACT_RELU6);
        observe(obs, ctx, "MobilenetV2/Conv", NULL, x, pl->stem_h, pl->stem_w, m->stem.cout);
    }

    /* Backbone: 17 inverted residual blocks, x -> y, then swap. */
    int c = first ? m->blocks[0].project.cout : m->stem.cout;
    for (int i = first; i < MNV2_BLOCKS; i++) {
        const bd_block *b = &m->blocks[i];
        const bd_block_plan *p = &pl->b[i];
        const char *scope = mnv2_blocks[i].scope;
        int cexp = b->depthwise.cin, cout = b->project.cout;

        /* Unobserved runs fuse the big early blocks; an observer sees every layer's tensor,
         * so observed runs go layer by layer (same numbers either way). */
        if (!obs && fuse_block(n->fusion, p) && block_fused(n, k, i, x, y, NULL) == 0) {
            float *t = x; x = y; y = t;
            c = cout;
            continue;
        }

        const float *dw_in = x;                       /* in_h x in_w x cexp */
        if (b->has_expand) {
            k->pwconv(x, p->in_h * p->in_w, c, expanded, cexp,
                      b->expand.weight, b->expand.bias, NULL, BD_ACT_RELU6);
            observe(obs, ctx, scope, "expand", expanded, p->in_h, p->in_w, cexp);
            dw_in = expanded;
        }
        k->dwconv3x3(dw_in, p->in_h, p->in_w, cexp, depthwise, p->out_h, p->out_w,
                     b->depthwise.weight, b->depthwise.bias,
                     p->stride, p->dilation, p->pad_top, p->pad_left, BD_ACT_RELU6);
        observe(obs, ctx, scope, "depthwise", depthwise, p->out_h, p->out_w, cexp);

        k->pwconv(depthwise, p->out_h * p->out_w, cexp, y, cout,
                  b->project.weight, b->project.bias, p->residual ? x : NULL, BD_ACT_NONE);
        observe(obs, ctx, scope, p->residual ? "add" : "project", y, p->out_h, p->out_w, cout);

        float *t = x; x = y; y = t;
        c = cout;
    }

    /* Head. fh x fw x c features in x. */
    int fh = pl->feat_h, fw = pl->feat_w, hw = fh * fw;
    int cpool = m->image_pooling.cout, caspp = m->aspp0.cout, cproj = m->concat_projection.cout;
    float *pooled = buffer(n, BUF_SMALL);              /* [c] */
    float *pool_feat = pooled + c;                     /* [cpool] */
    float *proj_bias = pool_feat + cpool;              /* [cproj] */
    float *aspp = expanded;                            /* fh x fw x caspp */
    float *proj = depthwise;                           /* fh x fw x cproj */
    float *logits = buffer(n, BUF_LOGITS);             /* fh x fw x classes */

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
