/* composite_grid.c — interpolation between the full-resolution image and the s-times
 * smaller grid the compositor fits or blurs on (see composite_grid.h). */
#include <math.h>
#include <stdlib.h>

#include "compose/composite_grid.h"

void bd_grid_coords(int n, int ns, int s, int *i0, float *f)
{
    for (int x = 0; x < n; x++) {
        float u = ((float)x + 0.5f) / (float)s - 0.5f;
        if (u < 0.0f) u = 0.0f;
        if (u > (float)(ns - 1)) u = (float)(ns - 1);
        int i = (int)floorf(u);
        if (i > ns - 1) i = ns - 1;
        i0[x] = i;
        f[x] = i + 1 < ns ? u - (float)i : 0.0f;
    }
}

void bd_grid_lerp_rows(const float *small, int ns_w, int ns_h, int c, int i0, float f,
                    float *row)
{
    const int n = ns_w * c;
    const float *a = small + (long)i0 * n;
    const float *b = small + (long)(i0 + 1 < ns_h ? i0 + 1 : i0) * n;
    for (int i = 0; i < n; i++) row[i] = a[i] + f * (b[i] - a[i]);
}

int bd_grid_upsampler_init(bd_grid_upsampler *u, const float *grid, int sw, int sh, int c, int s,
                        int w, int h)
{
    u->grid = grid;
    u->sw = sw;
    u->sh = sh;
    u->c = c;
    u->s = s;
    u->w = w;
    u->h = h;
    u->row_a = u->row_b = -1;
    u->xi = malloc((size_t)w * sizeof(int));
    u->yi = malloc((size_t)h * sizeof(int));
    u->xf = malloc((size_t)w * sizeof(float));
    u->yf = malloc((size_t)h * sizeof(float));
    u->ua = malloc((size_t)w * c * sizeof(float));
    u->ub = malloc((size_t)w * c * sizeof(float));
    if (!u->xi || !u->yi || !u->xf || !u->yf || !u->ua || !u->ub) {
        bd_grid_upsampler_free(u);
        return -1;
    }
    bd_grid_coords(w, sw, s, u->xi, u->xf);
    bd_grid_coords(h, sh, s, u->yi, u->yf);
    return 0;
}

/* Grid row gy interpolated along x into dst (w x c, interleaved). */
static void upsample_x(const bd_grid_upsampler *u, int gy, float *dst)
{
    const float *g = u->grid + (size_t)gy * u->sw * u->c;
    const int c = u->c, w = u->w, sw = u->sw;
    for (int x = 0; x < w; x++) {
        const int i0 = u->xi[x], i1 = i0 + 1 < sw ? i0 + 1 : i0;
        const float f = u->xf[x];
        for (int k = 0; k < c; k++) {
            const float a = g[i0 * c + k], b = g[i1 * c + k];
            dst[(size_t)x * c + k] = a + f * (b - a);
        }
    }
}

void bd_grid_upsampler_pair(bd_grid_upsampler *u, int y, const float **a, const float **b,
                         float *f)
{
    const int g0 = u->yi[y], g1 = g0 + 1 < u->sh ? g0 + 1 : g0;
    if (u->row_a != g0) {
        if (u->row_b == g0) {              /* moving down: the lower row becomes the upper */
            float *t = u->ua;
            u->ua = u->ub;
            u->ub = t;
            u->row_a = g0;
            u->row_b = -1;
        } else {
            upsample_x(u, g0, u->ua);
            u->row_a = g0;
        }
    }
    if (u->row_b != g1) {
        upsample_x(u, g1, u->ub);
        u->row_b = g1;
    }
    *a = u->ua;
    *b = u->ub;
    *f = u->yf[y];
}

void bd_grid_upsampler_row(bd_grid_upsampler *u, int y, float *restrict out)
{
    const float *a, *b;
    float f;
    bd_grid_upsampler_pair(u, y, &a, &b, &f);
    const int n = u->w * u->c;
    #pragma omp simd
    for (int i = 0; i < n; i++) out[i] = a[i] + f * (b[i] - a[i]);
}

void bd_grid_upsampler_free(bd_grid_upsampler *u)
{
    free(u->xi);
    free(u->yi);
    free(u->xf);
    free(u->yf);
    free(u->ua);
    free(u->ub);
    u->xi = u->yi = NULL;
    u->xf = u->yf = u->ua = u->ub = NULL;
}
