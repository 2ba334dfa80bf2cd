/* qu8_dwconv3x3_avx2.c — the uint8 depthwise 3x3 convolution for the AVX2 int8 table:
 * qu8_dwconv3x3_body.h with the pair multiply-add as vpmaddwd + vpaddd. */
#include <immintrin.h>

#include "kernels_quant_isa.h"

#define QU8_DW_MADD(acc, a, b) _mm256_add_epi32((acc), _mm256_madd_epi16((a), (b)))
#define QU8_DW_NAME bd_qu8_dwconv3x3_avx2
#define QU8_DW_PACKED_NAME bd_qu8_dwconv3x3_packed_avx2
#define QU8_DW_PACKED_SIZE bd_qu8_dw_packed_size_avx2
#define QU8_DW_PACK bd_qu8_dw_pack_avx2
#include "qu8_dwconv3x3_body.h"
