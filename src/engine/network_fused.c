/* network_fused.c — the big early blocks, run fused: when, why, and how.
 *
 * When: a block with an expand conv whose expanded tensor is at least BD_FUSE_MIN_BYTES (band.h, 4 MB):
 * at 513x513 that is the stem and blocks 1-3 (plus block 0, which the stem feeds), whose
 * maps are 257x257 and 129x129 with few channels. The later blocks are small enough to run
 * layer by layer (network.c), where the kernels' own parallel loops split the work most
 * evenly. BACKDROP_FUSE=none|all (bd_network_set_fusion) overrides the choice for
 * benchmarks; an observed run (per-layer tensors wanted) is never fused.
 *
 * Why: block 1 of the d=1.0 model expands 257x257x16 to 257x257x96, a 25 MB tensor that the
 * expand conv writes to memory and the depthwise conv reads back. Both then run at memory
 * speed, and two cores share one memory bus, so they barely scale with threads.
 *
 * How: a fused block never builds that tensor: src/engine/band.c walks each thread's output
 * rows in bands whose expanded and depthwise rows fit in the core's L2 cache, and calls
 * back here for the layers of a band. The arithmetic is the same as layer by layer, in the
 * same order per element, so the results are identical.
 *
 * Band scratch lives in the `expanded` and `depthwise` buffers (sized for the unfused
 * schedule, so much larger than T bands). */
#include "engine/band.h"
#include "engine/network_internal.h"

/* Is block i worth fusing? (See "When" above.) */
static int fuse_block(bd_fusion mode, const bd_block_plan *p)
{
    if (mode != BD_FUSE_AUTO)
        return mode == BD_FUSE_ALL;
    return (size_t)p->in_h * p->in_w * p->cexp * sizeof(float) >= BD_FUSE_MIN_BYTES;
}

typedef struct {
    const bd_network *n;
    const bd_kernels *k;
    int i;
    const float *x, *stem_in;
    float *y;
} fused_ctx;

/* The band's input rows [from, to) of block i, into E: block i's expand conv of rows of x,
 * or, when the stem is fused into block 0 (stem_in), the stem's 3x3 stride-2 conv of the
 * network input rows those stem rows read. */
static void band_input_rows(void *ctx, int from, int to, unsigned char *E_bytes)
{
    const fused_ctx *c = ctx;
    const bd_model *m = c->n->m;
    const bd_net_plan *pl = &c->n->plan;
    float *E = (float *)(void *)E_bytes;
    if (c->stem_in) {
        int lo = 2 * from - pl->stem_pad_top, hi = 2 * (to - 1) - pl->stem_pad_top + 3;
        lo = lo < 0 ? 0 : lo;
        hi = hi > pl->in_h ? pl->in_h : hi;
        c->k->conv3x3s2(c->stem_in + (size_t)lo * pl->in_w * pl->cin, hi - lo, pl->in_w, pl->cin,
                        E, to - from, pl->stem_w, m->stem.cout, m->stem.weight, m->stem.bias,
                        pl->stem_pad_top + lo - 2 * from, pl->stem_pad_left, BD_ACT_RELU6);
    } else {
        const bd_block *b = &m->blocks[c->i];
        const bd_block_plan *p = &pl->b[c->i];
        c->k->pwconv(c->x + (size_t)from * p->in_w * p->cin, (to - from) * p->in_w, p->cin, E,
                     p->cexp, b->expand.weight, b->expand.bias, NULL, BD_ACT_RELU6);
    }
}

/* The band's depthwise and project convs (+ residual), output rows [oy, oy1). */
static void band_layers(void *ctx, const unsigned char *dw_in, int rows, int pad_top, int oy,
                        int oy1, unsigned char *D_bytes)
{
    const fused_ctx *c = ctx;
    const bd_block *b = &c->n->m->blocks[c->i];
    const bd_block_plan *p = &c->n->plan.b[c->i];
    float *D = (float *)(void *)D_bytes;
    c->k->dwconv3x3((const float *)(const void *)dw_in, rows, p->in_w, p->cexp, D, oy1 - oy,
                    p->out_w, b->depthwise.weight, b->depthwise.bias, p->stride, p->dilation,
                    pad_top, p->pad_left, BD_ACT_RELU6);
    c->k->pwconv(D, (oy1 - oy) * p->out_w, p->cexp, c->y + (size_t)oy * p->out_w * p->cout,
                 p->cout, b->project.weight, b->project.bias,
                 p->residual ? c->x + (size_t)oy * p->in_w * p->cin : NULL, BD_ACT_NONE);
}

/* Block i, x -> y, in bands. With stem_in (block 0 only), x does not exist yet: each band
 * computes the stem output rows it needs from the network input stem_in, and the band
 * scratch for them is the ping buffer, which would otherwise have held x. Returns -1,
 * having done nothing, if the scratch cannot hold one band per thread (then the caller runs
 * the layers one by one). */
static int block_fused(const bd_network *n, const bd_kernels *k, int i, const float *x,
                       float *y, const float *stem_in)
{
    const int computed = n->m->blocks[i].has_expand || stem_in;  /* else the depthwise reads x */
    fused_ctx c = {n, k, i, x, stem_in, y};
    const bd_band_job job = {
        .p = &n->plan.b[i],
        .elem = sizeof(float),
        .x = computed ? NULL : (const unsigned char *)x,
        .e_base = (unsigned char *)bd_network_buffer(n, stem_in ? BUF_PING : BUF_EXPANDED),
        .d_base = (unsigned char *)bd_network_buffer(n, BUF_DEPTHWISE),
        .e_bytes = (stem_in ? n->cap_ping : n->cap_expanded) * sizeof(float),
        .d_bytes = n->cap_depthwise * sizeof(float),
    };
    const bd_band_ops ops = {computed ? band_input_rows : NULL, band_layers, &c};
    return bd_band_run(&job, &ops);
}

int bd_network_block_fused(const bd_network *n, const bd_kernels *k, int i, const float *x,
                           float *y, const float *stem_in)
{
    if (!fuse_block(n->fusion, &n->plan.b[i]))
        return 0;
    if (stem_in && (i != 0 || n->m->blocks[0].has_expand || n->plan.b[0].residual))
        return 0;                         /* the stem feeds only an expand-less block 0 */
    return block_fused(n, k, i, x, y, stem_in) == 0;
}
