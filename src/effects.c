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

#include "composite.h"
#include "composite_grid.h"

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
 * repeated per channel (a3), then out = b + a3 (p - b) with b floats or bytes. */
static void expand3(const float *restrict a, int w, float *restrict a3)
{
    for (int x = 0; x < w; x++) a3[3 * x] = a3[3 * x + 1] = a3[3 * x + 2] = a[x];
}

static void mix_row(const uint8_t *restrict p, const float *restrict a3,
                    const float *restrict b, uint8_t *restrict o, int n)
{
    #pragma omp simd
    for (int i = 0; i < n; i++) o[i] = mix(a3[i], p[i], b[i]);
}

static void mix_row_u8(const uint8_t *restrict p, const float *restrict a3,
                       const uint8_t *restrict b, uint8_t *restrict o, int n)
{
    #pragma omp simd
    for (int i = 0; i < n; i++) o[i] = mix(a3[i], p[i], b[i]);
}

float bd_blur_auto_sigma(int w, int h)
{
    return 0.015f * (float)(w > h ? w : h);
}

int bd_composite_blur(const uint8_t *rgb, const float *alpha, int w, int h, float sigma,
                      uint8_t *out)
{
    if (!(sigma > 0.0f)) {   /* no blur: the photo itself */
        memcpy(out, rgb, (size_t)w * h * 3);
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

    float *grid = calloc(ns * 4, sizeof(float));   /* [sh][sw][r*wt, g*wt, b*wt, wt] */
    int rc = -1;
    if (!grid) goto done;

    /* 1. Weighted block sums / k^2 (zero outside the image, like the blur). */
    const float inv_area = 1.0f / (float)(k * k);
    #pragma omp parallel for schedule(static)
    for (int gy = 0; gy < sh; gy++) {
        float *g = grid + (size_t)gy * sw * 4;
        const int y1 = (gy + 1) * k < h ? (gy + 1) * k : h;
        for (int y = gy * k; y < y1; y++) {
            const uint8_t *px = rgb + (size_t)y * w * 3;
            const float *al = alpha + (size_t)y * w;
            for (int gx = 0; gx < sw; gx++) {
                const int x1 = (gx + 1) * k < w ? (gx + 1) * k : w;
                float s0 = 0, s1 = 0, s2 = 0, sw_ = 0;
                for (int x = gx * k; x < x1; x++) {
                    const float wt = bg_weight(al[x]);
                    s0 += px[x * 3] * wt;
                    s1 += px[x * 3 + 1] * wt;
                    s2 += px[x * 3 + 2] * wt;
                    sw_ += wt;
                }
                g[gx * 4] += s0;
                g[gx * 4 + 1] += s1;
                g[gx * 4 + 2] += s2;
                g[gx * 4 + 3] += sw_;
            }
        }
        for (int i = 0; i < sw * 4; i++) g[i] *= inv_area;
    }
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
    /* 3. Upsample and composite. */
    int failed = 0;
    #pragma omp parallel
    {
        grid_upsampler up;
        float *bg = malloc((size_t)w * 3 * sizeof(float)), *a3 = malloc((size_t)w * 3 * sizeof(float));
        const int ok = bg && a3 && !grid_upsampler_init(&up, grid, sw, sh, 3, k, w, h);
        if (!ok) {
            #pragma omp atomic write
            failed = 1;
        }
        #pragma omp for schedule(static)
        for (int y = 0; y < h; y++) {
            if (!ok) continue;
            grid_upsampler_row(&up, y, bg);
            expand3(alpha + (size_t)y * w, w, a3);
            mix_row(rgb + (size_t)y * w * 3, a3, bg, out + (size_t)y * w * 3, 3 * w);
        }
        if (ok) grid_upsampler_free(&up);
        free(bg);
        free(a3);
    }
    rc = failed ? -1 : 0;
done:
    free(grid);
    return rc;
}

/* The row loop of the simple compositions: per thread a matte row (a3) and a background
 * row (b3, floats) or the background picture (bg, bytes). */
typedef enum { ROWS_OVER, ROWS_COLOR, ROWS_GRAY } rows_kind;

static void composite_rows(rows_kind kind, const uint8_t *rgb, const float *alpha, int w,
                           int h, const uint8_t *bg, const uint8_t color[3], uint8_t *out)
{
    #pragma omp parallel
    {
        float *a3 = malloc((size_t)w * 3 * sizeof(float)), *b3 = malloc((size_t)w * 3 * sizeof(float));
        if (a3 && b3 && kind == ROWS_COLOR)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++) b3[3 * x + c] = color[c];
        #pragma omp for schedule(static)
        for (int y = 0; y < h; y++) {
            const uint8_t *p = rgb + (size_t)y * w * 3;
            uint8_t *o = out + (size_t)y * w * 3;
            if (!a3 || !b3) {   /* out of memory for two rows: the same, slowly */
                for (int x = 0; x < w; x++) {
                    const float a = alpha[(size_t)y * w + x];
                    const uint8_t l = bd_luma601(p[3 * x], p[3 * x + 1], p[3 * x + 2]);
                    for (int c = 0; c < 3; c++) {
                        const float b = kind == ROWS_OVER ? bg[(size_t)y * w * 3 + 3 * x + c]
                                      : kind == ROWS_COLOR ? color[c] : l;
                        o[3 * x + c] = mix(a, p[3 * x + c], b);
                    }
                }
                continue;
            }
            expand3(alpha + (size_t)y * w, w, a3);
            if (kind == ROWS_OVER) {
                mix_row_u8(p, a3, bg + (size_t)y * w * 3, o, 3 * w);
            } else {
                if (kind == ROWS_GRAY)
                    for (int x = 0; x < w; x++)
                        b3[3 * x] = b3[3 * x + 1] = b3[3 * x + 2] =
                            bd_luma601(p[3 * x], p[3 * x + 1], p[3 * x + 2]);
                mix_row(p, a3, b3, o, 3 * w);
            }
        }
        free(a3);
        free(b3);
    }
}

void bd_composite_over(const uint8_t *rgb, const float *alpha, int w, int h,
                       const uint8_t *bg, uint8_t *out)
{
    composite_rows(ROWS_OVER, rgb, alpha, w, h, bg, NULL, out);
}

void bd_composite_color(const uint8_t *rgb, const float *alpha, int w, int h,
                        const uint8_t color[3], uint8_t *out)
{
    composite_rows(ROWS_COLOR, rgb, alpha, w, h, NULL, color, out);
}

uint8_t bd_luma601(uint8_t r, uint8_t g, uint8_t b)
{
    return (uint8_t)((299u * r + 587u * g + 114u * b + 500u) / 1000u);
}

void bd_composite_gray(const uint8_t *rgb, const float *alpha, int w, int h, uint8_t *out)
{
    composite_rows(ROWS_GRAY, rgb, alpha, w, h, NULL, NULL, out);
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
