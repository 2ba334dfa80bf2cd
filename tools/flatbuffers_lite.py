"""flatbuffers_lite.py — a minimal read-only FlatBuffers decoder (what TFLite files are).

A FlatBuffer is little-endian and position-relative:
  root       u32 at offset 0: the position of the root table (an optional 4-byte file
             identifier follows, "TFL3" for TFLite)
  table      at position t: i32 soffset; the table's vtable is at t - soffset
  vtable     u16 vtable size in bytes, u16 table size, then one u16 per field: the field's
             offset inside the table, 0 = absent (the schema default applies)
  reference  a field holding a table, vector or string stores a u32 offset relative to the
             field's own position
  vector     u32 element count, then the elements (references for tables/strings)
  string     u32 byte count, the bytes, a NUL
  union      two fields: a u8 type tag (field N) and a reference to the table (field N+1)
Field ids follow the schema's declaration order.
"""
import struct


class FlatBufferError(ValueError):
    """Malformed FlatBuffer (an offset out of range, ...)."""


class Table:
    __slots__ = ("buf", "pos", "_vt", "_vtlen")

    def __init__(self, buf, pos):
        self.buf = buf
        n = len(buf)
        if pos < 0 or pos + 4 > n:
            raise FlatBufferError("table offset %d outside the %d-byte buffer" % (pos, n))
        self.pos = pos
        vt = pos - struct.unpack_from("<i", buf, pos)[0]
        if vt < 0 or vt + 4 > n:
            raise FlatBufferError("vtable offset %d outside the buffer" % vt)
        vtlen = struct.unpack_from("<H", buf, vt)[0]
        if vtlen < 4 or vtlen % 2 or vt + vtlen > n:
            raise FlatBufferError("bad vtable size %d at %d" % (vtlen, vt))
        self._vt = vt
        self._vtlen = vtlen

    def _field(self, fid):
        """Absolute position of field fid, or None when absent."""
        o = 4 + 2 * fid
        if o + 2 > self._vtlen:
            return None
        off = struct.unpack_from("<H", self.buf, self._vt + o)[0]
        if not off:
            return None
        p = self.pos + off
        if p >= len(self.buf):
            raise FlatBufferError("field %d at %d outside the buffer" % (fid, p))
        return p

    def scalar(self, fid, fmt, default=0):
        p = self._field(fid)
        if p is None:
            return default
        return struct.unpack_from("<" + fmt, self.buf, p)[0]

    def _deref(self, fid):
        p = self._field(fid)
        if p is None:
            return None
        return p + struct.unpack_from("<I", self.buf, p)[0]

    def table(self, fid):
        p = self._deref(fid)
        return None if p is None else Table(self.buf, p)

    def vector_span(self, fid):
        """(position of the first element, element count) of a vector field; (None, 0) if absent."""
        p = self._deref(fid)
        if p is None:
            return None, 0
        if p + 4 > len(self.buf):
            raise FlatBufferError("vector at %d outside the buffer" % p)
        return p + 4, struct.unpack_from("<I", self.buf, p)[0]

    def string(self, fid, default=None):
        start, n = self.vector_span(fid)
        if start is None:
            return default
        if start + n > len(self.buf):
            raise FlatBufferError("string at %d runs past the buffer" % start)
        return bytes(self.buf[start:start + n]).decode("utf-8", "replace")

    def vector_bytes(self, fid, elem_size=1):
        """Raw bytes of a scalar vector (memoryview), or None."""
        start, n = self.vector_span(fid)
        if start is None:
            return None
        end = start + n * elem_size
        if end > len(self.buf):
            raise FlatBufferError("vector at %d runs past the buffer" % start)
        return memoryview(self.buf)[start:end]

    def vector(self, fid, fmt):
        """A scalar vector as a list (fmt a struct code: 'i', 'f', 'q', 'B', ...)."""
        size = struct.calcsize("<" + fmt)
        raw = self.vector_bytes(fid, size)
        if raw is None:
            return None
        return list(struct.unpack("<%d%s" % (len(raw) // size, fmt), raw))

    def tables(self, fid):
        """A vector of tables as a list of Table (empty when absent)."""
        start, n = self.vector_span(fid)
        if start is None:
            return []
        if start + 4 * n > len(self.buf):
            raise FlatBufferError("table vector at %d runs past the buffer" % start)
        out = []
        for i in range(n):
            p = start + 4 * i
            out.append(Table(self.buf, p + struct.unpack_from("<I", self.buf, p)[0]))
        return out


def root(buf):
    if len(buf) < 8:
        raise FlatBufferError("%d bytes: too short for a FlatBuffer" % len(buf))
    return Table(buf, struct.unpack_from("<I", buf, 0)[0])


def identifier(buf):
    return bytes(buf[4:8])
