/* qu8_bilinear.h — one output pixel of TFLite's uint8 RESIZE_BILINEAR (align_corners, its
 * float32 reference arithmetic: qu8_resize_bilinear_ref.c says it in full), shared by the
 * resize itself and the fused resize + argmax (qu8_upsample_argmax_ref.c). */
#ifndef BACKDROP_QU8_BILINEAR_H
#define BACKDROP_QU8_BILINEAR_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* scale = (in - 1) / (out - 1), 0 for a single output */
static inline float qu8_bilinear_scale(int in, int out)
{
    return out > 1 ? (float)(in - 1) / (float)(out - 1) : 0.0f;
}

/* The four source pixels of output (oy, ox) and the fractions between them. */
typedef struct {
    const uint8_t *p00, *p01, *p10, *p11;
    float dy, dx;
} qu8_bilinear_px;

static inline qu8_bilinear_px qu8_bilinear_at(const uint8_t *in, int ih, int iw, int c,
                                              float sy, float sx, int oy, int ox)
{
    const volatile float fy = (float)oy * sy, fx = (float)ox * sx;  /* volatile: no FMA */
    const int y0 = (int)floorf(fy), y1 = (int)ceilf(fy) < ih - 1 ? (int)ceilf(fy) : ih - 1;
    const int x0 = (int)floorf(fx), x1 = (int)ceilf(fx) < iw - 1 ? (int)ceilf(fx) : iw - 1;
    qu8_bilinear_px t = {in + ((size_t)y0 * iw + x0) * c, in + ((size_t)y0 * iw + x1) * c,
                         in + ((size_t)y1 * iw + x0) * c, in + ((size_t)y1 * iw + x1) * c,
                         fy - (float)y0, fx - (float)x0};
    return t;
}

/* Channel ch of that pixel: the four weighted terms left to right in float32, + 0.5,
 * truncated (round half up), saturated at 255. */
static inline uint8_t qu8_bilinear_value(const qu8_bilinear_px *t, int ch)
{
    const float dy = t->dy, dx = t->dx;
    volatile float t00 = (float)t->p00[ch] * (1.0f - dy) * (1.0f - dx);
    volatile float t10 = (float)t->p10[ch] * dy * (1.0f - dx);
    volatile float t01 = (float)t->p01[ch] * (1.0f - dy) * dx;
    volatile float t11 = (float)t->p11[ch] * dy * dx;
    const float v = t00 + t10 + t01 + t11 + 0.5f;
    return (uint8_t)(v < 255.0f ? v : 255.0f);
}

#endif
