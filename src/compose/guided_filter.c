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

#include "compose/compose.h"
#include "compose/matte_rows.h"

/* ---------------------------------------------------------------- box mean ---------- */

/* One row of the horizontal box mean: out[x] = mean of in[x - r .. x + r] (clipped). */
static inline void box_row(const float *in, float *out, int w, int c, int r, double *acc)
{
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

int bd_box_mean(float *img, int w, int h, int c, int r)
{
    if (r <= 0 || w <= 0 || h <= 0) return 0;
    const size_t stride = (size_t)w * c;
    float *tmp = malloc((size_t)h * stride * sizeof(float));
    if (!tmp) return -1;
    int failed = 0;

    /* Horizontal, img -> tmp: running sums along each row (double, so long rows keep the
     * precision the variances E[I^2] - E[I]^2 need). */
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
            /* the guided filter's channel counts as constants, so the loops unroll */
            if (c == 13) box_row(img + y * stride, tmp + y * stride, w, 13, r, acc);
            else if (c == 4) box_row(img + y * stride, tmp + y * stride, w, 4, r, acc);
            else box_row(img + y * stride, tmp + y * stride, w, c, r, acc);
        }
        free(acc);
    }
    if (failed) {
        free(tmp);
        return -1;
    }

    /* Vertical, tmp -> img: each thread owns a range of columns and walks down the rows. */
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
 * is linear, so the luma of the block's mean colour); range (NULL: not wanted) gets each
 * block's smallest and largest R, G, B bytes, sw x sh x 6. Each block row first sums its image
 * rows into one row of integers (a flat loop that vectorises), then sums along x.
 * Returns 0, or -1 if out of memory. */
static int shrink_guide(const uint8_t *rgb, int gc, const float *p, const float *p_small,
                        int w, int h, int s, int sw, int sh, float *out, uint8_t *range)
{
    const int c = gc + 1;
    int failed = 0;
    #pragma omp parallel
    {
        uint32_t *acc = malloc((size_t)w * 3 * sizeof(uint32_t));
        float *pacc = p_small ? NULL : malloc((size_t)w * sizeof(float));
        uint8_t *mn = range ? malloc((size_t)w * 6) : NULL, *mx = mn ? mn + (size_t)w * 3 : NULL;
        const int ok = acc && (p_small || pacc) && (!range || mn);
        if (!ok) {
            #pragma omp atomic write
            failed = 1;
        }
        #pragma omp for schedule(static)
        for (int sy = 0; sy < sh; sy++) {
            if (!ok) continue;
            const int y0 = sy * s, y1 = y0 + s < h ? y0 + s : h;
            memset(acc, 0, (size_t)w * 3 * sizeof(uint32_t));
            if (pacc) memset(pacc, 0, (size_t)w * sizeof(float));
            if (mn) {
                memset(mn, 255, (size_t)w * 3);
                memset(mx, 0, (size_t)w * 3);
            }
            for (int y = y0; y < y1; y++) {
                const uint8_t *restrict px = rgb + (size_t)y * w * 3;
                uint32_t *restrict a = acc;
                #pragma omp simd
                for (int i = 0; i < 3 * w; i++) a[i] += px[i];
                if (mn) {
                    uint8_t *restrict lo = mn, *restrict hi = mx;
                    #pragma omp simd
                    for (int i = 0; i < 3 * w; i++) {
                        lo[i] = px[i] < lo[i] ? px[i] : lo[i];
                        hi[i] = px[i] > hi[i] ? px[i] : hi[i];
                    }
                }
                if (pacc)
                    for (int x = 0; x < w; x++) pacc[x] += p[(size_t)y * w + x];
            }
            float *o = out + (size_t)sy * sw * c;
            for (int sx = 0; sx < sw; sx++) {
                const int x0 = sx * s, x1 = x0 + s < w ? x0 + s : w;
                uint32_t r = 0, g = 0, b = 0;
                float ps = 0.0f;
                for (int x = x0; x < x1; x++) {
                    r += acc[3 * x];
                    g += acc[3 * x + 1];
                    b += acc[3 * x + 2];
                    if (pacc) ps += pacc[x];
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
                if (mn) {
                    int l0 = 255, l1 = 255, l2 = 255, u0 = 0, u1 = 0, u2 = 0;
                    for (int x = x0; x < x1; x++) {
                        const uint8_t *lo = mn + 3 * x, *hi = mx + 3 * x;
                        l0 = lo[0] < l0 ? lo[0] : l0;
                        l1 = lo[1] < l1 ? lo[1] : l1;
                        l2 = lo[2] < l2 ? lo[2] : l2;
                        u0 = hi[0] > u0 ? hi[0] : u0;
                        u1 = hi[1] > u1 ? hi[1] : u1;
                        u2 = hi[2] > u2 ? hi[2] : u2;
                    }
                    uint8_t *rg = range + ((size_t)sy * sw + sx) * 6;
                    rg[0] = (uint8_t)l0;
                    rg[1] = (uint8_t)l1;
                    rg[2] = (uint8_t)l2;
                    rg[3] = (uint8_t)u0;
                    rg[4] = (uint8_t)u1;
                    rg[5] = (uint8_t)u2;
                }
            }
        }
        free(acc);
        free(pacc);
        free(mn);
    }
    return failed ? -1 : 0;
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

/* The fit on the grid as coefficients per grid point (see matte_rows.h): p at full
 * resolution, or p_small already on the sw x sh grid. */
float *bd_guided_coef(const uint8_t *rgb, bd_guide guide, const float *p, const float *p_small,
                   int w, int h, int r, float eps, int s, float gain, uint8_t *range)
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
    float *c4 = NULL;
    if (!st || !base || !coef) goto done;

    /* 1. I and p on the small grid, then the products the statistics need. */
    if (shrink_guide(rgb, gc, p, p_small, w, h, s, sw, sh, base, range)) goto done;
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

    /* 3. q = a . I + b is applied per pixel with a and b bilinearly upsampled (matte_rows.c):
     * the coefficients take the guide's byte scale (and gray's luma weights) and the gain
     * here, so every pixel computes clamp(A . (R, G, B) + B). */
    const float luma[3] = {0.299f / 255.0f, 0.587f / 255.0f, 0.114f / 255.0f};
    const float g = gain > 0 ? gain : 1.0f;
    c4 = malloc(n * 4 * sizeof(float));
    if (!c4) goto done;
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        const float *c = coef + i * nco;
        float *d = c4 + i * 4;
        for (int k = 0; k < 3; k++) d[k] = g * (gc == 1 ? c[0] * luma[k] : c[k] / 255.0f);
        d[3] = g * (c[gc] - 0.5f) + 0.5f;
        if (gain <= 0) d[3] = c[gc];
    }
done:
    free(st);
    free(base);
    free(coef);
    return c4;
}

/* The filter at full resolution: the fit, then q per pixel (clamped to [0, 1] with a gain). */
static int guided(const uint8_t *rgb, bd_guide guide, const float *p, const float *p_small,
                  int w, int h, int r, float eps, int s, float gain, float *out)
{
    if (s < 1) s = 1;
    const size_t ns = (size_t)((w + s - 1) / s) * ((h + s - 1) / s);
    uint8_t *range = malloc(ns * 6);
    float *c4 = bd_guided_coef(rgb, guide, p, p_small, w, h, r, eps, s, gain, range);
    bd_matte *m = c4 ? bd_matte_from_coef(c4, range, rgb, w, h, s, gain > 0, 0) : NULL;
    const int rc = m ? bd_matte_render(m, out) : -1;
    bd_matte_free(m);
    free(range);
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
