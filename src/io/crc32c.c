/* crc32c.c — table-driven CRC-32C ("slicing by 8": eight bytes per step).
 *
 * The weights loader checks every byte of a weights file with it (8.5 MB for the full model),
 * so speed matters a little: the byte-at-a-time loop is one table lookup per byte, each
 * waiting for the previous one; slicing by 8 folds eight bytes per step through eight tables
 * and runs several times faster.
 *
 * table[0][i] is the remainder of byte value i shifted through the reflected polynomial
 * 0x82F63B78 eight times; table[k][i] is table[k-1][i] advanced by one more zero byte, i.e.
 * the contribution of byte value i seen k bytes before the end of an 8-byte group. The tables
 * are computed once, on first use (pthread_once, so threads may race to it safely).
 * tests/synth_model.h computes the same checksum in its own way, so the two check each other.
 */
#include <pthread.h>

#include "io/crc32c.h"

#define CRC32C_POLY 0x82F63B78u

static uint32_t crc32c_table[8][256];
static pthread_once_t crc32c_once = PTHREAD_ONCE_INIT;

static void crc32c_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ CRC32C_POLY : c >> 1;
        crc32c_table[0][i] = c;
    }
    for (int k = 1; k < 8; k++)
        for (int i = 0; i < 256; i++) {
            uint32_t c = crc32c_table[k - 1][i];
            crc32c_table[k][i] = (c >> 8) ^ crc32c_table[0][c & 0xff];
        }
}

uint32_t bd_crc32c_extend(uint32_t crc, const void *data, size_t len)
{
    pthread_once(&crc32c_once, crc32c_init);
    const uint32_t(*t)[256] = (const uint32_t(*)[256])crc32c_table;
    const uint8_t *p = data;
    uint32_t c = ~crc;
    for (; len >= 8; len -= 8, p += 8) {
        /* the low four bytes xor into the running remainder, the high four go in as they are */
        uint32_t lo = c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                           (uint32_t)p[3] << 24);
        c = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^
            t[4][lo >> 24] ^ t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
    }
    for (; len; len--, p++)
        c = t[0][(c ^ *p) & 0xff] ^ (c >> 8);
    return ~c;
}

uint32_t bd_crc32c(const void *data, size_t len)
{
    return bd_crc32c_extend(0, data, len);
}
