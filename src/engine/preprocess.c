/* preprocess.c — image -> network input: target size, exact integer area resize,
 * normalisation and padding (see preprocess.h for the rules, which follow the DeepLab demo
 * and the golden reference bit for bit). */
#include <stdlib.h>
#include <string.h>

#include "engine/preprocess.h"

void bd_preprocess_target_size(int w, int h, int size, int *tw, int *th)
{
    double r = 1.0 * size / (w > h ? w : h);
    *tw = (int)(r * w);
    *th = (int)(r * h);
    if (*tw < 1) *tw = 1;
    if (*th < 1) *th = 1;
}

/* ------------------------------------------------------------------- area filter ---- */

/* The weights of one axis (n inputs -> m outputs), stored sparsely: output j uses inputs
 * first[j] .. first[j] + count[j] - 1 with weights weight[start[j] + t]. Weights of one
 * output sum to n. */
typedef struct {
    int *first, *count, *start;
    uint32_t *weight;
} axis_weights;

static void axis_free(axis_weights *a)
{
    free(a->first);
    free(a->count);
    free(a->start);
    free(a->weight);
}

static int axis_build(axis_weights *a, int n, int m)
{
    a->first = malloc(sizeof(int) * m);
    a->count = malloc(sizeof(int) * m);
    a->start = malloc(sizeof(int) * m);
    a->weight = malloc(sizeof(uint32_t) * ((size_t)n + m));   /* at most n + m - 1 taps */
    if (!a->first || !a->count || !a->start || !a->weight) {
        axis_free(a);
        return -1;
    }
    int taps = 0;
    for (int j = 0; j < m; j++) {
        int64_t lo = (int64_t)j * n, hi = (int64_t)(j + 1) * n;  /* span of output j */
        int i0 = (int)(lo / m), i1 = (int)((hi + m - 1) / m);  /* inputs overlapping it */
        if (i1 > n) i1 = n;
        a->first[j] = i0;
        a->start[j] = taps;
        a->count[j] = 0;
        for (int i = i0; i < i1; i++) {
            int64_t a_lo = (int64_t)i * m, a_hi = (int64_t)(i + 1) * m;  /* span of input i */
            int64_t ov = (hi < a_hi ? hi : a_hi) - (lo > a_lo ? lo : a_lo);
            if (ov <= 0)
                continue;
            if (a->count[j] == 0)
                a->first[j] = i;
            a->weight[taps++] = (uint32_t)ov;
            a->count[j]++;
        }
    }
    return 0;
}

int bd_preprocess_resize_area(const uint8_t *src, int w, int h, int channels,
                           uint8_t *dst, int tw, int th)
{
    axis_weights ax = {0}, ay = {0};
    if (axis_build(&ax, w, tw) || axis_build(&ay, h, th)) {
        axis_free(&ax);
        return -1;
    }
    const uint64_t d = (uint64_t)w * h;   /* every output's weights sum to w * h */
    const size_t row = (size_t)tw * channels;
    int failed = 0;

    #pragma omp parallel
    {
        /* Per thread: one input row filtered along x, and the sum for one output row. */
        uint32_t *hrow = malloc(row * sizeof *hrow);
        uint64_t *acc = malloc(row * sizeof *acc);
        if (!hrow || !acc) {
            #pragma omp atomic write
            failed = 1;
        }
        #pragma omp for schedule(dynamic, 4)
        for (int j = 0; j < th; j++) {
            if (!hrow || !acc)
                continue;
            memset(acc, 0, row * sizeof *acc);
            for (int t = 0; t < ay.count[j]; t++) {
                int y = ay.first[j] + t;
                uint64_t wy = ay.weight[ay.start[j] + t];
                const uint8_t *in = src + (size_t)y * w * channels;
                /* x pass: hrow[k][c] = sum_x wx[k][x] * P[y][x][c]  (<= 255 * w: fits) */
                for (int k = 0; k < tw; k++) {
                    uint32_t *o = hrow + (size_t)k * channels;
                    for (int c = 0; c < channels; c++)
                        o[c] = 0;
                    for (int u = 0; u < ax.count[k]; u++) {
                        uint32_t wx = ax.weight[ax.start[k] + u];
                        const uint8_t *p = in + (size_t)(ax.first[k] + u) * channels;
                        for (int c = 0; c < channels; c++)
                            o[c] += wx * p[c];
                    }
                }
                for (size_t q = 0; q < row; q++)       /* y pass */
                    acc[q] += wy * hrow[q];
            }
            uint8_t *out = dst + (size_t)j * row;
            for (size_t q = 0; q < row; q++)           /* S / D rounded half up */
                out[q] = (uint8_t)((2 * acc[q] + d) / (2 * d));
        }
        free(hrow);
        free(acc);
    }
    axis_free(&ax);
    axis_free(&ay);
    return failed ? -1 : 0;
}

/* ------------------------------------------------------------ normalise and pad ---- */

void bd_preprocess_normalise_pad(const uint8_t *rgb, int tw, int th, float *frame,
                              int frame_w, int frame_h, float scale, float offset)
{
    #pragma omp parallel for schedule(static)
    for (int y = 0; y < frame_h; y++) {
        float *o = frame + (size_t)y * frame_w * 3;
        int x = 0;
        if (y < th) {
            const uint8_t *p = rgb + (size_t)y * tw * 3;
            for (; x < tw * 3; x++)
                o[x] = (float)p[x] * scale + offset;  /* no FMA: -std=c11 keeps mul, add */
        }
        for (; x < frame_w * 3; x++)
            o[x] = 0.0f;
    }
}

int bd_preprocess_image(const uint8_t *rgb, int w, int h, int size, float scale, float offset,
                     float *frame, int *tw, int *th)
{
    bd_preprocess_target_size(w, h, size, tw, th);
    uint8_t *resized = malloc((size_t)*tw * *th * 3);
    if (!resized || bd_preprocess_resize_area(rgb, w, h, 3, resized, *tw, *th)) {
        free(resized);
        return -1;
    }
    bd_preprocess_normalise_pad(resized, *tw, *th, frame, size, size, scale, offset);
    free(resized);
    return 0;
}
