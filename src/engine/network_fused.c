/* network_fused.c — the big early blocks, run fused: when, why, and how.
 *
 * When: a block with an expand conv whose expanded tensor is at least FUSE_MIN_BYTES (4 MB):
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
 * How: a fused block never builds that tensor. Each thread takes a range of output rows
 * and walks it in bands of R rows, and for each band
 *   1. expands just the input rows the band's 3x3 window needs (keeping the rows it shares
 *      with the previous band, so nothing is computed twice inside a thread),
 *   2. runs the depthwise conv on those rows,
 *   3. projects the band's R output rows straight into the block output (+ residual).
 * The band's expanded and depthwise rows fit in the core's L2 cache. The arithmetic is the
 * same as layer by layer, in the same order per element, so the results are identical.
 *
 * Band scratch lives in the `expanded` and `depthwise` buffers (sized for the unfused
 * schedule, so much larger than T bands). */
#include <omp.h>
#include <string.h>

#include "engine/network_internal.h"

#define BAND_BYTES (320 * 1024)   /* target size of one thread's expanded + depthwise rows */
#define FUSE_MIN_BYTES (4u << 20) /* fuse blocks whose expanded tensor is at least this */

/* Is block i worth fusing? (See "When" above.) */
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
    float *e_base = bd_network_buffer(n, stem_in ? BUF_PING : BUF_EXPANDED);
    float *d_base = bd_network_buffer(n, BUF_DEPTHWISE);
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

int bd_network_block_fused(const bd_network *n, const bd_kernels *k, int i, const float *x,
                           float *y, const float *stem_in)
{
    if (!fuse_block(n->fusion, &n->plan.b[i]))
        return 0;
    if (stem_in && (i != 0 || n->m->blocks[0].has_expand || n->plan.b[0].residual))
        return 0;                         /* the stem feeds only an expand-less block 0 */
    return block_fused(n, k, i, x, y, stem_in) == 0;
}
