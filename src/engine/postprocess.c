/* postprocess.c — logits -> results at the original image size: the nearest resize of the
 * label map and the soft (probability) mask (see postprocess.h). */
#include <math.h>
#include <omp.h>
#include <stdlib.h>

#include "engine/postprocess.h"
#include "kernels_quant.h"

static float align_scale(int in, int out)
{
    return out > 1 ? (float)(in - 1) / (float)(out - 1) : 0.0f;
}

void bd_postprocess_nearest(const uint8_t *src, int sw, int sh, uint8_t *dst, int dw, int dh)
{
    float sy_scale = align_scale(sh, dh), sx_scale = align_scale(sw, dw);
    #pragma omp parallel for schedule(static)
    for (int y = 0; y < dh; y++) {
        int sy = (int)roundf((float)y * sy_scale);
        if (sy > sh - 1) sy = sh - 1;
        const uint8_t *s = src + (size_t)sy * sw;
        uint8_t *d = dst + (size_t)y * dw;
        for (int x = 0; x < dw; x++) {
            int sx = (int)roundf((float)x * sx_scale);
            if (sx > sw - 1) sx = sw - 1;
            d[x] = s[sx];
        }
    }
}

void bd_postprocess_voc_color(int c, uint8_t rgb[3])
{
    int r = 0, g = 0, b = 0;
    for (int shift = 7; shift >= 0 && c; shift--, c >>= 3) {
        r |= (c & 1) << shift;
        g |= ((c >> 1) & 1) << shift;
        b |= ((c >> 2) & 1) << shift;
    }
    rgb[0] = (uint8_t)r;
    rgb[1] = (uint8_t)g;
    rgb[2] = (uint8_t)b;
}

int bd_postprocess_labels(const bd_kernels *k, const float *logits, int fw, int fh, int classes,
                       int frame_w, int frame_h, int tw, int th, int ow, int oh,
                       uint8_t *labels)
{
    if (tw == ow && th == oh) {              /* no final resize needed */
        k->upsample_argmax(logits, fh, fw, classes, frame_h, frame_w, th, tw, labels);
        return 0;
    }
    uint8_t *resized = malloc((size_t)tw * th);   /* labels at the resized size */
    if (!resized)
        return -1;
    k->upsample_argmax(logits, fh, fw, classes, frame_h, frame_w, th, tw, resized);
    bd_postprocess_nearest(resized, tw, th, labels, ow, oh);
    free(resized);
    return 0;
}

int bd_postprocess_labels_u8(const uint8_t *logits, int fw, int fh, int classes, int frame_w,
                             int frame_h, int tw, int th, int ow, int oh, uint8_t *labels)
{
    uint8_t *resized = tw == ow && th == oh ? labels : malloc((size_t)tw * th);
    if (!resized)
        return -1;
    bd_qu8_upsample_argmax(logits, fh, fw, classes, frame_h, frame_w, th, tw, resized);
    if (resized != labels) {
        bd_postprocess_nearest(resized, tw, th, labels, ow, oh);
        free(resized);
    }
    return 0;
}

/* Softmax share of the chosen classes for logits v (classes values): the direct formula. */
static float chosen_share(const float *v, int classes, const uint8_t *chosen)
{
    float vmax = v[0];
    for (int c = 1; c < classes; c++)
        if (v[c] > vmax) vmax = v[c];
    float sum = 0.0f, sel = 0.0f;
    for (int c = 0; c < classes; c++) {
        float e = expf(v[c] - vmax);
        sum += e;
        if (chosen[c]) sel += e;
    }
    return sel / sum;
}

/* The mask, row by row. Along a row of the original image the logit coordinate grows by kx
 * per pixel; between two logit columns L and R the interpolated logits are
 *     v_c(fx) = L_c + (R_c - L_c) * fx,  so  exp(v_c) advances by the constant factor
 *     exp((R_c - L_c) * kx) from one pixel to the next.
 * So each run of pixels inside one logit cell costs 2 exp per class, not one per pixel:
 * the softmax at full resolution for about the price of the logit grid. Exponents are
 * shifted by the cell's largest logit M (exp(v - M) <= 1, no overflow); if a pixel's
 * sum underflows anyway (logits 80+ apart), it falls back to the direct formula. */
int bd_postprocess_soft_mask(const float *logits, int fw, int fh, int classes,
                          int frame_w, int frame_h, int tw, int th, int ow, int oh,
                          const uint8_t *chosen, float *mask, uint8_t *mask_u8)
{
    /* original pixel -> resized pixel -> frame pixel (same coordinates) -> logit cell */
    float ky = align_scale(th, oh) * align_scale(fh, frame_h);
    float kx = align_scale(tw, ow) * align_scale(fw, frame_w);
    /* Per thread: one row of logits interpolated along y (fw x classes), then the running
     * exponentials e, their step factors g, and one pixel's logits v (classes each). */
    int threads = omp_get_max_threads();
    size_t per_thread = (size_t)(fw + 3) * classes;
    float *scratch = malloc(sizeof(float) * (per_thread * threads + classes));
    if (!scratch)
        return -1;
    float *weight = scratch + per_thread * threads;    /* 1 for a chosen class, else 0 */
    for (int c = 0; c < classes; c++)
        weight[c] = chosen[c] ? 1.0f : 0.0f;
    #pragma omp parallel for schedule(static) num_threads(threads)
    for (int y = 0; y < oh; y++) {
        float *rowbuf = scratch + per_thread * omp_get_thread_num();
        float *e = rowbuf + (size_t)fw * classes, *g = e + classes, *v = g + classes;
        float sy = (float)y * ky;
        int y0 = (int)floorf(sy);
        if (y0 > fh - 1) y0 = fh - 1;
        int y1 = y0 + 1 < fh ? y0 + 1 : fh - 1;
        float fy = sy - (float)y0;
        const float *a = logits + (size_t)y0 * fw * classes;
        const float *b = logits + (size_t)y1 * fw * classes;
        for (int q = 0; q < fw * classes; q++)
            rowbuf[q] = a[q] + (b[q] - a[q]) * fy;

        for (int x = 0; x < ow;) {
            /* a run of pixels x .. that share the logit cell [x0, x1] */
            float sx = (float)x * kx;
            int x0 = (int)floorf(sx);
            if (x0 > fw - 1) x0 = fw - 1;
            int x1 = x0 + 1 < fw ? x0 + 1 : fw - 1;
            float fx = sx - (float)x0;
            const float *l = rowbuf + (size_t)x0 * classes;
            const float *r = rowbuf + (size_t)x1 * classes;
            float m = l[0];
            for (int c = 0; c < classes; c++) {
                if (l[c] > m) m = l[c];
                if (r[c] > m) m = r[c];
            }
            for (int c = 0; c < classes; c++) {
                float d = r[c] - l[c];
                e[c] = expf(l[c] + d * fx - m);
                g[c] = expf(d * kx);
            }
            for (; x < ow; x++) {
                if (x0 < fw - 1 && (int)floorf((float)x * kx) != x0)
                    break;                              /* next logit cell */
                float sum = 0.0f, sel = 0.0f;
                #pragma omp simd reduction(+:sum, sel)
                for (int c = 0; c < classes; c++) {
                    sum += e[c];
                    sel += e[c] * weight[c];
                    e[c] *= g[c];
                }
                float p;
                if (sum > 1e-30f) {
                    p = sel / sum;
                } else {                                /* underflow: direct formula */
                    float f = (float)x * kx - (float)x0;
                    for (int c = 0; c < classes; c++)
                        v[c] = l[c] + (r[c] - l[c]) * f;
                    p = chosen_share(v, classes, chosen);
                }
                p = p < 0.0f ? 0.0f : p > 1.0f ? 1.0f : p;
                size_t o = (size_t)y * ow + x;
                if (mask) mask[o] = p;
                if (mask_u8) mask_u8[o] = (uint8_t)lrintf(p * 255.0f);
            }
        }
    }
    free(scratch);
    return 0;
}
