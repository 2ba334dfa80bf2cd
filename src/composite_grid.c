/* composite_grid.c — interpolation coordinates between the full-resolution image and the
 * s-times smaller grid the compositor fits or blurs on (see composite_grid.h). */
#include <math.h>

#include "composite_grid.h"

void grid_coords(int n, int ns, int s, int *i0, float *f)
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

void grid_lerp_rows(const float *small, int ns_w, int ns_h, int c, int i0, float f,
                    float *row)
{
    const int n = ns_w * c;
    const float *a = small + (long)i0 * n;
    const float *b = small + (long)(i0 + 1 < ns_h ? i0 + 1 : i0) * n;
    for (int i = 0; i < n; i++) row[i] = a[i] + f * (b[i] - a[i]);
}
