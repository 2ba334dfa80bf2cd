/* qu8_pwconv_avx512.c — the uint8 1x1 convolution with AVX-512 VNNI, bit-identical to
 * qu8_pwconv_ref.c.
 *
 * vpdpbusd multiplies 4 unsigned bytes by 4 signed bytes and adds the 4 products to an int32
 * lane: 64 multiply-adds per instruction. Activations are unsigned already; the uint8 weights
 * are stored as w - 128 (signed) and the difference is put back exactly:
 *   sum_t (x_t - in_zp)(w_t - w_zp)
 *     = sum_t x_t (w_t - 128)  +  (128 - w_zp) sum_t x_t  -  in_zp sum_t (w_t - w_zp)
 * The last term is a constant per output channel, folded into the bias when the weights are
 * packed; the middle one needs the row's byte sum, once per pixel. Everything is integer and
 * exact, so the accumulators equal the reference's; the requantisation (simd/qu8_requant_avx512.h) is the same
 * fixed point as kernels_fixedpoint.h, lane by lane:
 *   srdhm(a, M) = (a * M + 2^30) >> 31 on 64-bit products (the nudge-and-truncate of the
 *   reference is this floor for every sign; M >= 0, so the saturating case never occurs),
 *   then the rounding right shift with its remainder test.
 * Packed weights (built once by bd_qu8_pw_pack_avx512): int32 bias'[n16], then for each
 * block of 16 output channels and each group of 4 input channels 64 bytes, channel-major
 * (byte 4c + u = w[4g + u][16b + c] - 128; padding 0).
 */
#include <immintrin.h>
#include <string.h>

#include "kernels_quant.h"
#include "kernels_quant_isa.h"
#include "simd/qu8_requant_avx512.h"

static size_t groups(int k) { return (size_t)(k + 3) / 4; }
static size_t blocks(int n) { return (size_t)(n + 15) / 16; }

size_t bd_qu8_pw_packed_size_avx512(int k, int n)
{
    return blocks(n) * 16 * sizeof(int32_t) + blocks(n) * groups(k) * 64;
}

void bd_qu8_pw_pack_avx512(const uint8_t *w, const int32_t *bias, int k, int n,
                           const bd_qu8_conv *p, void *dst)
{
    int32_t *b2 = dst;
    int8_t *pw = (int8_t *)dst + blocks(n) * 16 * sizeof(int32_t);
    memset(dst, 0, bd_qu8_pw_packed_size_avx512(k, n));
    for (int j = 0; j < n; j++) {
        int32_t colsum = 0;
        for (int t = 0; t < k; t++)
            colsum += (int32_t)w[(size_t)t * n + j] - p->w_zp;
        /* modulo 2^32, like the accumulators: only the final sum has to fit int32 */
        b2[j] = (int32_t)((uint32_t)bias[j] - (uint32_t)p->in_zp * (uint32_t)colsum);
    }
    for (size_t b = 0; b < blocks(n); b++)
        for (size_t g = 0; g < groups(k); g++)
            for (int c = 0; c < 16; c++)
                for (int u = 0; u < 4; u++) {
                    size_t t = 4 * g + (size_t)u, j = 16 * b + (size_t)c;
                    if (t < (size_t)k && j < (size_t)n)
                        pw[(b * groups(k) + g) * 64 + 4 * (size_t)c + (size_t)u] =
                            (int8_t)((int32_t)w[t * n + j] - 128);
                }
}

/* 4 input bytes t = 4g .. 4g+3 of a row as one int32 (zeros past k: their weights are 0,
 * and the row may end there). */
static inline int32_t quad(const uint8_t *row, size_t g, int k)
{
    int32_t v = 0;
    size_t t = 4 * g;
    if (t + 4 <= (size_t)k)
        memcpy(&v, row + t, 4);
    else
        memcpy(&v, row + t, (size_t)k - t);
    return v;
}

#define MR 4           /* rows (pixels) per tile */

static inline __m512i bcast4(const uint8_t *p)          /* 4 bytes to every lane */
{
    int32_t v;
    memcpy(&v, p, 4);
    return _mm512_set1_epi32(v);
}

void bd_qu8_pwconv_packed_avx512(const uint8_t *in, int m, int k, uint8_t *out, int n,
                                 const void *packed, const bd_qu8_conv *p)
{
    const int32_t *b2 = packed;
    const int8_t *pw = (const int8_t *)packed + blocks(n) * 16 * sizeof(int32_t);
    const size_t kg = groups(k), kfull = (size_t)k / 4, nb = blocks(n);
    const int32_t wfix = 128 - p->w_zp;
    #pragma omp parallel for schedule(static)
    for (int i0 = 0; i0 < m; i0 += MR) {
        const uint8_t *row[MR];
        __m512i fix[MR], tail[MR];
        for (int r = 0; r < MR; r++) {       /* rows past m repeat the last (not stored) */
            row[r] = in + (size_t)(i0 + r < m ? i0 + r : m - 1) * k;
            int32_t s = 0;
            for (int t = 0; t < k; t++)
                s += row[r][t];
            fix[r] = _mm512_set1_epi32((int32_t)((uint32_t)wfix * (uint32_t)s));
            tail[r] = _mm512_set1_epi32(quad(row[r], kfull, k));   /* used if k % 4 */
        }
        /* two blocks of 16 output channels at a time (the second repeats the first when
         * the count is odd, and is not stored): 8 accumulators, 2 weight loads and 4
         * broadcasts per 8 vpdpbusd */
        for (size_t b = 0; b < nb; b += 2) {
            const size_t b1 = b + 1 < nb ? b + 1 : b;
            const __m512i bias0 = _mm512_loadu_si512(b2 + 16 * b), bias1 = _mm512_loadu_si512(b2 + 16 * b1);
            __m512i acc0[MR], acc1[MR];
            for (int r = 0; r < MR; r++) {
                acc0[r] = _mm512_add_epi32(bias0, fix[r]);
                acc1[r] = _mm512_add_epi32(bias1, fix[r]);
            }
            const int8_t *w0 = pw + b * kg * 64, *w1 = pw + b1 * kg * 64;
            for (size_t g = 0; g < kfull; g++) {
                const __m512i x0 = _mm512_loadu_si512(w0 + g * 64), x1 = _mm512_loadu_si512(w1 + g * 64);
                for (int r = 0; r < MR; r++) {
                    const __m512i a = bcast4(row[r] + 4 * g);
                    acc0[r] = _mm512_dpbusd_epi32(acc0[r], a, x0);
                    acc1[r] = _mm512_dpbusd_epi32(acc1[r], a, x1);
                }
            }
            if (kfull < kg) {
                const __m512i x0 = _mm512_loadu_si512(w0 + kfull * 64), x1 = _mm512_loadu_si512(w1 + kfull * 64);
                for (int r = 0; r < MR; r++) {
                    acc0[r] = _mm512_dpbusd_epi32(acc0[r], tail[r], x0);
                    acc1[r] = _mm512_dpbusd_epi32(acc1[r], tail[r], x1);
                }
            }
            for (size_t bb = b; bb <= b1 && (bb == b || b1 != b); bb++) {
                const int nj = n - 16 * (int)bb < 16 ? n - 16 * (int)bb : 16;
                const __mmask16 mk = (__mmask16)((1u << nj) - 1);
                for (int r = 0; r < MR && i0 + r < m; r++)
                    _mm_mask_storeu_epi8(out + (size_t)(i0 + r) * n + 16 * bb, mk,
                                         requant16(bb == b ? acc0[r] : acc1[r], &p->rq));
            }
        }
    }
}
