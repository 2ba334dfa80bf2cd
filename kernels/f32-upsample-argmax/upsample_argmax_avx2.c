/* upsample_argmax_avx2.c — fused "bilinear upsample of the logits (align_corners) + argmax"
 * with AVX2: the driver of upsample_argmax_body.h over 8 neighbouring output pixels. What
 * is AVX2's own: the scalar lerp in SSE intrinsics (a separate mul and add the compiler
 * cannot contract, whatever its -ffp-contract), and the packing of 8 class numbers to bytes.
 */
#include "simd/vec_avx2.h"

#include <string.h>

/* a + (b - a) * f in float32, never contracted into an FMA */
static inline float lerp1(float a, float b, float f)
{
    __m128 va = _mm_set_ss(a);
    __m128 d = _mm_sub_ss(_mm_set_ss(b), va);
    return _mm_cvtss_f32(_mm_add_ss(va, _mm_mul_ss(d, _mm_set_ss(f))));
}

/* the first n (1..8) class numbers of idx as bytes: packed 32 -> 16 -> 8 bits */
static inline void store_labels(uint8_t *out, vec_f idx, int n)
{
    __m256i ii = _mm256_cvttps_epi32(idx);
    __m128i w16 = _mm_packus_epi32(_mm256_castsi256_si128(ii), _mm256_extracti128_si256(ii, 1));
    __m128i b8 = _mm_packus_epi16(w16, w16);
    if (n >= 8) {
        _mm_storel_epi64((__m128i *)out, b8);
    } else {
        uint8_t tmp[16];
        _mm_storeu_si128((__m128i *)tmp, b8);
        memcpy(out, tmp, (size_t)n);
    }
}

#include "upsample_argmax_body.h"
