/* kernels_ref.h — small helpers shared by the scalar reference kernels (<family>/<op>_ref.c):
 * the activation clamp and the prototypes that tables/table_ref.c collects into bd_kernels_ref. */
#ifndef BACKDROP_KERNELS_REF_H
#define BACKDROP_KERNELS_REF_H

#include "kernels.h"

/* ReLU: max(v, 0). ReLU6: min(max(v, 0), 6). NONE: identity. Applied in place to n floats. */
static inline void bd_ref_activate(float *v, int n, bd_act act)
{
    if (act == BD_ACT_RELU) {
        #pragma omp simd
        for (int i = 0; i < n; i++)
            v[i] = v[i] > 0.0f ? v[i] : 0.0f;
    } else if (act == BD_ACT_RELU6) {
        #pragma omp simd
        for (int i = 0; i < n; i++) {
            float t = v[i] > 0.0f ? v[i] : 0.0f;
            v[i] = t < 6.0f ? t : 6.0f;
        }
    }
}

void bd_conv3x3s2_ref(const float *in, int h, int w, int cin,
                      float *out, int oh, int ow, int cout,
                      const float *weight, const float *bias,
                      int pad_top, int pad_left, bd_act act);
void bd_dwconv3x3_ref(const float *in, int h, int w, int c,
                      float *out, int oh, int ow,
                      const float *weight, const float *bias,
                      int stride, int dilation, int pad_top, int pad_left, bd_act act);
void bd_pwconv_ref(const float *in, int m, int k, float *out, int n,
                   const float *weight, const float *bias,
                   const float *residual, bd_act act);
void bd_avgpool_ref(const float *in, int hw, int c, float *out);
void bd_upsample_argmax_ref(const float *logits, int ih, int iw, int c,
                            int full_h, int full_w, int crop_h, int crop_w,
                            uint8_t *labels);

/* align_corners scale (in-1)/(out-1) as TensorFlow computes it in float32; 0 if out <= 1. */
static inline float bd_align_corners_scale(int in, int out)
{
    return out > 1 ? (float)(in - 1) / (float)(out - 1) : 0.0f;
}

#endif
