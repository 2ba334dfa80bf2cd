/* blur.c — Gaussian blur in O(1) per pixel, whatever sigma: three passes per axis of an
 * "extended box" filter (a box of radius r plus one fractional tap at each end), computed
 * with running sums. The fractional taps make the variance exactly sigma^2 for any sigma,
 * which a plain box of integer width cannot; three passes make the shape close to a
 * Gaussian. Outside the image samples are 0 (zero extension): that keeps the filter linear
 * and lets a normalised blur (bd_composite_blur) divide the border effect away along with
 * the mask.
 *
 * Layout of the work: every pass runs along lines of "vectors" of L floats. Horizontally a
 * line is one image row and a vector one pixel (L = channels); vertically a line is a
 * strip of STRIP columns and a vector STRIP floats of one row, so the inner loops run over
 * contiguous memory. Rows (resp. strips) are spread over the OpenMP threads.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compose/compose.h"

#define STRIP 32          /* floats per vector in the vertical passes */
#define PASSES 3

typedef struct {
    int r;                /* box radius: taps -r..r weigh 1 */
    double a;             /* taps -(r+1) and r+1 weigh a, 0 <= a < 1 */
    double norm;          /* 1 / (2r + 1 + 2a) */
} ebox;

/* The extended box of variance v: the largest plain box with variance r(r+1)/3 <= v,
 * then the end-tap weight a that makes the variance exactly v:
 *   v = (r(r+1)(2r+1)/3 + 2a(r+1)^2) / (2r + 1 + 2a). */
static ebox ebox_for_variance(double v)
{
    ebox b;
    int r = (int)floor(0.5 * sqrt(12.0 * v + 1.0) - 0.5);
    if (r < 0) r = 0;
    while ((double)(r + 1) * (r + 2) / 3.0 <= v) r++;      /* guard against rounding */
    while (r > 0 && (double)r * (r + 1) / 3.0 > v) r--;
    double a = (2.0 * r + 1.0) * ((double)r * (r + 1) / 3.0 - v) /
               (2.0 * (v - (double)(r + 1) * (r + 1)));
    if (a < 0) a = 0;
    b.r = r;
    b.a = a;
    b.norm = 1.0 / (2.0 * r + 1.0 + 2.0 * a);
    return b;
}

/* One extended-box pass along a line of n vectors of L floats. in and out point at vector 0
 * of buffers with pad = r + 1 zero vectors before and after (only out's interior is
 * written, so the padding stays zero). */
static inline void ebox_pass(const float *in, float *out, int n, int L, ebox b)
{
    double acc[STRIP];    /* double: a float sum would keep ~1e-7 of each value it saw */
    const int r = b.r;
    const double a = b.a, norm = b.norm;
    for (int j = 0; j < L; j++) acc[j] = 0.0;
    for (int k = -r; k <= r; k++)
        for (int j = 0; j < L; j++) acc[j] += in[(ptrdiff_t)k * L + j];
    for (int i = 0; i < n; i++) {
        const float *lo = in + (ptrdiff_t)(i - r - 1) * L;   /* tap -(r+1) */
        const float *first = lo + L;                          /* tap -r, leaves the box */
        const float *hi = in + (ptrdiff_t)(i + r + 1) * L;   /* tap r+1, joins the box */
        float *o = out + (ptrdiff_t)i * L;
        for (int j = 0; j < L; j++) {
            o[j] = (float)(norm * (acc[j] + a * ((double)lo[j] + hi[j])));
            acc[j] += (double)hi[j] - first[j];
        }
    }
}

/* PASSES passes over a padded line held in buffer a (interior = the data); the result ends
 * in the interior of a again, b is scratch of the same size with zero padding. */
static void blur_line(float *a, float *b, int n, int L, ebox e)
{
    const ptrdiff_t pad = (ptrdiff_t)(e.r + 1) * L;
    float *src = a + pad, *dst = b + pad;
    for (int p = 0; p < PASSES; p++) {
        /* Specialised copies for the common vector widths let the compiler unroll. */
        if (L == 4) ebox_pass(src, dst, n, 4, e);
        else if (L == 3) ebox_pass(src, dst, n, 3, e);
        else if (L == 1) ebox_pass(src, dst, n, 1, e);
        else if (L == STRIP) ebox_pass(src, dst, n, STRIP, e);
        else ebox_pass(src, dst, n, L, e);
        float *t = src; src = dst; dst = t;
    }
    if (src != a + pad) memcpy(a + pad, src, (size_t)n * L * sizeof(float));
}

/* The blur of a line of n ones (the border attenuation along that axis), into out[n]. */
static int ones_response(int n, ebox e, float *out)
{
    const size_t len = (size_t)n + 2 * (size_t)(e.r + 1);
    float *a = calloc(len, sizeof(float)), *b = calloc(len, sizeof(float));
    if (!a || !b) {
        free(a);
        free(b);
        return -1;
    }
    for (int i = 0; i < n; i++) a[e.r + 1 + i] = 1.0f;
    blur_line(a, b, n, 1, e);
    memcpy(out, a + e.r + 1, (size_t)n * sizeof(float));
    free(a);
    free(b);
    return 0;
}

/* Horizontal passes over every row; div (NULL or w floats) divides column x afterwards. */
static int blur_rows(float *img, int w, int h, int c, ebox e, const float *div)
{
    const size_t len = (size_t)(w + 2 * (e.r + 1)) * c;
    const ptrdiff_t pad = (ptrdiff_t)(e.r + 1) * c;
    int failed = 0;
    #pragma omp parallel
    {
        float *a = calloc(len, sizeof(float)), *b = calloc(len, sizeof(float));
        if (!a || !b) {
            #pragma omp atomic write
            failed = 1;
        }
        #pragma omp for schedule(static)
        for (int y = 0; y < h; y++) {
            if (!a || !b) continue;
            float *row = img + (size_t)y * w * c;
            memcpy(a + pad, row, (size_t)w * c * sizeof(float));
            blur_line(a, b, w, c, e);
            if (div)
                for (int x = 0; x < w; x++)
                    for (int k = 0; k < c; k++) a[pad + x * c + k] /= div[x];
            memcpy(row, a + pad, (size_t)w * c * sizeof(float));
        }
        free(a);
        free(b);
    }
    return failed ? -1 : 0;
}

/* Vertical passes over strips of columns; div (NULL or h floats) divides row y afterwards. */
static int blur_cols(float *img, int w, int h, int c, ebox e, const float *div)
{
    const size_t stride = (size_t)w * c;                     /* floats per image row */
    const int nstrips = (int)((stride + STRIP - 1) / STRIP);
    const size_t len = (size_t)(h + 2 * (e.r + 1)) * STRIP;
    int failed = 0;
    #pragma omp parallel
    {
        float *a = calloc(len, sizeof(float)), *b = calloc(len, sizeof(float));
        if (!a || !b) {
            #pragma omp atomic write
            failed = 1;
        }
        #pragma omp for schedule(dynamic, 4)
        for (int s = 0; s < nstrips; s++) {
            if (!a || !b) continue;
            const size_t x0 = (size_t)s * STRIP;
            const int L = (int)(stride - x0 < STRIP ? stride - x0 : STRIP);
            const ptrdiff_t pad = (ptrdiff_t)(e.r + 1) * L;
            /* The one narrower strip lays the buffers out differently: its padding must be
             * zero before, and the full strips' padding again after it. */
            if (L != STRIP) {
                memset(a, 0, len * sizeof(float));
                memset(b, 0, len * sizeof(float));
            }
            for (int y = 0; y < h; y++)                       /* gather the strip */
                memcpy(a + pad + (size_t)y * L, img + y * stride + x0, L * sizeof(float));
            blur_line(a, b, h, L, e);
            if (div)
                for (int y = 0; y < h; y++)
                    for (int j = 0; j < L; j++) a[pad + (size_t)y * L + j] /= div[y];
            for (int y = 0; y < h; y++)
                memcpy(img + y * stride + x0, a + pad + (size_t)y * L, L * sizeof(float));
            if (L != STRIP) {
                memset(a, 0, len * sizeof(float));
                memset(b, 0, len * sizeof(float));
            }
        }
        free(a);
        free(b);
    }
    return failed ? -1 : 0;
}

static int gauss_blur(float *img, int w, int h, int c, float sigma, int renorm)
{
    if (!(sigma > 0.0f) || w <= 0 || h <= 0 || c <= 0) return 0;
    if (c > STRIP) return -1;   /* not needed by backdrop: pixels of at most 32 floats */
    ebox e = ebox_for_variance((double)sigma * sigma / PASSES);
    float *dx = NULL, *dy = NULL;
    if (renorm) {
        dx = malloc((size_t)w * sizeof(float));
        dy = malloc((size_t)h * sizeof(float));
        if (!dx || !dy || ones_response(w, e, dx) || ones_response(h, e, dy)) {
            free(dx);
            free(dy);
            return -1;
        }
    }
    int rc = blur_rows(img, w, h, c, e, dx);
    if (!rc) rc = blur_cols(img, w, h, c, e, dy);
    free(dx);
    free(dy);
    return rc;
}

int bd_gauss_blur(float *img, int w, int h, int c, float sigma)
{
    return gauss_blur(img, w, h, c, sigma, 0);
}

int bd_gauss_blur_renorm(float *img, int w, int h, int c, float sigma)
{
    return gauss_blur(img, w, h, c, sigma, 1);
}
