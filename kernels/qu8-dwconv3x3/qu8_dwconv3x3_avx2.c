/* qu8_dwconv3x3_avx2.c — the uint8 depthwise 3x3 convolution with AVX2, bit-identical to
 * qu8_dwconv3x3_ref.c.
 *
 * 8 channels of a pixel per vector: 8 input bytes widened to int32 minus the zero point,
 * times the tap's (w - w_zp) held as int16 in the low half of each lane (high half zero),
 * with vpmaddwd, so each lane gets exactly the reference's product; taps outside the image
 * skipped; the slice's 9 weight vectors stay in registers for the output row. The last
 * c % 8 channels go through the scalar reference arithmetic (kernels_fixedpoint.h).
 * Requantisation: simd/qu8_requant_avx2.h with the depthwise (half up) rounding.
 */
#include <immintrin.h>
#include <string.h>

#include "kernels_fixedpoint.h"
#include "kernels_quant.h"
#include "kernels_quant_isa.h"
#include "qu8_dwconv3x3_body.h"
#include "simd/qu8_requant_avx2.h"

static inline __m256i widen8(const uint8_t *p)
{
    return _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(const void *)p));
}

/* One channel of one output pixel, as the reference computes it. */
static uint8_t one_channel(const qu8_dw_geom *g, const uint8_t *in, int ch, int oy, int ox,
                           const uint8_t *weight, const int32_t *bias, const bd_qu8_conv *p)
{
    size_t off[9];
    int tap[9], nt = qu8_dw_taps(g, oy, ox, off, tap);
    int32_t acc = bias[ch];
    for (int i = 0; i < nt; i++)
        acc += ((int32_t)in[off[i] + ch] - p->in_zp) *
               ((int32_t)weight[(size_t)tap[i] * g->c + ch] - p->w_zp);
    return bd_qu8_clamp(bd_qu8_mbqm_upward(acc, p->rq.multiplier, p->rq.shift) + p->rq.out_zp,
                        p->rq.lo, p->rq.hi);
}

void bd_qu8_dwconv3x3_avx2(const uint8_t *in, int h, int w, int c, uint8_t *out, int oh,
                           int ow, const uint8_t *weight, const int32_t *bias, int stride,
                           int dilation, int pad_top, int pad_left, const bd_qu8_conv *p)
{
    const __m256i in_zp = _mm256_set1_epi32(p->in_zp), w_zp = _mm256_set1_epi32(p->w_zp);
    const __m256i low16 = _mm256_set1_epi32(0xFFFF);
    const qu8_dw_geom g = qu8_dw_geometry(h, w, c, stride, dilation, pad_top, pad_left);
    const int cv = c / 8 * 8;
    #pragma omp parallel for schedule(static)
    for (int oy = 0; oy < oh; oy++) {
        for (int c0 = 0; c0 < cv; c0 += 8) {
            __m256i wv[9];
            for (int t = 0; t < 9; t++)
                wv[t] = _mm256_and_si256(_mm256_sub_epi32(widen8(weight + (size_t)t * c + c0), w_zp), low16);
            const __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(bias + c0));
            for (int ox = 0; ox < ow; ox++) {
                size_t off[9];
                int tap[9], nt = qu8_dw_taps(&g, oy, ox, off, tap);
                __m256i acc = b;
                for (int i = 0; i < nt; i++)
                    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(
                              _mm256_sub_epi32(widen8(in + off[i] + c0), in_zp), wv[tap[i]]));
                uint8_t tmp[16];
                _mm_storeu_si128((__m128i *)(void *)tmp, requant8_up(acc, &p->rq));
                memcpy(out + ((size_t)oy * ow + ox) * c + c0, tmp, 8);
            }
        }
        for (int ox = 0; cv < c && ox < ow; ox++)
            for (int ch = cv; ch < c; ch++)
                out[((size_t)oy * ow + ox) * c + ch] = one_channel(&g, in, ch, oy, ox, weight,
                                                                   bias, p);
    }
}
