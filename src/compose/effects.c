/* effects.c — the compositions behind the CLI's effects: out = alpha * photo +
 * (1 - alpha) * background, where the background is the photo's own blurred background
 * (bokeh), another picture, a solid colour, or the photo in gray; plus the cutout (alpha in
 * an RGBA image) and the matte as a gray image.
 *
 * The bokeh blurs the background only (normalised convolution with weight
 * max(0, 1 - 2 alpha)), so the sharp subject does not bleed into the blur as a glow. For large sigmas the blur runs
 * on a k-times smaller grid (k = sigma / 4): the block averages and the final bilinear
 * upsampling add about k^2 / 4 of variance, which is taken off the blur on the grid, so the
 * effective sigma stays right while a 12-megapixel photo costs one pass over its pixels.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compose/compose.h"
#include "compose/composite_grid.h"
#include "compose/matte_rows.h"

/* Weight floor of the background blur: keeps blur(weight) > 0 deep inside the subject. A
 * subject pixel then leaks at most 1e-4 of its value into the background (< 0.03 levels). */
#define BG_WEIGHT_FLOOR 1e-4f

/* How much a pixel counts as background for the bokeh: 1 - 2 alpha, clamped. Pixels the
 * matte puts mostly in the subject (alpha >= 0.5) carry the subject's colours even where
 * the matte is soft, so they get no weight; otherwise the feathered edge would spread a
 * faint glow of the subject into the blur. */
static inline float bg_weight(float alpha)
{
    const float w = 1.0f - 2.0f * alpha;
    return (w > 0.0f ? w : 0.0f) + BG_WEIGHT_FLOOR;
}

static inline uint8_t to_u8(float v)
{
    return v <= 0.0f ? 0 : v >= 255.0f ? 255 : (uint8_t)(v + 0.5f);
}

/* alpha * a + (1 - alpha) * b, written so that alpha = 1 gives a and alpha = 0 gives b
 * exactly. A convex combination of two values in 0..255 stays in 0..255 (up to float
 * rounding, which + 0.5 and truncation absorb), so no clamping and no branch: the pixel
 * loops vectorise. */
static inline uint8_t mix(float alpha, float a, float b)
{
    return (uint8_t)(int)(b + alpha * (a - b) + 0.5f);
}

/* Pixel rows as flat arrays of 3w values, so the mixing loops vectorise: the matte row
 * repeated per channel (a3), then out = b + a3 (p - b) with b floats or bytes. o may be p
 * (each value is read before it is written), so the compositions can work in place. */
static void expand3(const float *restrict a, int w, float *restrict a3)
{
    for (int x = 0; x < w; x++) a3[3 * x] = a3[3 * x + 1] = a3[3 * x + 2] = a[x];
}

static void mix_row(const uint8_t *p, const float *restrict a3, const float *restrict b,
                    uint8_t *o, int n)
{
    #pragma omp simd
    for (int i = 0; i < n; i++) o[i] = mix(a3[i], p[i], b[i]);
}

static void mix_row_u8(const uint8_t *p, const float *restrict a3, const uint8_t *restrict b,
                       uint8_t *o, int n)
{
    #pragma omp simd
    for (int i = 0; i < n; i++) o[i] = mix(a3[i], p[i], b[i]);
}

float bd_blur_auto_sigma(int w, int h)
{
    return 0.015f * (float)(w > h ? w : h);
}

/* The bokeh on a matte read in runs (matte_rows.h): the block sums weigh whole runs of
 * subject or background at once, and the final pass leaves the subject alone (in place: not
 * even read), writes the upsampled background where alpha is 0 and mixes only the rest. */
static int blur_m(const uint8_t *rgb, const bd_matte *m, float sigma, uint8_t *out)
{
    const int w = m->w, h = m->h;
    if (!(sigma > 0.0f)) {   /* no blur: the photo itself */
        if (out != rgb) memcpy(out, rgb, (size_t)w * h * 3);
        return 0;
    }
    /* The grid: k x k blocks; the blur left to do on it (in grid pixels). */
    int k = (int)floorf(sigma / 4.0f);
    if (k < 1) k = 1;
    double var = (double)sigma * sigma;
    if (k > 1) var -= ((double)k * k - 1.0) / 12.0 + (double)k * k / 6.0;
    const float sigma_grid = var > 0 ? (float)(sqrt(var) / k) : 0.0f;
    const int sw = (w + k - 1) / k, sh = (h + k - 1) / k;
    const size_t ns = (size_t)sw * sh;
    const float w_bg = bg_weight(0.0f), w_fg = bg_weight(1.0f);

    float *grid = calloc(ns * 4, sizeof(float));   /* [sh][sw][r*wt, g*wt, b*wt, wt] */
    int rc = -1;
    if (!grid) goto done;

    /* 1. Weighted block sums / k^2 (zero outside the image, like the blur): each block row
     * first accumulates its image rows into one row (flat loops that vectorise), then sums
     * along x. */
    const float inv_area = 1.0f / (float)(k * k);
    int failed = 0;
    #pragma omp parallel
    {
        bd_matte_reader r;
        const int rd = !bd_matte_reader_init(&r, m);
        float *wrow = malloc((size_t)w * sizeof(float)), *w3 = malloc((size_t)w * 3 * sizeof(float));
        float *acc = malloc((size_t)w * 3 * sizeof(float)), *accw = malloc((size_t)w * sizeof(float));
        const int ok = rd && wrow && w3 && acc && accw;
        if (!ok) {
            #pragma omp atomic write
            failed = 1;
        }
        #pragma omp for schedule(static)
        for (int gy = 0; gy < sh; gy++) {
            if (!ok) continue;
            const int y1 = (gy + 1) * k < h ? (gy + 1) * k : h;
            memset(acc, 0, (size_t)w * 3 * sizeof(float));
            memset(accw, 0, (size_t)w * sizeof(float));
            for (int y = gy * k; y < y1; y++) {
                const uint8_t *restrict px = rgb + (size_t)y * w * 3;
                float *restrict wr = wrow, *restrict aw = accw, *restrict a3 = acc;
                const float *restrict ww = w3;
                int n;
                const bd_matte_run *run = bd_matte_reader_runs(&r, y, &n);
                for (int j = 0; j < n; j++) {
                    const int x0 = run[j].x0, x1 = run[j].x1;
                    if (run[j].kind == RUN_MIXED) {
                        const float *restrict al = bd_matte_reader_alpha(&r, y, x0, x1);
                        #pragma omp simd
                        for (int x = x0; x < x1; x++) {
                            wr[x] = bg_weight(al[x]);
                            aw[x] += wr[x];
                        }
                        expand3(wrow + x0, x1 - x0, w3 + 3 * x0);
                        #pragma omp simd
                        for (int i = 3 * x0; i < 3 * x1; i++) a3[i] += ww[i] * px[i];
                    } else {                      /* one weight for the whole run */
                        const float v = run[j].kind == RUN_BG ? w_bg : w_fg;
                        #pragma omp simd
                        for (int x = x0; x < x1; x++) aw[x] += v;
                        #pragma omp simd
                        for (int i = 3 * x0; i < 3 * x1; i++) a3[i] += v * px[i];
                    }
                }
            }
            float *g = grid + (size_t)gy * sw * 4;
            for (int gx = 0; gx < sw; gx++) {
                const int x1 = (gx + 1) * k < w ? (gx + 1) * k : w;
                float s0 = 0, s1 = 0, s2 = 0, sw_ = 0;
                for (int x = gx * k; x < x1; x++) {
                    s0 += acc[3 * x];
                    s1 += acc[3 * x + 1];
                    s2 += acc[3 * x + 2];
                    sw_ += accw[x];
                }
                g[gx * 4] = s0 * inv_area;
                g[gx * 4 + 1] = s1 * inv_area;
                g[gx * 4 + 2] = s2 * inv_area;
                g[gx * 4 + 3] = sw_ * inv_area;
            }
        }
        if (rd) bd_matte_reader_free(&r);
        free(wrow);
        free(w3);
        free(acc);
        free(accw);
    }
    if (failed) goto done;
    /* 2. Blur on the grid, then divide: the background colour of each grid pixel, packed
     * to 3 channels in place (sequential: the packing overlaps). */
    if (bd_gauss_blur(grid, sw, sh, 4, sigma_grid)) goto done;
    for (size_t i = 0; i < ns; i++) {
        const float *g = grid + i * 4;
        const float inv = g[3] > 0.0f ? 1.0f / g[3] : 0.0f;
        const float r = g[0] * inv, gg = g[1] * inv, b = g[2] * inv;
        grid[i * 3] = r;
        grid[i * 3 + 1] = gg;
        grid[i * 3 + 2] = b;
    }
    /* 3. Upsample (where the background shows) and composite. */
    #pragma omp parallel
    {
        bd_grid_upsampler up;
        bd_matte_reader r;
        const int rd = !bd_matte_reader_init(&r, m);
        float *bg = malloc((size_t)w * 3 * sizeof(float)), *a3 = malloc((size_t)w * 3 * sizeof(float));
        const int ok = rd && bg && a3 && !bd_grid_upsampler_init(&up, grid, sw, sh, 3, k, w, h);
        if (!ok) {
            #pragma omp atomic write
            failed = 1;
        }
        #pragma omp for schedule(static)
        for (int y = 0; y < h; y++) {
            if (!ok) continue;
            const uint8_t *p = rgb + (size_t)y * w * 3;
            uint8_t *o = out + (size_t)y * w * 3;
            const float *ga = NULL, *gb = NULL;
            float f = 0.0f;
            int n;
            const bd_matte_run *run = bd_matte_reader_runs(&r, y, &n);
            for (int j = 0; j < n; j++) {
                const int x0 = run[j].x0, x1 = run[j].x1, i0 = 3 * x0, i1 = 3 * x1;
                if (run[j].kind == RUN_FG) {
                    if (o != p) memcpy(o + i0, p + i0, (size_t)(i1 - i0));
                    continue;
                }
                if (!ga) bd_grid_upsampler_pair(&up, y, &ga, &gb, &f);
                const float *al = run[j].kind == RUN_MIXED ? bd_matte_reader_alpha(&r, y, x0, x1)
                                                           : NULL;
                float *restrict b = bg;
                #pragma omp simd
                for (int i = i0; i < i1; i++) b[i] = ga[i] + f * (gb[i] - ga[i]);
                if (al) {
                    expand3(al + x0, x1 - x0, a3 + i0);
                    mix_row(p + i0, a3 + i0, bg + i0, o + i0, i1 - i0);
                } else {
                    #pragma omp simd
                    for (int i = i0; i < i1; i++) o[i] = (uint8_t)(int)(b[i] + 0.5f);
                }
            }
        }
        if (ok) bd_grid_upsampler_free(&up);
        if (rd) bd_matte_reader_free(&r);
        free(bg);
        free(a3);
    }
    rc = failed ? -1 : 0;
done:
    free(grid);
    return rc;
}

int bd_composite_blur(const uint8_t *rgb, const float *alpha, int w, int h, float sigma,
                      uint8_t *out)
{
    bd_matte m;
    bd_matte_wrap(&m, alpha, w, h);
    return blur_m(rgb, &m, sigma, out);
}

/* The other compositions, row by row and run by run: the subject is the photo, the
 * background the picture / colour / gray (or alpha 255 / 0 for the cutout and the mask),
 * and only mixed runs mix. bg: the picture (over); color: the colour. Returns -1 if out of
 * memory (for a row buffer or, with a grid matte, the reader). */
static int rows_m(bd_fx_kind kind, const uint8_t *rgb, const bd_matte *m, const uint8_t *bg,
                  const uint8_t color[3], uint8_t *out)
{
    const int w = m->w, h = m->h;
    const int oc = kind == BD_FX_CUTOUT ? 4 : kind == BD_FX_MASK ? 1 : 3;
    const int rows3 = oc == 3;    /* mixes with a3 (and b3 for colour and gray) */
    int failed = 0;
    #pragma omp parallel
    {
        bd_matte_reader r;
        const int rd = !bd_matte_reader_init(&r, m);
        float *a3 = rows3 ? malloc((size_t)w * 3 * sizeof(float)) : NULL;
        float *b3 = rows3 ? malloc((size_t)w * 3 * sizeof(float)) : NULL;
        const int ok = rd && (!rows3 || (a3 && b3));
        if (!ok) {
            #pragma omp atomic write
            failed = 1;
        }
        if (ok && kind == BD_FX_COLOR)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++) b3[3 * x + c] = color[c];
        #pragma omp for schedule(static)
        for (int y = 0; y < h; y++) {
            if (!ok) continue;
            const uint8_t *p = rgb + (size_t)y * w * 3;
            uint8_t *o = out + (size_t)y * w * oc;
            int n;
            const bd_matte_run *run = bd_matte_reader_runs(&r, y, &n);
            for (int j = 0; j < n; j++) {
                const int x0 = run[j].x0, x1 = run[j].x1, i0 = 3 * x0, len = x1 - x0;
                const float *al = run[j].kind == RUN_MIXED ? bd_matte_reader_alpha(&r, y, x0, x1)
                                                           : NULL;
                const int fg = run[j].kind == RUN_FG;
                if (kind == BD_FX_MASK) {
                    if (al)
                        for (int x = x0; x < x1; x++) o[x] = to_u8(al[x] * 255.0f);
                    else
                        memset(o + x0, fg ? 255 : 0, (size_t)len);
                    continue;
                }
                if (kind == BD_FX_CUTOUT) {
                    for (int x = x0; x < x1; x++) {
                        memcpy(o + 4 * x, p + 3 * x, 3);
                        o[4 * x + 3] = al ? to_u8(al[x] * 255.0f) : fg ? 255 : 0;
                    }
                    continue;
                }
                if (fg) {                                    /* the photo */
                    if (o != p) memcpy(o + i0, p + i0, (size_t)3 * len);
                    continue;
                }
                if (kind == BD_FX_GRAY)
                    for (int x = x0; x < x1; x++)
                        b3[3 * x] = b3[3 * x + 1] = b3[3 * x + 2] =
                            bd_luma601(p[3 * x], p[3 * x + 1], p[3 * x + 2]);
                if (!al) {                                   /* the background */
                    if (kind == BD_FX_OVER) {
                        memcpy(o + i0, bg + (size_t)y * w * 3 + i0, (size_t)3 * len);
                    } else {
                        const float *restrict b = b3;
                        #pragma omp simd
                        for (int i = i0; i < i0 + 3 * len; i++) o[i] = (uint8_t)(int)(b[i] + 0.5f);
                    }
                    continue;
                }
                expand3(al + x0, len, a3 + i0);
                if (kind == BD_FX_OVER)
                    mix_row_u8(p + i0, a3 + i0, bg + (size_t)y * w * 3 + i0, o + i0, 3 * len);
                else
                    mix_row(p + i0, a3 + i0, b3 + i0, o + i0, 3 * len);
            }
        }
        if (rd) bd_matte_reader_free(&r);
        free(a3);
        free(b3);
    }
    return failed ? -1 : 0;
}

/* The float-matte compositions cannot fail: without memory for two rows they mix pixel by
 * pixel. */
static void rows_float(bd_fx_kind kind, const uint8_t *rgb, const float *alpha, int w, int h,
                       const uint8_t *bg, const uint8_t color[3], uint8_t *out)
{
    bd_matte m;
    bd_matte_wrap(&m, alpha, w, h);
    if (!rows_m(kind, rgb, &m, bg, color, out)) return;
    const size_t n = (size_t)w * h;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = rgb + 3 * i;
        const uint8_t l = bd_luma601(p[0], p[1], p[2]);
        for (int c = 0; c < 3; c++) {
            const float b = kind == BD_FX_OVER ? bg[3 * i + c] : kind == BD_FX_COLOR ? color[c] : l;
            out[3 * i + c] = mix(alpha[i], p[c], b);
        }
    }
}

void bd_composite_over(const uint8_t *rgb, const float *alpha, int w, int h,
                       const uint8_t *bg, uint8_t *out)
{
    rows_float(BD_FX_OVER, rgb, alpha, w, h, bg, NULL, out);
}

void bd_composite_color(const uint8_t *rgb, const float *alpha, int w, int h,
                        const uint8_t color[3], uint8_t *out)
{
    rows_float(BD_FX_COLOR, rgb, alpha, w, h, NULL, color, out);
}

uint8_t bd_luma601(uint8_t r, uint8_t g, uint8_t b)
{
    return (uint8_t)((299u * r + 587u * g + 114u * b + 500u) / 1000u);
}

void bd_composite_gray(const uint8_t *rgb, const float *alpha, int w, int h, uint8_t *out)
{
    rows_float(BD_FX_GRAY, rgb, alpha, w, h, NULL, NULL, out);
}

void bd_composite_cutout(const uint8_t *rgb, const float *alpha, int w, int h, uint8_t *out)
{
    const size_t n = (size_t)w * h;
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        memcpy(out + i * 4, rgb + i * 3, 3);
        out[i * 4 + 3] = to_u8(alpha[i] * 255.0f);
    }
}

void bd_matte_to_u8(const float *alpha, int w, int h, uint8_t *out)
{
    const size_t n = (size_t)w * h;
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) out[i] = to_u8(alpha[i] * 255.0f);
}

int bd_matte_effect(const uint8_t *rgb, const bd_matte *m, const bd_fx *fx, uint8_t *out)
{
    if (fx->kind == BD_FX_BLUR) return blur_m(rgb, m, fx->sigma, out);
    return rows_m(fx->kind, rgb, m, fx->bg, fx->color, out);
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    ch = tolower(ch);
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

int bd_parse_color(const char *s, uint8_t rgb[3])
{
    static const struct { const char *name; uint8_t rgb[3]; } names[] = {
        {"white", {255, 255, 255}}, {"black", {0, 0, 0}},     {"gray", {128, 128, 128}},
        {"grey", {128, 128, 128}},  {"red", {255, 0, 0}},     {"green", {0, 255, 0}},
        {"blue", {0, 0, 255}},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(s, names[i].name)) {
            memcpy(rgb, names[i].rgb, 3);
            return 0;
        }
    if (*s == '#') s++;
    const size_t len = strlen(s);
    if (len != 6 && len != 3) return -1;
    int v[6];
    for (size_t i = 0; i < len; i++)
        if ((v[i] = hexval((unsigned char)s[i])) < 0) return -1;
    for (int c = 0; c < 3; c++)
        rgb[c] = (uint8_t)(len == 6 ? v[2 * c] * 16 + v[2 * c + 1] : v[c] * 17);
    return 0;
}
