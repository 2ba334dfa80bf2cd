/* qu8_add_avx2.c — TFLite's uint8 ADD on 16 values at a time with AVX2, bit-identical to
 * qu8_add_ref.c: (q - zp) * 2^20 of each input and its MultiplyByQuantizedMultiplier (in
 * 32-bit arithmetic, exact for these small inputs, see rescale8), the sum's (the 64-bit
 * fixed point of simd/qu8_requant_avx2.h), the output zero point and clamp, in two vectors
 * of 8 int32 lanes. The last n % 16 values go through a small zero-padded buffer. */
#include <immintrin.h>
#include <string.h>

#include "kernels_quant.h"
#include "kernels_quant_isa.h"
#include "simd/qu8_requant_avx2.h"

/* One input's rescale, mbqm((q - zp) * 2^20, M, shift <= 0), in 32-bit lanes: with
 * v = q - zp in -255..255, the high multiply floor((v 2^20 M + 2^30) / 2^31) (the
 * reference's nudge-and-truncate is this floor for every sign) is floor((v M + 2^10) / 2^11),
 * and with M = Mh 2^11 + Ml (Ml < 2^11) that is v Mh + floor((v Ml + 2^10) / 2^11): two
 * 32-bit products, |v Mh| < 2^28. Then the shift by r rounded half away from zero as
 * (x + 2^(r-1) + (x < 0 ? -1 : 0)) >> r, which cannot overflow at these magnitudes. */
typedef struct {
    __m256i zp, mh, ml, half;
    __m128i r;
    int has_r;
} in_scale;

static in_scale in_scale_setup(int32_t zp, int32_t multiplier, int32_t shift)
{
    const int r = -shift;
    in_scale s = {_mm256_set1_epi32(zp), _mm256_set1_epi32(multiplier >> 11),
                  _mm256_set1_epi32(multiplier & 2047),
                  _mm256_set1_epi32(r > 0 ? (int32_t)(UINT32_C(1) << (r - 1)) : 0),
                  _mm_cvtsi32_si128(r), r > 0};
    return s;
}

static inline __m256i rescale8(__m128i q8, const in_scale *s)
{
    const __m256i v = _mm256_sub_epi32(_mm256_cvtepu8_epi32(q8), s->zp);
    const __m256i lo = _mm256_srai_epi32(_mm256_add_epi32(_mm256_mullo_epi32(v, s->ml),
                                                          _mm256_set1_epi32(1 << 10)), 11);
    __m256i x = _mm256_add_epi32(_mm256_mullo_epi32(v, s->mh), lo);
    if (s->has_r)
        x = _mm256_sra_epi32(_mm256_add_epi32(_mm256_add_epi32(x, s->half), _mm256_srai_epi32(x, 31)),
                             s->r);
    return x;
}

typedef struct {
    in_scale a, b;
} add8_ctx;

/* 8 outputs (int32 lanes, clamped) from 8 bytes of each input */
static inline __m256i add8(__m128i a8, __m128i b8, const add8_ctx *x, const bd_qu8_add_params *p)
{
    const __m256i sum = _mm256_add_epi32(rescale8(a8, &x->a), rescale8(b8, &x->b));
    return qu8_clamp8(qu8_mbqm8(sum, &p->rq), &p->rq);
}

static inline __m128i add16(const uint8_t *a, const uint8_t *b, const add8_ctx *x,
                            const bd_qu8_add_params *p)
{
    const __m128i va = _mm_loadu_si128((const __m128i *)(const void *)a);
    const __m128i vb = _mm_loadu_si128((const __m128i *)(const void *)b);
    return qu8_bytes16(add8(va, vb, x, p), add8(_mm_srli_si128(va, 8), _mm_srli_si128(vb, 8), x, p));
}

void bd_qu8_add_avx2(const uint8_t *a, const uint8_t *b, size_t n, uint8_t *out,
                     const bd_qu8_add_params *p)
{
    if (p->a_shift > 0 || p->b_shift > 0 || p->a_shift < -31 || p->b_shift < -31) {
        bd_qu8_add_ref(a, b, n, out, p);        /* (never set up so: the shifts are <= 0) */
        return;
    }
    const add8_ctx x = {in_scale_setup(p->a_zp, p->a_multiplier, p->a_shift),
                        in_scale_setup(p->b_zp, p->b_multiplier, p->b_shift)};
    const ptrdiff_t blocks = (ptrdiff_t)(n / 16);
    #pragma omp parallel for schedule(guided)
    for (ptrdiff_t i = 0; i < blocks; i++) {
        const size_t at = (size_t)i * 16;
        _mm_storeu_si128((__m128i *)(void *)(out + at), add16(a + at, b + at, &x, p));
    }
    const size_t at = (size_t)blocks * 16, left = n - at;
    if (left) {
        uint8_t ta[16] = {0}, tb[16] = {0}, to[16];
        memcpy(ta, a + at, left);
        memcpy(tb, b + at, left);
        _mm_storeu_si128((__m128i *)(void *)to, add16(ta, tb, &x, p));
        memcpy(out + at, to, left);
    }
}
