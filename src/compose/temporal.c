/* temporal.c — temporal smoothing of the class probability on the matte grid (temporal.h:
 * the formula and why). Costs one pass over the frame (the cell means of its luma) and a
 * few passes over the grid; nothing per full-resolution pixel is kept between frames. */
#include "compose/temporal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BOX_R 2                        /* 5 x 5 cells */

struct bd_temporal {
    int w, h, s, sw, sh;
    float a;
    int primed;                        /* a previous frame exists */
    float *prev_prob, *prev_luma, *luma, *tmp;
    float last_gain;
};

bd_temporal *bd_temporal_new(int w, int h, int s, int sw, int sh, float strength)
{
    bd_temporal *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    const size_t n = (size_t)sw * sh;
    t->w = w; t->h = h; t->s = s; t->sw = sw; t->sh = sh;
    t->a = strength < 0 ? 0 : strength > 0.99f ? 0.99f : strength;
    t->prev_prob = malloc(4 * n * sizeof(float));
    if (!t->prev_prob) {
        free(t);
        return NULL;
    }
    t->prev_luma = t->prev_prob + n;
    t->luma = t->prev_luma + n;
    t->tmp = t->luma + n;
    t->last_gain = 1;
    return t;
}

void bd_temporal_free(bd_temporal *t)
{
    if (!t) return;
    free(t->prev_prob);
    free(t);
}

void bd_temporal_reset(bd_temporal *t) { t->primed = 0; }

float bd_temporal_last_gain(const bd_temporal *t) { return t->last_gain; }

/* Mean BT.601 luma (0.299 R + 0.587 G + 0.114 B) of each s x s cell (clipped at the
 * frame's edges), then the box mean over (2 BOX_R + 1)^2 cells (clipped), into out. */
static void grid_luma(const bd_temporal *t, const uint8_t *rgb, float *out, float *tmp)
{
    const int w = t->w, h = t->h, s = t->s, sw = t->sw, sh = t->sh;
    memset(tmp, 0, (size_t)sw * sh * sizeof(float));
    for (int y = 0; y < h; y++) {
        float *row = tmp + (size_t)(y / s) * sw;
        const uint8_t *p = rgb + (size_t)y * w * 3;
        for (int x = 0; x < w; x++, p += 3)
            row[x / s] += 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
    }
    for (int j = 0; j < sh; j++) {
        const int ch = (j + 1) * s > h ? h - j * s : s;
        for (int i = 0; i < sw; i++) {
            const int cw = (i + 1) * s > w ? w - i * s : s;
            tmp[(size_t)j * sw + i] /= (float)(cw * ch);
        }
    }
    /* box mean: rows into out, then columns back into tmp, copied to out */
    for (int j = 0; j < sh; j++) {
        const float *r = tmp + (size_t)j * sw;
        for (int i = 0; i < sw; i++) {
            const int a = i - BOX_R < 0 ? 0 : i - BOX_R, b = i + BOX_R >= sw ? sw - 1 : i + BOX_R;
            float acc = 0;
            for (int k = a; k <= b; k++) acc += r[k];
            out[(size_t)j * sw + i] = acc / (float)(b - a + 1);
        }
    }
    for (int j = 0; j < sh; j++) {
        const int a = j - BOX_R < 0 ? 0 : j - BOX_R, b = j + BOX_R >= sh ? sh - 1 : j + BOX_R;
        for (int i = 0; i < sw; i++) {
            float acc = 0;
            for (int k = a; k <= b; k++) acc += out[(size_t)k * sw + i];
            tmp[(size_t)j * sw + i] = acc / (float)(b - a + 1);
        }
    }
    memcpy(out, tmp, (size_t)sw * sh * sizeof(float));
}

void bd_temporal_update(bd_temporal *t, const uint8_t *rgb, float *prob)
{
    const size_t n = (size_t)t->sw * t->sh;
    if (t->a <= 0) {
        t->last_gain = 1;
        return;
    }
    grid_luma(t, rgb, t->luma, t->tmp);
    double gsum = 0;
    if (t->primed) {
        const float inv_tau2 = 1.0f / (BD_TEMPORAL_TAU * BD_TEMPORAL_TAU);
        for (size_t i = 0; i < n; i++) {
            const float d = t->luma[i] - t->prev_luma[i];
            const float k = 1.0f - t->a / (1.0f + d * d * inv_tau2);
            prob[i] = t->prev_prob[i] + k * (prob[i] - t->prev_prob[i]);
            gsum += k;
        }
        t->last_gain = (float)(gsum / n);
    } else {
        t->last_gain = 1;
    }
    memcpy(t->prev_prob, prob, n * sizeof(float));
    float *sw = t->prev_luma;
    t->prev_luma = t->luma;
    t->luma = sw;
    t->primed = 1;
}
