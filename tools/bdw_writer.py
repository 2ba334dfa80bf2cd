"""bdw_writer.py — write (and read back) backdrop weights files, format version 2 (version 1,
the float32-only format, is still read).
The layout is specified in weights/README.md; in short:

  0      header, 64 bytes: magic "BDWEIGHT", version, header_size, file_size, meta_offset,
         meta_size, tensor_count, dir_offset, data_offset, dir_crc, header_crc
  64     metadata: "key=value\\n" lines (UTF-8)
  8-aligned directory: 128-byte entries (name[80], dtype, ndim, shape[4], offset, nbytes,
         crc, reserved)
  64-aligned data, every tensor at a 64-byte aligned offset, zero padding between.
All integers little-endian; CRC-32C everywhere (unmasked).
"""
import os
import struct
import tempfile

from crc32c import crc32c
from tensors import Tensor, from_le_bytes, product, to_le_bytes

MAGIC = b"BDWEIGHT"
VERSION = 2
READS = (1, 2)
HEADER_SIZE = 64
ENTRY_SIZE = 128
NAME_SIZE = 80
DTYPE_F32 = 1
# dtype code -> (name, bytes per element); version 1 knows only float32
DTYPES = {1: ("float32", 4), 2: ("uint8", 1), 3: ("int32", 4)}
DTYPE_CODE = {name: code for code, (name, _) in DTYPES.items()}
ARRAY_CODES = {"float32": "f", "uint8": "B", "int32": "i"}
MAX_TENSORS = 4096
HEADER_FMT = "<8sIIQQIIQQII"        # 64 bytes
ENTRY_FMT = "<80sII4IQQII"          # 128 bytes
assert struct.calcsize(HEADER_FMT) == HEADER_SIZE and struct.calcsize(ENTRY_FMT) == ENTRY_SIZE


class BdwError(ValueError):
    """A .bdw file that does not follow the spec."""


def _align(n, a):
    return (n + a - 1) // a * a


def encode(metadata, tensors):
    """metadata: [(key, value)]; tensors: [Tensor float32, uint8 or int32] in file order.
    Returns the bytes."""
    meta = "".join("%s=%s\n" % (k, v) for k, v in metadata).encode("utf-8")
    for k, v in metadata:
        if "=" in k or "\n" in k or "\n" in str(v) or not k:
            raise BdwError("metadata key/value %r=%r cannot be written" % (k, v))
    n = len(tensors)
    if not 1 <= n <= MAX_TENSORS:
        raise BdwError("%d tensors: a file holds 1..%d" % (n, MAX_TENSORS))
    meta_offset = HEADER_SIZE
    dir_offset = _align(meta_offset + len(meta), 8)
    data_offset = _align(dir_offset + n * ENTRY_SIZE, 64)
    entries, blobs = [], []
    pos = data_offset
    seen = set()
    for t in tensors:
        name = t.name.encode("ascii")
        if not name or len(name) >= NAME_SIZE or not all(32 < c < 127 for c in name):
            raise BdwError("tensor name %r must be 1..79 printable ASCII characters" % t.name)
        if t.name in seen:
            raise BdwError("duplicate tensor name %s" % t.name)
        seen.add(t.name)
        if t.dtype not in DTYPE_CODE or t.data.typecode != ARRAY_CODES[t.dtype]:
            raise BdwError("tensor %s: dtype %s cannot be written (float32, uint8, int32)"
                           % (t.name, t.dtype))
        if not 1 <= len(t.shape) <= 4:
            raise BdwError("tensor %s: rank %d, the format holds 1..4" % (t.name, len(t.shape)))
        code = DTYPE_CODE[t.dtype]
        raw = to_le_bytes(t.data)
        if len(raw) != product(t.shape) * DTYPES[code][1]:
            raise BdwError("tensor %s: %d bytes for shape %s" % (t.name, len(raw), list(t.shape)))
        pos = _align(pos, 64)
        shape4 = list(t.shape) + [0] * (4 - len(t.shape))
        entries.append(struct.pack(ENTRY_FMT, name, code, len(t.shape), *shape4,
                                   pos, len(raw), crc32c(raw), 0))
        blobs.append((pos, raw))
        pos += len(raw)
    file_size = pos
    directory = b"".join(entries)
    out = bytearray(file_size)
    out[meta_offset:meta_offset + len(meta)] = meta
    out[dir_offset:dir_offset + len(directory)] = directory
    for p, raw in blobs:
        out[p:p + len(raw)] = raw
    dir_crc = crc32c(meta + directory)
    head = struct.pack(HEADER_FMT, MAGIC, VERSION, HEADER_SIZE, file_size, meta_offset,
                       len(meta), n, dir_offset, data_offset, dir_crc, 0)[:60]
    out[0:64] = head + struct.pack("<I", crc32c(head))
    return bytes(out)


def write_atomic(path, data):
    """Write bytes to path via a temporary file in the same directory and a rename, so a
    reader never sees a half-written file."""
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), suffix=".tmp", dir=d)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read(data, fname="weights"):
    """Parse and fully validate .bdw bytes -> (metadata dict, [Tensor]) (a debugging aid and
    the converter's self-check; the C loader is src/weights.c)."""
    def bad(msg):
        raise BdwError("%s: %s" % (fname, msg))
    if len(data) < HEADER_SIZE:
        bad("%d bytes, too short for the header" % len(data))
    (magic, version, hsize, fsize, moff, msize, count, doff, daoff, dcrc,
     hcrc) = struct.unpack_from(HEADER_FMT, data, 0)
    if magic != MAGIC:
        bad("not a backdrop weights file (bad magic)")
    if crc32c(data[:60]) != hcrc:
        bad("header checksum mismatch")
    if version not in READS:
        bad("version %d, this reader knows %s" % (version, " and ".join(map(str, READS))))
    if hsize != HEADER_SIZE or moff != HEADER_SIZE:
        bad("bad header or metadata offset")
    if fsize != len(data):
        bad("file_size says %d bytes, the file has %d" % (fsize, len(data)))
    if not 1 <= count <= MAX_TENSORS:
        bad("tensor_count %d out of range" % count)
    if doff % 8 or doff < moff + msize or daoff % 64 or daoff < doff + count * ENTRY_SIZE or daoff > fsize:
        bad("bad directory/data offsets")
    meta = bytes(data[moff:moff + msize])
    directory = bytes(data[doff:doff + count * ENTRY_SIZE])
    if crc32c(meta + directory) != dcrc:
        bad("metadata/directory checksum mismatch")
    try:
        text = meta.decode("utf-8")
    except UnicodeDecodeError:
        bad("metadata is not UTF-8")
    if text and not text.endswith("\n"):
        bad("metadata does not end with a newline")
    md = {}
    for line in text.splitlines():
        k, sep, v = line.partition("=")
        if not sep:
            bad("metadata line %r has no '='" % line)
        md[k] = v
    tensors = []
    for i in range(count):
        (name, dtype, ndim, s0, s1, s2, s3, off, nbytes, crc,
         _res) = struct.unpack_from(ENTRY_FMT, directory, i * ENTRY_SIZE)
        nm = name.split(b"\0", 1)[0].decode("ascii", "replace")
        if dtype not in DTYPES or (version == 1 and dtype != DTYPE_F32):
            bad("tensor %s: dtype %d" % (nm, dtype))
        if not 1 <= ndim <= 4:
            bad("tensor %s: ndim %d" % (nm, ndim))
        shape = (s0, s1, s2, s3)[:ndim]
        dname, esize = DTYPES[dtype]
        if nbytes != product(shape) * esize:
            bad("tensor %s: nbytes %d does not match shape %s" % (nm, nbytes, list(shape)))
        if off % 64 or off < daoff or off + nbytes > fsize:
            bad("tensor %s: bad offset %d" % (nm, off))
        raw = data[off:off + nbytes]
        if crc32c(raw) != crc:
            bad("tensor %s: checksum mismatch" % nm)
        tensors.append(Tensor(nm, dname, shape, from_le_bytes(dname, raw)))
    return md, tensors


