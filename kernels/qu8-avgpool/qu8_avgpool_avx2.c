/* qu8_avgpool_avx2.c — the uint8 global average pool with AVX2, bit-identical to
 * qu8_avgpool_ref.c: the channel sums on 64 channels at a time (8 vectors of 8 int32 lanes,
 * each pixel's bytes widened with vpmovzxbd), the rest of the channels one by one; the sums
 * go into int64 every 2^23 pixels (2^23 * 255 < 2^31), so any map size sums exactly; then
 * the reference's rounded integer division per channel. */
#include <immintrin.h>

#include "kernels_quant.h"
#include "kernels_quant_isa.h"

#define GROUP 64                           /* channels per pass: 8 accumulators */
#define CHUNK (1 << 23)                    /* pixels per int32 partial sum */

static void finish(const int64_t *sum, int n, int hw, uint8_t *out)
{
    for (int j = 0; j < n; j++) {
        const int64_t v = (sum[j] + hw / 2) / hw;
        out[j] = (uint8_t)(v > 255 ? 255 : v);
    }
}

void bd_qu8_avgpool_avx2(const uint8_t *in, int hw, int c, uint8_t *out)
{
    int ch = 0;
    while (ch + 8 <= c) {
        const int nv = (c - ch) / 8 < GROUP / 8 ? (c - ch) / 8 : GROUP / 8;   /* vectors */
        int64_t sum[GROUP] = {0};
        for (int p0 = 0; p0 < hw; p0 += CHUNK) {
            const int p1 = hw - p0 < CHUNK ? hw : p0 + CHUNK;
            __m256i acc[GROUP / 8];
            for (int v = 0; v < GROUP / 8; v++)
                acc[v] = _mm256_setzero_si256();
            for (int px = p0; px < p1; px++) {
                const uint8_t *row = in + (size_t)px * c + ch;
                #pragma GCC unroll 8
                for (int v = 0; v < GROUP / 8; v++)
                    if (v < nv)
                        acc[v] = _mm256_add_epi32(acc[v], _mm256_cvtepu8_epi32(
                                     _mm_loadl_epi64((const __m128i *)(const void *)(row + 8 * v))));
            }
            for (int v = 0; v < nv; v++) {
                int32_t lanes[8];
                _mm256_storeu_si256((__m256i *)(void *)lanes, acc[v]);
                for (int j = 0; j < 8; j++)
                    sum[8 * v + j] += lanes[j];
            }
        }
        finish(sum, 8 * nv, hw, out + ch);
        ch += 8 * nv;
    }
    for (; ch < c; ch++) {                 /* the last c % 8 channels */
        int64_t sum = 0;
        for (int px = 0; px < hw; px++)
            sum += in[(size_t)px * c + ch];
        finish(&sum, 1, hw, out + ch);
    }
}
