"""tf_checkpoint.py — reader for TensorFlow "V2" checkpoints (tensor bundles).

A checkpoint PREFIX (e.g. model.ckpt-30000) is two or more files:
  PREFIX.index                     an SSTable (LevelDB's table format) mapping each variable
                                   name to a BundleEntryProto; the empty key holds the
                                   BundleHeaderProto
  PREFIX.data-00000-of-0000N       the raw tensor bytes, little-endian, concatenated

SSTable layout (all integers little-endian, varints base-128):
  data blocks ... | metaindex block | index block | footer (48 bytes)
  footer   = metaindex BlockHandle, index BlockHandle (each: varint offset, varint size),
             zero padding to 40 bytes, then the 8-byte magic 0xdb4775248b80fb57
  block    = entries, then restart offsets (u32 each), then the restart count (u32), then a
             5-byte trailer: compression type (0 = none) and the masked CRC-32C of the block
             contents plus that type byte
  entry    = varint shared, varint non_shared, varint value_length, key suffix, value;
             the key is the previous key's first `shared` bytes + the suffix (at each restart
             point shared is 0)
  The index block maps a separator key per data block to that block's BlockHandle.

BundleEntryProto (tensor_bundle.proto): dtype (1), shape (2), shard_id (3), offset (4),
size (5), crc32c (6, fixed32, MASKED CRC-32C of the tensor's bytes), slices (7, partitioned
variables; not supported here). BundleHeaderProto: num_shards (1), endianness (2, 0 = little),
version (3).
"""
import os
import re

import protobuf_wire as pw
from crc32c import crc32c, unmask
from tensors import DTYPE_CODES, Tensor, from_le_bytes, product
from tf_proto import dtype_name, parse_shape

TABLE_MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48


class CheckpointError(ValueError):
    """Bad or unsupported checkpoint; the message names the file and the problem."""


def resolve_prefix(path):
    """Accept PREFIX, PREFIX.index or PREFIX.data-?????-of-?????; return PREFIX."""
    if path.endswith(".index"):
        return path[:-len(".index")]
    m = re.search(r"\.data-\d{5}-of-\d{5}$", path)
    if m:
        return path[:m.start()]
    return path


def exists(path):
    """Whether a checkpoint named by any of the accepted spellings is there."""
    return os.path.isfile(resolve_prefix(path) + ".index")


def _block_handle(buf, pos, end):
    off, pos = pw.read_varint(buf, pos, end)
    size, pos = pw.read_varint(buf, pos, end)
    return (off, size), pos


class SSTable:
    """Reads every (key, value) of an SSTable held in memory, verifying block checksums."""

    def __init__(self, data, fname):
        self.data = memoryview(data)
        self.fname = fname
        n = len(data)
        if n < FOOTER_SIZE:
            raise CheckpointError("%s: %d bytes, too short for an SSTable footer" % (fname, n))
        footer = self.data[n - FOOTER_SIZE:]
        magic = int.from_bytes(footer[40:48], "little")
        if magic != TABLE_MAGIC:
            raise CheckpointError("%s: not an SSTable (bad magic 0x%016x)" % (fname, magic))
        try:
            self.metaindex, pos = _block_handle(footer, 0, 40)
            self.index, pos = _block_handle(footer, pos, 40)
        except pw.WireError as e:
            raise CheckpointError("%s: bad footer: %s" % (fname, e))

    def _block(self, handle, what):
        off, size = handle
        if off + size + 5 > len(self.data) - FOOTER_SIZE:
            raise CheckpointError("%s: %s block [%d, +%d) runs past the end of the file"
                                  % (self.fname, what, off, size))
        contents = self.data[off:off + size]
        ctype = self.data[off + size]
        stored = int.from_bytes(self.data[off + size + 1:off + size + 5], "little")
        actual = crc32c(bytes(contents) + bytes([ctype]))
        if unmask(stored) != actual:
            raise CheckpointError("%s: checksum mismatch in the %s block at offset %d "
                                  "(stored 0x%08x, computed 0x%08x)"
                                  % (self.fname, what, off, unmask(stored), actual))
        if ctype != 0:
            raise CheckpointError("%s: %s block at offset %d is compressed (type %d); only "
                                  "uncompressed tables (what TensorFlow writes) are supported"
                                  % (self.fname, what, off, ctype))
        return contents

    def _entries(self, block, what):
        n = len(block)
        if n < 4:
            raise CheckpointError("%s: %s block too short" % (self.fname, what))
        nrest = int.from_bytes(block[n - 4:], "little")
        limit = n - 4 - 4 * nrest
        if nrest < 1 or limit < 0:
            raise CheckpointError("%s: %s block has a bad restart count %d" % (self.fname, what, nrest))
        restarts = {int.from_bytes(block[limit + 4 * i:limit + 4 * i + 4], "little")
                    for i in range(nrest)}
        pos = 0
        key = b""
        try:
            while pos < limit:
                start = pos
                shared, pos = pw.read_varint(block, pos, limit)
                unshared, pos = pw.read_varint(block, pos, limit)
                vlen, pos = pw.read_varint(block, pos, limit)
                if start in restarts and shared:
                    raise CheckpointError("%s: %s block: restart entry shares a key prefix"
                                          % (self.fname, what))
                if shared > len(key) or pos + unshared + vlen > limit:
                    raise CheckpointError("%s: %s block: entry at %d overruns the block"
                                          % (self.fname, what, start))
                key = key[:shared] + bytes(block[pos:pos + unshared])
                pos += unshared
                yield key, block[pos:pos + vlen]
                pos += vlen
        except pw.WireError as e:
            raise CheckpointError("%s: %s block: %s" % (self.fname, what, e))

    def items(self):
        index = self._block(self.index, "index")
        for _sep, handle_bytes in self._entries(index, "index"):
            try:
                handle, _ = _block_handle(handle_bytes, 0, len(handle_bytes))
            except pw.WireError as e:
                raise CheckpointError("%s: bad block handle in the index: %s" % (self.fname, e))
            block = self._block(handle, "data")
            yield from self._entries(block, "data")


class Entry:
    __slots__ = ("name", "dtype", "shape", "shard", "offset", "size", "crc32c")


class Checkpoint:
    """An opened checkpoint: .entries {name: Entry}; read(name) -> Tensor (CRC verified)."""

    def __init__(self, path):
        self.prefix = resolve_prefix(path)
        self.index_path = self.prefix + ".index"
        if not os.path.isfile(self.index_path):
            raise CheckpointError("%s: no such checkpoint (expected %s)" % (path, self.index_path))
        with open(self.index_path, "rb") as fh:
            raw = fh.read()
        table = SSTable(raw, self.index_path)
        self.entries = {}
        self.num_shards = None
        for key, value in table.items():
            try:
                if key == b"":
                    self._header(value)
                else:
                    self._entry(key, value)
            except pw.WireError as e:
                raise CheckpointError("%s: entry %r: %s" % (self.index_path, key.decode("utf-8", "replace"), e))
        if self.num_shards is None:
            raise CheckpointError("%s: no bundle header (empty key) in the index" % self.index_path)
        self._shards = {}

    def _header(self, value):
        f = pw.parse(value)
        self.num_shards = f.get(1, [1])[0]
        endian = f.get(2, [0])[0]
        if endian != 0:
            raise CheckpointError("%s: big-endian checkpoint data is not supported" % self.index_path)
        if self.num_shards < 1:
            raise CheckpointError("%s: bundle header says %d shards" % (self.index_path, self.num_shards))

    def _entry(self, key, value):
        try:
            name = key.decode("utf-8")
        except UnicodeDecodeError:
            raise CheckpointError("%s: variable name %r is not UTF-8" % (self.index_path, bytes(key)))
        f = pw.fields_with_types(value)
        if 7 in f:
            raise CheckpointError("%s: variable %s is partitioned into slices, which is not "
                                  "supported" % (self.index_path, name))
        e = Entry()
        e.name = name
        e.dtype = dtype_name(f.get(1, [(0, 0)])[0][1])
        e.shape = parse_shape(f[2][0][1]) if 2 in f else ()
        e.shard = f.get(3, [(0, 0)])[0][1]
        e.offset = pw.to_int64(f.get(4, [(0, 0)])[0][1])
        e.size = pw.to_int64(f.get(5, [(0, 0)])[0][1])
        e.crc32c = f[6][0][1] if 6 in f else None
        self.entries[name] = e

    def data_path(self, shard):
        return "%s.data-%05d-of-%05d" % (self.prefix, shard, self.num_shards)

    def _shard(self, shard):
        if shard not in self._shards:
            p = self.data_path(shard)
            if not os.path.isfile(p):
                raise CheckpointError("%s: data file %s is missing" % (self.index_path, p))
            with open(p, "rb") as fh:
                self._shards[shard] = fh.read()
        return self._shards[shard]

    def read_bytes(self, name):
        e = self.entries[name]
        if e.shard >= self.num_shards:
            raise CheckpointError("%s: variable %s is in shard %d of %d"
                                  % (self.index_path, name, e.shard, self.num_shards))
        data = self._shard(e.shard)
        if e.offset < 0 or e.size < 0 or e.offset + e.size > len(data):
            raise CheckpointError("%s: variable %s: bytes [%d, +%d) lie outside the %d-byte file"
                                  % (self.data_path(e.shard), name, e.offset, e.size, len(data)))
        raw = data[e.offset:e.offset + e.size]
        if e.crc32c is not None:
            actual = crc32c(raw)
            if unmask(e.crc32c) != actual:
                raise CheckpointError("%s: checksum mismatch for variable %s (bytes %d..%d): "
                                      "the file is corrupt" % (self.data_path(e.shard), name,
                                                               e.offset, e.offset + e.size))
        return raw

    def read(self, name):
        e = self.entries[name]
        if e.dtype not in DTYPE_CODES:
            raise CheckpointError("%s: variable %s has dtype %s, which cannot be read"
                                  % (self.index_path, name, e.dtype))
        raw = self.read_bytes(name)
        n = product(e.shape)
        if len(raw) != n * DTYPE_CODES[e.dtype][1]:
            raise CheckpointError("%s: variable %s: %d bytes for %s %s"
                                  % (self.index_path, name, len(raw), e.dtype, list(e.shape)))
        return Tensor(name, e.dtype, e.shape, from_le_bytes(e.dtype, raw))


def variable_getter(ckpt):
    """get(name) -> Tensor for a checkpoint variable (None if absent), read and CRC-checked
    lazily, so optimizer slots (.../Momentum) and other unused variables are never read."""
    def get(name):
        return ckpt.read(name) if name in ckpt.entries else None
    return get
