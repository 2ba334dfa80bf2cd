/* table_qu8_neon.c — the int8 tables for aarch64: plain NEON (the 1x1 convolution on
 * widening multiply-accumulates) and NEON with the dot-product extension (udot), both in
 * kernels/qu8-pwconv/qu8_pwconv_neon.c; both share the NEON depthwise 3x3
 * (qu8-dwconv3x3/qu8_dwconv3x3_neon.c), ADD (qu8-add/qu8_add_neon.c), average pool
 * (qu8-avgpool/qu8_avgpool_neon.c), QUANTIZE and input QUANTIZE (qu8-requantize/
 * qu8_requantize_neon.c, qu8_quantize_f32_neon.c); the stem runs as a packed 1x1
 * convolution (src/engine/qnetwork.c), its scalar reference kept for the unpacked case.
 * kernels/qu8_dispatch.c picks "neondot" only where the CPU reports ASIMDDP. */
#include "kernels_quant.h"
#include "kernels_quant_isa.h"

#if defined(__aarch64__)
const bd_qu8_kernels bd_qu8_kernels_neon = {
    .isa = "neon",
    .conv3x3s2 = bd_qu8_conv3x3s2_ref,
    .dwconv3x3 = bd_qu8_dwconv3x3_neon,
    .pwconv = bd_qu8_pwconv_ref,
    .add = bd_qu8_add_neon,
    .avgpool = bd_qu8_avgpool_neon,
    .requantize = bd_qu8_requantize_neon,
    .pw_packed_size = bd_qu8_pw_packed_size_neon,
    .pw_pack = bd_qu8_pw_pack_neon,
    .pwconv_packed = bd_qu8_pwconv_packed_neon,
    .quantize_f32 = bd_qu8_quantize_f32_neon,
};

const bd_qu8_kernels bd_qu8_kernels_neondot = {
    .isa = "neondot",
    .conv3x3s2 = bd_qu8_conv3x3s2_ref,
    .dwconv3x3 = bd_qu8_dwconv3x3_neon,
    .pwconv = bd_qu8_pwconv_ref,
    .add = bd_qu8_add_neon,
    .avgpool = bd_qu8_avgpool_neon,
    .requantize = bd_qu8_requantize_neon,
    .pw_packed_size = bd_qu8_pw_packed_size_neondot,
    .pw_pack = bd_qu8_pw_pack_neondot,
    .pwconv_packed = bd_qu8_pwconv_packed_neondot,
    .quantize_f32 = bd_qu8_quantize_f32_neon,
};
#endif
