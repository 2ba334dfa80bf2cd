/* vec_avx512.h — the vector primitives the kernel drivers (kernels/<family>/<op>_body.h)
 * are written in, for AVX-512F: VEC_N = 16 floats per zmm register. A partial vector goes
 * through an __mmask16 with the valid lanes: masked loads never touch the lanes past it
 * (and zero them), masked stores never write them. A masked access costs the same as a
 * plain one, so drivers may mask a strip's last vector always (VEC_MASK_FREE 1).
 * Included only by the *_avx512.c units, compiled with -mavx512f (and friends). */
#ifndef BACKDROP_VEC_AVX512_H
#define BACKDROP_VEC_AVX512_H

#include <immintrin.h>
#include <stdint.h>

#include "kernels.h"

#define VEC_ISA avx512   /* suffix of the kernel functions: bd_<op>_avx512 */
#define VEC_N 16         /* floats per vector */
#define VEC_MASK_FREE 1  /* masked loads/stores cost as much as plain ones */
#define VEC_FN static inline __attribute__((always_inline))

typedef __m512 vec_f;      /* VEC_N floats */
typedef __mmask16 vec_mask; /* which lanes of a partial vector are valid */
typedef __mmask16 vec_cmp;  /* a lane-wise comparison result */

/* the mask with the first `nvalid` (1..16) lanes set */
VEC_FN vec_mask tail_mask(int nvalid) { return (__mmask16)((1u << nvalid) - 1u); }

VEC_FN vec_f vec_load(const float *p) { return _mm512_loadu_ps(p); }
VEC_FN vec_f vec_load_aligned(const float *p) { return _mm512_load_ps(p); }
VEC_FN vec_f vec_load_mask(const float *p, vec_mask m) { return _mm512_maskz_loadu_ps(m, p); }
VEC_FN void vec_store(float *p, vec_f v) { _mm512_storeu_ps(p, v); }
VEC_FN void vec_store_aligned(float *p, vec_f v) { _mm512_store_ps(p, v); }
VEC_FN void vec_store_mask(float *p, vec_mask m, vec_f v) { _mm512_mask_storeu_ps(p, m, v); }
VEC_FN vec_f vec_zero(void) { return _mm512_setzero_ps(); }
VEC_FN vec_f vec_set1(float x) { return _mm512_set1_ps(x); }
/* from memory: the compiler may fold it into the FMA as a {1to16} operand */
VEC_FN vec_f vec_broadcast(const float *p) { return _mm512_set1_ps(*p); }

/* acc + a * b, rounded once */
VEC_FN vec_f vec_fma(vec_f acc, vec_f a, vec_f b) { return _mm512_fmadd_ps(a, b, acc); }
VEC_FN vec_f vec_add(vec_f a, vec_f b) { return _mm512_add_ps(a, b); }
VEC_FN vec_f vec_sub(vec_f a, vec_f b) { return _mm512_sub_ps(a, b); }
VEC_FN vec_f vec_mul(vec_f a, vec_f b) { return _mm512_mul_ps(a, b); }
VEC_FN vec_f vec_max(vec_f a, vec_f b) { return _mm512_max_ps(a, b); }
VEC_FN vec_f vec_min(vec_f a, vec_f b) { return _mm512_min_ps(a, b); }

/* a > b lane by lane (false for NaN), and m ? a : b */
VEC_FN vec_cmp vec_cmpgt(vec_f a, vec_f b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
VEC_FN vec_f vec_select(vec_cmp m, vec_f a, vec_f b) { return _mm512_mask_blend_ps(m, b, a); }

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
