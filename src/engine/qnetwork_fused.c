/* qnetwork_fused.c — the int8 network's big early blocks, run fused (expand -> depthwise ->
 * project [-> ADD] band by band, src/engine/band.c), as network_fused.c does for the float
 * network and for the same reason: the 257x257 and 129x129 expanded tensors (6.3 MB of
 * uint8 for block 1 of the d=1.0 model) are written and read back through memory, while a
 * band's rows stay in the core's L2 cache. Integer layers on the same rows give the same
 * bytes in any schedule, so fused and layer-by-layer runs are identical (tested in
 * tests/test_network_sizes.c). Block 0 (no expand; the stem feeds it) runs layer by layer.
 *
 * When: the expanded tensor has at least BD_FUSE_MIN_BYTES of uint8 (auto), every block
 * with an expand (all), none; an observed run never fuses. */
#include "engine/band.h"
#include "engine/qnetwork_internal.h"

typedef struct {
    const bd_qnetwork *n;
    const bd_qu8_kernels *k;
    int i;
    const uint8_t *x;
    uint8_t *y;
} qfused_ctx;

/* Expanded rows [from, to) of block i into E. */
static void qband_input_rows(void *ctx, int from, int to, unsigned char *E)
{
    const qfused_ctx *c = ctx;
    const bd_block_plan *p = &c->n->plan.b[c->i];
    bd_qnetwork_pw_run(c->n, c->k, 2 * c->i, c->x + (size_t)from * p->in_w * p->cin,
                       (to - from) * p->in_w, p->cin, E, p->cexp);
}

/* The band's depthwise, project and residual ADD, output rows [oy, oy1). */
static void qband_layers(void *ctx, const unsigned char *dw_in, int rows, int pad_top, int oy,
                         int oy1, unsigned char *D)
{
    const qfused_ctx *c = ctx;
    const bd_qblock *b = &c->n->q->blocks[c->i];
    const bd_block_plan *p = &c->n->plan.b[c->i];
    const size_t px = (size_t)(oy1 - oy) * p->out_w;
    uint8_t *y = c->y + (size_t)oy * p->out_w * p->cout;
    bd_qnetwork_dw_run(c->n, c->k, c->i, dw_in, rows, D, oy1 - oy, pad_top);
    bd_qnetwork_pw_run(c->n, c->k, 2 * c->i + 1, D, (int)px, p->cexp, y, p->cout);
    if (b->has_add && p->residual)
        bd_qnetwork_add_run(c->n, c->k, c->i, c->x + (size_t)oy * p->in_w * p->cin, y,
                            px * p->cout, y);
}

int bd_qnetwork_block_fused(const bd_qnetwork *n, const bd_qu8_kernels *k, int i,
                            const uint8_t *x, uint8_t *y)
{
    const bd_block_plan *p = &n->plan.b[i];
    if (!n->m->blocks[i].has_expand || n->fusion == BD_FUSE_NONE)
        return 0;
    if (n->fusion == BD_FUSE_AUTO && (size_t)p->in_h * p->in_w * p->cexp < BD_FUSE_MIN_BYTES)
        return 0;
    qfused_ctx c = {n, k, i, x, y};
    const bd_band_job job = {
        .p = p,
        .elem = 1,
        .e_base = bd_qnetwork_buffer(n, Q_EXPANDED),
        .d_base = bd_qnetwork_buffer(n, Q_DEPTHWISE),
        .e_bytes = n->cap_expanded,
        .d_bytes = n->cap_depthwise,
    };
    const bd_band_ops ops = {qband_input_rows, qband_layers, &c};
    return bd_band_run(&job, &ops) == 0;
}
