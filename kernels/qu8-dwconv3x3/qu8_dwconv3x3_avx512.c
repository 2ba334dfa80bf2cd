/* qu8_dwconv3x3_avx512.c — the uint8 depthwise 3x3 convolution with AVX-512, bit-identical
 * to qu8_dwconv3x3_ref.c.
 *
 * Channels are innermost, so 16 channels of one pixel are one vector: each tap widens 16
 * input bytes to int32 and takes the zero point off (x - in_zp, in -255..255), and vpmaddwd
 * multiplies it by the tap's weights (w - w_zp), stored as int16 in the low half of each
 * int32 lane with a zero high half, so each lane gets exactly (x - in_zp)(w - w_zp). The
 * taps are added in the reference's order onto the bias; taps outside the image are
 * skipped, as there. The 9 weight vectors and the bias of a 16-channel slice stay in
 * registers for a whole output row. Requantisation: simd/qu8_requant_avx512.h, rounding
 * the shift half up as the depthwise reference does. The channel tail uses masked loads.
 */
#include <immintrin.h>

#include "kernels_quant.h"
#include "kernels_quant_isa.h"
#include "qu8_dwconv3x3_body.h"
#include "simd/qu8_requant_avx512.h"

void bd_qu8_dwconv3x3_avx512(const uint8_t *in, int h, int w, int c, uint8_t *out, int oh,
                             int ow, const uint8_t *weight, const int32_t *bias, int stride,
                             int dilation, int pad_top, int pad_left, const bd_qu8_conv *p)
{
    const __m512i in_zp = _mm512_set1_epi32(p->in_zp), w_zp = _mm512_set1_epi32(p->w_zp);
    const __m512i low16 = _mm512_set1_epi32(0xFFFF);
    const qu8_dw_geom g = qu8_dw_geometry(h, w, c, stride, dilation, pad_top, pad_left);
    #pragma omp parallel for schedule(static)
    for (int oy = 0; oy < oh; oy++) {
        for (int c0 = 0; c0 < c; c0 += 16) {
            const int nc = c - c0 < 16 ? c - c0 : 16;
            const __mmask16 mk = (__mmask16)((1u << nc) - 1);
            __m512i wv[9];
            for (int t = 0; t < 9; t++) {
                __m512i v = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(mk, weight + (size_t)t * c + c0));
                wv[t] = _mm512_and_si512(_mm512_sub_epi32(v, w_zp), low16);
            }
            const __m512i b = _mm512_maskz_loadu_epi32(mk, bias + c0);
            for (int ox = 0; ox < ow; ox++) {
                size_t off[9];
                int tap[9], nt = qu8_dw_taps(&g, oy, ox, off, tap);
                __m512i acc = b;
                for (int i = 0; i < nt; i++) {
                    __m512i xv = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(mk, in + off[i] + c0));
                    acc = _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_sub_epi32(xv, in_zp), wv[tap[i]]));
                }
                _mm_mask_storeu_epi8(out + ((size_t)oy * ow + ox) * c + c0, mk,
                                     requant16_up(acc, &p->rq));
            }
        }
    }
}
