"""protobuf_wire.py — just enough of the protocol-buffer wire format to read TensorFlow files.

A message is a sequence of fields, each a varint key (field_number << 3 | wire_type) then:
  wire type 0 varint, 1 fixed 64-bit, 2 length-delimited (varint length + bytes: strings,
  sub-messages, packed repeated scalars), 5 fixed 32-bit. (3/4, the long-dead "groups", are
  rejected.) Without the .proto schema the bytes of a type-2 field are opaque: the caller knows
  whether it is a string, a nested message or a packed array and decodes it accordingly.
"""
import struct


class WireError(ValueError):
    """Malformed protobuf data."""


def read_varint(buf, pos, end=None):
    """Decode a base-128 varint at buf[pos]; returns (value, new_pos)."""
    if end is None:
        end = len(buf)
    result = 0
    shift = 0
    while True:
        if pos >= end:
            raise WireError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise WireError("varint longer than 10 bytes")


def to_int64(v):
    """A varint holds int64 values as their 64-bit two's complement."""
    v &= (1 << 64) - 1
    return v - (1 << 64) if v >> 63 else v


def to_int32(v):
    v &= (1 << 32) - 1
    return v - (1 << 32) if v >> 31 else v


def iter_fields(buf, start=0, end=None):
    """Yield (field_number, wire_type, value) for each field of the message in buf[start:end].

    value: int for wire types 0, 1 and 5 (fixed fields as unsigned integers), a memoryview of
    the payload for wire type 2."""
    mv = memoryview(buf).cast("B") if not isinstance(buf, memoryview) else buf
    if end is None:
        end = len(mv)
    pos = start
    while pos < end:
        key, pos = read_varint(mv, pos, end)
        field, wtype = key >> 3, key & 7
        if field == 0:
            raise WireError("field number 0")
        if wtype == 0:
            value, pos = read_varint(mv, pos, end)
        elif wtype == 1:
            if pos + 8 > end:
                raise WireError("truncated fixed64 field %d" % field)
            value = int.from_bytes(mv[pos:pos + 8], "little")
            pos += 8
        elif wtype == 5:
            if pos + 4 > end:
                raise WireError("truncated fixed32 field %d" % field)
            value = int.from_bytes(mv[pos:pos + 4], "little")
            pos += 4
        elif wtype == 2:
            n, pos = read_varint(mv, pos, end)
            if pos + n > end:
                raise WireError("length-delimited field %d runs past the end (%d bytes)" % (field, n))
            value = mv[pos:pos + n]
            pos += n
        else:
            raise WireError("unsupported wire type %d (field %d)" % (wtype, field))
        yield field, wtype, value


def parse(buf):
    """Decode one message level into {field_number: [values in order]}."""
    out = {}
    for field, _wtype, value in iter_fields(buf):
        out.setdefault(field, []).append(value)
    return out


def fields_with_types(buf):
    """Like parse() but each value is (wire_type, value)."""
    out = {}
    for field, wtype, value in iter_fields(buf):
        out.setdefault(field, []).append((wtype, value))
    return out


def repeated_varints(entries):
    """Values of a repeated integer field given as [(wire_type, value)]: packed or not."""
    vals = []
    for wtype, v in entries:
        if wtype == 2:
            pos, end = 0, len(v)
            while pos < end:
                x, pos = read_varint(v, pos, end)
                vals.append(x)
        elif wtype == 0:
            vals.append(v)
        else:
            raise WireError("integer field with wire type %d" % wtype)
    return vals


def repeated_fixed(entries, fmt):
    """Values of a repeated fixed-size field ('f' float, 'd' double, 'I', 'Q', ...)."""
    size = struct.calcsize("<" + fmt)
    vals = []
    for wtype, v in entries:
        if wtype == 2:
            if len(v) % size:
                raise WireError("packed array of %d bytes is not a multiple of %d" % (len(v), size))
            vals.extend(struct.unpack("<%d%s" % (len(v) // size, fmt), v))
        elif wtype in (1, 5):
            vals.append(struct.unpack("<" + fmt, v.to_bytes(size, "little"))[0])
        else:
            raise WireError("fixed-size field with wire type %d" % wtype)
    return vals


def text(v):
    """A string field as str (UTF-8)."""
    try:
        return bytes(v).decode("utf-8")
    except UnicodeDecodeError:
        raise WireError("string field is not valid UTF-8")
