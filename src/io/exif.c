/* exif.c — the EXIF orientation of a JPEG, and turning decoded pixels upright by it.
 *
 * Phones store the sensor's pixels as they come and record how to turn them in the EXIF
 * Orientation tag (0x0112) of the APP1 segment:
 *
 *   JPEG:  FF D8, segments FF xx <16-bit big-endian length> ..., until SOS (FF DA)
 *   APP1:  FF E1 len "Exif\0\0" then a TIFF file:
 *   TIFF:  "II" (little-endian) or "MM" (big-endian), 42, offset of IFD0 (from the TIFF start)
 *   IFD:   count, then count entries of 12 bytes: tag, type, count, value (or its offset)
 *
 * Orientation is a SHORT (type 3), count 1, in the first two bytes of the value field.
 * Every offset and count is checked against the segment: a malformed APP1 (cut short, an
 * IFD pointing outside, a wrong type, a value outside 1..8) gives orientation 1, never a
 * read out of bounds.
 *
 * The 8 values say where the stored image's first row and column go (x, y: the upright
 * image, W x H; w x h: stored):
 *   1 as stored          2 mirrored left-right     3 turned 180       4 mirrored top-bottom
 *   5 transposed         6 turned 90 clockwise     7 transversed      8 turned 90 anticlockwise
 * 5-8 swap width and height. */
#include <stdlib.h>
#include <string.h>

#include "io/exif.h"

static unsigned rd16(const uint8_t *p, int big)
{
    return big ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0];
}

static uint32_t rd32(const uint8_t *p, int big)
{
    return big ? (uint32_t)rd16(p, 1) << 16 | rd16(p + 2, 1)
               : (uint32_t)rd16(p + 2, 0) << 16 | rd16(p, 0);
}

/* The orientation in one TIFF block (t, n bytes), or 0 if it has none. */
static int tiff_orientation(const uint8_t *t, size_t n)
{
    if (n < 8) return 0;
    int big;
    if (t[0] == 'I' && t[1] == 'I') big = 0;
    else if (t[0] == 'M' && t[1] == 'M') big = 1;
    else return 0;
    if (rd16(t + 2, big) != 42) return 0;
    const uint32_t ifd = rd32(t + 4, big);
    if (ifd < 8 || ifd > n - 2) return 0;
    const unsigned count = rd16(t + ifd, big);
    if (count > (n - ifd - 2) / 12) return 0;            /* entries past the segment */
    for (unsigned i = 0; i < count; i++) {
        const uint8_t *e = t + ifd + 2 + 12 * (size_t)i;
        if (rd16(e, big) != 0x0112) continue;
        if (rd16(e + 2, big) != 3 || rd32(e + 4, big) != 1) return 0;   /* SHORT x 1 */
        const unsigned v = rd16(e + 8, big);
        return v >= 1 && v <= 8 ? (int)v : 0;
    }
    return 0;
}

int bd_exif_orientation(const uint8_t *buf, size_t len)
{
    if (len < 4 || buf[0] != 0xFF || buf[1] != 0xD8) return 1;
    size_t at = 2;
    while (at + 4 <= len) {
        if (buf[at] != 0xFF) return 1;
        const unsigned m = buf[at + 1];
        if (m == 0xFF) { at++; continue; }               /* fill byte */
        if (m == 0xDA || m == 0xD9) return 1;            /* the image data: no EXIF before */
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { at += 2; continue; }
        const size_t seg = (size_t)buf[at + 2] << 8 | buf[at + 3];
        if (seg < 2 || seg > len - at - 2) return 1;     /* cut short */
        const uint8_t *p = buf + at + 4;
        const size_t n = seg - 2;
        if (m == 0xE1 && n >= 6 && !memcmp(p, "Exif\0\0", 6)) {
            int o = tiff_orientation(p + 6, n - 6);
            if (o) return o;
        }
        at += 2 + seg;
    }
    return 1;
}

int bd_exif_apply(uint8_t **pixels, int *w, int *h, int channels, int orientation)
{
    if (orientation <= 1 || orientation > 8) return 0;
    const int sw = *w, sh = *h, swap = orientation >= 5;
    const int W = swap ? sh : sw, H = swap ? sw : sh;
    const uint8_t *src = *pixels;
    uint8_t *dst = malloc((size_t)W * H * channels);
    if (!dst) return -1;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int sx, sy;                                   /* the stored pixel shown at x, y */
            switch (orientation) {
            case 2: sx = sw - 1 - x; sy = y; break;
            case 3: sx = sw - 1 - x; sy = sh - 1 - y; break;
            case 4: sx = x; sy = sh - 1 - y; break;
            case 5: sx = y; sy = x; break;
            case 6: sx = y; sy = sh - 1 - x; break;
            case 7: sx = sw - 1 - y; sy = sh - 1 - x; break;
            default: sx = sw - 1 - y; sy = x; break;     /* 8 */
            }
            memcpy(dst + ((size_t)y * W + x) * channels,
                   src + ((size_t)sy * sw + sx) * channels, (size_t)channels);
        }
    free(*pixels);
    *pixels = dst;
    *w = W;
    *h = H;
    return 0;
}
