/* qu8_dwconv3x3_body.h — the uint8 depthwise 3x3 convolution on 256-bit vectors,
 * bit-identical to qu8_dwconv3x3_ref.c, for the AVX2 table (qu8_dwconv3x3_avx2.c) and the
 * AVX-512 VNNI one (qu8_dwconv3x3_avx512.c), which differ in one primitive: QU8_DW_MADD(acc,
 * a, b) adds the pair products of a and b to acc, vpmaddwd + vpaddd on AVX2, one vpdpwssd
 * (ymm, AVX512_VNNI + VL) with VNNI. The including unit defines it and QU8_DW_NAME.
 *
 * Two taps per multiply: vpmaddwd multiplies pairs of int16 and adds both products into an
 * int32 lane, so each lane holds one channel's taps t and t + 1 side by side (the 9th tap
 * paired with itself, its second weight 0). 16 channels at a time: the 16 input bytes of
 * the two taps are interleaved byte by byte (vpunpcklbw / vpunpckhbw: channels 0..7 and
 * 8..15) and widened to int16 (vpmovzxbw), which gives the (x_t, x_t+1) pairs in channel
 * order. The zero point of the input is folded into the bias, which makes every lane's sum
 * exact and equal to the reference's:
 *   sum_t (x_t - in_zp)(w_t - w_zp) = sum_t x_t (w_t - w_zp)  -  in_zp sum_t (w_t - w_zp)
 * (x_t in 0..255 and w_t - w_zp in -255..255 are int16, each pair sum fits int32). A tap
 * outside the image reads a row of in_zp bytes instead: x_t = in_zp adds exactly the term
 * the folded bias took off, i.e. the tap contributes 0, as the reference's skipped tap.
 * The weights are packed once (QU8_DW_PACK: interleaved pairs). Interior pixels run along
 * the row one channel block at a time: blocks of 32 channels (two taps' 32 bytes unpacked
 * in-lane with each other and then with zero, which the final packs put back in order),
 * then one of 16 and one of 8 (vpunpck + vpmovzxbw, channel order). Border pixels take
 * every tap's pointer, the zero-point row where it is outside, 16 channels at a time. The
 * last c % 8 channels (c % 16 at the border) are gathered into a zero-padded block. Requantisation: simd/qu8_requant_avx2.h, the shift
 * rounded half up as the depthwise reference does (one rounding where that is exact).
 */
#ifndef BACKDROP_QU8_DWCONV3X3_BODY_H
#define BACKDROP_QU8_DWCONV3X3_BODY_H

#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#include "kernels_quant.h"
#include "simd/qu8_requant_avx2.h"

#define PAIRS 5                  /* taps (0,1) (2,3) (4,5) (6,7) (8,8 with weight 0) */

/* Per block of 16 channels: bias' of channels 0..7, 8..15, then per pair the int16 weight
 * pairs of channels 0..7 and 8..15. */
typedef struct { __m256i bias[2], w[PAIRS][2]; } dw_block;
/* The interior's blocks of 32 channels: 4 vectors each (see map32). */
typedef struct { __m256i bias[4], w[PAIRS][4]; } dw_block32;

/* The int16 weights w - w_zp of channels c0 .. c0 + n - 1 (zeros past c, and for the
 * 10th tap) and their biases with the input zero point folded in (modulo 2^32, like the
 * accumulators). */
static void fold_block(const uint8_t *weight, const int32_t *bias, int c, int c0, int n,
                       const bd_qu8_conv *p, int16_t wt[10][32], int32_t bs[32])
{
    memset(wt, 0, 10 * sizeof wt[0]);
    memset(bs, 0, 32 * sizeof bs[0]);
    for (int j = 0; j < n && c0 + j < c; j++) {
        uint32_t s = 0;
        for (int t = 0; t < 9; t++) {
            wt[t][j] = (int16_t)((int32_t)weight[(size_t)t * c + c0 + j] - p->w_zp);
            s += (uint32_t)(int32_t)wt[t][j];
        }
        bs[j] = (int32_t)((uint32_t)bias[c0 + j] - (uint32_t)p->in_zp * s);
    }
}

/* Vector v (0 .. nv-1) of a block, lane l: the channel it holds (`map`), its bias and
 * (tap 2q, 2q+1) weight pairs. */
static void lay_out(const int16_t wt[10][32], const int32_t bs[32], int nv, int (*map)(int, int),
                    __m256i *bias, __m256i (*w)[4])
{
    for (int v = 0; v < nv; v++) {
        int32_t b8[8];
        int16_t pr[PAIRS][16];
        for (int l = 0; l < 8; l++) {
            const int j = map(v, l);
            b8[l] = bs[j];
            for (int q = 0; q < PAIRS; q++) {
                pr[q][2 * l] = wt[2 * q][j];
                pr[q][2 * l + 1] = wt[2 * q + 1][j];
            }
        }
        bias[v] = _mm256_loadu_si256((const __m256i *)(const void *)b8);
        for (int q = 0; q < PAIRS; q++)
            w[q][v] = _mm256_loadu_si256((const __m256i *)(const void *)pr[q]);
    }
}

/* 16-channel blocks: vector v holds channels 8v .. 8v + 7 (vpmovzxbw's order) */
static int map16(int v, int l) { return 8 * v + l; }
/* 32-channel blocks: the in-lane unpacks put channels 4v .. 4v+3 and 16 + 4v .. 16 + 4v+3
 * in vector v, an order vpackssdw + vpackuswb undo */
static int map32(int v, int l) { return l < 4 ? 4 * v + l : 16 + 4 * v + l - 4; }

static void pack_block(const uint8_t *weight, const int32_t *bias, int c, int c0,
                       const bd_qu8_conv *p, dw_block *b)
{
    int16_t wt[10][32];
    int32_t bs[32];
    __m256i w[PAIRS][4], bv[4];
    fold_block(weight, bias, c, c0, 16, p, wt, bs);
    lay_out((const int16_t (*)[32])wt, bs, 2, map16, bv, w);
    for (int q = 0; q < PAIRS; q++) {
        b->w[q][0] = w[q][0];
        b->w[q][1] = w[q][1];
    }
    b->bias[0] = bv[0];
    b->bias[1] = bv[1];
}

static void pack_block32(const uint8_t *weight, const int32_t *bias, int c, int c0,
                         const bd_qu8_conv *p, dw_block32 *b)
{
    int16_t wt[10][32];
    int32_t bs[32];
    fold_block(weight, bias, c, c0, 32, p, wt, bs);
    lay_out((const int16_t (*)[32])wt, bs, 4, map32, b->bias, b->w);
}

/* With 16 channels and stride 1 two neighbouring pixels are 32 adjacent bytes at every tap:
 * a 32-channel block whose channels 16..31 are 0..15 again runs them as one (pairs). */
static void pack_block32_pair(const uint8_t *weight, const int32_t *bias, const bd_qu8_conv *p,
                              dw_block32 *b)
{
    int16_t wt[10][32];
    int32_t bs[32];
    fold_block(weight, bias, 16, 0, 16, p, wt, bs);
    for (int j = 0; j < 16; j++) {
        for (int t = 0; t < 10; t++)
            wt[t][16 + j] = wt[t][j];
        bs[16 + j] = bs[j];
    }
    lay_out((const int16_t (*)[32])wt, bs, 4, map32, b->bias, b->w);
}

/* 16 channels of one output pixel from its 9 tap rows (at channel c0 of each). */
static inline __m128i pixel16(const uint8_t *const tap[9], size_t c0, const dw_block *b,
                              const qu8_rq8 *f, const bd_qu8_requant *rq)
{
    __m256i lo = b->bias[0], hi = b->bias[1];
    #pragma GCC unroll 5
    for (int q = 0; q < PAIRS; q++) {
        const __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(tap[2 * q] + c0));
        const __m128i n = 2 * q + 1 < 9
            ? _mm_loadu_si128((const __m128i *)(const void *)(tap[2 * q + 1] + c0)) : a;
        lo = QU8_DW_MADD(lo, _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(a, n)), b->w[q][0]);
        hi = QU8_DW_MADD(hi, _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(a, n)), b->w[q][1]);
    }
    return qu8_bytes16(qu8_rq8_any(lo, f, rq, 1), qu8_rq8_any(hi, f, rq, 1));
}

/* The channels from c_from (a multiple of 8) of one output pixel: full 16-channel blocks
 * straight from the taps, the rest through a zero-padded copy at its place in its block. */
static void pixel(const uint8_t *const tap[9], int c, const dw_block *blk, const qu8_rq8 *f,
                  const bd_qu8_requant *rq, uint8_t *o, int c_from)
{
    int c0 = c_from;
    for (; c0 % 16 == 0 && c0 + 16 <= c; c0 += 16)
        _mm_storeu_si128((__m128i *)(void *)(o + c0), pixel16(tap, (size_t)c0, &blk[c0 / 16], f, rq));
    if (c0 < c) {
        const int b = c0 / 16, at = c0 - 16 * b, nc = c - c0;
        uint8_t part[9][16] = {{0}}, res[16];
        const uint8_t *pt[9];
        for (int t = 0; t < 9; t++) {
            memcpy(part[t] + at, tap[t] + c0, (size_t)nc);
            pt[t] = part[t];
        }
        _mm_storeu_si128((__m128i *)(void *)res, pixel16(pt, 0, &blk[b], f, rq));
        memcpy(o + c0, res + at, (size_t)nc);
    }
}

/* The requantisation of a run: mode bit 0 the one-rounding form, bit 1 the clamp (needed
 * only for a range narrower than 0..255, which the saturating packs give); mode 4 the
 * float form (qu8_rq8_float), mode 5 that without the accumulator clamp (rq->fwide). */
static inline __m256i rq_mode(__m256i acc, const qu8_rq8 *f, const bd_qu8_requant *rq,
                              const int mode)
{
    if (mode >= 4)                   /* the float form: 4 clamped, 5 not (rq->fwide) */
        return qu8_rq8_float(acc, f, mode == 5 ? 3 : 1);
    const __m256i v = mode & 1 ? qu8_rq8_fast(acc, f, 0) : qu8_up8_raw(acc, rq);
    return mode & 2 ? _mm256_min_epi32(_mm256_max_epi32(v, f->lo), f->hi) : v;
}

/* A run of `count` interior output pixels of one 16-channel block (or of its first 8
 * channels: `eight`), the row pointers r0..r2 at the first one's window (taps r + 0,
 * r + dc, r + 2 dc), moving by `step` bytes per pixel: the block's weight vectors stay in
 * registers for the run. `mode` and `eight` are constants once inlined (see rq_mode). */
static inline __attribute__((always_inline))
void run16(const uint8_t *r0, const uint8_t *r1, const uint8_t *r2, size_t dc, size_t step,
           int count, const dw_block *b, const qu8_rq8 *f, const bd_qu8_requant *rq,
           const int mode, const int eight, uint8_t *o, size_t ostep)
{
    const qu8_rq8 fl = *f;         /* (a local copy: the stores cannot touch it) */
    __m256i wv[PAIRS][2];
    #pragma GCC unroll 5
    for (int q = 0; q < PAIRS; q++) {
        wv[q][0] = b->w[q][0];
        wv[q][1] = b->w[q][1];
    }
    for (int i = 0; i < count; i++, r0 += step, r1 += step, r2 += step, o += ostep) {
        const uint8_t *const tap[9] = {r0, r0 + dc, r0 + 2 * dc, r1, r1 + dc, r1 + 2 * dc,
                                       r2, r2 + dc, r2 + 2 * dc};
        __m256i lo = b->bias[0], hi = b->bias[1];
        #pragma GCC unroll 5
        for (int q = 0; q < PAIRS; q++) {
            const uint8_t *ta = tap[2 * q], *tn = tap[2 * q + 1 < 9 ? 2 * q + 1 : 2 * q];
            const __m128i a = eight ? _mm_loadl_epi64((const __m128i *)(const void *)ta)
                                    : _mm_loadu_si128((const __m128i *)(const void *)ta);
            const __m128i n = 2 * q + 1 == 9 ? a
                            : eight ? _mm_loadl_epi64((const __m128i *)(const void *)tn)
                                    : _mm_loadu_si128((const __m128i *)(const void *)tn);
            lo = QU8_DW_MADD(lo, _mm256_cvtepu8_epi16(_mm_unpacklo_epi8(a, n)), wv[q][0]);
            if (!eight)
                hi = QU8_DW_MADD(hi, _mm256_cvtepu8_epi16(_mm_unpackhi_epi8(a, n)), wv[q][1]);
        }
        if (eight) {
            _mm_storel_epi64((__m128i *)(void *)o, qu8_bytes8(rq_mode(lo, &fl, rq, mode)));
            continue;
        }
        const __m128i v = qu8_bytes16(rq_mode(lo, &fl, rq, mode), rq_mode(hi, &fl, rq, mode));
        _mm_storeu_si128((__m128i *)(void *)o, v);
    }
}

/* The same for a block of 32 channels: per tap pair two 32-byte loads, vpunpck{l,h}bw of
 * the two taps and then with zero (in-lane: channels 4v.. of each 128-bit half, map32),
 * four vpmaddwd from the packed weights in memory. */
static inline __attribute__((always_inline))
void run32(const uint8_t *r0, const uint8_t *r1, const uint8_t *r2, size_t dc, size_t step,
           int count, const dw_block32 *b, const qu8_rq8 *f, const bd_qu8_requant *rq,
           const int mode, uint8_t *o, size_t ostep)
{
    const qu8_rq8 fl = *f;
    const __m256i zero = _mm256_setzero_si256();
    for (int i = 0; i < count; i++, r0 += step, r1 += step, r2 += step, o += ostep) {
        const uint8_t *const tap[9] = {r0, r0 + dc, r0 + 2 * dc, r1, r1 + dc, r1 + 2 * dc,
                                       r2, r2 + dc, r2 + 2 * dc};
        __m256i acc[4] = {b->bias[0], b->bias[1], b->bias[2], b->bias[3]};
        #pragma GCC unroll 5
        for (int q = 0; q < PAIRS; q++) {
            const __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)tap[2 * q]);
            const __m256i n = 2 * q + 1 < 9
                ? _mm256_loadu_si256((const __m256i *)(const void *)tap[2 * q + 1]) : a;
            const __m256i lo = _mm256_unpacklo_epi8(a, n), hi = _mm256_unpackhi_epi8(a, n);
            acc[0] = QU8_DW_MADD(acc[0], _mm256_unpacklo_epi8(lo, zero), b->w[q][0]);
            acc[1] = QU8_DW_MADD(acc[1], _mm256_unpackhi_epi8(lo, zero), b->w[q][1]);
            acc[2] = QU8_DW_MADD(acc[2], _mm256_unpacklo_epi8(hi, zero), b->w[q][2]);
            acc[3] = QU8_DW_MADD(acc[3], _mm256_unpackhi_epi8(hi, zero), b->w[q][3]);
        }
        __m256i v[4];
        #pragma GCC unroll 4
        for (int j = 0; j < 4; j++)
            v[j] = rq_mode(acc[j], &fl, rq, mode);
        /* int32 in 0..255: the saturating packs are exact and restore the channel order */
        const __m256i bytes = _mm256_packus_epi16(_mm256_packs_epi32(v[0], v[1]),
                                                  _mm256_packs_epi32(v[2], v[3]));
        _mm256_storeu_si256((__m256i *)(void *)o, bytes);
    }
}

/* run32 / run16 with the mode (and width) as constants: one instance each */
#define DW_ARGS const uint8_t *r0, const uint8_t *r1, const uint8_t *r2, size_t dc, size_t step, \
                int count
#define DW_PASS r0, r1, r2, dc, step, count
static void run32_mode(int mode, DW_ARGS, const dw_block32 *b, const qu8_rq8 *f,
                       const bd_qu8_requant *rq, uint8_t *o, size_t ostep)
{
    switch (mode) {
    case 0: run32(DW_PASS, b, f, rq, 0, o, ostep); break;
    case 1: run32(DW_PASS, b, f, rq, 1, o, ostep); break;
    case 2: run32(DW_PASS, b, f, rq, 2, o, ostep); break;
    case 3: run32(DW_PASS, b, f, rq, 3, o, ostep); break;
    case 4: run32(DW_PASS, b, f, rq, 4, o, ostep); break;
    default: run32(DW_PASS, b, f, rq, 5, o, ostep); break;
    }
}

static void run16_mode(int mode, int eight, DW_ARGS, const dw_block *b, const qu8_rq8 *f,
                       const bd_qu8_requant *rq, uint8_t *o, size_t ostep)
{
    switch (mode + 6 * eight) {
    case 0: run16(DW_PASS, b, f, rq, 0, 0, o, ostep); break;
    case 1: run16(DW_PASS, b, f, rq, 1, 0, o, ostep); break;
    case 2: run16(DW_PASS, b, f, rq, 2, 0, o, ostep); break;
    case 3: run16(DW_PASS, b, f, rq, 3, 0, o, ostep); break;
    case 4: run16(DW_PASS, b, f, rq, 4, 0, o, ostep); break;
    case 5: run16(DW_PASS, b, f, rq, 5, 0, o, ostep); break;
    case 6: run16(DW_PASS, b, f, rq, 0, 1, o, ostep); break;
    case 7: run16(DW_PASS, b, f, rq, 1, 1, o, ostep); break;
    case 8: run16(DW_PASS, b, f, rq, 2, 1, o, ostep); break;
    case 9: run16(DW_PASS, b, f, rq, 3, 1, o, ostep); break;
    case 10: run16(DW_PASS, b, f, rq, 4, 1, o, ostep); break;
    default: run16(DW_PASS, b, f, rq, 5, 1, o, ostep); break;
    }
}

/* The packed weights (QU8_DW_PACK: once per layer at network set-up, or per call by the
 * plain entry point QU8_DW_NAME): a header, the 16-channel blocks, then the 32-channel
 * blocks (with 16 channels: the one pair block), each 32-byte aligned. The header keeps
 * the plain weights and bias, which must outlive the packed copy, for the reference to run
 * on if the call is out of memory. */
typedef struct {
    const uint8_t *weight;
    const int32_t *bias;
    int c, nb, nb32, pairs;
} dw_header;
#define DW_HEADER_BYTES 64

static int dw_nb32(int c) { return c == 16 ? 1 : c / 32; }

size_t QU8_DW_PACKED_SIZE(int c)
{
    return DW_HEADER_BYTES + (size_t)((c + 15) / 16) * sizeof(dw_block) +
           (size_t)dw_nb32(c) * sizeof(dw_block32);
}

void QU8_DW_PACK(const uint8_t *weight, const int32_t *bias, int c, const bd_qu8_conv *p,
                 void *dst)
{
    dw_header *hd = dst;
    memset(dst, 0, DW_HEADER_BYTES);
    hd->weight = weight;
    hd->bias = bias;
    hd->c = c;
    hd->nb = (c + 15) / 16;
    hd->nb32 = dw_nb32(c);
    hd->pairs = c == 16;
    dw_block *blk = (dw_block *)(void *)((char *)dst + DW_HEADER_BYTES);
    dw_block32 *blk32 = (dw_block32 *)(void *)(blk + hd->nb);
    for (int b = 0; b < hd->nb; b++)
        pack_block(weight, bias, c, 16 * b, p, &blk[b]);
    if (hd->pairs)
        pack_block32_pair(weight, bias, p, blk32);
    else
        for (int b = 0; b < hd->nb32; b++)
            pack_block32(weight, bias, c, 32 * b, p, &blk32[b]);
}

void QU8_DW_PACKED_NAME(const uint8_t *in, int h, int w, int c, uint8_t *out, int oh, int ow,
                        const void *packed, int stride, int dilation, int pad_top,
                        int pad_left, const bd_qu8_conv *p)
{
    const dw_header *hd = packed;
    const dw_block *blk = (const dw_block *)(const void *)((const char *)packed + DW_HEADER_BYTES);
    const dw_block32 *blk32 = (const dw_block32 *)(const void *)(blk + hd->nb);
    const int nb = hd->nb, c8 = c / 8 * 8;
    const int pairs = hd->pairs && stride == 1;   /* two pixels per 32-channel block */
    const int nb32 = hd->pairs ? 0 : hd->nb32;
    /* a whole input row of in_zp bytes: the rows above and below the image, and the taps
     * left and right of it */
    const size_t zlen = (size_t)w * c > (size_t)nb * 16 ? (size_t)w * c : (size_t)nb * 16;
    uint8_t *zrow = malloc(zlen);
    if (!zrow) {                          /* out of memory: the reference needs none */
        bd_qu8_dwconv3x3_ref(in, h, w, c, out, oh, ow, hd->weight, hd->bias, stride, dilation,
                             pad_top, pad_left, p);
        return;
    }
    memset(zrow, (int)p->in_zp, zlen);
    const qu8_rq8 f = qu8_rq8_setup(&p->rq, 1);
    const int mode = f.flt == 1 ? 4 + f.wide : f.fast | f.clamp << 1;   /* (flt 2 is never upward) */
    /* interior pixels: the window x0 .. x0 + 2 d inside the image */
    int ox_lo = (pad_left + stride - 1) / stride, ox_hi = (w - 1 - 2 * dilation + pad_left) / stride + 1;
    if (w - 1 - 2 * dilation + pad_left < 0)
        ox_hi = 0;
    ox_lo = ox_lo < ow ? ox_lo : ow;
    ox_hi = ox_hi < ow ? ox_hi : ow;
    if (ox_hi < ox_lo)
        ox_hi = ox_lo;
    const size_t dc = (size_t)dilation * c, step = (size_t)stride * c;
    #pragma omp parallel for schedule(guided)
    for (int oy = 0; oy < oh; oy++) {
        const uint8_t *src[3];            /* the three input rows (zrow outside the image) */
        for (int ky = 0; ky < 3; ky++) {
            const int y = stride * oy + dilation * ky - pad_top;
            src[ky] = y < 0 || y >= h ? zrow : in + (size_t)y * w * c;
        }
        uint8_t *orow = out + (size_t)oy * ow * c;
        for (int ox = 0; ox < ow; ox++) {
            /* border pixels: every block; interior ones (their full blocks run below): only
             * the partial block, if any */
            const int interior = ox >= ox_lo && ox < ox_hi;
            if (interior && c8 == c) {
                ox = ox_hi - 1;
                continue;
            }
            const int xl = stride * ox - pad_left;
            const uint8_t *tap[9];
            for (int t = 0; t < 9; t++) {
                const int x = xl + dilation * (t % 3);
                tap[t] = x >= 0 && x < w ? src[t / 3] + (size_t)x * c : zrow;
            }
            pixel(tap, c, blk, &f, &p->rq, orow + (size_t)ox * c, interior ? c8 : 0);
        }
        if (ox_hi > ox_lo) {             /* the interior: 32-channel runs, then 16 or 8 */
            const size_t x0 = (size_t)(stride * ox_lo - pad_left) * c;
            const int cnt = ox_hi - ox_lo;
            uint8_t *o0 = orow + (size_t)ox_lo * c;
            if (pairs) {                 /* pixel pairs, then the odd one out */
                run32_mode(mode, src[0] + x0, src[1] + x0, src[2] + x0, dc, 2 * step, cnt / 2,
                           blk32, &f, &p->rq, o0, 32);
                if (cnt & 1) {
                    const size_t xl = x0 + (size_t)(cnt - 1) * step;
                    run16_mode(mode, 0, src[0] + xl, src[1] + xl, src[2] + xl, dc, step, 1, blk,
                               &f, &p->rq, o0 + (size_t)(cnt - 1) * 16, 16);
                }
                continue;
            }
            for (int b = 0; b < nb32; b++) {
                const size_t cb = x0 + 32 * (size_t)b;
                run32_mode(mode, src[0] + cb, src[1] + cb, src[2] + cb, dc, step, cnt, &blk32[b],
                           &f, &p->rq, o0 + 32 * (size_t)b, (size_t)c);
            }
            for (int b = 2 * nb32; 16 * b + 8 <= c8; b++) {      /* a block of 16, or 8 */
                const size_t cb = x0 + 16 * (size_t)b;
                run16_mode(mode, 16 * b + 16 > c8, src[0] + cb, src[1] + cb, src[2] + cb, dc, step,
                           cnt, &blk[b], &f, &p->rq, o0 + 16 * (size_t)b, (size_t)c);
            }
        }
    }
    free(zrow);
}

void QU8_DW_NAME(const uint8_t *in, int h, int w, int c, uint8_t *out, int oh, int ow,
                 const uint8_t *weight, const int32_t *bias, int stride, int dilation,
                 int pad_top, int pad_left, const bd_qu8_conv *p)
{
    void *packed = NULL;
    if (posix_memalign(&packed, 32, QU8_DW_PACKED_SIZE(c))) {
        bd_qu8_dwconv3x3_ref(in, h, w, c, out, oh, ow, weight, bias, stride, dilation,
                             pad_top, pad_left, p);   /* out of memory: the reference needs none */
        return;
    }
    QU8_DW_PACK(weight, bias, c, p, packed);
    QU8_DW_PACKED_NAME(in, h, w, c, out, oh, ow, packed, stride, dilation, pad_top, pad_left, p);
    free(packed);
}

#endif
