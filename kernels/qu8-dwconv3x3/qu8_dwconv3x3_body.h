/* qu8_dwconv3x3_body.h — what the SIMD variants of the uint8 depthwise 3x3 share: which of
 * the 9 taps of output pixel (oy, ox) fall inside the image, in the reference's order
 * (ky, then kx), as byte offsets of the input pixel and tap indices. Taps outside the image
 * contribute nothing (they would hold the zero point), exactly as in qu8_dwconv3x3_ref.c. */
#ifndef BACKDROP_QU8_DWCONV3X3_BODY_H
#define BACKDROP_QU8_DWCONV3X3_BODY_H

#include <stddef.h>

typedef struct qu8_dw_geom {
    int h, w, c, stride, dilation, pad_top, pad_left;
    size_t tap_off[9];        /* offset of tap (ky, kx) from tap (0, 0): (d ky w + d kx) c */
} qu8_dw_geom;

static inline qu8_dw_geom qu8_dw_geometry(int h, int w, int c, int stride, int dilation,
                                          int pad_top, int pad_left)
{
    qu8_dw_geom g = {h, w, c, stride, dilation, pad_top, pad_left, {0}};
    for (int t = 0; t < 9; t++)
        g.tap_off[t] = ((size_t)dilation * (t / 3) * w + (size_t)dilation * (t % 3)) * c;
    return g;
}

/* Fills off[] (offset of the tap's input pixel, channel 0) and tap[] (ky * 3 + kx) for the
 * valid taps of (oy, ox); returns how many. Pixels whose whole window is inside take the
 * short way. */
static inline int qu8_dw_taps(const qu8_dw_geom *g, int oy, int ox, size_t off[9], int tap[9])
{
    const int y0 = g->stride * oy - g->pad_top, x0 = g->stride * ox - g->pad_left;
    if (y0 >= 0 && x0 >= 0 && y0 + 2 * g->dilation < g->h && x0 + 2 * g->dilation < g->w) {
        const size_t base = ((size_t)y0 * g->w + x0) * g->c;
        for (int t = 0; t < 9; t++) {
            off[t] = base + g->tap_off[t];
            tap[t] = t;
        }
        return 9;
    }
    int n = 0;
    for (int ky = 0; ky < 3; ky++) {
        const int y = g->stride * oy + g->dilation * ky - g->pad_top;
        for (int kx = 0; y >= 0 && y < g->h && kx < 3; kx++) {
            const int x = g->stride * ox + g->dilation * kx - g->pad_left;
            if (x >= 0 && x < g->w) {
                off[n] = ((size_t)y * g->w + x) * g->c;
                tap[n++] = ky * 3 + kx;
            }
        }
    }
    return n;
}

#endif
