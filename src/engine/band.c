/* band.c — the band walk of a fused block (band.h says what and why). */
#include <omp.h>
#include <string.h>

#include "engine/band.h"

#define BAND_BYTES (320 * 1024)   /* target size of one thread's input + depthwise rows */

int bd_band_run(const bd_band_job *job, const bd_band_ops *ops)
{
    const bd_block_plan *p = job->p;
    const int s = p->stride, d = p->dilation, computed = ops->input_rows != NULL;
    const size_t in_row = (size_t)p->in_w * p->cexp * job->elem;
    const size_t out_row = (size_t)p->out_w * p->cexp * job->elem;
    int threads = omp_get_max_threads();
    if (threads > p->out_h)
        threads = p->out_h;
    /* each thread's share of the scratch, a multiple of 64 bytes */
    const size_t e_share = job->e_bytes / threads / 64 * 64, d_share = job->d_bytes / threads / 64 * 64;
    /* rows per band: as many as fit BAND_BYTES (at least 1) and the thread's share */
    int R = 0;
    for (int r = 1; r <= p->out_h; r++) {
        const size_t e_rows = computed ? (size_t)(r - 1) * s + 2 * d + 1 : 0;
        if (e_rows * in_row > e_share || r * out_row > d_share)
            break;
        if (r > 1 && e_rows * in_row + r * out_row > BAND_BYTES)
            break;
        R = r;
    }
    if (R == 0)
        return -1;

#pragma omp parallel num_threads(threads) if (threads > 1)
    {
        const int t = omp_get_thread_num();
        const int r0 = p->out_h * t / threads, r1 = p->out_h * (t + 1) / threads;
        unsigned char *E = job->e_base + t * e_share;   /* holds input rows [have_lo, have_hi) */
        unsigned char *D = job->d_base + t * d_share;   /* depthwise output of one band */
        int have_lo = 0, have_hi = 0;
        for (int oy = r0; oy < r1; oy += R) {
            const int oy1 = oy + R < r1 ? oy + R : r1;
            /* input rows the band's window touches, clipped to the map (the rest is
             * padding, which the depthwise conv supplies) */
            int lo = s * oy - p->pad_top, hi = s * (oy1 - 1) - p->pad_top + 2 * d + 1;
            lo = lo < 0 ? 0 : lo;
            hi = hi > p->in_h ? p->in_h : hi;
            const unsigned char *dw_in = job->x ? job->x + (size_t)lo * in_row : NULL;
            if (computed) {
                int from = lo;                    /* first row not yet in E */
                if (have_hi > lo && have_lo <= lo) { /* rows shared with the last band */
                    memmove(E, E + (size_t)(lo - have_lo) * in_row, (size_t)(have_hi - lo) * in_row);
                    from = have_hi;
                }
                if (hi > from)
                    ops->input_rows(ops->ctx, from, hi, E + (size_t)(from - lo) * in_row);
                have_lo = lo;
                have_hi = hi;
                dw_in = E;
            }
            /* the band's first output row oy reads input row s*oy - pad_top + d*ky, which
             * is row s*oy - pad_top + d*ky - lo of dw_in: so its padding on top is this */
            ops->band(ops->ctx, dw_in, hi - lo, p->pad_top + lo - s * oy, oy, oy1, D);
        }
    }
    return 0;
}
