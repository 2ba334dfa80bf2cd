/* image_check.c — reads the headers of PNG, JPEG, BMP and TGA files before stb_image 2.27
 * decodes them, for what stb gets wrong (see image_check.h):
 *
 *   - stb keeps BMP and PNG palettes in arrays it never clears: a pixel index past the
 *     palette (or a BMP whose palette size works out negative) takes whatever the stack
 *     held. BMP: every index is checked against the palette (refused if past it). PNG: the
 *     palette is padded to 256 black, opaque entries in a copy of the file (the data is
 *     compressed, so the indices cannot be checked without inflating it).
 *   - stb fills missing pixels with zeros: a BMP or uncompressed TGA shorter than its
 *     header says, an RLE TGA whose packets end early, or a JPEG whose entropy-coded data
 *     stops before its last block (walked below), is refused as truncated.
 *   - stb reads a TGA colour map that starts at entry N > 0 from the wrong place (it skips
 *     N bytes, and maps pixel value v to the v-th stored entry): the copy gets N black
 *     entries in front, so entry v is where the file means it. stb ignores the
 *     right-to-left bit: *mirror tells the caller to flip the rows.
 *   - A PNG chunk longer than the rest of the file is named (stb says "Corrupt PNG").
 *   - JPEG variants stb cannot decode (12-bit, lossless, hierarchical, arithmetic-coded)
 *     and RLE or other compressed BMPs are named instead of "unknown type".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/image_check.h"

static uint32_t le16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const uint8_t *p) { return le16(p) | le16(p + 2) << 16; }
static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

bd_image_format bd_image_sniff(const uint8_t *buf, size_t len)
{
    if (len >= 8 && !memcmp(buf, "\x89PNG\r\n\x1a\n", 8)) return BD_FORMAT_PNG;
    if (len >= 3 && buf[0] == 0xFF && buf[1] == 0xD8 && buf[2] == 0xFF) return BD_FORMAT_JPEG;
    if (len >= 2 && buf[0] == 'B' && buf[1] == 'M') return BD_FORMAT_BMP;
    /* TGA has no magic: a colour map type of 0 or 1 and one of the image types stb reads */
    if (len >= 3 && buf[1] <= 1 && (buf[2] == 1 || buf[2] == 2 || buf[2] == 3 ||
                                    buf[2] == 9 || buf[2] == 10 || buf[2] == 11))
        return BD_FORMAT_TGA;
    return BD_FORMAT_UNKNOWN;
}

/* ------------------------------------------------------------------ BMP ------------- */

static int check_bmp(const uint8_t *b, size_t len, char *why, size_t wl)
{
    if (len < 26) {
        snprintf(why, wl, "truncated BMP: %zu bytes, the headers need at least 26", len);
        return -1;
    }
    const uint32_t offset = le32(b + 10), hsz = le32(b + 14);
    if (hsz != 12 && hsz != 40 && hsz != 56 && hsz != 108 && hsz != 124)
        return 0;                                   /* stb refuses it, with its reason */
    if (len < 14 + (size_t)hsz) {
        snprintf(why, wl, "truncated BMP: %zu bytes, the headers need %u", len, 14 + hsz);
        return -1;
    }
    long long w, h;
    unsigned bpp, compression = 0;
    if (hsz == 12) {
        w = le16(b + 18);
        h = le16(b + 20);
        bpp = le16(b + 24);
    } else {
        w = (int32_t)le32(b + 18);
        h = (int32_t)le32(b + 22);
        bpp = le16(b + 28);
        compression = le32(b + 30);
    }
    if (h < 0) h = -h;                              /* top-down rows */
    if (compression == 1 || compression == 2) {
        snprintf(why, wl, "RLE-compressed BMP (RLE%d) is not supported", compression == 1 ? 8 : 4);
        return -1;
    }
    if (compression != 0 && compression != 3) {
        snprintf(why, wl, "BMP compression %u is not supported (only uncompressed)", compression);
        return -1;
    }
    if (w < 1 || h < 1 || w > 1 << 24 || h > 1 << 24 ||
        (bpp != 1 && bpp != 4 && bpp != 8 && bpp != 16 && bpp != 24 && bpp != 32))
        return 0;                                   /* stb or the size limit refuses it */
    const long long row = (w * bpp + 31) / 32 * 4;  /* rows are padded to 4 bytes */
    const long long need = (long long)offset + row * h;
    if ((long long)len < need) {
        snprintf(why, wl, "truncated BMP: the header promises %lldx%lld pixels (%lld bytes), "
                 "the file has %zu", w, h, need, len);
        return -1;
    }
    if (bpp > 8) return 0;
    /* stb's palette size: whatever lies between the headers and the pixels */
    long long psize = hsz == 12 ? ((long long)offset - 14 - 24) / 3
                                : ((long long)offset - 14 - hsz) >> 2;
    if (psize <= 0 || psize > 256) {
        snprintf(why, wl, "corrupt BMP: its palette would have %lld entries (1..256)", psize);
        return -1;
    }
    for (long long y = 0; y < h; y++) {
        const uint8_t *r = b + offset + y * row;
        for (long long x = 0; x < w; x++) {
            unsigned v = bpp == 8 ? r[x] : bpp == 4 ? (r[x / 2] >> (x & 1 ? 0 : 4)) & 15
                                                    : (r[x / 8] >> (7 - (x & 7))) & 1;
            if (v >= psize) {
                snprintf(why, wl, "corrupt BMP: pixel (%lld,%lld) is colour %u of a "
                         "%lld-colour palette", x, y, v, psize);
                return -1;
            }
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ TGA ------------- */

static int check_tga(const uint8_t *b, size_t len, uint8_t **fixed, size_t *fixed_len,
                     int *mirror, char *why, size_t wl)
{
    if (len < 18) {
        snprintf(why, wl, "truncated TGA: %zu bytes, the header needs 18", len);
        return -1;
    }
    const unsigned idlen = b[0], cmtype = b[1], type = b[2];
    const unsigned cm_first = le16(b + 3), cm_len = le16(b + 5), cm_bits = b[7];
    const unsigned w = le16(b + 12), h = le16(b + 14), bpp = b[16], desc = b[17];
    const unsigned cm_bytes = cmtype ? cm_len * ((cm_bits + 7) / 8) : 0;
    const size_t data = 18 + (size_t)idlen + cm_bytes;
    const size_t px = (bpp + 7) / 8;
    if (w == 0 || h == 0 || px == 0 || px > 4) return 0;   /* stb refuses it */
    if (data > len) {
        snprintf(why, wl, "truncated TGA: the colour map ends at byte %zu, the file has %zu",
                 data, len);
        return -1;
    }
    const size_t npix = (size_t)w * h;
    if (type == 1 || type == 2 || type == 3) {
        if (len - data < npix * px) {
            snprintf(why, wl, "truncated TGA: the header promises %ux%u pixels (%zu bytes), "
                     "the file has %zu", w, h, data + npix * px, len);
            return -1;
        }
    } else if (type == 9 || type == 10 || type == 11) {
        size_t at = data, got = 0;                 /* walk the RLE packets */
        while (got < npix) {
            if (at >= len) break;
            const unsigned c = b[at++], n = (c & 127) + 1u;
            const size_t bytes = c & 128 ? px : n * px;
            if (len - at < bytes) { at = len + 1; break; }
            at += bytes;
            got += n;
        }
        if (got < npix) {
            snprintf(why, wl, "truncated TGA: its run-length data ends after %zu of %ux%u "
                     "pixels", got, w, h);
            return -1;
        }
    }
    *mirror = (desc >> 4) & 1;
    if (cmtype == 1 && cm_first > 0 && (type == 1 || type == 9)) {
        /* entries 0..first-1 are not stored: put black ones there, so stb's entry v is
         * the file's entry v */
        const size_t eb = (cm_bits + 7) / 8, add = cm_first * eb;
        if ((size_t)cm_first + cm_len > 65535) {
            snprintf(why, wl, "corrupt TGA: colour map entries %u..%u are past 65535",
                     cm_first, cm_first + cm_len - 1);
            return -1;
        }
        uint8_t *c = malloc(len + add);
        if (!c) {
            snprintf(why, wl, "out of memory");
            return -1;
        }
        memcpy(c, b, 18 + idlen);
        c[3] = c[4] = 0;
        c[5] = (uint8_t)((cm_first + cm_len) & 255);
        c[6] = (uint8_t)((cm_first + cm_len) >> 8);
        memset(c + 18 + idlen, 0, add);
        memcpy(c + 18 + idlen + add, b + 18 + idlen, len - 18 - idlen);
        *fixed = c;
        *fixed_len = len + add;
    }
    return 0;
}

/* ------------------------------------------------------------------ PNG ------------- */

static uint32_t crc32_png(const uint8_t *p, size_t n)   /* the PNG/zlib CRC, bit by bit */
{
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return ~c;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static int check_png(const uint8_t *b, size_t len, uint8_t **fixed, size_t *fixed_len,
                     char *why, size_t wl)
{
    if (len < 33 || memcmp(b + 12, "IHDR", 4)) return 0;     /* stb reports it */
    const int paletted = b[25] == 3;
    size_t at = 8;
    while (len - at >= 8) {
        const uint32_t n = be32(b + at);
        char type[5];
        for (int i = 0; i < 4; i++) {
            const uint8_t c = b[at + 4 + i];
            type[i] = (char)((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ? c : '?');
        }
        type[4] = '\0';
        if (n > len - at - 8 || len - at - 8 - n < 4) {
            snprintf(why, wl, "truncated PNG: its %s chunk claims %u bytes, %zu are left",
                     type, n, len - at - 8);
            free(*fixed);
            *fixed = NULL;
            return -1;
        }
        if (!memcmp(type, "IEND", 4)) return 0;
        if (paletted && !memcmp(type, "PLTE", 4) && n % 3 == 0 && n > 0 && n < 768 && !*fixed) {
            uint8_t *c = malloc(len - n + 768);
            if (!c) {
                snprintf(why, wl, "out of memory");
                return -1;
            }
            memcpy(c, b, at + 8 + n);
            memset(c + at + 8 + n, 0, 768 - n);
            put_be32(c + at, 768);
            put_be32(c + at + 8 + 768, crc32_png(c + at + 4, 4 + 768));
            memcpy(c + at + 12 + 768, b + at + 12 + n, len - at - 12 - n);
            *fixed = c;
            *fixed_len = len - n + 768;
        }
        at += 12 + (size_t)n;
    }
    return 0;              /* no IEND: stb decodes what IDAT data there is, or refuses */
}

/* ------------------------------------------------------------------ JPEG ------------ */

/* A JPEG cut in the middle of its entropy-coded data and closed with an EOI marker
 * decodes "fine" in stb: once the data runs out its bit reader hands out zeros. To tell,
 * the scans are walked here the way a decoder reads them, without doing any arithmetic:
 * sequential files, for every 8x8 block, one DC Huffman symbol and its extra bits, then AC
 * symbols (run, size) and their extra bits until 63 coefficients or end-of-block;
 * progressive files, each scan's band (DC or AC, first pass or refinement, end-of-band
 * runs), keeping which coefficients are nonzero so far, since a refinement reads one bit
 * for each of them. If the data ends (a marker other than a restart, or the end of the
 * file) before the last block of a scan, the file is truncated. Anything the walk does not
 * understand (an undefined table, an invalid code, a band stb refuses) ends the walk and
 * is left to stb. */

#define FAST_BITS 9          /* codes up to 9 bits long are looked up in one step */

typedef struct {
    uint16_t fast[1 << FAST_BITS];   /* next 9 bits -> length << 8 | symbol; 0: longer */
    uint16_t fast_ac[1 << FAST_BITS];/* an AC code and its extra bits in 9 bits: their
                                        length << 8 | coefficients to skip (255: EOB) */
    uint8_t count[17];       /* codes of each length 1..16 */
    uint8_t values[256];
    int32_t maxcode[18];     /* largest code of each length (-1: none), left-aligned use */
    int32_t delta[17];       /* values index = code + delta[len] */
    int defined;
} huff;

typedef struct {
    const uint8_t *p;
    size_t n, at;
    uint64_t buf;            /* the next bits, left-aligned */
    int nbits, phantom, stopped, short_data;
} bits;

/* Canonical Huffman codes: each length's codes follow the previous length's, doubled. */
static void huff_build(huff *t)
{
    int32_t code = 0, k = 0;
    memset(t->fast, 0, sizeof t->fast);
    for (int len = 1; len <= 16; len++) {
        t->delta[len] = k - code;
        for (int i = 0; i < t->count[len]; i++, code++, k++) {
            if (code >= (1 << len)) {              /* more codes than bits: not a table */
                t->defined = 0;
                return;
            }
            if (len <= FAST_BITS) {             /* every 9-bit string starting with it */
                const int lo = code << (FAST_BITS - len), n = 1 << (FAST_BITS - len);
                for (int j = 0; j < n; j++)
                    t->fast[lo + j] = (uint16_t)(len << 8 | t->values[k]);
            }
        }
        t->maxcode[len] = t->count[len] ? code - 1 : -1;
        code <<= 1;
    }
    for (int i = 0; i < 1 << FAST_BITS; i++) {   /* as an AC table: run/size symbols */
        const unsigned f = t->fast[i], len = f >> 8, rs = f & 255, r = rs >> 4, s = rs & 15;
        t->fast_ac[i] = 0;
        if (!f || len + s > FAST_BITS) continue;
        const unsigned skip = s ? r + 1 : r == 15 ? 16 : 255;
        t->fast_ac[i] = (uint16_t)((len + s) << 8 | skip);
    }
    t->defined = 1;
}

static void bits_refill(bits *b)
{
    while (b->nbits <= 56 && !b->stopped && b->at < b->n && b->p[b->at] != 0xFF) {
        b->buf |= (uint64_t)b->p[b->at++] << (56 - b->nbits);   /* the common case */
        b->nbits += 8;
    }
    while (b->nbits <= 56) {
        uint64_t byte = 0;
        if (!b->stopped && b->at < b->n) {
            if (b->p[b->at] == 0xFF) {
                if (b->at + 1 < b->n && b->p[b->at + 1] == 0x00) {
                    byte = 0xFF;
                    b->at += 2;
                } else {
                    b->stopped = 1;          /* a marker: the data of this interval ends */
                }
            } else {
                byte = b->p[b->at++];
            }
        } else {
            b->stopped = 1;
        }
        if (b->stopped) b->phantom += 8;
        b->buf |= byte << (56 - b->nbits);
        b->nbits += 8;
    }
}

/* At least 25 bits in buf (zeros past the end of the data, counted in phantom); tops up
 * to 57 or more, so most calls return at once. */
static inline void bits_fill(bits *b)
{
    if (b->nbits <= 24) bits_refill(b);
}

/* Drops k <= 25 bits that bits_fill has made sure are there. */
static inline void bits_take(bits *b, int k)
{
    b->buf <<= k;
    b->nbits -= k;
    if (b->nbits < b->phantom) b->short_data = 1;   /* past the end of the data */
}

static void bits_skip(bits *b, int k)
{
    if (k == 0) return;
    bits_fill(b);
    bits_take(b, k);
}

/* The next symbol, or -1 for a code the table does not have. */
static int huff_get(bits *b, const huff *t)
{
    bits_fill(b);
    const unsigned f = t->fast[b->buf >> (64 - FAST_BITS)];
    if (f) {
        bits_take(b, (int)(f >> 8));
        return (int)(f & 255);
    }
    for (int len = FAST_BITS + 1; len <= 16; len++) {
        int32_t code = (int32_t)(b->buf >> (64 - len));
        if (code <= t->maxcode[len]) {
            int v = t->values[(code + t->delta[len]) & 255];
            bits_take(b, len);
            return v;
        }
    }
    return -1;
}

/* Skips one block; 0 ok, -1 for an invalid code. */
static int skip_block(bits *b, const huff *dc, const huff *ac)
{
    int s = huff_get(b, dc);
    if (s < 0 || s > 16) return -1;
    bits_skip(b, s);
    for (int k = 1; k < 64 && !b->short_data;) {
        bits_fill(b);
        const unsigned fa = ac->fast_ac[b->buf >> (64 - FAST_BITS)];
        if (fa) {                                /* code and extra bits in one step */
            bits_take(b, (int)(fa >> 8));
            if ((fa & 255) == 255) break;        /* end of block */
            k += (int)(fa & 255);
            continue;
        }
        int rs = huff_get(b, ac);
        if (rs < 0) return -1;
        int r = rs >> 4, sz = rs & 15;
        if (sz == 0) {
            if (r != 15) break;                  /* end of block */
            k += 16;
        } else {
            bits_skip(b, sz);
            k += r + 1;
        }
    }
    return 0;
}

/* Moves past the next marker-free stretch: to the FF of the next marker (not FF 00). */
static size_t next_marker_at(const uint8_t *p, size_t n, size_t at)
{
    while (at + 1 < n && !(p[at] == 0xFF && p[at + 1] != 0x00 && p[at + 1] != 0xFF))
        at++;
    return at;
}

typedef struct {
    int id, h, v;            /* sampling factors */
    int bw, bh;              /* blocks, padded to whole MCUs (the interleaved layout) */
    uint64_t *nz;            /* progressive: which of each block's 64 coefficients (in
                                zigzag order) are nonzero so far, for refinement scans */
} jcomp;

typedef struct {
    jcomp comp[4];
    int ncomp, w, h, hmax, vmax, mcux, mcuy, progressive, restart;
    huff dc[4], ac[4];
} jpeg;

typedef struct {
    int ss, se, ah, al;      /* spectral band and successive approximation bits */
    long long eobrun;        /* progressive AC: blocks left in an end-of-band run */
} band;

/* One block of a progressive scan (ITU T.81 G.1.2): DC first / refine, AC first /
 * refine; the refinement reads one correction bit per coefficient already nonzero.
 * 0 ok, -1 for an invalid code. */
static int walk_prog_block(bits *b, band *bd, const huff *dc, const huff *ac, uint64_t *nz)
{
    if (bd->ss == 0) {                                 /* DC */
        if (bd->ah == 0) {
            int s = huff_get(b, dc);
            if (s < 0 || s > 16) return -1;
            bits_skip(b, s);
        } else {
            bits_skip(b, 1);
        }
        return 0;
    }
    int k = bd->ss;
    if (bd->ah == 0) {                                 /* AC first */
        if (bd->eobrun > 0) {
            bd->eobrun--;
            return 0;
        }
        for (; k <= bd->se; k++) {
            int rs = huff_get(b, ac);
            if (rs < 0) return -1;
            int r = rs >> 4, s = rs & 15;
            if (s) {
                k += r;
                bits_skip(b, s);
                if (k < 64) *nz |= 1ull << k;
            } else if (r == 15) {
                k += 15;
            } else {
                bd->eobrun = (1ll << r) - 1;
                if (r) { bits_fill(b); bd->eobrun += (long long)(b->buf >> (64 - r)); bits_take(b, r); }
                break;
            }
            if (b->short_data) return 0;
        }
        return 0;
    }
    if (bd->eobrun == 0) {                             /* AC refine */
        for (; k <= bd->se; k++) {
            int rs = huff_get(b, ac);
            if (rs < 0) return -1;
            int r = rs >> 4, s = rs & 15;
            if (s) {
                if (s != 1) return -1;
                bits_skip(b, 1);                       /* the new coefficient's sign */
            } else if (r != 15) {
                bd->eobrun = 1ll << r;
                if (r) { bits_fill(b); bd->eobrun += (long long)(b->buf >> (64 - r)); bits_take(b, r); }
                break;
            }
            for (; k <= bd->se; k++) {                 /* past r zero coefficients */
                if (*nz >> k & 1)
                    bits_skip(b, 1);                   /* a correction bit */
                else if (--r < 0)
                    break;
            }
            if (s && k <= bd->se) *nz |= 1ull << k;
            if (b->short_data) return 0;
        }
    }
    if (bd->eobrun > 0) {                              /* the rest of the band */
        for (; k <= bd->se; k++)
            if (*nz >> k & 1) bits_skip(b, 1);
        bd->eobrun--;
    }
    return 0;
}

/* Walks one scan starting at at (just past the SOS header). 1: whole, 0: cut short,
 * -1: the walk cannot tell. *end is where the markers continue. */
static int walk_scan(const uint8_t *p, size_t n, size_t at, jpeg *J, const int *scomp,
                     const int *sdc, const int *sac, int ns, band bd, size_t *end)
{
    const int dc_needed = !J->progressive || bd.ss == 0;
    const int ac_needed = !J->progressive || bd.ss > 0;
    for (int i = 0; i < ns; i++)
        if ((dc_needed && !J->dc[sdc[i]].defined) || (ac_needed && !J->ac[sac[i]].defined))
            return -1;
    long long units, cbw = 0;
    if (ns == 1) {                      /* one component: its own blocks, not padded */
        const jcomp *c = &J->comp[scomp[0]];
        long long cw = ((long long)J->w * c->h + J->hmax - 1) / J->hmax;
        long long ch = ((long long)J->h * c->v + J->vmax - 1) / J->vmax;
        cbw = (cw + 7) / 8;
        units = cbw * ((ch + 7) / 8);
    } else {
        units = (long long)J->mcux * J->mcuy;
    }
    bits b = {p, n, at, 0, 0, 0, 0, 0};
    for (long long u = 0; u < units; u++) {
        if (J->restart && u > 0 && u % J->restart == 0) {   /* RSTn: the bits start over */
            size_t m = next_marker_at(p, n, b.at);
            if (m + 1 >= n || p[m + 1] < 0xD0 || p[m + 1] > 0xD7) return 0;
            b = (bits){p, n, m + 2, 0, 0, 0, 0, 0};
            bd.eobrun = 0;
        }
        for (int i = 0; i < ns; i++) {
            jcomp *c = &J->comp[scomp[i]];
            const int nbh = ns == 1 ? 1 : c->h, nbv = ns == 1 ? 1 : c->v;
            for (int v = 0; v < nbv; v++)
                for (int hh = 0; hh < nbh; hh++) {
                    int r;
                    if (!J->progressive) {
                        r = skip_block(&b, &J->dc[sdc[i]], &J->ac[sac[i]]);
                    } else {
                        long long bx = ns == 1 ? u % cbw : (u % J->mcux) * c->h + hh;
                        long long by = ns == 1 ? u / cbw : (u / J->mcux) * c->v + v;
                        if (bx >= c->bw || by >= c->bh) return -1;
                        r = walk_prog_block(&b, &bd, &J->dc[sdc[i]], &J->ac[sac[i]],
                                            &c->nz[by * c->bw + bx]);
                    }
                    if (r) return -1;
                    if (b.short_data) return 0;
                }
        }
    }
    *end = next_marker_at(p, n, b.at);
    return 1;
}

static int walk_markers(const uint8_t *b, size_t len, jpeg *J, char *why, size_t wl)
{
    huff *tabs[2] = {J->dc, J->ac};
    size_t at = 2;
    while (at + 4 <= len) {
        if (b[at] != 0xFF) return 0;                /* stb reports it */
        const unsigned m = b[at + 1];
        if (m == 0xFF) { at++; continue; }          /* fill byte */
        if (m == 0xD8 || (m >= 0xD0 && m <= 0xD7) || m == 0x01) { at += 2; continue; }
        if (m == 0xD9) return 0;                    /* EOI */
        const size_t seg = (size_t)b[at + 2] << 8 | b[at + 3];
        if (seg < 2 || seg > len - at - 2) return 0;   /* stb reports it */
        const uint8_t *q = b + at + 4;
        const size_t ql = seg - 2;
        if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
            static const char *kind[16] = {
                [3] = "lossless (SOF3)", [5] = "hierarchical (SOF5)",
                [6] = "hierarchical progressive (SOF6)", [7] = "hierarchical lossless (SOF7)",
                [9] = "arithmetic-coded (SOF9)", [10] = "arithmetic-coded progressive (SOF10)",
                [11] = "arithmetic-coded lossless (SOF11)",
                [13] = "arithmetic-coded hierarchical (SOF13)",
                [14] = "arithmetic-coded hierarchical progressive (SOF14)",
                [15] = "arithmetic-coded hierarchical lossless (SOF15)"};
            if (kind[m - 0xC0]) {
                snprintf(why, wl, "%s JPEG is not supported (baseline and progressive "
                         "Huffman only)", kind[m - 0xC0]);
                return -1;
            }
            if (ql >= 1 && q[0] != 8) {
                snprintf(why, wl, "%u-bit JPEG is not supported (8-bit samples only)", q[0]);
                return -1;
            }
            if (J->ncomp || ql < 6) return 0;       /* a second frame: left to stb */
            J->h = q[1] << 8 | q[2];
            J->w = q[3] << 8 | q[4];
            const int nc = q[5];
            if (nc < 1 || nc > 4 || ql < 6 + 3 * (size_t)nc || J->w < 1 || J->h < 1) return 0;
            J->hmax = J->vmax = 1;
            for (int c = 0; c < nc; c++) {
                jcomp *k = &J->comp[c];
                k->id = q[6 + 3 * c];
                k->h = q[7 + 3 * c] >> 4;
                k->v = q[7 + 3 * c] & 15;
                if (k->h < 1 || k->h > 4 || k->v < 1 || k->v > 4) return 0;
                J->hmax = k->h > J->hmax ? k->h : J->hmax;
                J->vmax = k->v > J->vmax ? k->v : J->vmax;
            }
            J->mcux = (J->w + 8 * J->hmax - 1) / (8 * J->hmax);
            J->mcuy = (J->h + 8 * J->vmax - 1) / (8 * J->vmax);
            J->progressive = m == 0xC2;
            for (int c = 0; c < nc; c++) {
                jcomp *k = &J->comp[c];
                k->bw = J->mcux * k->h;
                k->bh = J->mcuy * k->v;
                if (J->progressive &&
                    !(k->nz = calloc((size_t)k->bw * (size_t)k->bh, sizeof *k->nz)))
                    return 0;                       /* out of memory: left to stb */
                J->ncomp = c + 1;
            }
        } else if (m == 0xC4) {                     /* DHT: one or more tables */
            size_t k = 0;
            while (k + 17 <= ql) {
                const int tc = q[k] >> 4, th = q[k] & 15;
                if (tc > 1 || th > 3) return 0;
                huff *t = &tabs[tc][th];
                int total = 0;
                t->count[0] = 0;
                for (int i = 1; i <= 16; i++) total += t->count[i] = q[k + i];
                if (total > 256 || k + 17 + (size_t)total > ql) return 0;
                memcpy(t->values, q + k + 17, (size_t)total);
                huff_build(t);
                k += 17 + (size_t)total;
            }
        } else if (m == 0xDD) {                     /* DRI */
            if (ql >= 2) J->restart = q[0] << 8 | q[1];
        } else if (m == 0xDA) {                     /* SOS */
            if (!J->ncomp || ql < 1) return 0;
            const int ns = q[0];
            if (ns < 1 || ns > J->ncomp || ql < 4 + 2 * (size_t)ns) return 0;
            int scomp[4], sdc[4], sac[4];
            for (int i = 0; i < ns; i++) {
                int c = 0;
                while (c < J->ncomp && J->comp[c].id != q[1 + 2 * i]) c++;
                if (c == J->ncomp) return 0;
                scomp[i] = c;
                sdc[i] = q[2 + 2 * i] >> 4;
                sac[i] = q[2 + 2 * i] & 15;
                if (sdc[i] > 3 || sac[i] > 3) return 0;
            }
            band bd = {q[1 + 2 * ns], q[2 + 2 * ns], q[3 + 2 * ns] >> 4, q[3 + 2 * ns] & 15, 0};
            if (J->progressive) {                   /* a band stb would accept */
                if (bd.ss > bd.se || bd.se > 63 || (bd.ss == 0 && bd.se != 0) ||
                    (bd.ss > 0 && ns != 1) || bd.ah > 13 || bd.al > 13)
                    return 0;
            } else {
                bd.ss = 0, bd.se = 63, bd.ah = bd.al = 0;
            }
            size_t end = 0;
            int r = walk_scan(b, len, at + 2 + seg, J, scomp, sdc, sac, ns, bd, &end);
            if (r < 0) return 0;
            if (r == 0) {
                snprintf(why, wl, "truncated JPEG: its image data ends before the last of "
                         "its %dx%d pixels", J->w, J->h);
                return -1;
            }
            at = end;
            continue;
        }
        at += 2 + seg;
    }
    return 0;
}

static int check_jpeg(const uint8_t *b, size_t len, char *why, size_t wl)
{
    jpeg *J = calloc(1, sizeof *J);                 /* 19 KB of tables: not on the stack */
    if (!J) return 0;
    int rc = walk_markers(b, len, J, why, wl);
    for (int c = 0; c < 4; c++) free(J->comp[c].nz);
    free(J);
    return rc;
}

int bd_image_check(const uint8_t *buf, size_t len, bd_image_format fmt, uint8_t **fixed,
                   size_t *fixed_len, int *mirror, char *why, size_t whylen)
{
    *fixed = NULL;
    *fixed_len = 0;
    *mirror = 0;
    switch (fmt) {
    case BD_FORMAT_BMP: return check_bmp(buf, len, why, whylen);
    case BD_FORMAT_TGA: return check_tga(buf, len, fixed, fixed_len, mirror, why, whylen);
    case BD_FORMAT_PNG: return check_png(buf, len, fixed, fixed_len, why, whylen);
    case BD_FORMAT_JPEG: return check_jpeg(buf, len, why, whylen);
    default: return 0;
    }
}
