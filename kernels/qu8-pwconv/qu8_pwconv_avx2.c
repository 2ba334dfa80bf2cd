/* qu8_pwconv_avx2.c — the uint8 1x1 convolution with AVX2, bit-identical to
 * qu8_pwconv_ref.c.
 *
 * vpmaddwd multiplies pairs of int16 and adds each pair into an int32 lane. Both factors
 * are widened with their zero point taken off, (x - in_zp) and (w - w_zp), each in
 * -255..255, so every product and pair sum is exact and the accumulator is the reference's
 * int32 sum, in another order (which an integer sum does not notice). Input channels go in
 * pairs (t = 2q, 2q + 1): the input pair of a pixel is broadcast to all 8 lanes, the weight
 * pairs of 8 output channels sit in one register (packed once by bd_qu8_pw_pack_avx2:
 * int32 bias[n8], then per block of 8 channels and pair q 8 x 2 int16, zero padding).
 * Requantisation: the fixed point of kernels_fixedpoint.h on 8 lanes (srdhm as
 * (a * M + 2^30) >> 31 on 64-bit products, its low 32 bits; then the rounding shift).
 */
#include <immintrin.h>
#include <string.h>

#include "kernels_quant.h"
#include "kernels_quant_isa.h"
#include "qu8_pwconv_body.h"
#include "simd/qu8_requant_avx2.h"

#define MAX_PAIRS 2048          /* rows up to 4096 channels; wider layers stay unpacked and
                                   run on the reference */
#define MR 4

static size_t pairs(int k) { return (size_t)(k + 1) / 2; }
static size_t blocks8(int n) { return (size_t)(n + 7) / 8; }

size_t bd_qu8_pw_packed_size_avx2(int k, int n)
{
    if (pairs(k) > MAX_PAIRS)
        return 0;                      /* not packed: the network uses the reference */
    return qu8_pack_i16_size(k, n, 2);
}

void bd_qu8_pw_pack_avx2(const uint8_t *w, const int32_t *bias, int k, int n,
                         const bd_qu8_conv *p, void *dst)
{
    qu8_pack_i16(w, bias, k, n, p->w_zp, 2, dst);
}

void bd_qu8_pwconv_packed_avx2(const uint8_t *in, int m, int k, uint8_t *out, int n,
                               const void *packed, const bd_qu8_conv *p)
{
    const int32_t *b8 = packed;
    const int16_t *pw = (const int16_t *)(const void *)((const char *)packed + blocks8(n) * 8 * sizeof(int32_t));
    const size_t kp = pairs(k), nb = blocks8(n);
    if (kp > MAX_PAIRS)
        return;                        /* never packed (bd_qu8_pw_packed_size_avx2 says 0) */
    #pragma omp parallel for schedule(static)
    for (int i0 = 0; i0 < m; i0 += MR) {
        int32_t x2[MR][MAX_PAIRS];          /* (x - in_zp) pairs of the rows, as int16 x 2 */
        for (int r = 0; r < MR; r++) {
            const uint8_t *row = in + (size_t)(i0 + r < m ? i0 + r : m - 1) * k;
            for (size_t q = 0; q < kp; q++) {
                int32_t lo = (int32_t)row[2 * q] - p->in_zp;
                int32_t hi = 2 * q + 1 < (size_t)k ? (int32_t)row[2 * q + 1] - p->in_zp : 0;
                x2[r][q] = (int32_t)(((uint32_t)hi << 16) | ((uint32_t)lo & 0xFFFFu));
            }
        }
        for (size_t b = 0; b < nb; b++) {
            const __m256i bias = _mm256_loadu_si256((const __m256i *)(const void *)(b8 + 8 * b));
            __m256i acc[MR];
            for (int r = 0; r < MR; r++)
                acc[r] = bias;
            const int16_t *wb = pw + b * kp * 16;
            for (size_t q = 0; q < kp; q++) {
                const __m256i wv = _mm256_loadu_si256((const __m256i *)(const void *)(wb + q * 16));
                for (int r = 0; r < MR; r++)
                    acc[r] = _mm256_add_epi32(acc[r], _mm256_madd_epi16(_mm256_set1_epi32(x2[r][q]), wv));
            }
            const int nj = n - 8 * (int)b < 8 ? n - 8 * (int)b : 8;
            for (int r = 0; r < MR && i0 + r < m; r++) {
                uint8_t tmp[16];
                _mm_storeu_si128((__m128i *)(void *)tmp, requant8(acc[r], &p->rq));
                memcpy(out + (size_t)(i0 + r) * n + 8 * b, tmp, (size_t)nj);
            }
        }
    }
}
