/* qu8_add_avx2.c — TFLite's uint8 ADD on 16 values at a time with AVX2, bit-identical to
 * qu8_add_ref.c: (q - zp) * 2^20 of each input, its MultiplyByQuantizedMultiplier, the
 * sum's, the output zero point and clamp, all with the reference's fixed point
 * (simd/qu8_requant_avx2.h), in two vectors of 8 int32 lanes. The last n % 16 values go
 * through a small zero-padded buffer. */
#include <immintrin.h>
#include <string.h>

#include "kernels_quant.h"
#include "kernels_quant_isa.h"
#include "simd/qu8_requant_avx2.h"

typedef struct {
    bd_qu8_requant ra, rb;
    __m256i za, zb;
} add8_ctx;

/* 8 outputs (int32 lanes, clamped) from 8 bytes of each input */
static inline __m256i add8(__m128i a8, __m128i b8, const add8_ctx *x, const bd_qu8_add_params *p)
{
    __m256i va = _mm256_slli_epi32(_mm256_sub_epi32(_mm256_cvtepu8_epi32(a8), x->za), 20);
    __m256i vb = _mm256_slli_epi32(_mm256_sub_epi32(_mm256_cvtepu8_epi32(b8), x->zb), 20);
    va = qu8_mbqm8(va, &x->ra);
    vb = qu8_mbqm8(vb, &x->rb);
    return qu8_clamp8(qu8_mbqm8(_mm256_add_epi32(va, vb), &p->rq), &p->rq);
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
    const add8_ctx x = {{p->a_multiplier, p->a_shift, 0, 0, 255},
                        {p->b_multiplier, p->b_shift, 0, 0, 255},
                        _mm256_set1_epi32(p->a_zp), _mm256_set1_epi32(p->b_zp)};
    const ptrdiff_t blocks = (ptrdiff_t)(n / 16);
    #pragma omp parallel for schedule(static)
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
