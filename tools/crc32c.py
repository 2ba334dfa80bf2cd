"""crc32c.py — CRC-32C (Castagnoli), the checksum of TensorFlow checkpoints and .bdw files.

Reflected polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF.
crc32c(b"123456789") == 0xE3069283 (the standard check value).

TensorFlow and LevelDB store some checksums "masked" (rotated and offset, so that a CRC of
data that itself contains CRCs is not trivially related to them); mask()/unmask() convert.

Pure Python, "slicing by 8": eight 256-entry tables let one loop step consume a 64-bit word
(about 13 MB/s on one core instead of 5 MB/s byte by byte), plenty for a few-megabyte network.
"""
import sys

_POLY = 0x82F63B78
_MASK_DELTA = 0xA282EAD8


def _make_tables():
    t0 = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ _POLY if c & 1 else c >> 1
        t0.append(c)
    # tables[k][n]: the CRC contribution of byte n followed by k zero bytes
    tables = [t0]
    for _ in range(1, 8):
        prev = tables[-1]
        tables.append([(prev[n] >> 8) ^ t0[prev[n] & 0xFF] for n in range(256)])
    return tables


_TABLES = _make_tables()
_WORDS_OK = sys.byteorder == "little"   # the 64-bit word loop assumes little-endian words


def crc32c_update(crc, data):
    """Continue a running CRC (the value a previous crc32c() returned) over more bytes."""
    t0, t1, t2, t3, t4, t5, t6, t7 = _TABLES
    mv = memoryview(data).cast("B")
    c = crc ^ 0xFFFFFFFF
    head = len(mv) - len(mv) % 8 if _WORDS_OK else 0
    if head:
        for w in mv[:head].cast("Q"):
            x = c ^ (w & 0xFFFFFFFF)
            h = w >> 32
            c = (t7[x & 0xFF] ^ t6[(x >> 8) & 0xFF] ^ t5[(x >> 16) & 0xFF] ^ t4[x >> 24] ^
                 t3[h & 0xFF] ^ t2[(h >> 8) & 0xFF] ^ t1[(h >> 16) & 0xFF] ^ t0[h >> 24])
    for b in mv[head:]:
        c = t0[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def crc32c(data):
    """CRC-32C of a bytes-like object."""
    return crc32c_update(0, data)


def mask(crc):
    """TensorFlow/LevelDB masking: rotate right by 15 bits and add a constant."""
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + _MASK_DELTA) & 0xFFFFFFFF


def unmask(masked):
    rot = (masked - _MASK_DELTA) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF
