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

/* Box-average the guide (and p, unless p_small already holds it on the grid) onto the
 * small grid: out is sw x sh x (gc + 1), [I..., p], I in [0,1] (gray: BT.601 luma, which
 * is linear, so the luma of the block's mean colour). Colours are summed as integers. */
static void shrink_guide(const uint8_t *rgb, int gc, const float *p, const float *p_small,
                         int w, int h, int s, int sw, int sh, float *out)
{
    const int c = gc + 1;
    #pragma omp parallel for schedule(static)
    for (int sy = 0; sy < sh; sy++) {
        float *o = out + (size_t)sy * sw * c;
        const int y0 = sy * s, y1 = y0 + s < h ? y0 + s : h;
        for (int sx = 0; sx < sw; sx++) {
            const int x0 = sx * s, x1 = x0 + s < w ? x0 + s : w;
            uint32_t r = 0, g = 0, b = 0;
            float ps = 0.0f;
            for (int y = y0; y < y1; y++) {
                const uint8_t *px = rgb + ((size_t)y * w + x0) * 3;
                for (int x = 0; x < x1 - x0; x++) {
                    r += px[3 * x];
                    g += px[3 * x + 1];
                    b += px[3 * x + 2];
                }
                if (!p_small)
                    for (int x = x0; x < x1; x++) ps += p[(size_t)y * w + x];
            }
            const float inv = 1.0f / (float)((x1 - x0) * (y1 - y0));
            const float fr = r * inv * (1.0f / 255.0f), fg = g * inv * (1.0f / 255.0f),
                        fb = b * inv * (1.0f / 255.0f);
            float *d = o + sx * c;
            if (gc == 1) {
                d[0] = 0.299f * fr + 0.587f * fg + 0.114f * fb;
            } else {
                d[0] = fr;
                d[1] = fg;
                d[2] = fb;
            }
            d[gc] = p_small ? p_small[(size_t)sy * sw + sx] : ps * inv;
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
                  int w, int h, int r, float eps, int s, float gain, float *out)
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
    int rc = -1;
    if (!st || !base || !coef) goto done;

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

    /* 3. q = a . I + b at full resolution, a and b bilinearly upsampled. First the
     * coefficients take the guide's byte scale (and gray's luma weights) and the gain, so
     * every pixel computes clamp(A . (R, G, B) + B). */
    {
        const float luma[3] = {0.299f / 255.0f, 0.587f / 255.0f, 0.114f / 255.0f};
        const float g = gain > 0 ? gain : 1.0f;
        float *c4 = malloc(n * 4 * sizeof(float));
        if (!c4) goto done;
        for (size_t i = 0; i < n; i++) {
            const float *c = coef + i * nco;
            float *d = c4 + i * 4;
            for (int k = 0; k < 3; k++) d[k] = g * (gc == 1 ? c[0] * luma[k] : c[k] / 255.0f);
            d[3] = g * (c[gc] - 0.5f) + 0.5f;
            if (gain <= 0) d[3] = c[gc];
        }
        free(coef);
        coef = c4;
    }
    /* Most of a photo is plainly subject or plainly background: there the clamped output
     * is 0 or 1 whatever the pixel's colour. Per cell between four grid points: the
     * interpolated (A, B) is a convex mix of the corners', so if every corner's
     * B + A . RGB stays <= 0 (>= 1) over all colours, the whole cell is 0 (1). */
    uint8_t *cell = malloc(n);            /* 0, 1: constant; 2: compute */
    uint8_t *row_mixed = malloc((size_t)sh); /* some cell of grid row j needs computing */
    if (!cell || !row_mixed) {
        free(cell);
        free(row_mixed);
        goto done;
    }
    for (int j = 0; j < sh; j++) {
        row_mixed[j] = 0;
        for (int i = 0; i < sw; i++) {
            float top = -INFINITY, bottom = INFINITY;
            for (int dj = 0; dj < 2; dj++)
                for (int di = 0; di < 2; di++) {
                    const int ci = i + di < sw ? i + di : sw - 1;
                    const int cj = j + dj < sh ? j + dj : sh - 1;
                    const float *c = coef + ((size_t)cj * sw + ci) * 4;
                    float mx = c[3], mn = c[3];
                    for (int k = 0; k < 3; k++) {
                        if (c[k] > 0) mx += 255.0f * c[k];
                        else mn += 255.0f * c[k];
                    }
                    if (mx > top) top = mx;
                    if (mn < bottom) bottom = mn;
                }
            cell[(size_t)j * sw + i] = gain <= 0 ? 2 : top <= 0.0f ? 0 : bottom >= 1.0f ? 1 : 2;
            row_mixed[j] |= cell[(size_t)j * sw + i] == 2;
        }
    }
    const float lo = gain > 0 ? 0.0f : -INFINITY, hi = gain > 0 ? 1.0f : INFINITY;
    int failed = 0;
    #pragma omp parallel
    {
        grid_upsampler up;
        const int ok = !grid_upsampler_init(&up, coef, sw, sh, 4, s, w, h);
        if (!ok) {
            #pragma omp atomic write
            failed = 1;
        }
        #pragma omp for schedule(static)
        for (int y = 0; y < h; y++) {
            if (!ok) continue;
            const int gy = up.yi[y];
            const uint8_t *restrict fl = cell + (size_t)gy * sw;
            const int *restrict xi = up.xi;
            float *restrict q = out + (size_t)y * w;
            if (!row_mixed[gy]) {
                for (int x = 0; x < w; x++) q[x] = fl[xi[x]];
                continue;
            }
            const float *ca, *cb;
            float f;
            grid_upsampler_pair(&up, y, &ca, &cb, &f);
            const uint8_t *restrict px = rgb + (size_t)y * w * 3;
            for (int x = 0; x < w; x++) {
                const uint8_t t = fl[xi[x]];
                if (t != 2) {
                    q[x] = t;
                    continue;
                }
                const float *a = ca + 4 * x, *b = cb + 4 * x;
                const float v = a[3] + f * (b[3] - a[3]) + (a[0] + f * (b[0] - a[0])) * px[3 * x] +
                                (a[1] + f * (b[1] - a[1])) * px[3 * x + 1] +
                                (a[2] + f * (b[2] - a[2])) * px[3 * x + 2];
                q[x] = v < lo ? lo : v > hi ? hi : v;
            }
        }
        if (ok) grid_upsampler_free(&up);
    }
    free(cell);
    free(row_mixed);
    rc = failed ? -1 : 0;
done:
    free(st);
    free(base);
    free(coef);
    return rc;
}

int bd_guided_filter(const uint8_t *rgb, bd_guide guide, const float *p, int w, int h,
                     int r, float eps, int s, float *out)
{
    if (guide == BD_GUIDE_NONE) {
        if (out != p) memcpy(out, p, (size_t)w * h * sizeof(float));
        return 0;
    }
    return guided(rgb, guide, p, NULL, w, h, r, eps, s, 0.0f, out);
}

int bd_guided_filter_grid(const uint8_t *rgb, bd_guide guide, const float *p_small, int w,
                          int h, int r, float eps, int s, float gain, float *out)
{
    if (guide == BD_GUIDE_NONE) return -1;
    return guided(rgb, guide, NULL, p_small, w, h, r, eps, s < 1 ? 1 : s, gain, out);
}
