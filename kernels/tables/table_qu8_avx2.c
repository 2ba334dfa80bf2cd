/* table_qu8_avx2.c — the int8 table for AVX2 CPUs: the packed 1x1 convolution on vpmaddwd
 * (kernels/qu8-pwconv/qu8_pwconv_avx2.c; the stem runs on it too, as im2col + 1x1, see
 * qnetwork.c), the depthwise conv, ADD, the average pool and the input QUANTIZE (the
 * _avx2.c files of the qu8 families); the scalar references for the rest. */
#include "kernels_quant.h"
#include "kernels_quant_isa.h"

#if defined(__x86_64__) || defined(__i386__)
const bd_qu8_kernels bd_qu8_kernels_avx2 = {
    .isa = "avx2",
    .conv3x3s2 = bd_qu8_conv3x3s2_ref,
    .dwconv3x3 = bd_qu8_dwconv3x3_avx2,
    .pwconv = bd_qu8_pwconv_ref,
    .add = bd_qu8_add_avx2,
    .avgpool = bd_qu8_avgpool_avx2,
    .requantize = bd_qu8_requantize_ref,
    .pw_packed_size = bd_qu8_pw_packed_size_avx2,
    .pw_pack = bd_qu8_pw_pack_avx2,
    .pwconv_packed = bd_qu8_pwconv_packed_avx2,
    .dw_packed_size = bd_qu8_dw_packed_size_avx2,
    .dw_pack = bd_qu8_dw_pack_avx2,
    .dwconv3x3_packed = bd_qu8_dwconv3x3_packed_avx2,
    .add_lut = bd_qu8_add_lut_avx2,
    .quantize_f32 = bd_qu8_quantize_f32_avx2,
};
#endif
