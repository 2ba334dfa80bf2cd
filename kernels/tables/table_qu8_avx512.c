/* table_qu8_avx512.c — the int8 table for AVX-512 CPUs with VNNI: the packed 1x1
 * convolution on vpdpbusd (kernels/qu8-pwconv/qu8_pwconv_avx512.c), average pool and the
 * input QUANTIZE on zmm; the depthwise 3x3 on ymm with vpdpwssd (qu8_dwconv3x3_avx512.c
 * says why); the AVX2 ADD (its 32-bit rescale of the inputs measured 20 % faster on Zen 4
 * than a zmm ADD with 64-bit products). The rest are the scalar references (run once per image). */
#include "kernels_quant.h"
#include "kernels_quant_isa.h"

#if defined(__x86_64__) || defined(__i386__)
const bd_qu8_kernels bd_qu8_kernels_avx512vnni = {
    .isa = "avx512vnni",
    .conv3x3s2 = bd_qu8_conv3x3s2_ref,
    .dwconv3x3 = bd_qu8_dwconv3x3_avx512,
    .pwconv = bd_qu8_pwconv_ref,
    .add = bd_qu8_add_avx2,
    .avgpool = bd_qu8_avgpool_avx512,
    .requantize = bd_qu8_requantize_ref,
    .pw_packed_size = bd_qu8_pw_packed_size_avx512,
    .pw_pack = bd_qu8_pw_pack_avx512,
    .pwconv_packed = bd_qu8_pwconv_packed_avx512,
    .dw_packed_size = bd_qu8_dw_packed_size_avx512,
    .dw_pack = bd_qu8_dw_pack_avx512,
    .dwconv3x3_packed = bd_qu8_dwconv3x3_packed_avx512,
    .add_lut = bd_qu8_add_lut_avx2,
    .quantize_f32 = bd_qu8_quantize_f32_avx512,
};
#endif
