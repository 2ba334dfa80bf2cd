/* composite_grid.h — the reduced grid the compositor works on for large images and radii,
 * and its bilinear upsampling back to full resolution, one output row at a time.
 * A full-resolution pixel x lies at grid coordinate u = (x + 0.5) / s - 0.5, the centre of
 * the s x s block it belongs to being u = block index. Internal to src/. */
#ifndef BACKDROP_COMPOSITE_GRID_H
#define BACKDROP_COMPOSITE_GRID_H

/* For x = 0..n-1: i0[x] (0 <= i0 <= ns-1) and f[x] in [0,1] so that the linear
 * interpolation is (1 - f) * v[i0] + f * v[min(i0 + 1, ns - 1)]. Edges clamp. */
void bd_grid_coords(int n, int ns, int s, int *i0, float *f);

/* Row y of the bilinear upsampling along y only: row[i] (i < ns_w * c) interpolates rows
 * i0 and i0+1 of small (ns_w x ns_h x c) with weight f. */
void bd_grid_lerp_rows(const float *small, int ns_w, int ns_h, int c, int i0, float f,
                    float *row);

/* Upsamples a grid (sw x sh x c, interleaved) to w x h, row by row (w x c, interleaved).
 * Each grid row is interpolated along x once and kept while the output rows that need it
 * are made, so the per-pixel work is one vectorised lerp per value. One per thread; rows
 * should be asked for in increasing order (any order works, slower). */
typedef struct bd_grid_upsampler {
    const float *grid;
    int sw, sh, c, s, w, h;
    int *xi, *yi;
    float *xf, *yf;
    int row_a, row_b;          /* grid rows held in ua, ub (-1: none) */
    float *ua, *ub;            /* w x c each */
} bd_grid_upsampler;

int bd_grid_upsampler_init(bd_grid_upsampler *u, const float *grid, int sw, int sh, int c, int s,
                        int w, int h);
/* Output row y: out holds w x c floats. */
void bd_grid_upsampler_row(bd_grid_upsampler *u, int y, float *out);
/* The two x-interpolated grid rows (w x c each) output row y lies between, and its weight:
 * row y = a + f (b - a), for callers that interpolate only where they need to. */
void bd_grid_upsampler_pair(bd_grid_upsampler *u, int y, const float **a, const float **b,
                         float *f);
void bd_grid_upsampler_free(bd_grid_upsampler *u);
#endif
