/* peak_int8_avx2.c — the vpmaddwd + vpaddd (AVX2, ymm) loop for peak_int8.c; built with
 * -mavx2. The step the AVX2 int8 kernels repeat: t = madd(a, b) (8 lanes x 2 int16
 * products, summed in pairs into int32), c += t. The loop body is written in inline
 * assembly: with intrinsics the compiler would hoist madd(a, b) of two constants out of the
 * loop (or merge the 12 identical ones), and 12 accumulators + 2 inputs + 2 temporaries are
 * exactly AVX2's 16 ymm registers, so nothing may spill. The two temporaries alternate;
 * register renaming removes their reuse dependences, leaving 12 chains of one vpaddd each. */
#include <immintrin.h>

#include "peak_int8.h"

float peak_int8_avx2(long iters)
{
    const __m256i a = _mm256_set1_epi16(3), b = _mm256_set1_epi16(5);
    __m256i c0 = _mm256_set1_epi32(0), c1 = _mm256_set1_epi32(1), c2 = _mm256_set1_epi32(2);
    __m256i c3 = _mm256_set1_epi32(3), c4 = _mm256_set1_epi32(4), c5 = _mm256_set1_epi32(5);
    __m256i c6 = _mm256_set1_epi32(6), c7 = _mm256_set1_epi32(7), c8 = _mm256_set1_epi32(8);
    __m256i c9 = _mm256_set1_epi32(9), c10 = _mm256_set1_epi32(10), c11 = _mm256_set1_epi32(11);
    for (long i = 0; i < iters; i++)
        __asm__ volatile(
            "vpmaddwd %[a], %[b], %%ymm14\n\t"
            "vpaddd %%ymm14, %[c0], %[c0]\n\t"
            "vpmaddwd %[a], %[b], %%ymm15\n\t"
            "vpaddd %%ymm15, %[c1], %[c1]\n\t"
            "vpmaddwd %[a], %[b], %%ymm14\n\t"
            "vpaddd %%ymm14, %[c2], %[c2]\n\t"
            "vpmaddwd %[a], %[b], %%ymm15\n\t"
            "vpaddd %%ymm15, %[c3], %[c3]\n\t"
            "vpmaddwd %[a], %[b], %%ymm14\n\t"
            "vpaddd %%ymm14, %[c4], %[c4]\n\t"
            "vpmaddwd %[a], %[b], %%ymm15\n\t"
            "vpaddd %%ymm15, %[c5], %[c5]\n\t"
            "vpmaddwd %[a], %[b], %%ymm14\n\t"
            "vpaddd %%ymm14, %[c6], %[c6]\n\t"
            "vpmaddwd %[a], %[b], %%ymm15\n\t"
            "vpaddd %%ymm15, %[c7], %[c7]\n\t"
            "vpmaddwd %[a], %[b], %%ymm14\n\t"
            "vpaddd %%ymm14, %[c8], %[c8]\n\t"
            "vpmaddwd %[a], %[b], %%ymm15\n\t"
            "vpaddd %%ymm15, %[c9], %[c9]\n\t"
            "vpmaddwd %[a], %[b], %%ymm14\n\t"
            "vpaddd %%ymm14, %[c10], %[c10]\n\t"
            "vpmaddwd %[a], %[b], %%ymm15\n\t"
            "vpaddd %%ymm15, %[c11], %[c11]\n\t"
            : [c0] "+x"(c0), [c1] "+x"(c1), [c2] "+x"(c2), [c3] "+x"(c3), [c4] "+x"(c4),
              [c5] "+x"(c5), [c6] "+x"(c6), [c7] "+x"(c7), [c8] "+x"(c8), [c9] "+x"(c9),
              [c10] "+x"(c10), [c11] "+x"(c11)
            : [a] "x"(a), [b] "x"(b)
            : "xmm14", "xmm15");
    __m256i s = _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(c0, c1), _mm256_add_epi32(c2, c3)),
                                 _mm256_add_epi32(_mm256_add_epi32(c4, c5), _mm256_add_epi32(c6, c7)));
    s = _mm256_add_epi32(s, _mm256_add_epi32(_mm256_add_epi32(c8, c9), _mm256_add_epi32(c10, c11)));
    int out[8];
    _mm256_storeu_si256((__m256i *)out, s);
    return (float)out[0] + (float)out[7];
}
