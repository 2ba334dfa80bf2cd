/* qu8_dwconv3x3_avx512.c — the uint8 depthwise 3x3 convolution for the AVX-512 VNNI int8
 * table: qu8_dwconv3x3_body.h on ymm registers (faster on Zen 4, whose zmm operations are
 * double-pumped, than a zmm layout measured: 2.6 against 3.7 ms over the d=0.5 model's 17
 * layers), the pair multiply-add as one vpdpwssd (AVX512_VNNI + VL; about 12 % faster again). */
#include <immintrin.h>

#include "kernels_quant_isa.h"

#define QU8_DW_MADD(acc, a, b) _mm256_dpwssd_epi32((acc), (a), (b))
#define QU8_DW_NAME bd_qu8_dwconv3x3_avx512
#define QU8_DW_PACKED_NAME bd_qu8_dwconv3x3_packed_avx512
#define QU8_DW_PACKED_SIZE bd_qu8_dw_packed_size_avx512
#define QU8_DW_PACK bd_qu8_dw_pack_avx512
#include "qu8_dwconv3x3_body.h"
