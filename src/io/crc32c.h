/* crc32c.h — CRC-32C (Castagnoli), the checksum of the backdrop weights file format.
 * Reflected polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF: the same
 * checksum TensorFlow checkpoints use (without TF's masking). bd_crc32c("123456789") is
 * 0xE3069283. */
#ifndef BACKDROP_CRC32C_H
#define BACKDROP_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Checksum of len bytes. */
uint32_t bd_crc32c(const void *data, size_t len);

/* Continue a checksum over more bytes: bd_crc32c_extend(bd_crc32c(a, na), b, nb) is the
 * checksum of a followed by b. Start a fresh one with crc = 0. */
uint32_t bd_crc32c_extend(uint32_t crc, const void *data, size_t len);

#endif
