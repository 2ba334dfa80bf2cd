/* matte_rows.h — the matte as the effects read it (internal to src/): one row at a time, cut
 * into runs of pixels that are all background (alpha 0), all subject (alpha 1) or mixed
 * (alpha per pixel).
 *
 * A matte (struct bd_matte, opaque in composite.h) is either full-resolution floats, read
 * as one mixed run per row, or what the guided filter fits on the s-times smaller grid:
 * alpha = clamp(A . RGB + B, 0, 1) with (A, B) interpolated bilinearly between grid points
 * and RGB the photo's bytes. Most of a photo is plainly subject or plainly background, and
 * there alpha is 0 or 1 whatever the colour: a grid cell is a run of that kind when its
 * four corners say so for any RGB (the interpolated (A, B) is a convex mix of theirs). So
 * a 12-megapixel matte never exists as 48 MB of floats; the effects compute alpha only in
 * the mixed cells (a few percent of a portrait), skip the subject and fill the background.
 */
#ifndef BACKDROP_MATTE_ROWS_H
#define BACKDROP_MATTE_ROWS_H

#include <stdint.h>

#include "compose/compose.h"

enum { RUN_BG = 0, RUN_FG = 1, RUN_MIXED = 2 };

typedef struct bd_matte_run {
    int x0, x1;           /* pixels x0 .. x1-1 of the row */
    int kind;             /* RUN_BG, RUN_FG, RUN_MIXED */
} bd_matte_run;

struct bd_matte {
    int w, h;
    const float *alpha;   /* full-resolution form (w x h), or NULL: the grid form below */
    float *owned;         /* alpha, when the matte owns it */
    /* grid form */
    const uint8_t *rgb;   /* the photo the coefficients apply to (w x h x 3), or NULL:
                             A = 0, alpha is B upsampled (a matte without guided filter) */
    int s, sw, sh;
    float *coef;          /* sw x sh x 4: A (per byte value of R, G, B) and B */
    int clamp;            /* 1: alpha clamped to [0, 1]; 0: raw (every run mixed) */
    int invert;           /* alpha = 1 - the above (and the runs' kinds swapped) */
    bd_matte_run *runs;      /* cell row j: runs[j * sw .. j * sw + nruns[j]) */
    int *nruns;
    int *xi, *yi;         /* grid coordinates of every column / row (composite_grid.h) */
    float *xf, *yf;
};

/* The grid form from coefficients (coef: sw x sh x 4, malloc'd; the matte takes it over,
 * also on failure). range (sw x sh x 6: each s x s block's smallest and largest R, G, B;
 * may be NULL: any colour) tightens which cells are constant: a cell's pixels lie in the
 * 2 x 2 blocks from its corner. rgb must outlive the matte. NULL if out of memory. */
bd_matte *bd_matte_from_coef(float *coef, const uint8_t *range, const uint8_t *rgb, int w,
                          int h, int s, int clamp, int invert);

/* A full-resolution matte around alpha (not copied, not freed: the caller's). */
void bd_matte_wrap(bd_matte *m, const float *alpha, int w, int h);

/* The guided filter's fit as grid coefficients for bd_matte_from_coef (guided_filter.c): p at
 * full resolution or p_small on the grid; gain > 0 folds clamp((q - 0.5) gain + 0.5) in;
 * range (or NULL) receives the blocks' colour ranges. NULL if out of memory. */
float *bd_guided_coef(const uint8_t *rgb, bd_guide guide, const float *p, const float *p_small,
                   int w, int h, int r, float eps, int s, float gain, uint8_t *range);

/* One per thread; rows are best read in increasing order. */
typedef struct bd_matte_reader {
    const bd_matte *m;
    int cached;           /* cell row whose mixed runs ua, ub hold (-1: none) */
    float *ua, *ub;       /* 4 x w (planes): grid rows g, g + 1 interpolated along x */
    float *alpha;         /* w */
    float *px;            /* 3 x w: the row's R, G, B as floats */
    bd_matte_run whole;      /* the run of a full-resolution row */
} bd_matte_reader;

int bd_matte_reader_init(bd_matte_reader *r, const bd_matte *m);   /* 0, or -1: out of memory */
void bd_matte_reader_free(bd_matte_reader *r);
/* The runs of row y, in order, covering 0 .. w-1: *n of them. */
const bd_matte_run *bd_matte_reader_runs(bd_matte_reader *r, int y, int *n);
/* Alpha over a mixed run [x0, x1) of row y, as a row indexed by x. Reads the photo's pixels
 * there: call it before writing over them (in-place effects). */
const float *bd_matte_reader_alpha(bd_matte_reader *r, int y, int x0, int x1);

#endif
