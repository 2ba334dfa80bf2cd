/* fit_cover.c — scales a background picture to cover the photo and crops the centre, as
 * CSS "object-fit: cover" does: no stretching, no bars. Shrinking averages the exact area of
 * the source each output pixel covers (a box filter, so a 4000-pixel background does not
 * alias into the output); enlarging interpolates bilinearly. Separable: rows, then columns.
 */
#include <math.h>
#include <stdlib.h>

#include "compose/compose.h"

/* The taps of one axis: output i reads source pixels first[i] .. first[i] + count[i] - 1
 * with weights wt[i * maxtaps + j] (summing to 1). */
typedef struct {
    int *first, *count;
    float *wt;
    int maxtaps;
} taps;

static void taps_free(taps *t)
{
    free(t->first);
    free(t->count);
    free(t->wt);
}

/* n output pixels from a source of ns pixels at scale s, offset off (output pixel i covers
 * scaled coordinates [i + off, i + 1 + off)). */
static int taps_make(taps *t, int n, int ns, double s, double off)
{
    t->maxtaps = s < 1.0 ? (int)ceil(1.0 / s) + 2 : 2;
    t->first = malloc((size_t)n * sizeof(int));
    t->count = malloc((size_t)n * sizeof(int));
    t->wt = calloc((size_t)n * t->maxtaps, sizeof(float));
    if (!t->first || !t->count || !t->wt) {
        taps_free(t);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        float *w = t->wt + (size_t)i * t->maxtaps;
        if (s < 1.0) {                 /* area: source interval [a, b) */
            double a = (i + off) / s, b = (i + 1 + off) / s;
            if (a < 0) a = 0;
            if (b > ns) b = ns;
            int j0 = (int)floor(a), j1 = (int)ceil(b);
            if (j1 > ns) j1 = ns;
            if (j0 >= j1) j0 = j1 - 1;
            double total = 0;
            for (int j = j0; j < j1; j++) {
                double lo = j > a ? j : a, hi = j + 1 < b ? j + 1 : b;
                total += hi > lo ? hi - lo : 0;
            }
            t->first[i] = j0;
            t->count[i] = j1 - j0;
            for (int j = j0; j < j1; j++) {
                double lo = j > a ? j : a, hi = j + 1 < b ? j + 1 : b;
                w[j - j0] = total > 0 ? (float)((hi > lo ? hi - lo : 0) / total) : 1.0f;
            }
        } else {                       /* bilinear at the centre of the output pixel */
            double u = (i + 0.5 + off) / s - 0.5;
            if (u < 0) u = 0;
            if (u > ns - 1) u = ns - 1;
            int j0 = (int)floor(u);
            double f = u - j0;
            t->first[i] = j0;
            t->count[i] = (f > 0 && j0 + 1 < ns) ? 2 : 1;
            w[0] = (float)(1.0 - f);
            w[1] = (float)f;
            if (t->count[i] == 1) w[0] = 1.0f;
        }
    }
    return 0;
}

int bd_fit_cover(const uint8_t *bg, int bw, int bh, int c, uint8_t *out, int w, int h)
{
    const double sx = (double)w / bw, sy = (double)h / bh;
    const double s = sx > sy ? sx : sy;
    taps tx = {0}, ty = {0};
    float *tmp = NULL;
    int rc = -1;
    if (taps_make(&tx, w, bw, s, (bw * s - w) / 2.0) ||
        taps_make(&ty, h, bh, s, (bh * s - h) / 2.0))
        goto done;
    /* rows needed: those the vertical taps read */
    const int y_lo = ty.first[0], y_hi = ty.first[h - 1] + ty.count[h - 1];
    const int rows = y_hi - y_lo;
    tmp = malloc((size_t)rows * w * c * sizeof(float));
    if (!tmp) goto done;
    #pragma omp parallel for schedule(static)
    for (int y = y_lo; y < y_hi; y++) {
        const uint8_t *src = bg + (size_t)y * bw * c;
        float *dst = tmp + (size_t)(y - y_lo) * w * c;
        for (int x = 0; x < w; x++) {
            const float *wt = tx.wt + (size_t)x * tx.maxtaps;
            const uint8_t *p = src + (size_t)tx.first[x] * c;
            for (int k = 0; k < c; k++) {
                float acc = 0;
                for (int j = 0; j < tx.count[x]; j++) acc += wt[j] * p[j * c + k];
                dst[x * c + k] = acc;
            }
        }
    }
    #pragma omp parallel for schedule(static)
    for (int y = 0; y < h; y++) {
        const float *wt = ty.wt + (size_t)y * ty.maxtaps;
        uint8_t *o = out + (size_t)y * w * c;
        const float *base = tmp + (size_t)(ty.first[y] - y_lo) * w * c;
        for (int i = 0; i < w * c; i++) {
            float acc = 0;
            for (int j = 0; j < ty.count[y]; j++) acc += wt[j] * base[(size_t)j * w * c + i];
            o[i] = acc <= 0 ? 0 : acc >= 255 ? 255 : (uint8_t)(acc + 0.5f);
        }
    }
    rc = 0;
done:
    taps_free(&tx);
    taps_free(&ty);
    free(tmp);
    return rc;
}
