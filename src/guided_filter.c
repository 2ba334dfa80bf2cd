/* guided_filter.c — the guided filter of He, Sun and Tang (ECCV 2010 / PAMI 2013) that snaps
 * the network's coarse mask to the edges of the photo (hair, fingers), plus the O(1) box
 * mean it is built from.
 *
 * In every (2r+1)^2 window the mask p is fitted as a linear function of the image I:
 * p ~ a . I + b, least squares with a ridge eps on a. The output averages the fits of all
 * windows covering a pixel: q = mean(a) . I + mean(b). Where I has an edge, q gets one.
 * With the "fast" variant the fits are computed on an s-times smaller grid (I and p box-
 * averaged) and only q = a . I + b runs at full resolution, so a 12-megapixel photo costs
 * one pass over its pixels plus a small grid.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "composite.h"
#include "composite_grid.h"

/* ---------------------------------------------------------------- box mean ---------- */

int bd_box_mean(float *img, int w, int h, int c, int r)
{
    if (r <= 0 || w <= 0 || h <= 0) return 0;
    const size_t stride = (size_t)w * c;
    float *tmp = malloc((size_t)h * stride * sizeof(float));
    if (!tmp) return -1;
    memcpy(tmp, img, (size_t)h * stride * sizeof(float));
    int failed = 0;

    /* Horizontal: running sums along each row (double, so long rows keep precision). */
    #pragma omp parallel
    {
        double *acc = malloc((size_t)c * sizeof(double));
        if (!acc) {
            #pragma omp atomic write
            failed = 1;
        }
        #pragma omp for schedule(static)
        for (int y = 0; y < h; y++) {
            if (!acc) continue;
            const float *in = tmp + y * stride;
            float *out = img + y * stride;
            for (int k = 0; k < c; k++) acc[k] = 0.0;
            for (int x = 0; x <= r && x < w; x++)
                for (int k = 0; k < c; k++) acc[k] += in[x * c + k];
            for (int x = 0; x < w; x++) {
                const int lo = x - r > 0 ? x - r : 0, hi = x + r < w - 1 ? x + r : w - 1;
                const double inv = 1.0 / (hi - lo + 1);
                for (int k = 0; k < c; k++) out[x * c + k] = (float)(acc[k] * inv);
                if (x + r + 1 < w)
                    for (int k = 0; k < c; k++) acc[k] += in[(x + r + 1) * c + k];
                if (x - r >= 0)
                    for (int k = 0; k < c; k++) acc[k] -= in[(x - r) * c + k];
            }
        }
        free(acc);
    }
    if (failed) {
        free(tmp);
        return -1;
    }
    memcpy(tmp, img, (size_t)h * stride * sizeof(float));

    /* Vertical: each thread owns a range of columns and walks down the rows. */
    const int chunk = 256;
    const int nchunks = (int)((stride + chunk - 1) / chunk);
    #pragma omp parallel
    {
        double *acc = malloc((size_t)chunk * sizeof(double));
        if (!acc) {
            #pragma omp atomic write
            failed = 1;
        }
        #pragma omp for schedule(dynamic, 1)
        for (int ch = 0; ch < nchunks; ch++) {
            if (!acc) continue;
            const size_t j0 = (size_t)ch * chunk;
            const int n = (int)(stride - j0 < (size_t)chunk ? stride - j0 : (size_t)chunk);
            for (int j = 0; j < n; j++) acc[j] = 0.0;
            for (int y = 0; y <= r && y < h; y++)
                for (int j = 0; j < n; j++) acc[j] += tmp[y * stride + j0 + j];
            for (int y = 0; y < h; y++) {
                const int lo = y - r > 0 ? y - r : 0, hi = y + r < h - 1 ? y + r : h - 1;
                const double inv = 1.0 / (hi - lo + 1);
                float *out = img + y * stride + j0;
                for (int j = 0; j < n; j++) out[j] = (float)(acc[j] * inv);
                if (y + r + 1 < h) {
                    const float *add = tmp + (y + r + 1) * stride + j0;
                    for (int j = 0; j < n; j++) acc[j] += add[j];
                }
                if (y - r >= 0) {
                    const float *sub = tmp + (y - r) * stride + j0;
                    for (int j = 0; j < n; j++) acc[j] -= sub[j];
                }
            }
        }
        free(acc);
    }
    free(tmp);
    return failed ? -1 : 0;
}

/* ---------------------------------------------------------------- guided filter ----- */

/* The guide value(s) of one pixel, in [0,1]. */
static inline void guide_at(const uint8_t *px, int gc, float *g)
{
    if (gc == 1) {
        g[0] = (0.299f * px[0] + 0.587f * px[1] + 0.114f * px[2]) * (1.0f / 255.0f);
    } else {
        for (int k = 0; k < 3; k++) g[k] = px[k] * (1.0f / 255.0f);
    }
}

/* Box-average the guide (and p, unless p_small already holds it on the grid) onto the
 * small grid: out is sw x sh x (gc + 1), [I..., p]. */
static void shrink_guide(const uint8_t *rgb, int gc, const float *p, const float *p_small,
                         int w, int h, int s, int sw, int sh, float *out)
{
    const int c = gc + 1;
    #pragma omp parallel for schedule(static)
    for (int sy = 0; sy < sh; sy++) {
        float *o = out + (size_t)sy * sw * c;
        for (int i = 0; i < sw * c; i++) o[i] = 0.0f;
        const int y0 = sy * s, y1 = y0 + s < h ? y0 + s : h;
        for (int y = y0; y < y1; y++)
            for (int sx = 0; sx < sw; sx++) {
                float *d = o + sx * c;
                const int x1 = (sx + 1) * s < w ? (sx + 1) * s : w;
                for (int x = sx * s; x < x1; x++) {
                    float g[4];
                    guide_at(rgb + ((size_t)y * w + x) * 3, gc, g);
                    g[gc] = p_small ? 0.0f : p[(size_t)y * w + x];
                    for (int k = 0; k < c; k++) d[k] += g[k];
                }
            }
        for (int sx = 0; sx < sw; sx++) {
            const int x0 = sx * s, x1 = x0 + s < w ? x0 + s : w;
            const float inv = 1.0f / (float)((x1 - x0) * (y1 - y0));
            for (int k = 0; k < c; k++) o[sx * c + k] *= inv;
            if (p_small) o[sx * c + gc] = p_small[(size_t)sy * sw + sx];
        }
    }
}

/* The per-window fit, gray guide. st holds [I, p, II, Ip] box means; coef gets [a, b]. */
static void fit_gray(const float *st, size_t n, float eps, float *coef)
{
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        const float *m = st + i * 4;
        double var = (double)m[2] - (double)m[0] * m[0];
        double cov = (double)m[3] - (double)m[0] * m[1];
        if (var < 0) var = 0;
        double a = cov / (var + eps);
        coef[i * 2] = (float)a;
        coef[i * 2 + 1] = (float)(m[1] - a * m[0]);
    }
}

/* Colour guide. st holds [r g b p rr rg rb gg gb bb rp gp bp] means; coef gets [ar ag ab b].
 * Solves (Sigma + eps U) a = cov(I, p) with the adjugate of the symmetric 3x3 matrix. */
static void fit_color(const float *st, size_t n, float eps, float *coef)
{
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        const float *m = st + i * 13;
        const double r = m[0], g = m[1], b = m[2], p = m[3];
        const double srr = m[4] - r * r + eps, srg = m[5] - r * g, srb = m[6] - r * b;
        const double sgg = m[7] - g * g + eps, sgb = m[8] - g * b, sbb = m[9] - b * b + eps;
        const double cr = m[10] - r * p, cg = m[11] - g * p, cb = m[12] - b * p;
        /* adjugate (symmetric) */
        const double i00 = sgg * sbb - sgb * sgb, i01 = srb * sgb - srg * sbb,
                     i02 = srg * sgb - srb * sgg, i11 = srr * sbb - srb * srb,
                     i12 = srb * srg - srr * sgb, i22 = srr * sgg - srg * srg;
        const double det = srr * i00 + srg * i01 + srb * i02;
        double ar = 0, ag = 0, ab = 0;
        if (fabs(det) > 1e-30) {
            ar = (i00 * cr + i01 * cg + i02 * cb) / det;
            ag = (i01 * cr + i11 * cg + i12 * cb) / det;
            ab = (i02 * cr + i12 * cg + i22 * cb) / det;
        }
        coef[i * 4] = (float)ar;
        coef[i * 4 + 1] = (float)ag;
        coef[i * 4 + 2] = (float)ab;
        coef[i * 4 + 3] = (float)(p - ar * r - ag * g - ab * b);
    }
}

/* p at full resolution, or p_small already on the sw x sh grid. */
static int guided(const uint8_t *rgb, bd_guide guide, const float *p, const float *p_small,
                  int w, int h, int r, float eps, int s, float *out)
{
    const int gc = guide == BD_GUIDE_GRAY ? 1 : 3;
    if (s < 1) s = 1;
    const int sw = (w + s - 1) / s, sh = (h + s - 1) / s;
    int rs = (int)lrintf((float)r / (float)s);
    if (rs < 1) rs = 1;
    const size_t n = (size_t)sw * sh;
    const int nst = gc == 1 ? 4 : 13, nco = gc + 1;
    float *st = malloc(n * nst * sizeof(float));
    float *base = malloc(n * (gc + 1) * sizeof(float));
    float *coef = malloc(n * nco * sizeof(float));
    int *xi = malloc((size_t)w * sizeof(int));
    float *xf = malloc((size_t)w * sizeof(float));
    int *yi = malloc((size_t)h * sizeof(int));
    float *yf = malloc((size_t)h * sizeof(float));
    int rc = -1;
    if (!st || !base || !coef || !xi || !xf || !yi || !yf) goto done;

    /* 1. I and p on the small grid, then the products the statistics need. */
    shrink_guide(rgb, gc, p, p_small, w, h, s, sw, sh, base);
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        const float *v = base + i * (gc + 1);
        float *o = st + i * nst;
        if (gc == 1) {
            o[0] = v[0]; o[1] = v[1]; o[2] = v[0] * v[0]; o[3] = v[0] * v[1];
        } else {
            o[0] = v[0]; o[1] = v[1]; o[2] = v[2]; o[3] = v[3];
            o[4] = v[0] * v[0]; o[5] = v[0] * v[1]; o[6] = v[0] * v[2];
            o[7] = v[1] * v[1]; o[8] = v[1] * v[2]; o[9] = v[2] * v[2];
            o[10] = v[0] * v[3]; o[11] = v[1] * v[3]; o[12] = v[2] * v[3];
        }
    }
    /* 2. Window means, the fit in each window, the mean of the fits. */
    if (bd_box_mean(st, sw, sh, nst, rs)) goto done;
    if (gc == 1) fit_gray(st, n, eps, coef);
    else fit_color(st, n, eps, coef);
    if (bd_box_mean(coef, sw, sh, nco, rs)) goto done;

    /* 3. q = a . I + b at full resolution, a and b bilinearly upsampled. */
    grid_coords(w, sw, s, xi, xf);
    grid_coords(h, sh, s, yi, yf);
    int failed = 0;
    #pragma omp parallel
    {
        float *row = malloc((size_t)sw * nco * sizeof(float));
        if (!row) {
            #pragma omp atomic write
            failed = 1;
        }
        #pragma omp for schedule(static)
        for (int y = 0; y < h; y++) {
            if (!row) continue;
            grid_lerp_rows(coef, sw, sh, nco, yi[y], yf[y], row);
            const uint8_t *px = rgb + (size_t)y * w * 3;
            float *q = out + (size_t)y * w;
            for (int x = 0; x < w; x++) {
                const int i0 = xi[x], i1 = i0 + 1 < sw ? i0 + 1 : i0;
                const float f = xf[x];
                float g[3], acc;
                guide_at(px + (size_t)x * 3, gc, g);
                const float *c0 = row + i0 * nco, *c1 = row + i1 * nco;
                acc = c0[gc] + f * (c1[gc] - c0[gc]);
                for (int k = 0; k < gc; k++) acc += (c0[k] + f * (c1[k] - c0[k])) * g[k];
                q[x] = acc;
            }
        }
        free(row);
    }
    rc = failed ? -1 : 0;
done:
    free(st);
    free(base);
    free(coef);
    free(xi);
    free(xf);
    free(yi);
    free(yf);
    return rc;
}

int bd_guided_filter(const uint8_t *rgb, bd_guide guide, const float *p, int w, int h,
                     int r, float eps, int s, float *out)
{
    if (guide == BD_GUIDE_NONE) {
        if (out != p) memcpy(out, p, (size_t)w * h * sizeof(float));
        return 0;
    }
    return guided(rgb, guide, p, NULL, w, h, r, eps, s, out);
}

int bd_guided_filter_grid(const uint8_t *rgb, bd_guide guide, const float *p_small, int w,
                          int h, int r, float eps, int s, float *out)
{
    if (guide == BD_GUIDE_NONE) return -1;
    return guided(rgb, guide, NULL, p_small, w, h, r, eps, s < 1 ? 1 : s, out);
}
