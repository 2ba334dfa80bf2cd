/* qu8_dwconv3x3_avx512.c — the uint8 depthwise 3x3 convolution with AVX-512 (VNNI table),
 * bit-identical to qu8_dwconv3x3_ref.c.
 *
 * Two taps per multiply: vpdpwssd multiplies pairs of int16 and adds both products to an
 * int32 lane, so each lane holds one channel's taps t and t + 1 side by side (the 9th tap
 * paired with a zero). 32 channels at a time: the input bytes of the two taps are widened to
 * int16 and interleaved (vpunpcklwd / vpunpckhwd: channels 8L..8L+3 and 8L+4..8L+7 of each
 * 128-bit lane L, an order vpackssdw undoes at the end). The zero point of the input is
 * folded into the bias, which makes every lane's sum exact and equal to the reference's:
 *   sum_t (x_t - in_zp)(w_t - w_zp) = sum_t x_t (w_t - w_zp)  -  in_zp sum_t (w_t - w_zp)
 * (x_t in 0..255 and w_t - w_zp in -255..255 are int16, each pair sum fits int32). A tap
 * outside the image reads a row of in_zp bytes instead: x_t = in_zp adds exactly the term
 * the folded bias took off, i.e. the tap contributes 0, as the reference's skipped tap.
 * The weights are repacked once per call (interleaved pairs, the bias' in the same lane
 * order). Requantisation: simd/qu8_requant_avx512.h, the shift rounding half up as the
 * depthwise reference does (its one-rounding form qu8_rq16_core where that is exact).
 */
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#include "kernels_quant.h"
#include "kernels_quant_isa.h"
#include "simd/qu8_requant_avx512.h"

#define PAIRS 5                  /* taps (0,1) (2,3) (4,5) (6,7) (8,-) */

/* Per block of 32 channels: bias' lo, hi (16 int32 each), then per pair wlo, whi (32 int16
 * each as 16 interleaved pairs). */
typedef struct { __m512i bias[2], w[PAIRS][2]; } dw_block;

/* (the interleaved order: lo lane 4L + j is channel 8L + j, hi lane 4L + j channel 8L+4+j) */
static int lane_channel(int half, int i) { return 8 * (i / 4) + 4 * half + i % 4; }

static void pack_block(const uint8_t *weight, const int32_t *bias, int c, int c0,
                       const bd_qu8_conv *p, dw_block *b)
{
    int16_t wt[9][32] = {{0}};
    int32_t bs[2][16];
    for (int t = 0; t < 9; t++)
        for (int j = 0; j < 32 && c0 + j < c; j++)
            wt[t][j] = (int16_t)((int32_t)weight[(size_t)t * c + c0 + j] - p->w_zp);
    for (int half = 0; half < 2; half++)
        for (int i = 0; i < 16; i++) {
            const int j = lane_channel(half, i);
            uint32_t s = 0;
            for (int t = 0; t < 9; t++)
                s += (uint32_t)(int32_t)wt[t][j];
            /* modulo 2^32, like the accumulators */
            bs[half][i] = c0 + j < c ? (int32_t)((uint32_t)bias[c0 + j] - (uint32_t)p->in_zp * s) : 0;
        }
    b->bias[0] = _mm512_loadu_si512(bs[0]);
    b->bias[1] = _mm512_loadu_si512(bs[1]);
    const __m512i zero = _mm512_setzero_si512();
    for (int q = 0; q < PAIRS; q++) {
        const __m512i a = _mm512_loadu_si512(wt[2 * q]);
        const __m512i n = 2 * q + 1 < 9 ? _mm512_loadu_si512(wt[2 * q + 1]) : zero;
        b->w[q][0] = _mm512_unpacklo_epi16(a, n);
        b->w[q][1] = _mm512_unpackhi_epi16(a, n);
    }
}

/* 32 channels of one output pixel from its 9 tap rows (channel c0 of each). */
static inline void pixel32(const uint8_t *const tap[9], size_t c0, __mmask32 mk,
                           const dw_block *b, const bd_qu8_conv *p, const qu8_rq16 *f, uint8_t *o)
{
    __m512i lo = b->bias[0], hi = b->bias[1];
    const __m512i zero = _mm512_setzero_si512();
    #pragma GCC unroll 5
    for (int q = 0; q < PAIRS; q++) {
        const __m512i a = _mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(mk, tap[2 * q] + c0));
        const __m512i n = 2 * q + 1 < 9
            ? _mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(mk, tap[2 * q + 1] + c0)) : zero;
        lo = _mm512_dpwssd_epi32(lo, _mm512_unpacklo_epi16(a, n), b->w[q][0]);
        hi = _mm512_dpwssd_epi32(hi, _mm512_unpackhi_epi16(a, n), b->w[q][1]);
    }
    /* both halves requantised; vpackssdw puts the channels back in order (saturating to
     * int16, which the clamp to lo..hi within 0..255 does not notice), vpmovwb keeps the
     * bytes */
    __m512i v;
    if (f->fast) {
        v = _mm512_packs_epi32(qu8_rq16_core(lo, f), qu8_rq16_core(hi, f));
        v = _mm512_min_epi16(_mm512_max_epi16(v, _mm512_set1_epi16((int16_t)p->rq.lo)),
                             _mm512_set1_epi16((int16_t)p->rq.hi));
    } else {
        v = _mm512_packs_epi32(qu8_up16(lo, &p->rq), qu8_up16(hi, &p->rq));
    }
    _mm256_mask_storeu_epi8(o + c0, mk, _mm512_cvtepi16_epi8(v));
}

void bd_qu8_dwconv3x3_avx512(const uint8_t *in, int h, int w, int c, uint8_t *out, int oh,
                             int ow, const uint8_t *weight, const int32_t *bias, int stride,
                             int dilation, int pad_top, int pad_left, const bd_qu8_conv *p)
{
    const int nb = (c + 31) / 32;
    /* 16 channels, stride 1: two neighbouring output pixels fill one 32-lane block (their
     * taps are adjacent in memory, 32 bytes each), with the weights repeated for both */
    const int pairs = c == 16 && stride == 1;
    dw_block *blk = NULL;
    uint8_t *zrow = malloc((size_t)nb * 32);
    if (!zrow || posix_memalign((void **)&blk, 64, (size_t)(nb + pairs) * sizeof *blk)) {
        free(zrow);                       /* out of memory: the reference needs none */
        bd_qu8_dwconv3x3_ref(in, h, w, c, out, oh, ow, weight, bias, stride, dilation,
                             pad_top, pad_left, p);
        return;
    }
    memset(zrow, (int)p->in_zp, (size_t)nb * 32);
    for (int b = 0; b < nb; b++)
        pack_block(weight, bias, c, 32 * b, p, &blk[b]);
    if (pairs) {
        uint8_t w2[9 * 32];
        int32_t b2[32];
        for (int j = 0; j < 32; j++) {
            for (int t = 0; t < 9; t++)
                w2[t * 32 + j] = weight[t * 16 + j % 16];
            b2[j] = bias[j % 16];
        }
        pack_block(w2, b2, 32, 0, p, &blk[nb]);
    }
    const qu8_rq16 f = qu8_rq16_setup(&p->rq, 1);
    #pragma omp parallel for schedule(static)
    for (int oy = 0; oy < oh; oy++) {
        const uint8_t *rows[3];
        for (int ky = 0; ky < 3; ky++) {
            const int y = stride * oy + dilation * ky - pad_top;
            rows[ky] = y >= 0 && y < h ? in + (size_t)y * w * c : NULL;
        }
        const int all_rows = rows[0] && rows[1] && rows[2];
        for (int ox = 0; ox < ow; ox++) {
            const uint8_t *tap[9];
            const int x0 = stride * ox - pad_left;
            uint8_t *o = out + ((size_t)oy * ow + ox) * c;
            if (all_rows && x0 >= 0 && x0 + 2 * dilation < w) {       /* inside: no tests */
                for (int t = 0; t < 9; t++)
                    tap[t] = rows[t / 3] + (size_t)(x0 + dilation * (t % 3)) * c;
                if (pairs && ox + 1 < ow && x0 + 1 + 2 * dilation < w) {
                    pixel32(tap, 0, (__mmask32)0xFFFFFFFFu, &blk[nb], p, &f, o);
                    ox++;                                            /* two pixels done */
                    continue;
                }
            } else {
                for (int kx = 0; kx < 3; kx++) {
                    const int x = x0 + dilation * kx;
                    for (int ky = 0; ky < 3; ky++)
                        tap[3 * ky + kx] = rows[ky] && x >= 0 && x < w ? rows[ky] + (size_t)x * c : zrow;
                }
            }
            for (int b = 0; b < nb; b++) {
                const int nc = c - 32 * b < 32 ? c - 32 * b : 32;
                const __mmask32 mk = nc == 32 ? (__mmask32)0xFFFFFFFFu : (__mmask32)((1u << nc) - 1);
                pixel32(tap, (size_t)32 * b, mk, &blk[b], p, &f, o);
            }
        }
    }
    free(zrow);
    free(blk);
}
