/* qnetwork.c — DeepLabV3-MobileNetV2 in integers, op for op as TFLite's uint8 graph:
 *
 *   input   float -> uint8 (QUANTIZE with the model's input scale / zero point)
 *   stem    CONV_2D 3x3 s2, ReLU6
 *   blocks  CONV_2D 1x1 (expand) -> DEPTHWISE_CONV_2D 3x3 -> CONV_2D 1x1 (project) [-> ADD]
 *   head    AVERAGE_POOL_2D (global) -> CONV_2D (image_pooling) -> RESIZE_BILINEAR 1x1 -> FxF
 *           (a broadcast) -> QUANTIZE into the concatenation's scale; CONV_2D (aspp0);
 *           CONCATENATION -> CONV_2D (concat_projection) -> CONV_2D (logits)
 *
 * The geometry is the float network's (network_plan: the same table, output-stride rule and
 * SAME padding). Every activation is uint8, a quarter of the float arena:
 *   ping, pong  block input / output (the residual ADD writes over the project output)
 *   expanded    the expand output; also the quantised input and the aspp0 output
 *   depthwise   the depthwise output; also the 512-channel concatenation
 *   input       the caller's float input (quantised into `expanded` at the start of a run)
 *   logits      uint8 and their float dequantisation
 *
 * The concatenation is never built (only for an observer): its image-pooling half is one
 * vector repeated over every pixel, so that half of concat_projection's sum,
 *     sum_{c < cpool} (pool[c] - in_zp)(w[c][j] - w_zp),
 * is the same integer for every pixel. It is added to the bias (exactly, in int32) and
 * the layer runs as a 1x1 convolution of the aspp0 output with the weight rows cpool.. only.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/qnetwork_internal.h"


/* Every 1x1 layer of the model in a fixed order (the index into n->pw). */
static const bd_qlayer *pw_layer(const bd_qmodel *q, int idx)
{
    if (idx == 0)
        return &q->stem;
    if (idx < 2 * MNV2_BLOCKS)
        return idx & 1 ? &q->blocks[idx / 2].project : &q->blocks[idx / 2].expand;
    const bd_qlayer *head[4] = {&q->image_pooling, &q->aspp0, &q->concat_projection, &q->logits};
    return head[idx - 2 * MNV2_BLOCKS];
}

#define PW_CONCAT_PROJ (2 * MNV2_BLOCKS + 2)

/* The stem's im2col rows: 9 cin bytes padded to a multiple of 4 (28 for RGB), the padding
 * an input byte in_zp against a weight row of w_zp, which adds (in_zp - in_zp)(w_zp - w_zp)
 * = 0: whole 4-byte groups for every kernel, the same sums. */
#define STEM_K(cin) ((9 * (cin) + 3) / 4 * 4)

/* The k x n matrix of 1x1 layer idx, and its weights: concat_projection's without the rows
 * of the image-pooling channels (folded into its bias at run time, see the top). */
static void pw_shape(const bd_model *m, int idx, int *k, int *n)
{
    if (idx == 0) {
        *k = STEM_K(m->stem.cin);
        *n = m->stem.cout;
        return;
    }
    const bd_layer *L = idx < 2 * MNV2_BLOCKS
        ? (idx & 1 ? &m->blocks[idx / 2].project : &m->blocks[idx / 2].expand)
        : (const bd_layer *[]){&m->image_pooling, &m->aspp0, &m->concat_projection,
                               &m->logits}[idx - 2 * MNV2_BLOCKS];
    *k = L->cin - (idx == PW_CONCAT_PROJ ? m->image_pooling.cout : 0);
    *n = L->cout;
}

static const uint8_t *pw_weight(const bd_qnetwork *n, int idx)
{
    const uint8_t *w = pw_layer(n->q, idx)->weight;
    return idx == PW_CONCAT_PROJ ? w + (size_t)n->m->image_pooling.cout * n->m->concat_projection.cout : w;
}

/* Packs for table k, once per table, what it takes packed: every 1x1 layer's weights, the
 * depthwise weights, the residual ADDs' tables; 0, or -1 out of memory. */
static size_t round64(size_t b) { return (b + 63) / 64 * 64; }

static int pack_for(bd_qnetwork *n, const bd_qu8_kernels *k)
{
    if (n->packed_for == k)
        return 0;
    free(n->packed);
    n->packed = NULL;
    memset(n->pw, 0, sizeof n->pw);
    memset(n->dw, 0, sizeof n->dw);
    memset(n->add_lut, 0, sizeof n->add_lut);
    n->packed_for = k;
    if (!k->pw_packed_size)
        return 0;
    size_t off[MAX_PW], dw_off[MNV2_BLOCKS], total = 0;
    for (int i = 0; i < MAX_PW; i++) {
        int kk, nn;
        off[i] = (size_t)-1;
        pw_shape(n->m, i, &kk, &nn);
        size_t sz = k->pw_packed_size(kk, nn);
        if (sz) {
            off[i] = total;
            total += round64(sz);
        }
    }
    size_t lut_off[MNV2_BLOCKS];
    for (int i = 0; i < MNV2_BLOCKS; i++) {     /* the depthwise weights, where it packs */
        dw_off[i] = total;
        if (k->dw_packed_size)
            total += round64(k->dw_packed_size(n->m->blocks[i].depthwise.cout));
        lut_off[i] = total;                     /* the residual ADD's table, where it has one */
        if (k->add_lut && n->q->blocks[i].has_add)
            total += round64(BD_QU8_ADD_LUT_BYTES);
    }
    if (total && posix_memalign((void **)&n->packed, 64, total)) {
        n->packed = NULL;
        n->packed_for = NULL;
        return -1;
    }
    for (int i = 0; i < MAX_PW; i++) {
        if (off[i] == (size_t)-1)
            continue;
        int kk, nn;
        pw_shape(n->m, i, &kk, &nn);
        const bd_qlayer *L = pw_layer(n->q, i);
        const uint8_t *w = pw_weight(n, i);
        uint8_t *padded = NULL;
        const size_t rows_w = i == 0 ? 9 * (size_t)n->m->stem.cin : (size_t)kk;
        if (rows_w < (size_t)kk) {             /* the stem: its padding rows (STEM_K) */
            if (!(padded = malloc((size_t)kk * nn))) {
                free(n->packed);
                n->packed = NULL;
                n->packed_for = NULL;
                memset(n->pw, 0, sizeof n->pw);
                return -1;
            }
            memcpy(padded, w, rows_w * nn);
            memset(padded + rows_w * nn, (int)L->conv.w_zp, ((size_t)kk - rows_w) * nn);
        }
        k->pw_pack(padded ? padded : w, L->bias, kk, nn, &L->conv, n->packed + off[i]);
        free(padded);
        n->pw[i] = n->packed + off[i];
        if (i == PW_CONCAT_PROJ)          /* the bias the per-run term is added to */
            memcpy(n->proj_bias0, n->pw[i], (size_t)nn * sizeof(int32_t));
        /* the packed copy is what runs: the file's pages of these weights can go (read
         * again from the file if another table packs them) */
        bd_weights_release_bytes(n->m->file, w, rows_w * (size_t)nn);
    }
    for (int i = 0; k->dw_pack && i < MNV2_BLOCKS; i++) {
        const bd_qlayer *L = &n->q->blocks[i].depthwise;
        n->dw[i] = n->packed + dw_off[i];
        k->dw_pack(L->weight, L->bias, n->m->blocks[i].depthwise.cout, &L->conv, n->dw[i]);
    }
    for (int i = 0; k->add_lut && i < MNV2_BLOCKS; i++)
        if (n->q->blocks[i].has_add) {
            n->add_lut[i] = n->packed + lut_off[i];
            bd_qu8_add_lut_build(k, &n->q->blocks[i].add, n->add_lut[i]);
        }
    return 0;
}

/* Block i's residual ADD of n values, out = ADD(x, y) (out may be y): by table lookup where
 * the table has it. */
void bd_qnetwork_add_run(const bd_qnetwork *n, const bd_qu8_kernels *k, int i, const uint8_t *x,
                         const uint8_t *y, size_t count, uint8_t *out)
{
    if (n->packed_for == k && n->add_lut[i])
        k->add_lut(x, y, count, out, n->add_lut[i]);
    else
        k->add(x, y, count, out, &n->q->blocks[i].add);
}

/* Block i's depthwise on rows of its input: on the packed weights where the table has them. */
void bd_qnetwork_dw_run(const bd_qnetwork *n, const bd_qu8_kernels *k, int i, const uint8_t *in,
                        int rows, uint8_t *out, int out_rows, int pad_top)
{
    const bd_block_plan *p = &n->plan.b[i];
    const bd_qlayer *L = &n->q->blocks[i].depthwise;
    if (n->packed_for == k && n->dw[i])
        k->dwconv3x3_packed(in, rows, p->in_w, p->cexp, out, out_rows, p->out_w, n->dw[i],
                            p->stride, p->dilation, pad_top, p->pad_left, &L->conv);
    else
        k->dwconv3x3(in, rows, p->in_w, p->cexp, out, out_rows, p->out_w, L->weight, L->bias,
                     p->stride, p->dilation, pad_top, p->pad_left, &L->conv);
}

/* One output row oy of the stem's im2col: per output pixel the 3 x 3 x cin input bytes in
 * the weights' (ky, kx, ci) order, then the padding up to kk (STEM_K); taps outside the
 * image hold in_zp. Pixels whose window is inside take three copies (RGB: 16-byte moves). */
static void stem_im2col_row(const bd_net_plan *pl, const uint8_t *in, int oy, int kk,
                            uint8_t zp, uint8_t *col)
{
    const int cin = pl->cin, ow = pl->stem_w;
    const uint8_t *src[3];
    int all = 1;
    for (int ky = 0; ky < 3; ky++) {
        const int y = 2 * oy + ky - pl->stem_pad_top;
        src[ky] = y >= 0 && y < pl->in_h ? in + (size_t)y * pl->in_w * cin : NULL;
        all &= src[ky] != NULL;
    }
    const uint8_t *in_end = in + (size_t)pl->in_h * pl->in_w * cin;
    for (int ox = 0; ox < ow; ox++) {
        uint8_t *d = col + (size_t)ox * kk;
        const int x0 = 2 * ox - pl->stem_pad_left;
        if (all && x0 >= 0 && x0 + 2 < pl->in_w) {
            const size_t o = (size_t)x0 * cin;
            if (cin == 3 && src[2] + o + 16 <= in_end) {
                /* three 16-byte moves, each overwriting the previous one's 7 extra bytes
                 * (the last one's reach into the next pixel's row, written after it, or
                 * the slack past the chunk), then the padding byte */
                memcpy(d, src[0] + o, 16);
                memcpy(d + 9, src[1] + o, 16);
                memcpy(d + 18, src[2] + o, 16);
                d[27] = zp;                   /* kk = 28 */
                continue;
            }
            memset(d + 9 * cin, zp, (size_t)(kk - 9 * cin));
            for (int ky = 0; ky < 3; ky++)
                memcpy(d + (size_t)ky * 3 * cin, src[ky] + o, 3 * (size_t)cin);
            continue;
        }
        memset(d + 9 * cin, zp, (size_t)(kk - 9 * cin));
        for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++) {
                const int x = x0 + kx;
                uint8_t *t = d + (size_t)(3 * ky + kx) * cin;
                if (!src[ky] || x < 0 || x >= pl->in_w)
                    memset(t, zp, (size_t)cin);
                else
                    memcpy(t, src[ky] + (size_t)x * cin, (size_t)cin);
            }
    }
}

/* The stem, 3x3 stride 2, as a matrix product when the table packed it: each thread takes
 * a few output rows at a time (STEM_CHUNK bytes, so they stay in L2; the next chunk goes to
 * the first thread free), gathers their 3x3 x cin input patches (im2col, stem_im2col_row)
 * into its share of the `depthwise` buffer, free at this point, and multiplies them by the
 * packed weights (the kernel's own parallel loop, nested, runs on this thread alone). The same integer sums as
 * the direct convolution. Returns 0 if it did not apply. */
#define STEM_CHUNK (64 * 1024)
#define STEM_SLACK 16            /* bytes past a chunk's rows that its gather may write */

static int stem_packed(const bd_qnetwork *n, const bd_qu8_kernels *k, const uint8_t *in,
                       uint8_t *out)
{
    const bd_net_plan *pl = &n->plan;
    const int cin = pl->cin, kk = STEM_K(cin), ow = pl->stem_w, cout = pl->stem_cout;
    const size_t row = (size_t)ow * kk;
    int threads = omp_get_max_threads();
    if (threads > pl->stem_h)
        threads = pl->stem_h;
    const size_t share = n->cap_depthwise / (size_t)threads / 64 * 64;
    int chunk = (int)(STEM_CHUNK / row);
    if (chunk < 1)
        chunk = 1;
    if ((size_t)chunk * row + STEM_SLACK > share)     /* (the 16-byte moves' reach) */
        chunk = share > STEM_SLACK ? (int)((share - STEM_SLACK) / row) : 0;
    if (n->packed_for != k || !n->pw[0] || chunk < 1)
        return 0;
    uint8_t *scratch = bd_qnetwork_buffer(n, Q_DEPTHWISE);
    const bd_qu8_conv *conv = &n->q->stem.conv;
    const int chunks = (pl->stem_h + chunk - 1) / chunk;
    #pragma omp parallel num_threads(threads) if (threads > 1)
    {
        uint8_t *col = scratch + (size_t)omp_get_thread_num() * share;
        /* (chunks handed out as threads come free: a busier core does fewer) */
        #pragma omp for schedule(dynamic, 1)
        for (int ci = 0; ci < chunks; ci++) {
            const int y0 = ci * chunk, rows = pl->stem_h - y0 < chunk ? pl->stem_h - y0 : chunk;
            for (int r = 0; r < rows; r++)
                stem_im2col_row(pl, in, y0 + r, kk, (uint8_t)conv->in_zp, col + (size_t)r * row);
            k->pwconv_packed(col, rows * ow, kk, out + (size_t)y0 * ow * cout, cout, n->pw[0], conv);
        }
    }
    return 1;
}

/* One 1x1 layer (index idx): packed if the table packs it, else the table's plain kernel. */
void bd_qnetwork_pw_run(const bd_qnetwork *n, const bd_qu8_kernels *k, int idx, const uint8_t *in,
                        int m, int kk, uint8_t *out, int nn)
{
    const bd_qlayer *L = pw_layer(n->q, idx);
    if (n->packed_for == k && n->pw[idx])
        k->pwconv_packed(in, m, kk, out, nn, n->pw[idx], &L->conv);
    else
        k->pwconv(in, m, kk, out, nn, pw_weight(n, idx),
                  idx == PW_CONCAT_PROJ ? n->proj_bias : L->bias, &L->conv);
}

static size_t max_sz(size_t a, size_t b) { return a > b ? a : b; }

bd_qnetwork *bd_qnetwork_new(const bd_model *m, int in_h, int in_w, int output_stride,
                             char *err, size_t errlen)
{
    if (!m->q) {
        snprintf(err, errlen, "%s: this weights file has no int8 network (converted from a "
                 "float model); run it with --precision f32", m->file ? m->file->path : "model");
        return NULL;
    }
    if (output_stride != 8 && output_stride != 16) {
        snprintf(err, errlen, "network: output stride must be 8 or 16, not %d", output_stride);
        return NULL;
    }
    if (in_h < 1 || in_w < 1 || in_h > 8192 || in_w > 8192) {
        snprintf(err, errlen, "network: input size %dx%d is outside 1..8192", in_w, in_h);
        return NULL;
    }
    bd_qnetwork *n = calloc(1, sizeof *n);
    if (!n) {
        snprintf(err, errlen, "network: out of memory");
        return NULL;
    }
    n->m = m;
    n->q = m->q;
    n->fusion = bd_fusion_from_env();
    n->proj_bias0 = malloc(sizeof(int32_t) * (size_t)m->concat_projection.cout);
    n->proj_bias = malloc(sizeof(int32_t) * (size_t)m->concat_projection.cout);
    if (!n->proj_bias0 || !n->proj_bias) {
        snprintf(err, errlen, "network: out of memory");
        bd_qnetwork_free(n);
        return NULL;
    }
    bd_net_plan *p = &n->plan;
    bd_network_plan(m, in_h, in_w, output_stride, p);

    size_t ping = p->max_io, expanded = p->max_expanded, depthwise = p->max_depthwise;
    size_t hw = (size_t)p->feat_h * p->feat_w;
    expanded = max_sz(expanded, hw * m->aspp0.cout);
    depthwise = max_sz(depthwise, hw * (m->image_pooling.cout + m->aspp0.cout));
    ping = max_sz(ping, hw * m->concat_projection.cout);
    size_t small = (size_t)p->feat_c + 2 * (size_t)m->image_pooling.cout;

    bd_arena *a = &n->arena;
    n->buf[Q_PING] = bd_arena_reserve(a, ping);
    n->buf[Q_PONG] = bd_arena_reserve(a, ping);
    n->buf[Q_EXPANDED] = bd_arena_reserve(a, expanded);
    n->buf[Q_DEPTHWISE] = bd_arena_reserve(a, depthwise);
    n->cap_depthwise = depthwise;
    n->cap_expanded = expanded;
    n->buf[Q_INPUT] = bd_arena_reserve(a, (size_t)in_h * in_w * p->cin * sizeof(float));
    n->buf[Q_LOGITS_U8] = bd_arena_reserve(a, hw * m->num_classes);
    n->buf[Q_LOGITS] = bd_arena_reserve(a, hw * m->num_classes * sizeof(float));
    n->buf[Q_SMALL] = bd_arena_reserve(a, small);
    if (bd_arena_commit(a)) {
        snprintf(err, errlen, "network: out of memory allocating %zu MB of int8 activations "
                 "for a %dx%d input", bd_arena_bytes(a) >> 20, in_w, in_h);
        bd_qnetwork_free(n);
        return NULL;
    }
    return n;
}

void bd_qnetwork_free(bd_qnetwork *n)
{
    if (!n)
        return;
    bd_arena_release(&n->arena);
    free(n->packed);
    free(n->proj_bias0);
    free(n->proj_bias);
    free(n);
}


float *bd_qnetwork_input(bd_qnetwork *n) { return bd_qnetwork_buffer(n, Q_INPUT); }
size_t bd_qnetwork_arena_bytes(const bd_qnetwork *n) { return bd_arena_bytes(&n->arena); }

void bd_qnetwork_release_scratch(bd_qnetwork *n)
{
    static const int scratch[] = {Q_PING, Q_PONG, Q_EXPANDED, Q_DEPTHWISE, Q_INPUT};
    for (size_t i = 0; i < sizeof scratch / sizeof scratch[0]; i++)
        bd_arena_discard(&n->arena, n->buf[scratch[i]]);
}
const bd_net_plan *bd_qnetwork_plan(const bd_qnetwork *n) { return &n->plan; }

const float *bd_qnetwork_logits(const bd_qnetwork *n, int *fh, int *fw, int *classes)
{
    *fh = n->plan.feat_h;
    *fw = n->plan.feat_w;
    *classes = n->m->num_classes;
    return bd_qnetwork_buffer(n, Q_LOGITS);
}

const uint8_t *bd_qnetwork_logits_u8(const bd_qnetwork *n, float *scale, int32_t *zp)
{
    *scale = n->q->logits.out.scale;
    *zp = n->q->logits.out.zp;
    return bd_qnetwork_buffer(n, Q_LOGITS_U8);
}

/* ------------------------------------------------------------ the forward pass -------- */

static void observe(bd_qlayer_observer obs, void *ctx, const char *scope, const char *what,
                    const uint8_t *t, int h, int w, int c)
{
    if (!obs)
        return;
    char name[128];
    snprintf(name, sizeof name, "%s%s%s", scope, what ? "/" : "", what ? what : "");
    obs(ctx, name, t, h, w, c);
}

static void block_scope(int i, char *out, size_t len)
{
    if (i)
        snprintf(out, len, "MobilenetV2/expanded_conv_%d", i);
    else
        snprintf(out, len, "MobilenetV2/expanded_conv");
}

/* out[p] = v for each of the n pixels (the 1x1 -> FxF align-corners resize: a broadcast). */
static void broadcast(const uint8_t *v, int c, size_t n, uint8_t *out, int stride)
{
    for (size_t p = 0; p < n; p++)
        memcpy(out + p * (size_t)stride, v, (size_t)c);
}

/* concat_projection's bias for this image: its own (or its packed form's) plus the pooled
 * half of every pixel's sum, in int32 modulo 2^32 like the accumulators (see the top). */
static void fold_pooled_half(bd_qnetwork *n, const bd_qu8_kernels *k, const uint8_t *pooled)
{
    const bd_qlayer *L = &n->q->concat_projection;
    const int cpool = n->m->image_pooling.cout, cout = n->m->concat_projection.cout;
    uint32_t *sum = (uint32_t *)n->proj_bias;
    for (int j = 0; j < cout; j++)
        sum[j] = 0;
    for (int c = 0; c < cpool; c++) {
        const uint32_t x = (uint32_t)((int32_t)pooled[c] - L->conv.in_zp);
        const uint8_t *w = L->weight + (size_t)c * cout;
        for (int j = 0; j < cout; j++)
            sum[j] += x * (uint32_t)((int32_t)w[j] - L->conv.w_zp);
    }
    const int packed = n->packed_for == k && n->pw[PW_CONCAT_PROJ];
    const int32_t *base = packed ? n->proj_bias0 : L->bias;
    for (int j = 0; j < cout; j++)
        sum[j] += (uint32_t)base[j];
    if (packed)   /* the packed layout begins with the bias (kernels_quant.h) */
        memcpy(n->pw[PW_CONCAT_PROJ], n->proj_bias, (size_t)cout * sizeof(int32_t));
}

void bd_qnetwork_set_fusion(bd_qnetwork *n, bd_fusion mode) { n->fusion = mode; }

int bd_qnetwork_prepare(bd_qnetwork *n, const bd_qu8_kernels *k)
{
    return pack_for(n, k);
}

void bd_qnetwork_run(bd_qnetwork *n, const bd_qu8_kernels *k, bd_qlayer_observer obs, void *ctx)
{
    if (pack_for(n, k))
        k = &bd_qu8_kernels_ref;          /* out of memory for the packed weights */
    const bd_model *m = n->m;
    const bd_qmodel *q = n->q;
    const bd_net_plan *pl = &n->plan;
    uint8_t *x = bd_qnetwork_buffer(n, Q_PING), *y = bd_qnetwork_buffer(n, Q_PONG);
    uint8_t *expanded = bd_qnetwork_buffer(n, Q_EXPANDED), *depthwise = bd_qnetwork_buffer(n, Q_DEPTHWISE);
    char scope[64];

    /* Input: the model's QUANTIZE of the normalised float image. */
    const size_t npix = (size_t)pl->in_h * pl->in_w;
    (k->quantize_f32 ? k->quantize_f32 : bd_qu8_quantize_f32)(bd_qnetwork_buffer(n, Q_INPUT), npix * pl->cin,
                                                             q->input.scale, q->input.zp, expanded);
    observe(obs, ctx, "MobilenetV2/MobilenetV2/input", NULL, expanded, pl->in_h, pl->in_w, pl->cin);

    if (!stem_packed(n, k, expanded, x))
        k->conv3x3s2(expanded, pl->in_h, pl->in_w, pl->cin, x, pl->stem_h, pl->stem_w,
                     m->stem.cout, q->stem.weight, q->stem.bias, pl->stem_pad_top,
                     pl->stem_pad_left, &q->stem.conv);
    observe(obs, ctx, "MobilenetV2/Conv/Relu6", NULL, x, pl->stem_h, pl->stem_w, m->stem.cout);

    int c = m->stem.cout;
    for (int i = 0; i < MNV2_BLOCKS; i++) {
        const bd_qblock *b = &q->blocks[i];
        const bd_block_plan *p = &pl->b[i];
        const int cexp = p->cexp, cout = p->cout;
        block_scope(i, scope, sizeof scope);
        if (!obs && bd_qnetwork_block_fused(n, k, i, x, y)) {
            uint8_t *t = x; x = y; y = t;
            c = cout;
            continue;
        }
        const uint8_t *dw_in = x;
        if (m->blocks[i].has_expand) {
            bd_qnetwork_pw_run(n, k, 2 * i, x, p->in_h * p->in_w, c, expanded, cexp);
            observe(obs, ctx, scope, "expand/Relu6", expanded, p->in_h, p->in_w, cexp);
            dw_in = expanded;
        }
        bd_qnetwork_dw_run(n, k, i, dw_in, p->in_h, depthwise, p->out_h, p->pad_top);
        observe(obs, ctx, scope, "depthwise/Relu6", depthwise, p->out_h, p->out_w, cexp);
        const size_t hw = (size_t)p->out_h * p->out_w;
        bd_qnetwork_pw_run(n, k, 2 * i + 1, depthwise, (int)hw, cexp, y, cout);
        observe(obs, ctx, scope, "project/add_fold", y, p->out_h, p->out_w, cout);
        if (b->has_add && p->residual) {
            bd_qnetwork_add_run(n, k, i, x, y, hw * cout, y);
            observe(obs, ctx, scope, "add", y, p->out_h, p->out_w, cout);
        }
        uint8_t *t = x; x = y; y = t;
        c = cout;
    }

    /* Head, on the fh x fw x c features in x. */
    const int fh = pl->feat_h, fw = pl->feat_w, hw = fh * fw;
    const int cpool = m->image_pooling.cout, caspp = m->aspp0.cout, cproj = m->concat_projection.cout;
    uint8_t *pooled = bd_qnetwork_buffer(n, Q_SMALL), *ip = pooled + c, *ipq = ip + cpool;
    k->avgpool(x, hw, c, pooled);
    observe(obs, ctx, "AvgPool2D/AvgPool", NULL, pooled, 1, 1, c);
    bd_qnetwork_pw_run(n, k, 2 * MNV2_BLOCKS + 1, x, hw, c, expanded, caspp);
    observe(obs, ctx, "aspp0/Relu", NULL, expanded, fh, fw, caspp);
    bd_qnetwork_pw_run(n, k, 2 * MNV2_BLOCKS, pooled, 1, c, ip, cpool);
    observe(obs, ctx, "image_pooling/Relu", NULL, ip, 1, 1, cpool);
    if (obs) {   /* the graph's intermediate tensors, only materialised for an observer */
        broadcast(ip, cpool, (size_t)hw, depthwise, cpool);
        observe(obs, ctx, "ResizeBilinear", NULL, depthwise, fh, fw, cpool);
    }
    /* QUANTIZE to the concatenation's scale; on the one pixel, then broadcast (the resize
     * of a 1x1 map copies it, so resizing first or last gives the same bytes) */
    k->requantize(ip, (size_t)cpool, q->image_pooling.out.zp, &q->pool_to_concat, ipq);
    if (obs) {
        broadcast(ipq, cpool, (size_t)hw, depthwise, cpool);
        observe(obs, ctx, "ResizeBilinear1", NULL, depthwise, fh, fw, cpool);
    }
    if (obs) {
        broadcast(ipq, cpool, (size_t)hw, depthwise, cpool + caspp);
        for (int px = 0; px < hw; px++)
            memcpy(depthwise + (size_t)px * (cpool + caspp) + cpool,
                   expanded + (size_t)px * caspp, (size_t)caspp);
        observe(obs, ctx, "concat", NULL, depthwise, fh, fw, cpool + caspp);
    }
    fold_pooled_half(n, k, ipq);
    bd_qnetwork_pw_run(n, k, PW_CONCAT_PROJ, expanded, hw, caspp, y, cproj);
    observe(obs, ctx, "concat_projection/Relu", NULL, y, fh, fw, cproj);
    uint8_t *lq = bd_qnetwork_buffer(n, Q_LOGITS_U8);
    const int nc = m->num_classes;
    bd_qnetwork_pw_run(n, k, 2 * MNV2_BLOCKS + 3, y, hw, cproj, lq, nc);
    observe(obs, ctx, "logits/semantic/BiasAdd", NULL, lq, fh, fw, nc);

    /* real = scale * (q - zp), for the float post-processing */
    float *lf = bd_qnetwork_buffer(n, Q_LOGITS);
    const float s = q->logits.out.scale;
    const int32_t zp = q->logits.out.zp;
    for (size_t i = 0; i < (size_t)hw * nc; i++)
        lf[i] = s * (float)((int32_t)lq[i] - zp);
}
