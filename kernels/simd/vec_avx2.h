/* vec_avx2.h — the vector primitives the kernel drivers (kernels/<family>/<op>_body.h) are
 * written in, for AVX2 + FMA: VEC_N = 8 floats per ymm register. A partial vector goes
 * through a lane mask: maskload reads only the set lanes (the others are zero, the memory
 * behind them is never touched) and maskstore writes only them. Masked accesses cost more
 * than plain ones here, so the drivers use them only for a partial last vector
 * (VEC_MASK_FREE 0). Included only by the *_avx2.c units, compiled with -mavx2 -mfma. */
#ifndef BACKDROP_VEC_AVX2_H
#define BACKDROP_VEC_AVX2_H

#include <immintrin.h>
#include <stdint.h>

#include "kernels.h"

#define VEC_ISA avx2     /* suffix of the kernel functions: bd_<op>_avx2 */
#define VEC_N 8          /* floats per vector */
#define VEC_MASK_FREE 0  /* masked loads/stores are slower than plain ones */
#define VEC_FN static inline __attribute__((always_inline))

typedef __m256 vec_f;     /* VEC_N floats */
typedef __m256i vec_mask; /* which lanes of a partial vector are valid */
typedef __m256 vec_cmp;   /* a lane-wise comparison result */

/* the mask with the first `nvalid` (1..8) lanes set */
VEC_FN vec_mask tail_mask(int nvalid)
{
    static const int32_t tbl[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
    return _mm256_loadu_si256((const __m256i *)(tbl + 8 - nvalid));
}

VEC_FN vec_f vec_load(const float *p) { return _mm256_loadu_ps(p); }
VEC_FN vec_f vec_load_aligned(const float *p) { return _mm256_load_ps(p); }
VEC_FN vec_f vec_load_mask(const float *p, vec_mask m) { return _mm256_maskload_ps(p, m); }
VEC_FN void vec_store(float *p, vec_f v) { _mm256_storeu_ps(p, v); }
VEC_FN void vec_store_aligned(float *p, vec_f v) { _mm256_store_ps(p, v); }
VEC_FN void vec_store_mask(float *p, vec_mask m, vec_f v) { _mm256_maskstore_ps(p, m, v); }
VEC_FN vec_f vec_zero(void) { return _mm256_setzero_ps(); }
VEC_FN vec_f vec_set1(float x) { return _mm256_set1_ps(x); }
VEC_FN vec_f vec_broadcast(const float *p) { return _mm256_broadcast_ss(p); }

/* acc + a * b, rounded once */
VEC_FN vec_f vec_fma(vec_f acc, vec_f a, vec_f b) { return _mm256_fmadd_ps(a, b, acc); }
VEC_FN vec_f vec_add(vec_f a, vec_f b) { return _mm256_add_ps(a, b); }
VEC_FN vec_f vec_sub(vec_f a, vec_f b) { return _mm256_sub_ps(a, b); }
VEC_FN vec_f vec_mul(vec_f a, vec_f b) { return _mm256_mul_ps(a, b); }
VEC_FN vec_f vec_max(vec_f a, vec_f b) { return _mm256_max_ps(a, b); }
VEC_FN vec_f vec_min(vec_f a, vec_f b) { return _mm256_min_ps(a, b); }

/* a > b lane by lane (false for NaN), and m ? a : b */
VEC_FN vec_cmp vec_cmpgt(vec_f a, vec_f b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
VEC_FN vec_f vec_select(vec_cmp m, vec_f a, vec_f b) { return _mm256_blendv_ps(b, a, m); }

/* ReLU / ReLU6 / none */
VEC_FN vec_f vec_act(vec_f x, bd_act act)
{
    if (act != BD_ACT_NONE)
        x = vec_max(x, vec_zero());
    if (act == BD_ACT_RELU6)
        x = vec_min(x, vec_set1(6.0f));
    return x;
}

#endif
