/* vec_neon.h — the vector primitives the kernel drivers (kernels/<family>/<op>_body.h) are
 * written in, for NEON on aarch64: VEC_N = 4 floats per q register. NEON has no masked
 * loads or stores, so a "mask" is the count of valid lanes and a partial vector goes
 * through a small zero-padded buffer (memcpy of the valid floats only: the memory past
 * them is never touched). Drivers use it only for a partial last vector (VEC_MASK_FREE 0).
 * Included only by the *_neon.c units. */
#ifndef BACKDROP_VEC_NEON_H
#define BACKDROP_VEC_NEON_H

#include <arm_neon.h>
#include <string.h>

#include "kernels.h"

#define VEC_ISA neon     /* suffix of the kernel functions: bd_<op>_neon */
#define VEC_N 4          /* floats per vector */
#define VEC_MASK_FREE 0  /* a partial vector costs a trip through memory */
#define VEC_FN static inline __attribute__((always_inline))

typedef float32x4_t vec_f; /* VEC_N floats */
typedef int vec_mask;      /* the number of valid lanes (1..4) */
typedef uint32x4_t vec_cmp; /* a lane-wise comparison result */

VEC_FN vec_mask tail_mask(int nvalid) { return nvalid; }

VEC_FN vec_f vec_load(const float *p) { return vld1q_f32(p); }
VEC_FN vec_f vec_load_aligned(const float *p) { return vld1q_f32(p); }
VEC_FN vec_f vec_load_mask(const float *p, vec_mask m)
{
    float t[4] = {0, 0, 0, 0};
    memcpy(t, p, (size_t)m * sizeof *t);
    return vld1q_f32(t);
}
VEC_FN void vec_store(float *p, vec_f v) { vst1q_f32(p, v); }
VEC_FN void vec_store_aligned(float *p, vec_f v) { vst1q_f32(p, v); }
VEC_FN void vec_store_mask(float *p, vec_mask m, vec_f v)
{
    float t[4];
    vst1q_f32(t, v);
    memcpy(p, t, (size_t)m * sizeof *t);
}
VEC_FN vec_f vec_zero(void) { return vdupq_n_f32(0.0f); }
VEC_FN vec_f vec_set1(float x) { return vdupq_n_f32(x); }
VEC_FN vec_f vec_broadcast(const float *p) { return vld1q_dup_f32(p); }

/* acc + a * b, rounded once */
VEC_FN vec_f vec_fma(vec_f acc, vec_f a, vec_f b) { return vfmaq_f32(acc, a, b); }
VEC_FN vec_f vec_add(vec_f a, vec_f b) { return vaddq_f32(a, b); }
VEC_FN vec_f vec_sub(vec_f a, vec_f b) { return vsubq_f32(a, b); }
VEC_FN vec_f vec_mul(vec_f a, vec_f b) { return vmulq_f32(a, b); }
VEC_FN vec_f vec_max(vec_f a, vec_f b) { return vmaxq_f32(a, b); }
VEC_FN vec_f vec_min(vec_f a, vec_f b) { return vminq_f32(a, b); }

/* a > b lane by lane (false for NaN), and m ? a : b */
VEC_FN vec_cmp vec_cmpgt(vec_f a, vec_f b) { return vcgtq_f32(a, b); }
VEC_FN vec_f vec_select(vec_cmp m, vec_f a, vec_f b) { return vbslq_f32(m, a, b); }

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
