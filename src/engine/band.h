/* band.h — private to src/engine: running one inverted-residual block fused, band by band,
 * for the float network (network_fused.c) and the int8 one (qnetwork_fused.c) alike.
 *
 * Each thread takes a range of the block's output rows and walks it in bands of R rows; for
 * each band it makes the depthwise input rows the band's 3x3 window needs (the expand conv
 * of those rows, or the stem's), keeping the rows it shares with its previous band, then
 * runs the depthwise conv and the project conv (and the residual) of just those rows. The
 * band's rows fit in the core's L2 cache; the arithmetic per element is that of the layer
 * by layer schedule, so the results are identical. The driver knows rows and bytes only;
 * the two networks pass their layers as callbacks. */
#ifndef BACKDROP_ENGINE_BAND_H
#define BACKDROP_ENGINE_BAND_H

#include <stddef.h>

#include "engine/network.h"

typedef struct bd_band_ops {
    /* Depthwise input rows [from, to) of the block into E (row `from` first). */
    void (*input_rows)(void *ctx, int from, int to, unsigned char *E);
    /* The band's output rows [oy, oy1): the depthwise conv of dw_in (`rows` input rows,
     * the first output row's window starting pad_top rows above dw_in) into D, then the
     * project conv (+ residual) into the block output. */
    void (*band)(void *ctx, const unsigned char *dw_in, int rows, int pad_top, int oy, int oy1,
                 unsigned char *D);
    void *ctx;
} bd_band_ops;

typedef struct bd_band_job {
    const bd_block_plan *p;
    size_t elem;                     /* bytes per tensor element: 4 (float) or 1 (uint8) */
    const unsigned char *x;          /* the depthwise input itself, when input_rows is NULL */
    unsigned char *e_base, *d_base;  /* scratch for the depthwise input and output rows */
    size_t e_bytes, d_bytes;
} bd_band_job;

/* The byte size a fused block's expanded tensor must reach to be worth fusing. */
#define BD_FUSE_MIN_BYTES (4u << 20)

/* Runs the job (0), or returns -1 having done nothing if the scratch cannot hold one band
 * per thread. */
int bd_band_run(const bd_band_job *job, const bd_band_ops *ops);

#endif
