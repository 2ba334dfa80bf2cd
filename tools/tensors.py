"""tensors.py — the in-memory tensor every reader returns, and the few array operations the
converter needs (reshape, axis permutation), on Python's array module (no numpy).

A Tensor is (name, dtype, shape, data): dtype a string ('float32', 'int32', 'uint8', ...),
shape a tuple of ints (() for a scalar), data a flat array.array in row-major order (the
last axis varies fastest), of the typecode DTYPE_CODES[dtype].
"""
import array
import sys

# dtype name -> (array typecode, bytes per element)
DTYPE_CODES = {
    "float32": ("f", 4), "float64": ("d", 8),
    "int8": ("b", 1), "uint8": ("B", 1), "int16": ("h", 2), "uint16": ("H", 2),
    "int32": ("i", 4), "uint32": ("I", 4), "int64": ("q", 8), "uint64": ("Q", 8),
}
for _name, (_code, _size) in DTYPE_CODES.items():
    assert array.array(_code).itemsize == _size, "unexpected C type size for " + _name


def product(shape):
    n = 1
    for d in shape:
        n *= d
    return n


class Tensor:
    __slots__ = ("name", "dtype", "shape", "data")

    def __init__(self, name, dtype, shape, data):
        self.name = name
        self.dtype = dtype
        self.shape = tuple(int(d) for d in shape)
        self.data = data
        if len(data) != product(self.shape):
            raise ValueError("tensor %s: %d values for shape %s" % (name, len(data), list(self.shape)))

    def __repr__(self):
        return "Tensor(%s, %s, %s)" % (self.name, self.dtype, list(self.shape))


def from_le_bytes(dtype, raw):
    """A flat array of dtype from little-endian bytes."""
    if dtype not in DTYPE_CODES:
        raise ValueError("unsupported dtype " + dtype)
    code, size = DTYPE_CODES[dtype]
    if len(raw) % size:
        raise ValueError("%d bytes is not a whole number of %s values" % (len(raw), dtype))
    a = array.array(code)
    a.frombytes(raw)
    if sys.byteorder != "little" and size > 1:
        a.byteswap()
    return a


def to_le_bytes(a):
    if sys.byteorder != "little" and a.itemsize > 1:
        a = array.array(a.typecode, a)
        a.byteswap()
    return a.tobytes()


def permute(data, shape, perm):
    """Transpose a row-major flat array: output axis k is input axis perm[k].
    Returns (new_data, new_shape). The innermost output axis is gathered with one extended
    slice per output row, so the cost is mostly in C."""
    nd = len(shape)
    if sorted(perm) != list(range(nd)):
        raise ValueError("bad permutation %s" % (perm,))
    strides = [1] * nd
    for k in range(nd - 2, -1, -1):
        strides[k] = strides[k + 1] * shape[k + 1]
    out_shape = [shape[p] for p in perm]
    out = array.array(data.typecode)
    if product(shape) == 0:
        return out, tuple(out_shape)
    inner_n = out_shape[-1]
    inner_s = strides[perm[-1]]
    outer_shape = out_shape[:-1]
    outer_strides = [strides[p] for p in perm[:-1]]
    idx = [0] * len(outer_shape)
    while True:
        base = sum(i * s for i, s in zip(idx, outer_strides))
        out.extend(data[base:base + (inner_n - 1) * inner_s + 1:inner_s])
        k = len(idx) - 1
        while k >= 0:
            idx[k] += 1
            if idx[k] < outer_shape[k]:
                break
            idx[k] = 0
            k -= 1
        if k < 0:
            break
    return out, tuple(out_shape)
