/* upsample_argmax_neon.c — fused "bilinear upsample of the logits (align_corners) + argmax"
 * with NEON: the driver of upsample_argmax_body.h over 4 neighbouring output pixels. What
 * is NEON's own: the scalar lerp, plain C (the build's -std=c11 means gcc never contracts
 * its mul/add into an FMA; it does only under -ffp-contract=fast, and the kernel test
 * checks the labels for exact equality), and the store of 4 class numbers as bytes.
 */
#include "simd/vec_neon.h"

#include <stdint.h>

/* a + (b - a) * f in float32 */
static inline float lerp1(float a, float b, float f)
{
    return a + (b - a) * f;
}

/* the first n (1..4) class numbers of idx as bytes */
static inline void store_labels(uint8_t *out, vec_f idx, int n)
{
    uint32_t tmp[4];
    vst1q_u32(tmp, vcvtq_u32_f32(idx));
    for (int q = 0; q < n; q++)
        out[q] = (uint8_t)tmp[q];
}

#include "upsample_argmax_body.h"
