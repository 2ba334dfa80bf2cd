/* composite_grid.h — the reduced grid the compositor works on for large images and radii:
 * which two small-grid samples (and weights) a full-resolution pixel interpolates between.
 * A full-resolution pixel x lies at small-grid coordinate u = (x + 0.5) / s - 0.5, the
 * centre of the s x s block it belongs to being u = block index. Internal to src/. */
#ifndef BACKDROP_COMPOSITE_GRID_H
#define BACKDROP_COMPOSITE_GRID_H

/* For x = 0..n-1: i0[x] (0 <= i0 <= ns-1) and f[x] in [0,1] so that the linear
 * interpolation is (1 - f) * v[i0] + f * v[min(i0 + 1, ns - 1)]. Edges clamp. */
void grid_coords(int n, int ns, int s, int *i0, float *f);

/* Row y of the bilinear upsampling along y only: row[i] (i < ns_w * c) interpolates rows
 * i0[y] and i0[y]+1 of small (ns_w x ns_h x c) with weight f[y]. */
void grid_lerp_rows(const float *small, int ns_w, int ns_h, int c, int i0, float f,
                    float *row);
#endif
