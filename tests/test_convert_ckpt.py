"""test_convert_ckpt.py — the TensorFlow V2 checkpoint reader (tools/tf_checkpoint.py) and the
checkpoint path of tools/convert.py.

1. The genuine TF checkpoint in $SHARED/fixtures/tf_checkpoint_v2_mnist yields exactly the
   variables its README lists, with sane values, and its bytes add up to the data file.
2. Corrupting a tensor byte or an index block is detected with a clean error.
3. A test-side bundle WRITER (below, written from the format description, independent of the
   reader) re-writes the fixture; the reader reads it back identically, and the index comes
   out byte-identical to TensorFlow's own.
4. End to end: the frozen graph's variables written as a checkpoint convert to exactly the
   tensors the frozen-graph conversion gives.
"""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
from pycheck import check, done          # noqa: E402

import crc32c as crcmod                  # noqa: E402
import mnv2_mapping                      # noqa: E402
import tf_checkpoint                     # noqa: E402
import tf_graphdef                       # noqa: E402
import bdw_writer                        # noqa: E402

NAME = "test_convert_ckpt"
SHARED = os.environ.get("SHARED", "../shared")
FIXTURE = os.path.join(SHARED, "fixtures", "tf_checkpoint_v2_mnist")
PREFIX = os.path.join(FIXTURE, "model.ckpt-30000")
GRAPH = os.path.join(SHARED, "models", "deeplabv3_mnv2_dm05_pascal_trainaug", "frozen_inference_graph.pb")
CONVERT = os.path.join(HERE, "..", "tools", "convert.py")
PY = sys.executable

for need in (PREFIX + ".index", PREFIX + ".data-00000-of-00001", GRAPH):
    if not os.path.isfile(need):
        check(False, "missing shared file %s (set SHARED to the shared resources directory)" % need)
        done(NAME)


# ------------------------------------------------------------------ a V2 bundle writer --
# Written from the format (LevelDB table + tensor_bundle.proto), mirroring what TF's
# BundleWriter emits: data in key order, one data block per 4 KiB, restart every 16 keys,
# uncompressed blocks with a masked CRC-32C trailer, shortened index separator keys.

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def pb_field(num, wtype, payload):
    key = varint(num << 3 | wtype)
    if wtype == 0:
        return key + varint(payload)
    if wtype == 2:
        return key + varint(len(payload)) + payload
    if wtype == 5:
        return key + struct.pack("<I", payload)
    raise ValueError(wtype)


def mask_crc(c):
    return ((((c >> 15) | (c << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


DTYPE_ENUM = {"float32": 1, "int32": 3, "int64": 9, "uint8": 4}


def entry_proto(dtype, shape, offset, size, crc):
    shp = b"".join(pb_field(2, 2, pb_field(1, 0, d) if d else b"") for d in shape)
    out = pb_field(1, 0, DTYPE_ENUM[dtype]) + pb_field(2, 2, shp)
    if offset:
        out += pb_field(4, 0, offset)
    out += pb_field(5, 0, size) + pb_field(6, 5, mask_crc(crc))
    return out


def build_block(items, restart_interval=16):
    out = bytearray()
    restarts = []
    prev = b""
    for k, (key, value) in enumerate(items):
        if k % restart_interval == 0:
            restarts.append(len(out))
            shared = 0
        else:
            shared = 0
            while shared < min(len(prev), len(key)) and prev[shared] == key[shared]:
                shared += 1
        out += varint(shared) + varint(len(key) - shared) + varint(len(value))
        out += key[shared:] + value
        prev = key
    if not restarts:
        restarts = [0]
    for r in restarts:
        out += struct.pack("<I", r)
    out += struct.pack("<I", len(restarts))
    return bytes(out)


def short_successor(key):
    for i, b in enumerate(key):
        if b != 0xFF:
            return key[:i] + bytes([b + 1])
    return key


def shortest_separator(start, limit):
    n = 0
    while n < min(len(start), len(limit)) and start[n] == limit[n]:
        n += 1
    if n >= min(len(start), len(limit)):
        return start
    b = start[n]
    if b < 0xFF and b + 1 < limit[n]:
        return start[:n] + bytes([b + 1])
    return start


def write_bundle(prefix, tensors, block_size=4096):
    """tensors: {name: (dtype, shape, raw little-endian bytes)} -> prefix.index + .data"""
    names = sorted(tensors, key=lambda s: s.encode())
    data = bytearray()
    entries = [(b"", pb_field(1, 0, 1) + pb_field(3, 2, pb_field(1, 0, 1)))]
    for n in names:
        dtype, shape, raw = tensors[n]
        entries.append((n.encode(), entry_proto(dtype, shape, len(data), len(raw), crcmod.crc32c(raw))))
        data += raw
    index = bytearray()
    blocks = []          # (last key, handle)
    cur = []
    cur_size = 0

    def flush():
        nonlocal cur, cur_size
        body = build_block(cur)
        handle = (len(index), len(body))
        index.extend(body + b"\0" + struct.pack("<I", mask_crc(crcmod.crc32c(body + b"\0"))))
        blocks.append((cur[-1][0], handle))
        cur, cur_size = [], 0
    for key, value in entries:
        cur.append((key, value))
        cur_size += len(key) + len(value) + 3
        if cur_size >= block_size:
            flush()
    if cur:
        flush()

    def add_block(body):
        h = (len(index), len(body))
        index.extend(body + b"\0" + struct.pack("<I", mask_crc(crcmod.crc32c(body + b"\0"))))
        return h
    meta_h = add_block(build_block([]))
    idx_items = []
    for k, (last, h) in enumerate(blocks):
        sep = shortest_separator(last, blocks[k + 1][0]) if k + 1 < len(blocks) else short_successor(last)
        idx_items.append((sep, varint(h[0]) + varint(h[1])))
    idx_h = add_block(build_block(idx_items))
    footer = varint(meta_h[0]) + varint(meta_h[1]) + varint(idx_h[0]) + varint(idx_h[1])
    footer += b"\0" * (40 - len(footer)) + struct.pack("<Q", 0xDB4775248B80FB57)
    index += footer
    with open(prefix + ".index", "wb") as fh:
        fh.write(index)
    with open(prefix + ".data-00000-of-00001", "wb") as fh:
        fh.write(data)


def run(args):
    p = subprocess.run([PY, CONVERT] + args, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


tmp = tempfile.mkdtemp(prefix="test_convert_ckpt.")
try:
    # -------------------------------------------------------------- 1. the fixture --
    readme = open(os.path.join(FIXTURE, "README.md")).read()
    documented = {}
    for m in re.finditer(r"^\| (\S+) \| (\w+) \| \[([0-9, ]*)\]", readme, re.M):
        shape = tuple(int(x) for x in m.group(3).split(",") if x.strip())
        documented[m.group(1)] = (m.group(2), shape)
    check(len(documented) == 9, "README table parsed into %d variables" % len(documented))
    for spelling in (PREFIX, PREFIX + ".index", PREFIX + ".data-00000-of-00001"):
        ck = tf_checkpoint.Checkpoint(spelling)
        check(set(ck.entries) == set(documented),
              "variables from %s: %s" % (os.path.basename(spelling), sorted(ck.entries)))
    ck = tf_checkpoint.Checkpoint(PREFIX)
    total = 0
    read = {}
    for name, (dtype, shape) in documented.items():
        t = ck.read(name)
        read[name] = t
        check(t.dtype == dtype, "%s dtype %s, README says %s" % (name, t.dtype, dtype))
        check(t.shape == shape, "%s shape %s, README says %s" % (name, t.shape, shape))
        check(len(t.data) == (1 if not shape else __import__("math").prod(shape)),
              "%s value count" % name)
        total += ck.entries[name].size
    datasize = os.path.getsize(PREFIX + ".data-00000-of-00001")
    check(total == datasize, "entries cover %d bytes, data file has %d" % (total, datasize))
    floats = sum(len(t.data) for t in read.values() if t.dtype == "float32")
    check(floats * 4 + 4 == datasize, "float32 count %d" % floats)
    for name, t in read.items():
        if name.endswith("/biases"):
            mean = sum(t.data) / len(t.data)
            check(0.05 < mean < 0.15, "%s mean %.4f should stay near the 0.1 init" % (name, mean))
        if name.endswith("/weights"):
            check(all(abs(v) < 10 for v in t.data) and any(v != 0 for v in t.data),
                  "%s values are plausible trained weights" % name)
    step = int(re.search(r"ckpt-(\d+)", PREFIX).group(1))
    check(list(read["Variable"].data) == [step], "global step %s, file name says %d"
          % (list(read["Variable"].data), step))

    # entry CRCs are masked: a raw CRC would not match
    e = ck.entries["fc2/biases"]
    raw = ck.read_bytes("fc2/biases")
    check(crcmod.unmask(e.crc32c) == crcmod.crc32c(raw) and e.crc32c != crcmod.crc32c(raw),
          "entry crc32c is stored masked")

    # -------------------------------------------------------------- 2. corruption --
    bad = os.path.join(tmp, "bad")
    os.mkdir(bad)
    bp = os.path.join(bad, "model.ckpt-30000")
    shutil.copy(PREFIX + ".index", bp + ".index")
    d = bytearray(open(PREFIX + ".data-00000-of-00001", "rb").read())
    off = ck.entries["conv3/weights"].offset + 1000
    d[off] ^= 0x40
    open(bp + ".data-00000-of-00001", "wb").write(d)
    try:
        tf_checkpoint.Checkpoint(bp).read("conv3/weights")
        check(False, "a flipped data byte was not detected")
    except tf_checkpoint.CheckpointError as ex:
        check("conv3/weights" in str(ex) and "checksum" in str(ex), "error names the variable: %s" % ex)
    try:
        tf_checkpoint.Checkpoint(bp).read("conv1/weights")
        check(True)
    except tf_checkpoint.CheckpointError as ex:
        check(False, "an intact variable failed to read: %s" % ex)
    rc, out, err = run([bp, "-o", os.path.join(bad, "x.bdw")])
    check(rc == 1, "convert of a corrupt checkpoint exits 1, got %d" % rc)
    check("Traceback" not in err and len(err.strip().splitlines()) == 1,
          "one-line error, got: %r" % err)
    check(not os.path.exists(os.path.join(bad, "x.bdw")), "nothing written on error")
    # a flipped byte inside the index's data block
    idx = bytearray(open(PREFIX + ".index", "rb").read())
    idx[20] ^= 0x01
    open(bp + ".index", "wb").write(idx)
    try:
        tf_checkpoint.Checkpoint(bp)
        check(False, "a flipped index byte was not detected")
    except tf_checkpoint.CheckpointError as ex:
        check("checksum" in str(ex) and "block" in str(ex), "index block crc error: %s" % ex)
    # a truncated index
    open(bp + ".index", "wb").write(bytes(idx[:100]))
    try:
        tf_checkpoint.Checkpoint(bp)
        check(False, "a truncated index was not detected")
    except tf_checkpoint.CheckpointError as ex:
        check("model.ckpt-30000.index" in str(ex), "truncated index error names the file: %s" % ex)

    # -------------------------------------------------------------- 3. the writer --
    rw = os.path.join(tmp, "rewrite")
    os.mkdir(rw)
    rp = os.path.join(rw, "model.ckpt-30000")
    write_bundle(rp, {n: (t.dtype, t.shape, ck.read_bytes(n)) for n, t in read.items()})
    check(open(rp + ".index", "rb").read() == open(PREFIX + ".index", "rb").read(),
          "the re-written index is byte-identical to TensorFlow's")
    check(open(rp + ".data-00000-of-00001", "rb").read() == open(PREFIX + ".data-00000-of-00001", "rb").read(),
          "the re-written data file is byte-identical")
    ck2 = tf_checkpoint.Checkpoint(rp)
    for n, t in read.items():
        t2 = ck2.read(n)
        check(t2.shape == t.shape and t2.dtype == t.dtype and t2.data == t.data, "round trip of %s" % n)
    # many keys: several data blocks, restart points, prefix compression, separators
    many = {"layer%03d/%s" % (i, s): ("float32", (3,), struct.pack("<3f", i, -i, 0.5))
            for i in range(300) for s in ("w", "b")}
    mp = os.path.join(rw, "many")
    write_bundle(mp, many, block_size=512)
    ck3 = tf_checkpoint.Checkpoint(mp)
    check(set(ck3.entries) == set(many), "600 keys over many blocks read back")
    check(list(ck3.read("layer123/b").data) == [123.0, -123.0, 0.5], "value of layer123/b")

    # -------------------------------------------------------------- 4. end to end --
    nodes = tf_graphdef.read_graphdef(open(GRAPH, "rb").read(), GRAPH)
    get = tf_graphdef.const_getter(nodes)
    variables = {}
    for layer, kind in mnv2_mapping.canonical_layers():
        scope = mnv2_mapping.tf_scope(layer)
        names = [scope + ("/depthwise_weights" if kind == "depthwise" else "/weights")]
        names += [scope + "/biases"] if layer == "logits" else \
            [scope + "/BatchNorm/" + p for p in ("gamma", "beta", "moving_mean", "moving_variance")]
        for n in names:
            t = get(n)
            check(t is not None, "frozen graph holds %s" % n)
            variables[n] = ("float32", t.shape, t.data.tobytes())
            # optimizer slots and the step are in real training checkpoints: ignored
            if n.endswith("/weights"):
                variables[n + "/Momentum"] = ("float32", t.shape, bytes(len(t.data) * 4))
    variables["global_step"] = ("int64", (), struct.pack("<q", 30000))
    e2e = os.path.join(tmp, "e2e")
    os.mkdir(e2e)
    ep = os.path.join(e2e, "model.ckpt-30000")
    write_bundle(ep, variables)
    g_out = os.path.join(e2e, "graph.bdw")
    rc, out, err = run([GRAPH, "-o", g_out, "-q"])
    check(rc == 0, "frozen graph converts: %s" % err)
    g_md, g_t = bdw_writer.read(open(g_out, "rb").read(), g_out)
    for k, spelling in enumerate((ep, ep + ".index", ep + ".data-00000-of-00001")):
        c_out = os.path.join(e2e, "ckpt%d.bdw" % k)
        extra = ["--output-stride", "8"] if k == 2 else []
        rc, out, err = run([spelling, "-o", c_out] + extra)
        check(rc == 0, "checkpoint %s converts: %s" % (os.path.basename(spelling), err))
        if rc:
            continue
        c_md, c_t = bdw_writer.read(open(c_out, "rb").read(), c_out)
        check([t.name for t in c_t] == [t.name for t in g_t], "same tensor list")
        same = all(a.shape == b.shape and a.data == b.data for a, b in zip(c_t, g_t))
        worst = max(abs(x - y) for a, b in zip(c_t, g_t) for x, y in zip(a.data, b.data))
        check(same, "checkpoint tensors equal the frozen graph's (max diff %g)" % worst)
        check(c_md["source_format"] == "tf-checkpoint-v2", c_md["source_format"])
        check(c_md["source_file"] == "model.ckpt-30000.data-00000-of-00001", c_md["source_file"])
        check(c_md["output_stride"] == ("8" if k == 2 else "16"), "output stride %s" % c_md["output_stride"])
        check(c_md["input_size"] == "513" and c_md["depth_multiplier"] == "0.5"
              and c_md["num_classes"] == "21", "checkpoint metadata %s" % c_md)
        check(c_md["bn_epsilon"] == g_md["bn_epsilon"], "epsilons %s vs graph %s"
              % (c_md["bn_epsilon"], g_md["bn_epsilon"]))
    # a checkpoint missing one variable: the error names it
    del variables["MobilenetV2/expanded_conv_9/project/BatchNorm/moving_variance"]
    write_bundle(ep, variables)
    rc, out, err = run([ep, "-o", os.path.join(e2e, "missing.bdw")])
    check(rc == 1 and "MobilenetV2/expanded_conv_9/project/BatchNorm/moving_variance" in err,
          "missing variable named: %r" % err)
    check(not os.path.exists(os.path.join(e2e, "missing.bdw")), "nothing written")
finally:
    shutil.rmtree(tmp, ignore_errors=True)
done(NAME)
