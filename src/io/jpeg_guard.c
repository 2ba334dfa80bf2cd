/* jpeg_guard.c — refuses the JPEGs that overflow stb_image 2.27's Huffman tables.
 *
 * A DHT segment lists 16 code counts and then the values. stb 2.27 (Debian 12) never checks
 * that the counts add up to at most 256: stbi__build_huffman writes one byte per code into
 * a 257-byte array and the values go into a 256-byte one, so a 2 KB file can overwrite the
 * rest of the decoder's state, function pointers included (stb 2.28 added the check). Found
 * by tests/fuzz/fuzz_image.c; the input is tests/regress/image-jpeg-dht-overflow.jpg.
 *
 * We walk the markers the way stb does and check every DHT table it could read. Where stb
 * would stop with an error we stop too (nothing after that point is ever decoded); where
 * stb's path is uncertain (garbage between segments, entropy-coded data) we look at more
 * places than stb, never fewer: FF 00 and restart markers inside a scan are data, anything
 * else after an FF (fill bytes skipped) is the next marker.
 */
#include <stdio.h>

#include "io/jpeg_guard.h"

typedef struct {
    const uint8_t *p;
    size_t n, at;
} reader;

static int get8(reader *r)               /* stb reads 0 past the end of a memory buffer */
{
    int v = r->at < r->n ? r->p[r->at] : 0;
    r->at++;
    return v;
}

static int get16(reader *r)
{
    int hi = get8(r);
    return hi << 8 | get8(r);
}

static void skip(reader *r, long n)
{
    if (n < 0 || (size_t)n > r->n - (r->at < r->n ? r->at : r->n))
        r->at = r->n;
    else
        r->at += (size_t)n;
}

/* The next marker byte, or -1 at the end. In a scan, FF 00 and FF D0..D7 are data. */
static int next_marker(reader *r, int in_scan)
{
    while (r->at < r->n) {
        if (r->p[r->at++] != 0xFF)
            continue;
        while (r->at < r->n && r->p[r->at] == 0xFF)
            r->at++;
        if (r->at >= r->n)
            return -1;
        int c = r->p[r->at++];
        if (in_scan && (c == 0 || (c >= 0xD0 && c <= 0xD7)))
            continue;
        return c;
    }
    return -1;
}

/* One DHT segment, read exactly as stb reads it. 1: fine or stb stops here; 0: overflow. */
static int dht_ok(reader *r, int *codes)
{
    long len = get16(r) - 2;
    while (len > 0) {
        int q = get8(r);
        if (q >> 4 > 1 || (q & 15) > 3)
            return 1;                     /* stb: "bad DHT header", decoding stops */
        int n = 0;
        for (int i = 0; i < 16; i++)
            n += get8(r);
        if (n > 256) {
            *codes = n;
            return 0;
        }
        skip(r, n);
        len -= 17 + n;
    }
    return 1;
}

int bd_jpeg_guard_check(const uint8_t *buf, size_t len, char *why, size_t whylen)
{
    reader r = {buf, len, 0};
    while (r.at < len && buf[r.at] == 0xFF)   /* SOI, after any fill bytes */
        r.at++;
    if (r.at == 0 || r.at >= len || buf[r.at] != 0xD8)
        return 0;
    r.at++;
    int in_scan = 0;
    for (;;) {
        int m = next_marker(&r, in_scan);
        in_scan = 0;
        if (m < 0 || m == 0xD9)               /* end of data / EOI */
            return 0;
        if (m == 0xC4) {
            int codes = 0;
            if (!dht_ok(&r, &codes)) {
                snprintf(why, whylen, "a Huffman table declares %d codes, at most 256", codes);
                return -1;
            }
        } else if (m == 0xDA) {               /* SOS: header, then entropy-coded data */
            skip(&r, (long)get16(&r) - 2);
            in_scan = 1;
        } else if ((m >= 0xC0 && m <= 0xC2) || m == 0xDB || m == 0xDC || m == 0xDD ||
                   (m >= 0xE0 && m <= 0xEF) || m == 0xFE) {
            skip(&r, (long)get16(&r) - 2);
        } else {
            return 0;                         /* a marker stb refuses: decoding stops */
        }
    }
}
