"""tf_proto.py — TensorFlow's DataType enum, TensorShapeProto and TensorProto, decoded with
protobuf_wire (field numbers from tensorflow/core/framework/{types,tensor_shape,tensor}.proto).
"""
import array

import protobuf_wire as pw
from tensors import DTYPE_CODES, Tensor, from_le_bytes, product

# DataType enum values -> our dtype names (the ones the converter can hold)
TF_DTYPES = {1: "float32", 2: "float64", 3: "int32", 4: "uint8", 5: "int16", 6: "int8",
             9: "int64", 17: "uint16", 22: "uint32", 23: "uint64"}
TF_DTYPE_NAMES = {7: "string", 10: "bool", 14: "bfloat16", 19: "float16", 8: "complex64",
                  20: "resource", 21: "variant"}


def dtype_name(code):
    code = code % 100   # 101.. are the reference ("_ref") twins of 1..
    return TF_DTYPES.get(code) or TF_DTYPE_NAMES.get(code) or "dtype%d" % code


def parse_shape(buf):
    """TensorShapeProto: dim (2) = Dim {size (1) int64, name (2)}, unknown_rank (3)."""
    f = pw.parse(buf)
    if f.get(3, [0])[0]:
        raise pw.WireError("tensor shape of unknown rank")
    dims = []
    for d in f.get(2, []):
        df = pw.parse(d)
        size = pw.to_int64(df.get(1, [0])[0])
        if size < 0:
            raise pw.WireError("tensor shape with an unknown dimension")
        dims.append(size)
    return tuple(dims)


# TensorProto typed value fields: dtype -> (field number, "varint" or struct code)
_VAL_FIELDS = {"float32": (5, "f"), "float64": (6, "d"), "int32": (7, "varint"),
               "uint8": (7, "varint"), "int16": (7, "varint"), "int8": (7, "varint"),
               "uint16": (7, "varint"), "int64": (10, "varint"), "uint32": (16, "varint"),
               "uint64": (17, "varint")}


def parse_tensor(buf, name=""):
    """TensorProto -> Tensor. Values come from tensor_content (4, raw little-endian bytes) or the
    typed repeated field; as in TensorFlow, a typed field shorter than the shape is padded with
    its last value (a Const of zeros is stored as one 0)."""
    f = pw.fields_with_types(buf)
    dtype = dtype_name(f.get(1, [(0, 0)])[0][1])
    shape = parse_shape(f[2][0][1]) if 2 in f else ()
    n = product(shape)
    if dtype not in DTYPE_CODES:
        raise pw.WireError("tensor %s has unsupported dtype %s" % (name, dtype))
    if 4 in f:
        data = from_le_bytes(dtype, bytes(f[4][0][1]))
        if len(data) != n:
            raise pw.WireError("tensor %s: tensor_content holds %d values, shape %s needs %d"
                               % (name, len(data), list(shape), n))
        return Tensor(name, dtype, shape, data)
    field, kind = _VAL_FIELDS[dtype]
    entries = f.get(field, [])
    if kind == "varint":
        vals = pw.repeated_varints(entries)
        if dtype in ("int64",):
            vals = [pw.to_int64(v) for v in vals]
        elif dtype in ("int32", "int16", "int8"):
            vals = [pw.to_int32(v) for v in vals]
    else:
        vals = pw.repeated_fixed(entries, kind)
    if len(vals) > n:
        raise pw.WireError("tensor %s: %d values for shape %s" % (name, len(vals), list(shape)))
    if len(vals) < n:
        vals = vals + [vals[-1] if vals else 0] * (n - len(vals))
    return Tensor(name, dtype, shape, array.array(DTYPE_CODES[dtype][0], vals))

