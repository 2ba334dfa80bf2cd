/* qu8_concat_ref.c — concatenation along channels of two uint8 tensors that already carry
 * the output's scale and zero point (TFLite's CONCATENATION then is a copy; when they do not,
 * the caller requantises first, bd_qu8_requantize). out[p] = a[p][0..ca) then b[p][0..cb). */
#include <string.h>

#include "kernels_quant.h"

void bd_qu8_concat(const uint8_t *a, int ca, const uint8_t *b, int cb, size_t n, uint8_t *out)
{
    for (size_t p = 0; p < n; p++) {
        memcpy(out + p * (size_t)(ca + cb), a + p * (size_t)ca, (size_t)ca);
        memcpy(out + p * (size_t)(ca + cb) + ca, b + p * (size_t)cb, (size_t)cb);
    }
}
