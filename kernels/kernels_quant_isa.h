/* kernels_quant_isa.h — private to kernels/: the int8 SIMD kernels the int8 tables
 * (tables/table_qu8_<isa>.c) point to. Each has the signature and meaning of its
 * bd_qu8_*_fn type in kernels_quant.h and gives the scalar reference's bytes exactly. */
#ifndef BACKDROP_KERNELS_QUANT_ISA_H
#define BACKDROP_KERNELS_QUANT_ISA_H

#include "kernels_quant.h"

#define BD_DECLARE_QU8_PW(sfx)                                                              \
    size_t bd_qu8_pw_packed_size_##sfx(int k, int n);                                       \
    void bd_qu8_pw_pack_##sfx(const uint8_t *w, const int32_t *bias, int k, int n,          \
                              const bd_qu8_conv *p, void *dst);                             \
    void bd_qu8_pwconv_packed_##sfx(const uint8_t *in, int m, int k, uint8_t *out, int n,   \
                                    const void *packed, const bd_qu8_conv *p);

#define BD_DECLARE_QU8_DW(sfx)                                                              \
    void bd_qu8_dwconv3x3_##sfx(const uint8_t *in, int h, int w, int c, uint8_t *out, int oh,\
                                int ow, const uint8_t *weight, const int32_t *bias,         \
                                int stride, int dilation, int pad_top, int pad_left,        \
                                const bd_qu8_conv *p);

/* the depthwise on weights packed once (bd_qu8_kernels.dw_pack) */
#define BD_DECLARE_QU8_DW_PACKED(sfx)                                                       \
    size_t bd_qu8_dw_packed_size_##sfx(int c);                                              \
    void bd_qu8_dw_pack_##sfx(const uint8_t *weight, const int32_t *bias, int c,             \
                              const bd_qu8_conv *p, void *dst);                             \
    void bd_qu8_dwconv3x3_packed_##sfx(const uint8_t *in, int h, int w, int c, uint8_t *out, \
                                       int oh, int ow, const void *packed, int stride,      \
                                       int dilation, int pad_top, int pad_left,             \
                                       const bd_qu8_conv *p);

#if defined(__x86_64__) || defined(__i386__)
BD_DECLARE_QU8_PW(avx2)
BD_DECLARE_QU8_PW(avx512)
BD_DECLARE_QU8_DW(avx2)
BD_DECLARE_QU8_DW(avx512)
BD_DECLARE_QU8_DW_PACKED(avx2)
BD_DECLARE_QU8_DW_PACKED(avx512)
void bd_qu8_avgpool_avx2(const uint8_t *in, int hw, int c, uint8_t *out);
void bd_qu8_quantize_f32_avx2(const float *x, size_t n, float scale, int32_t zp, uint8_t *q);
void bd_qu8_quantize_f32_avx512(const float *x, size_t n, float scale, int32_t zp, uint8_t *q);
void bd_qu8_add_avx2(const uint8_t *a, const uint8_t *b, size_t n, uint8_t *out,
                     const bd_qu8_add_params *p);
void bd_qu8_add_lut_avx2(const uint8_t *a, const uint8_t *b, size_t n, uint8_t *out,
                         const uint8_t *lut);
void bd_qu8_avgpool_avx512(const uint8_t *in, int hw, int c, uint8_t *out);
#endif
#if defined(__aarch64__)
BD_DECLARE_QU8_PW(neon)
BD_DECLARE_QU8_PW(neondot)
BD_DECLARE_QU8_DW(neon)
void bd_qu8_quantize_f32_neon(const float *x, size_t n, float scale, int32_t zp, uint8_t *q);
void bd_qu8_add_neon(const uint8_t *a, const uint8_t *b, size_t n, uint8_t *out,
                     const bd_qu8_add_params *p);
void bd_qu8_avgpool_neon(const uint8_t *in, int hw, int c, uint8_t *out);
void bd_qu8_requantize_neon(const uint8_t *in, size_t n, int32_t in_zp,
                            const bd_qu8_requant *rq, uint8_t *out);
#endif

#endif
