/* kernels_quant.h — the uint8 (asymmetric, per-tensor) integer operations of the quantised
 * DeepLabV3-MobileNetV2, with TFLite's reference-kernel semantics bit for bit, and the table
 * that picks an implementation of each for the CPU.
 *
 * Every tensor is uint8 with one scale and zero point: real = scale * (q - zp). Weights are
 * uint8 too (zero point w_zp), biases int32 with scale s_in * s_w. A convolution sums
 *     acc = bias + sum over the taps inside the image of (q_in - in_zp) * (q_w - w_zp)
 * in int32 (a padded tap contributes nothing, as if it held in_zp), then requantises:
 *     out = clamp(MultiplyByQuantizedMultiplier(acc, M, shift) + out_zp, lo, hi)
 * (kernels_fixedpoint.h explains M, shift and the two roundings; lo/hi are the
 * fused activation's range). Layouts as the float kernels (kernels.h): NHWC, weights with
 * the output channel innermost. Kernels never allocate and parallelise with OpenMP.
 * Accumulators: the caller keeps |bias| + k * 255 * 255 below 2^31 (k taps), which every
 * layer of the DeepLab models does by far (k <= 960 * 1).
 */
#ifndef BACKDROP_KERNELS_QUANT_H
#define BACKDROP_KERNELS_QUANT_H

#include <stddef.h>
#include <stdint.h>

/* How one layer turns its int32 accumulators into uint8 outputs. */
typedef struct bd_qu8_requant {
    int32_t multiplier;        /* M, Q31, in [2^30, 2^31) or 0 */
    int32_t shift;             /* real multiplier = M * 2^(shift - 31) */
    int32_t out_zp;
    int32_t lo, hi;            /* clamp range (the fused activation), 0 <= lo <= hi <= 255 */
    /* The same function in float32, where bd_qu8_requant_float has proven it equal
     * (flt = 1 or 2; 0 everywhere else, as in a struct initialised without it): with
     * a = clamp(acc, acc_lo, acc_hi),
     *   out = round_to_nearest_even(fma((float)a, fm, flt == 2 && a < 0 ? fcn : fc)) */
    int32_t flt;
    int32_t acc_lo, acc_hi;
    float fm, fc, fcn;
    /* fwide (with flt): the range is 0..255 and the line leaves it beyond the window's ends
     * (at most 0 below, at least 255 above), so the accumulator needs no clamp when the
     * result goes through saturating packs to bytes: convert, fma, round, pack */
    int32_t fwide;
} bd_qu8_requant;

/* The operands of one convolution besides the tensors. */
typedef struct bd_qu8_conv {
    int32_t in_zp, w_zp;
    bd_qu8_requant rq;
} bd_qu8_conv;

/* ADD of two uint8 tensors of possibly different quantisations (TFLite's uint8 ADD):
 * each input is offset, scaled by 2^20 and multiplied by its M_i (a real factor
 * s_i / (2 max(s1, s2)) < 1), the sum multiplied by the output's (2 max(s1,s2) / (2^20 s_out)). */
typedef struct bd_qu8_add_params {
    int32_t a_zp, b_zp;
    int32_t a_multiplier, a_shift;       /* shifts <= 0 */
    int32_t b_multiplier, b_shift;
    bd_qu8_requant rq;                   /* the output's multiplier, zero point and range */
} bd_qu8_add_params;

/* --------------------------------------------------------------- parameter set-up ---- */

/* TFLite's QuantizeMultiplier: d = M * 2^(shift - 31), M rounded half away from zero. */
void bd_qu8_quantize_multiplier(double d, int32_t *multiplier, int32_t *shift);
/* TFLite's CalculateActivationRangeUint8 for act 0 none, 1 relu, 2 relu6 (bd_act's values). */
void bd_qu8_activation_range(int act, float out_scale, int32_t out_zp, int32_t *lo, int32_t *hi);
/* A convolution's requantisation: real multiplier (double)(float)(s_in * s_w) / s_out. */
void bd_qu8_conv_setup(bd_qu8_conv *p, float in_scale, int32_t in_zp, float w_scale,
                       int32_t w_zp, float out_scale, int32_t out_zp, int act);
void bd_qu8_add_setup(bd_qu8_add_params *p, float a_scale, int32_t a_zp, float b_scale,
                      int32_t b_zp, float out_scale, int32_t out_zp, int act);
/* Looks for the float32 form of rq (see bd_qu8_requant) and proves it: for every
 * accumulator whose exact output (bd_qu8_mbqm, or bd_qu8_mbqm_upward with `upward`, + out_zp)
 * lies in lo..hi, here acc_lo..acc_hi, the float form gives the same integer, and outside
 * that window the exact output is lo below and hi above, which clamping the accumulator
 * into the window reproduces. Sets rq->flt (1, or 2 with a second constant for negative
 * accumulators) only then; the SIMD kernels requantise that
 * way (5 vector operations instead of 9-13 for the 64-bit fixed point). Needs a multiplier
 * below one and a window of at most 2^17 accumulators inside +-2^24 (float32 holds them
 * exactly). Assumes the default rounding mode, round to nearest even. */
void bd_qu8_requant_float(bd_qu8_requant *rq, int upward);
/* (upward: proven for the depthwise kernels, which round that way; the other kernels need
 * it proven with upward = 0.) */
/* QUANTIZE uint8 -> uint8 (a rescale): multiplier s_in / s_out, range 0..255. */
void bd_qu8_requant_setup(bd_qu8_requant *rq, float in_scale, float out_scale, int32_t out_zp);

/* --------------------------------------------------------------- the operations ----- */

/* 3x3 convolution, stride 2 (the stem): out[oy][ox][co] from in[2oy+ky-pad_top][2ox+kx-pad_left][ci]
 * and weight[ky][kx][ci][co] (HWIO). */
typedef void (*bd_qu8_conv3x3s2_fn)(const uint8_t *in, int h, int w, int cin,
                                    uint8_t *out, int oh, int ow, int cout,
                                    const uint8_t *weight, const int32_t *bias,
                                    int pad_top, int pad_left, const bd_qu8_conv *p);

/* Depthwise 3x3, stride s, dilation d, weight[ky][kx][c]; output rounding as TFLite's
 * depthwise reference (bd_qu8_mbqm_upward). */
typedef void (*bd_qu8_dwconv3x3_fn)(const uint8_t *in, int h, int w, int c,
                                    uint8_t *out, int oh, int ow,
                                    const uint8_t *weight, const int32_t *bias,
                                    int stride, int dilation, int pad_top, int pad_left,
                                    const bd_qu8_conv *p);

/* 1x1 convolution = matrix product: in m x k, weight k x n (IO), out m x n. */
typedef void (*bd_qu8_pwconv_fn)(const uint8_t *in, int m, int k, uint8_t *out, int n,
                                 const uint8_t *weight, const int32_t *bias,
                                 const bd_qu8_conv *p);

/* out[i] = ADD(a[i], b[i]) for n values (out may alias a or b). */
typedef void (*bd_qu8_add_fn)(const uint8_t *a, const uint8_t *b, size_t n, uint8_t *out,
                              const bd_qu8_add_params *p);

/* Global average pool, input and output in the same quantisation:
 * out[c] = (sum_p in[p][c] + hw/2) / hw (integer division). */
typedef void (*bd_qu8_avgpool_fn)(const uint8_t *in, int hw, int c, uint8_t *out);

/* QUANTIZE (uint8 -> uint8 requantisation) of n values: clamp(mbqm(q - in_zp) + out_zp). */
typedef void (*bd_qu8_requantize_fn)(const uint8_t *in, size_t n, int32_t in_zp,
                                     const bd_qu8_requant *rq, uint8_t *out);

/* A 1x1 convolution on weights packed once for an ISA (at network set-up): packed_size
 * bytes (0: this shape is not packed, use pwconv), pw_pack fills them from the plain k x n
 * weights, bias and zero points, pwconv_packed computes exactly what pwconv computes.
 * Every packed layout begins with n int32 values equal to bias[j] plus a constant of the
 * weights, zero points and k: adding delta[j] to them (mod 2^32) is the same as packing with
 * bias + delta (the network folds a per-image term into a layer's bias that way). */
typedef size_t (*bd_qu8_pw_packed_size_fn)(int k, int n);
typedef void (*bd_qu8_pw_pack_fn)(const uint8_t *w, const int32_t *bias, int k, int n,
                                  const bd_qu8_conv *p, void *dst);
typedef void (*bd_qu8_pwconv_packed_fn)(const uint8_t *in, int m, int k, uint8_t *out, int n,
                                        const void *packed, const bd_qu8_conv *p);

/* A depthwise 3x3 on weights packed once for an ISA: dw_packed_size(c) bytes (64-byte
 * aligned), filled by dw_pack from the plain weights and bias, which must outlive the packed
 * copy; dwconv3x3_packed computes exactly what dwconv3x3 computes. */
typedef size_t (*bd_qu8_dw_packed_size_fn)(int c);
typedef void (*bd_qu8_dw_pack_fn)(const uint8_t *weight, const int32_t *bias, int c,
                                  const bd_qu8_conv *p, void *dst);
typedef void (*bd_qu8_dwconv3x3_packed_fn)(const uint8_t *in, int h, int w, int c,
                                           uint8_t *out, int oh, int ow, const void *packed,
                                           int stride, int dilation, int pad_top,
                                           int pad_left, const bd_qu8_conv *p);

/* ADD by table lookup: out[i] = lut[256 a[i] + b[i]], lut built by bd_qu8_add_lut_build
 * (BD_QU8_ADD_LUT_BYTES: the 65536 results, then padding that vector gathers may read). */
#define BD_QU8_ADD_LUT_BYTES (65536 + 64)
typedef void (*bd_qu8_add_lut_fn)(const uint8_t *a, const uint8_t *b, size_t n, uint8_t *out,
                                  const uint8_t *lut);

typedef struct bd_qu8_kernels {
    const char *isa;                     /* "scalar", "avx2", "avx512vnni", "neon", "neondot" */
    bd_qu8_conv3x3s2_fn conv3x3s2;
    bd_qu8_dwconv3x3_fn dwconv3x3;
    bd_qu8_pwconv_fn pwconv;
    bd_qu8_add_fn add;
    bd_qu8_avgpool_fn avgpool;
    bd_qu8_requantize_fn requantize;
    bd_qu8_pw_packed_size_fn pw_packed_size;   /* NULL: no packed 1x1 convolution */
    bd_qu8_pw_pack_fn pw_pack;
    bd_qu8_pwconv_packed_fn pwconv_packed;
    bd_qu8_dw_packed_size_fn dw_packed_size;   /* NULL: no packed depthwise */
    bd_qu8_dw_pack_fn dw_pack;
    bd_qu8_dwconv3x3_packed_fn dwconv3x3_packed;
    bd_qu8_add_lut_fn add_lut;                 /* NULL: ADD computes (add) */
    /* the input QUANTIZE (bd_qu8_quantize_f32's bytes); NULL: that reference */
    void (*quantize_f32)(const float *x, size_t n, float scale, int32_t zp, uint8_t *q);
} bd_qu8_kernels;

extern const bd_qu8_kernels bd_qu8_kernels_ref;

/* All int8 tables in this binary, NULL-terminated, scalar first; whether this CPU runs one
 * (avx512vnni needs AVX-512 F/BW/VL and VNNI from cpuid, with the OS saving zmm state);
 * (neondot needs the ARMv8.2 dot product); and the choice: the best supported, or
 * $BACKDROP_ISA_INT8 (scalar|avx2|avx512vnni|neon|neondot).
 * NULL and a message in err if that names an absent or unsupported table. */
extern const bd_qu8_kernels *const bd_qu8_kernels_all[];
int bd_qu8_kernels_supported(const bd_qu8_kernels *k);
const bd_qu8_kernels *bd_qu8_kernels_select(char *err, size_t errlen);

/* Every ADD(a, b) of the 256 x 256 byte pairs, computed by k->add (equal to the reference,
 * which tests/test_qu8_kernels.c checks on all pairs), into lut (BD_QU8_ADD_LUT_BYTES): an
 * ADD is a function of two bytes, so a 64 KB table holds it whole. */
void bd_qu8_add_lut_build(const bd_qu8_kernels *k, const bd_qu8_add_params *p, uint8_t *lut);
void bd_qu8_add_lut_ref(const uint8_t *a, const uint8_t *b, size_t n, uint8_t *out,
                        const uint8_t *lut);

/* The scalar references (also callable directly). */
void bd_qu8_conv3x3s2_ref(const uint8_t *in, int h, int w, int cin, uint8_t *out, int oh,
                          int ow, int cout, const uint8_t *weight, const int32_t *bias,
                          int pad_top, int pad_left, const bd_qu8_conv *p);
void bd_qu8_dwconv3x3_ref(const uint8_t *in, int h, int w, int c, uint8_t *out, int oh, int ow,
                          const uint8_t *weight, const int32_t *bias, int stride, int dilation,
                          int pad_top, int pad_left, const bd_qu8_conv *p);
void bd_qu8_pwconv_ref(const uint8_t *in, int m, int k, uint8_t *out, int n,
                       const uint8_t *weight, const int32_t *bias, const bd_qu8_conv *p);
void bd_qu8_add_ref(const uint8_t *a, const uint8_t *b, size_t n, uint8_t *out,
                    const bd_qu8_add_params *p);
void bd_qu8_avgpool_ref(const uint8_t *in, int hw, int c, uint8_t *out);
void bd_qu8_requantize_ref(const uint8_t *in, size_t n, int32_t in_zp,
                           const bd_qu8_requant *rq, uint8_t *out);

/* Operations with one implementation (cheap, or run once per image). */

/* The network input: q = clamp(round_half_away(x / scale) + zp, 0, 255), float32 division. */
void bd_qu8_quantize_f32(const float *x, size_t n, float scale, int32_t zp, uint8_t *q);
/* Concatenation along channels of tensors already in the output's quantisation:
 * out[p] = a[p][0..ca) then b[p][0..cb), for n pixels. */
void bd_qu8_concat(const uint8_t *a, int ca, const uint8_t *b, int cb, size_t n, uint8_t *out);
/* The graph's last two ops fused: uint8 RESIZE_BILINEAR of the logits to full_h x full_w and
 * ARG_MAX (first maximum), for the crop_h x crop_w top-left region only. */
void bd_qu8_upsample_argmax(const uint8_t *logits, int ih, int iw, int c, int full_h, int full_w,
                            int crop_h, int crop_w, uint8_t *labels);
/* TFLite's uint8 RESIZE_BILINEAR with align_corners, in float32 as its reference does. */
void bd_qu8_resize_bilinear(const uint8_t *in, int ih, int iw, int c, uint8_t *out, int oh,
                            int ow);

#endif
