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
 * exactly. */
static inline uint8_t mix(float alpha, float a, float b)
{
    return to_u8(b + alpha * (a - b));
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
    int *xi = malloc((size_t)w * sizeof(int));
    float *xf = malloc((size_t)w * sizeof(float));
    int *yi = malloc((size_t)h * sizeof(int));
    float *yf = malloc((size_t)h * sizeof(float));
    int rc = -1;
    if (!grid || !xi || !xf || !yi || !yf) goto done;

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
    /* 2. Blur on the grid, then divide: the background colour of each grid pixel. */
    if (bd_gauss_blur(grid, sw, sh, 4, sigma_grid)) goto done;
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < ns; i++) {
        float *g = grid + i * 4;
        const float inv = g[3] > 0.0f ? 1.0f / g[3] : 0.0f;
        g[0] *= inv;
        g[1] *= inv;
        g[2] *= inv;
        g[3] = 1.0f;
    }
    /* 3. Upsample and composite. */
    grid_coords(w, sw, k, xi, xf);
    grid_coords(h, sh, k, yi, yf);
    int failed = 0;
    #pragma omp parallel
    {
        float *row = malloc((size_t)sw * 4 * sizeof(float));
        if (!row) {
            #pragma omp atomic write
            failed = 1;
        }
        #pragma omp for schedule(static)
        for (int y = 0; y < h; y++) {
            if (!row) continue;
            grid_lerp_rows(grid, sw, sh, 4, yi[y], yf[y], row);
            const uint8_t *px = rgb + (size_t)y * w * 3;
            const float *al = alpha + (size_t)y * w;
            uint8_t *o = out + (size_t)y * w * 3;
            for (int x = 0; x < w; x++) {
                const int i0 = xi[x], i1 = i0 + 1 < sw ? i0 + 1 : i0;
                const float f = xf[x];
                const float *b0 = row + i0 * 4, *b1 = row + i1 * 4;
                for (int c = 0; c < 3; c++)
                    o[x * 3 + c] = mix(al[x], px[x * 3 + c], b0[c] + f * (b1[c] - b0[c]));
            }
        }
        free(row);
    }
    rc = failed ? -1 : 0;
done:
    free(grid);
    free(xi);
    free(xf);
    free(yi);
    free(yf);
    return rc;
}

void bd_composite_over(const uint8_t *rgb, const float *alpha, int w, int h,
                       const uint8_t *bg, uint8_t *out)
{
    const size_t n = (size_t)w * h;
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < 3; c++) out[i * 3 + c] = mix(alpha[i], rgb[i * 3 + c], bg[i * 3 + c]);
}

void bd_composite_color(const uint8_t *rgb, const float *alpha, int w, int h,
                        const uint8_t color[3], uint8_t *out)
{
    const size_t n = (size_t)w * h;
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < 3; c++) out[i * 3 + c] = mix(alpha[i], rgb[i * 3 + c], color[c]);
}

uint8_t bd_luma601(uint8_t r, uint8_t g, uint8_t b)
{
    return (uint8_t)((299u * r + 587u * g + 114u * b + 500u) / 1000u);
}

void bd_composite_gray(const uint8_t *rgb, const float *alpha, int w, int h, uint8_t *out)
{
    const size_t n = (size_t)w * h;
    #pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = rgb + i * 3;
        const float y = bd_luma601(p[0], p[1], p[2]);
        for (int c = 0; c < 3; c++) out[i * 3 + c] = mix(alpha[i], p[c], y);
    }
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
