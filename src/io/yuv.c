/* yuv.c — Y'CbCr <-> RGB for YUV4MPEG2 frames (yuv.h).
 *
 * Exactly what is implemented:
 *  - Matrix: BT.601, Kr = 0.299, Kb = 0.114, Kg = 1 - Kr - Kb. With E = Kr R + Kg G + Kb B
 *    (R, G, B in 0..255):
 *      limited range: Y' = 16 + 219/255 E,   Cb = 128 + 224/255 (B - E) / (2 (1 - Kb)),
 *                                            Cr = 128 + 224/255 (R - E) / (2 (1 - Kr));
 *      full range:    Y' = E, Cb = 128 + (B - E) / (2 (1 - Kb)), Cr likewise;
 *    the inverse solves these for R, G, B. Results are rounded to nearest and clamped to
 *    0..255 (limited-range codes outside 16..235/240 are accepted, not clipped first).
 *  - Range: limited unless XCOLORRANGE=FULL; a mono stream without XCOLORRANGE is full
 *    range (ffmpeg's gray is: it writes Cmono with XCOLORRANGE=FULL and reads any Cmono so).
 *  - Chroma siting (where a chroma sample sits between luma samples):
 *      420jpeg, 420: centred in its 2x2 block (x = 2j + 1/2, y = 2i + 1/2);
 *      420mpeg2, 420paldv: co-sited with the left column (x = 2j), vertically centred
 *        (PAL-DV's quarter-line offsets between Cb and Cr are not modelled);
 *      422: co-sited with the left column; 444: every pixel.
 *  - Up-sampling (decode): bilinear interpolation between the two nearest chroma samples
 *    on each axis at those positions, edges clamped.
 *  - Down-sampling (encode): the average of the RGB pixels the chroma sample stands for
 *    (the 2x2 block for centred 4:2:0; for co-sited columns the [1 2 1]/4 filter centred
 *    on column 2j, clamped at the edges), converted with the matrix above (the matrix is
 *    linear, so this equals filtering Cb, Cr).
 *  - mono: Y' alone; decoding gives R = G = B, encoding writes Y' = f(E).
 * Floats throughout (a few flops per pixel), serial: the video pipeline runs conversions in
 * its I/O threads while the network has the cores.
 */
#include "io/yuv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int bd_yuv_full_range(const bd_y4m_info *info)
{
    return info->range == BD_Y4M_RANGE_FULL ||
           (info->chroma == BD_Y4M_MONO && info->range == BD_Y4M_RANGE_UNSET);
}

#define KR 0.299f
#define KB 0.114f
#define KG (1.0f - KR - KB)

typedef struct {
    float ys, yo;          /* decode: E = (Y' - yo) * ys */
    float cs;              /* decode: chroma scale (255/224 limited, 1 full) */
} range_k;

static range_k range_of(const bd_y4m_info *info)
{
    range_k k;
    if (bd_yuv_full_range(info)) {
        k.ys = 1.0f; k.yo = 0.0f; k.cs = 1.0f;
    } else {
        k.ys = 255.0f / 219.0f; k.yo = 16.0f; k.cs = 255.0f / 224.0f;
    }
    return k;
}

/* Round to nearest and clamp to 0..255 (branch-free, so the loops vectorise). */
static inline uint8_t clamp8(float v)
{
    v += 0.5f;
    v = v > 0.0f ? v : 0.0f;
    v = v < 255.0f ? v : 255.0f;
    return (uint8_t)(int)v;
}

/* Horizontal and vertical subsampling and whether the chroma columns are co-sited. */
static void layout(bd_y4m_chroma c, int *sx, int *sy, int *cosited_x)
{
    *sx = *sy = 2;
    *cosited_x = 0;
    switch (c) {
    case BD_Y4M_420MPEG2: case BD_Y4M_420PALDV: *cosited_x = 1; break;
    case BD_Y4M_422: *sy = 1; *cosited_x = 1; break;
    case BD_Y4M_444: *sx = *sy = 1; break;
    default: break;
    }
}

/* For each luma coordinate x (0..n-1): the two chroma samples around it and the weight of
 * the second: position u = x (1:1), x / 2 (co-sited), (x - 1/2) / 2 (centred). */
static void taps(int n, int cn, int sub, int cosited, int *i0, int *i1, float *f)
{
    for (int x = 0; x < n; x++) {
        float u = sub == 1 ? (float)x : cosited ? x * 0.5f : (x - 0.5f) * 0.5f;
        int j = u < 0 ? -1 : (int)u;
        float w = u - (float)j;
        int a = j < 0 ? 0 : j > cn - 1 ? cn - 1 : j;
        int b = j + 1 > cn - 1 ? cn - 1 : j + 1 < 0 ? 0 : j + 1;
        i0[x] = a;
        i1[x] = b;
        f[x] = w;
    }
}

int bd_yuv_to_rgb(const bd_y4m_info *info, const uint8_t *planes, uint8_t *rgb)
{
    const int w = info->w, h = info->h;
    const range_k k = range_of(info);
    const uint8_t *Y = planes;
    if (info->chroma == BD_Y4M_MONO) {
        for (size_t i = 0; i < (size_t)w * h; i++) {
            uint8_t g = clamp8((Y[i] - k.yo) * k.ys);
            rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = g;
        }
        return 0;
    }
    int cw, ch, sx, sy, cox;
    bd_y4m_chroma_size(info, &cw, &ch);
    layout(info->chroma, &sx, &sy, &cox);
    const uint8_t *Cb = planes + (size_t)w * h, *Cr = Cb + (size_t)cw * ch;
    /* one allocation for the tap tables and two chroma rows */
    const size_t n = (size_t)(w > h ? w : h);
    void *mem = malloc(n * (2 * sizeof(int) + sizeof(float)) * 2 +
                       (2 * (size_t)cw + 2 * (size_t)w) * sizeof(float));
    if (!mem) return -1;
    int *hx0, *hx1, *vy0, *vy1;
    float *hf, *vf, *rb, *rr;
    hx0 = mem;
    hx1 = hx0 + n;
    vy0 = hx1 + n;
    vy1 = vy0 + n;
    hf = (float *)(vy1 + n);
    vf = hf + n;
    rb = vf + n;
    rr = rb + cw;
    float *ub = rr + cw, *ur = ub + w;   /* this row's chroma at every pixel */
    taps(w, cw, sx, cox, hx0, hx1, hf);
    taps(h, ch, sy, 0, vy0, vy1, vf);
    const float cr_r = 2 * (1 - KR), cb_b = 2 * (1 - KB);
    const float cb_g = 2 * (1 - KB) * KB / KG, cr_g = 2 * (1 - KR) * KR / KG;
    for (int y = 0; y < h; y++) {
        const uint8_t *b0 = Cb + (size_t)vy0[y] * cw, *b1 = Cb + (size_t)vy1[y] * cw;
        const uint8_t *r0 = Cr + (size_t)vy0[y] * cw, *r1 = Cr + (size_t)vy1[y] * cw;
        const float fy = vf[y];
        for (int j = 0; j < cw; j++) {
            rb[j] = ((b0[j] + fy * (b1[j] - b0[j])) - 128.0f) * k.cs;
            rr[j] = ((r0[j] + fy * (r1[j] - r0[j])) - 128.0f) * k.cs;
        }
        for (int x = 0; x < w; x++) {
            const float fx = hf[x];
            ub[x] = rb[hx0[x]] + fx * (rb[hx1[x]] - rb[hx0[x]]);
            ur[x] = rr[hx0[x]] + fx * (rr[hx1[x]] - rr[hx0[x]]);
        }
        const uint8_t *yr = Y + (size_t)y * w;
        uint8_t *o = rgb + (size_t)y * w * 3;
        #pragma omp simd
        for (int x = 0; x < w; x++) {
            const float b = ub[x], r = ur[x];
            const float e = (yr[x] - k.yo) * k.ys;
            o[3 * x] = clamp8(e + cr_r * r);
            o[3 * x + 1] = clamp8(e - cb_g * b - cr_g * r);
            o[3 * x + 2] = clamp8(e + cb_b * b);
        }
    }
    free(mem);
    return 0;
}

int bd_rgb_to_yuv(const bd_y4m_info *info, const uint8_t *rgb, uint8_t *planes)
{
    const int w = info->w, h = info->h;
    const int full = bd_yuv_full_range(info);
    const float ys = full ? 1.0f : 219.0f / 255.0f, yo = full ? 0.0f : 16.0f;
    const float cs = full ? 1.0f : 224.0f / 255.0f;
    uint8_t *Y = planes;
    #pragma omp simd
    for (size_t i = 0; i < (size_t)w * h; i++) {
        const uint8_t *p = rgb + 3 * i;
        Y[i] = clamp8(yo + ys * (KR * p[0] + KG * p[1] + KB * p[2]));
    }
    if (info->chroma == BD_Y4M_MONO) return 0;
    int cw, ch, sx, sy, cox;
    bd_y4m_chroma_size(info, &cw, &ch);
    layout(info->chroma, &sx, &sy, &cox);
    uint8_t *Cb = planes + (size_t)w * h, *Cr = Cb + (size_t)cw * ch;
    const float kb = cs / (2 * (1 - KB)), kr = cs / (2 * (1 - KR));
    float *sums = malloc(3 * (size_t)cw * sizeof(float));   /* a chroma row's mean R, G, B */
    if (!sums) return -1;
    for (int i = 0; i < ch; i++) {
        const int y0 = i * sy, y1 = sy == 2 && y0 + 1 < h ? y0 + 1 : y0;
        const uint8_t *p0 = rgb + (size_t)y0 * w * 3, *p1 = rgb + (size_t)y1 * w * 3;
        float *sr = sums, *sg = sums + cw, *sb = sums + 2 * (size_t)cw;
        if (sx == 2 && !cox) {            /* centred 2:1 (4:2:0 jpeg): the 2 x 2 block */
            for (int j = 0; j < cw; j++) {
                const int x0 = 2 * j, x1 = x0 + 1 < w ? x0 + 1 : x0;
                const uint8_t *a = p0 + 3 * x0, *b = p0 + 3 * x1, *c = p1 + 3 * x0, *d = p1 + 3 * x1;
                sr[j] = 0.25f * (float)(a[0] + b[0] + c[0] + d[0]);
                sg[j] = 0.25f * (float)(a[1] + b[1] + c[1] + d[1]);
                sb[j] = 0.25f * (float)(a[2] + b[2] + c[2] + d[2]);
            }
        } else if (sx == 2) {             /* co-sited columns: [1 2 1] / 4, then rows */
            for (int j = 0; j < cw; j++) {
                const int xm = 2 * j > 0 ? 2 * j - 1 : 0, x0 = 2 * j, xp = x0 + 1 < w ? x0 + 1 : x0;
                const uint8_t *a = p0 + 3 * xm, *b = p0 + 3 * x0, *c = p0 + 3 * xp;
                const uint8_t *d = p1 + 3 * xm, *e = p1 + 3 * x0, *f = p1 + 3 * xp;
                sr[j] = 0.125f * (float)(a[0] + 2 * b[0] + c[0] + d[0] + 2 * e[0] + f[0]);
                sg[j] = 0.125f * (float)(a[1] + 2 * b[1] + c[1] + d[1] + 2 * e[1] + f[1]);
                sb[j] = 0.125f * (float)(a[2] + 2 * b[2] + c[2] + d[2] + 2 * e[2] + f[2]);
            }
        } else {                          /* 4:4:4 */
            for (int j = 0; j < cw; j++) {
                sr[j] = p0[3 * j];
                sg[j] = p0[3 * j + 1];
                sb[j] = p0[3 * j + 2];
            }
        }
        uint8_t *cbr = Cb + (size_t)i * cw, *crr = Cr + (size_t)i * cw;
        #pragma omp simd
        for (int j = 0; j < cw; j++) {
            const float E = KR * sr[j] + KG * sg[j] + KB * sb[j];
            cbr[j] = clamp8(128.0f + kb * (sb[j] - E));
            crr[j] = clamp8(128.0f + kr * (sr[j] - E));
        }
    }
    free(sums);
    return 0;
}
