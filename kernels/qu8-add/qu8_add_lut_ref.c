/* qu8_add_lut_ref.c — the uint8 ADD as a table lookup, and building the table.
 *
 * TFLite's ADD (qu8_add_ref.c) rescales both inputs to a common scale with 2^20 of headroom,
 * adds them and rescales the sum to the output, three fixed-point multiplies per value. But
 * its result depends only on the two input bytes: 65536 cases, which a 64 KB table holds
 * whole. Built once per layer at network set-up by the table's own ADD kernel (exact: the
 * kernel tests compare it with the reference on every pair), it turns each value into one
 * load: out = lut[256 a + b].
 */
#include <string.h>

#include "kernels_quant.h"

void bd_qu8_add_lut_build(const bd_qu8_kernels *k, const bd_qu8_add_params *p, uint8_t *lut)
{
    uint8_t a[4096], b[4096];
    for (int i = 0; i < 4096; i++)
        b[i] = (uint8_t)i;                 /* 16 runs of 0..255 */
    for (int c = 0; c < 16; c++) {
        for (int i = 0; i < 4096; i++)
            a[i] = (uint8_t)(16 * c + i / 256);
        k->add(a, b, 4096, lut + 4096 * c, p);
    }
    memset(lut + 65536, 0, BD_QU8_ADD_LUT_BYTES - 65536);
}

void bd_qu8_add_lut_ref(const uint8_t *a, const uint8_t *b, size_t n, uint8_t *out,
                        const uint8_t *lut)
{
    for (size_t i = 0; i < n; i++)
        out[i] = lut[(size_t)a[i] << 8 | b[i]];
}
