/* qu8_requantize_ref.c — setting up TFLite's fixed-point multipliers and activation ranges,
 * the QUANTIZE operation (uint8 -> uint8 with another scale) and the input quantisation.
 *
 * QuantizeMultiplier writes a real multiplier d > 0 as q * 2^shift with q in [0.5, 1)
 * (frexp), and stores q as the Q31 integer M = round(q * 2^31) (half away from zero). When q
 * rounds up to exactly 1.0, M would not fit: it becomes 2^30 with shift + 1. Multipliers
 * below 2^-31 act as zero. The real multiplier of a convolution is computed the way TFLite
 * does: the product s_in * s_w in float32, then divided by s_out in double. These details
 * decide the last bit of M, and so ties of the output.
 */
#include <math.h>

#include "kernels_quant.h"
#include "kernels_fixedpoint.h"

void bd_qu8_quantize_multiplier(double d, int32_t *multiplier, int32_t *shift)
{
    if (d == 0.0) {
        *multiplier = 0;
        *shift = 0;
        return;
    }
    int e;
    const double q = frexp(d, &e);
    int64_t m = (int64_t)round(q * (double)(INT64_C(1) << 31));
    if (m == (INT64_C(1) << 31)) {
        m /= 2;
        e++;
    }
    if (e < -31) {
        e = 0;
        m = 0;
    }
    *multiplier = (int32_t)m;
    *shift = e;
}

/* quantize(f) = zp + (int)round_half_away(f / scale), in float32 as TFLite's kernel_util. */
static int32_t quantize_value(float f, float scale, int32_t zp)
{
    return zp + (int32_t)roundf(f / scale);
}

void bd_qu8_activation_range(int act, float out_scale, int32_t out_zp, int32_t *lo, int32_t *hi)
{
    *lo = 0;
    *hi = 255;
    if (act == 1 || act == 2) {                       /* relu, relu6 */
        int32_t z = quantize_value(0.0f, out_scale, out_zp);
        *lo = z > 0 ? z : 0;
    }
    if (act == 2) {
        int32_t six = quantize_value(6.0f, out_scale, out_zp);
        *hi = six < 255 ? six : 255;
    }
}

void bd_qu8_conv_setup(bd_qu8_conv *p, float in_scale, int32_t in_zp, float w_scale,
                       int32_t w_zp, float out_scale, int32_t out_zp, int act)
{
    const float product = in_scale * w_scale;                  /* float32, as TFLite */
    p->in_zp = in_zp;
    p->w_zp = w_zp;
    bd_qu8_quantize_multiplier((double)product / (double)out_scale, &p->rq.multiplier,
                               &p->rq.shift);
    p->rq.out_zp = out_zp;
    bd_qu8_activation_range(act, out_scale, out_zp, &p->rq.lo, &p->rq.hi);
}

void bd_qu8_add_setup(bd_qu8_add_params *p, float a_scale, int32_t a_zp, float b_scale,
                      int32_t b_zp, float out_scale, int32_t out_zp, int act)
{
    const float twice_max = 2 * (a_scale > b_scale ? a_scale : b_scale);   /* exact */
    p->a_zp = a_zp;
    p->b_zp = b_zp;
    bd_qu8_quantize_multiplier((double)a_scale / twice_max, &p->a_multiplier, &p->a_shift);
    bd_qu8_quantize_multiplier((double)b_scale / twice_max, &p->b_multiplier, &p->b_shift);
    bd_qu8_quantize_multiplier((double)twice_max / (double)((float)(1 << 20) * out_scale),
                               &p->rq.multiplier, &p->rq.shift);
    p->rq.out_zp = out_zp;
    bd_qu8_activation_range(act, out_scale, out_zp, &p->rq.lo, &p->rq.hi);
}

void bd_qu8_requant_setup(bd_qu8_requant *rq, float in_scale, float out_scale, int32_t out_zp)
{
    bd_qu8_quantize_multiplier((double)in_scale / (double)out_scale, &rq->multiplier, &rq->shift);
    rq->out_zp = out_zp;
    rq->lo = 0;
    rq->hi = 255;
}

void bd_qu8_requantize_ref(const uint8_t *in, size_t n, int32_t in_zp,
                           const bd_qu8_requant *rq, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        int32_t v = bd_qu8_mbqm((int32_t)in[i] - in_zp, rq->multiplier, rq->shift) + rq->out_zp;
        out[i] = bd_qu8_clamp(v, rq->lo, rq->hi);
    }
}

void bd_qu8_quantize_f32(const float *x, size_t n, float scale, int32_t zp, uint8_t *q)
{
    for (size_t i = 0; i < n; i++) {
        float r = roundf(x[i] / scale);
        /* clamp in float first so the conversion to int is always defined (NaN -> low) */
        r = r > -1024.0f ? r : -1024.0f;
        r = r < 1024.0f ? r : 1024.0f;
        q[i] = bd_qu8_clamp((int32_t)r + zp, 0, 255);
    }
}
