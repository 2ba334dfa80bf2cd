"""test_convert_errors.py — what tools/convert.py does with incomplete networks and bad input:
an error naming the missing or malformed tensor (checked on the parsed tensors: a frozen
graph's variables and a TFLite file's canonical tensors, with one removed or reshaped), and
for bad files a one-line message, exit status 1, and no output written or clobbered.
Also the small pieces: CRC-32C check value, the protobuf varint decoder, --classes.
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
from pycheck import check, done          # noqa: E402

import bdw_writer                        # noqa: E402
import crc32c                            # noqa: E402
import struct                            # noqa: E402
import tflite_quant                      # noqa: E402
import mnv2_mapping as mm                # noqa: E402
import protobuf_wire as pw               # noqa: E402
import tensors as tz                     # noqa: E402
import tf_graphdef                       # noqa: E402
import tflite_reader                     # noqa: E402

NAME = "test_convert_errors"
SHARED = os.environ.get("SHARED", "../shared")
CONVERT = os.path.join(HERE, "..", "tools", "convert.py")
PY = sys.executable
GRAPH = os.path.join(SHARED, "models", "deeplabv3_mnv2_dm05_pascal_trainaug", "frozen_inference_graph.pb")
TFLITE = os.path.join(SHARED, "models", "deeplabv3_mnv2_dm05_pascal_quant", "deeplabv3_mnv2_dm05_pascal_quant.tflite")
LABELS = os.path.join(SHARED, "models", "deeplabv3_mnv2_pascal_quant", "pascal_voc_segmentation_labels.txt")
for need in (GRAPH, TFLITE, LABELS):
    if not os.path.isfile(need):
        check(False, "missing shared file %s (set SHARED to the shared resources directory)" % need)
        done(NAME)


def expect_error(fn, *needles):
    try:
        fn()
    except mm.MappingError as e:
        msg = str(e)
        check(all(n in msg for n in needles), "error %r should name %s" % (msg, needles))
        return msg
    check(False, "no error; expected one naming %s" % (needles,))
    return None


def run(args):
    p = subprocess.run([PY, CONVERT] + args, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


# ------------------------------------------------------------------ small pieces --
check(crc32c.crc32c(b"123456789") == 0xE3069283, "CRC-32C check value")
check(crc32c.crc32c(b"") == 0, "CRC-32C of nothing")
blob = bytes(range(256)) * 5 + b"tail"
check(crc32c.crc32c_update(crc32c.crc32c(blob[:777]), blob[777:]) == crc32c.crc32c(blob), "running CRC")
check(crc32c.unmask(crc32c.mask(0xDEADBEEF)) == 0xDEADBEEF, "mask/unmask")
check(pw.read_varint(b"\xac\x02", 0) == (300, 2), "varint 300")
check(pw.to_int64(pw.read_varint(b"\xff" * 9 + b"\x01", 0)[0]) == -1, "varint -1")
try:
    pw.read_varint(b"\x80\x80", 0)
    check(False, "truncated varint accepted")
except pw.WireError:
    check(True)
a, shp = tz.permute(tz.from_le_bytes("float32", bytes(4 * 24)), (2, 3, 4), (2, 0, 1))
check(shp == (4, 2, 3) and len(a) == 24, "permute shape")
src = tz.from_le_bytes("int32", b"".join(i.to_bytes(4, "little") for i in range(24)))
a, shp = tz.permute(src, (2, 3, 4), (2, 0, 1))
check(list(a[:6]) == [0, 4, 8, 12, 16, 20] and a[6] == 1, "permute values %s" % list(a[:7]))

# ------------------------------------------------------------------ TF variables --
nodes = tf_graphdef.read_graphdef(open(GRAPH, "rb").read(), GRAPH)
get = tf_graphdef.const_getter(nodes)
full = mm.from_tf_variables(get, where="graph")
check(mm.check_network(full)["depth_multiplier"] == 0.5, "the intact graph maps")
for victim in ("MobilenetV2/expanded_conv_4/expand/weights",
               "MobilenetV2/expanded_conv_11/depthwise/BatchNorm/moving_mean",
               "MobilenetV2/Conv/BatchNorm/beta",
               "concat_projection/weights", "logits/semantic/biases"):
    expect_error(lambda: mm.from_tf_variables(lambda n: None if n == victim else get(n), where="graph"),
                 victim, "missing")


def reshaped(victim, shape):
    def g(n):
        t = get(n)
        if n == victim:
            t = tz.Tensor(n, t.dtype, shape, tz.from_le_bytes("float32", bytes(4 * __import__("math").prod(shape))))
        return t
    return g


expect_error(lambda: mm.from_tf_variables(reshaped("MobilenetV2/expanded_conv_2/project/BatchNorm/gamma", (5,)),
                                          where="graph"), "MobilenetV2/expanded_conv_2/project/BatchNorm/gamma", "shape")
expect_error(lambda: mm.from_tf_variables(reshaped("MobilenetV2/expanded_conv_5/depthwise/depthwise_weights",
                                                   (5, 5, 96, 1)), where="graph"),
             "MobilenetV2/expanded_conv_5/depthwise/depthwise_weights", "shape")
# a weight whose shape is locally fine but breaks the chain is caught by check_network
w9 = get("MobilenetV2/expanded_conv_9/expand/weights").shape
bad = mm.from_tf_variables(reshaped("MobilenetV2/expanded_conv_9/expand/weights", (1, 1, w9[2] - 2, w9[3])),
                           where="graph")
expect_error(lambda: mm.check_network(bad, "graph"), "block9.expand.weight", "input channels")

# ------------------------------------------------------------------ canonical tensors --
canon, info = tflite_reader.read_tflite(open(TFLITE, "rb").read(), TFLITE)
check(mm.check_network(canon)["num_classes"] == 21, "the intact tflite maps")
for victim in ("block7.expand.weight", "block0.depthwise.bias", "block16.project.weight",
               "aspp0.bias", "logits.weight", "stem.weight"):
    d = dict(canon)
    del d[victim]
    expect_error(lambda: mm.check_network(d, "t"), victim, "missing")


def with_shape(name, shape):
    d = dict(canon)
    d[name] = tz.Tensor(name, "float32", shape, tz.from_le_bytes("float32", bytes(4 * __import__("math").prod(shape))))
    return d


c7 = canon["block7.depthwise.weight"].shape[2]
expect_error(lambda: mm.check_network(with_shape("block7.depthwise.weight", (3, 3, c7 + 1)), "t"),
             "block7.depthwise.weight")
expect_error(lambda: mm.check_network(with_shape("block7.depthwise.weight", (5, 5, c7)), "t"),
             "block7.depthwise.weight")
ci = canon["block3.project.weight"].shape
expect_error(lambda: mm.check_network(with_shape("block3.project.weight", (ci[0] - 1, ci[1])), "t"),
             "block3.project.weight")
expect_error(lambda: mm.check_network(with_shape("block3.project.bias", (ci[1] + 1,)), "t"),
             "block3.project.bias")
cp = canon["concat_projection.weight"].shape
expect_error(lambda: mm.check_network(with_shape("concat_projection.weight", (cp[0] - 8, cp[1])), "t"),
             "concat_projection.weight")
expect_error(lambda: mm.check_network(with_shape("block0.expand.weight", (8, 8)), "t"), "block0")
expect_error(lambda: mm.check_network(with_shape("aspp1.weight", (160, 256)), "t"), "aspp1.weight")

# a file whose head concatenates [aspp0, image_pooling] (the two concat inputs swapped in a
# copy of the real file): concat_projection's rows must be reordered to image_pooling first
import flatbuffers_lite as fb            # noqa: E402
raw = bytearray(open(TFLITE, "rb").read())
model = tflite_reader.TfliteModel(bytes(raw), TFLITE)
concat = [op for op in model.ops if op.code == tflite_reader.CONCATENATION]
check(len(concat) == 1, "one concatenation in the head")
sg = fb.root(bytes(raw)).tables(2)[0]
start, count = sg.tables(3)[concat[0].index].vector_span(1)     # Operator.inputs
check(count == 2, "the concatenation has two inputs")
raw[start:start + 8] = raw[start + 4:start + 8] + raw[start:start + 4]
swapped, _ = tflite_reader.read_tflite(bytes(raw), "swapped")
cw, sw_ = canon["concat_projection.weight"], swapped["concat_projection.weight"]
half = len(cw.data) // 2
check(sw_.shape == cw.shape and cw.data[:half] != cw.data[half:], "concat_projection shape")
check(sw_.data[:half] == cw.data[half:] and sw_.data[half:] == cw.data[:half],
      "swapped concat inputs: concat_projection rows reordered to image_pooling first")
check(all(swapped[n].data == canon[n].data for n in canon if n != "concat_projection.weight"),
      "the other tensors are unchanged")

# ------------------------------------------------------------------ the CLI on bad input --
tmp = tempfile.mkdtemp(prefix="test_convert_errors.")
try:
    out = os.path.join(tmp, "out.bdw")

    def cli_fails(args, needle, what):
        with open(out, "wb") as fh:
            fh.write(b"keep me")
        rc, so, se = run(args + ["-o", out])
        check(rc == 1, "%s: exit status %d" % (what, rc))
        check("Traceback" not in se and len(se.strip().splitlines()) == 1, "%s: one-line error %r" % (what, se))
        check(needle in se, "%s: error %r should mention %r" % (what, se, needle))
        check(open(out, "rb").read() == b"keep me", "%s: existing output untouched" % what)
        check(sorted(os.listdir(tmp)) == sorted(set(os.listdir(tmp)) - {f for f in os.listdir(tmp) if f.endswith(".tmp")}),
              "%s: no temp file left" % what)

    junk = os.path.join(tmp, "junk.pb")
    with open(junk, "wb") as fh:
        fh.write(b"\x0a\xff\xff\xff\x0fgarbage")
    cli_fails([junk], "junk.pb", "garbage GraphDef")
    notpb = os.path.join(tmp, "photo.bin")
    with open(notpb, "wb") as fh:
        fh.write(b"\x89PNG\r\n\x1a\n" + bytes(100))
    cli_fails([notpb], "photo.bin", "unknown format")
    data = open(TFLITE, "rb").read()
    trunc = os.path.join(tmp, "trunc.tflite")
    with open(trunc, "wb") as fh:
        fh.write(data[:len(data) // 3])
    cli_fails([trunc], "trunc.tflite", "truncated tflite")
    wrongid = os.path.join(tmp, "wrongid.tflite")
    with open(wrongid, "wb") as fh:
        fh.write(data[:4] + b"XXXX" + data[8:])
    cli_fails([wrongid], "wrongid.tflite", "tflite without TFL3")
    twenty = os.path.join(tmp, "twenty.txt")
    with open(twenty, "w") as fh:
        fh.write("\n".join("c%d" % i for i in range(20)) + "\n")
    cli_fails([TFLITE, "--classes", twenty], "20 class names", "class count mismatch")
    cli_fails([TFLITE, "--classes", os.path.join(tmp, "nope.txt")], "nope.txt", "missing class file")
    rc, so, se = run([TFLITE, "-o", os.path.join(tmp, "no", "such", "dir.bdw")])
    check(rc == 1 and "Traceback" not in se and "dir.bdw" in se, "unwritable output: %r" % se)

    # class names from a file (the coral label file has a note after a blank line)
    good = os.path.join(tmp, "good.bdw")
    custom = os.path.join(tmp, "custom.txt")
    with open(custom, "w") as fh:
        fh.write("# my classes\n" + "\n".join("thing%d" % i for i in range(21)) + "\n")
    for cls, first in ((LABELS, "background"), (custom, "thing0")):
        rc, so, se = run([TFLITE, "-o", good, "--classes", cls, "-q"])
        check(rc == 0, "--classes %s: %s" % (cls, se))
        if rc == 0:
            meta = open(good, "rb").read()
            names = [ln for ln in meta.split(b"\n") if ln.startswith(b"class_names=")]
            got = names[0][len(b"class_names="):].decode().split(",") if names else []
            check(len(got) == 21 and got[0] == first, "class names from %s: %s" % (cls, got[:3]))
    rc, so, se = run(["--dump", good])
    check(rc == 0 and "block16.project.weight" in so and "all checksums good" in so, "--dump lists tensors")
    with open(good, "r+b") as fh:
        fh.seek(5000)
        b = fh.read(1)
        fh.seek(5000)
        fh.write(bytes([b[0] ^ 1]))
    rc, so, se = run(["--dump", good])
    check(rc == 1 and "checksum" in se and "Traceback" not in se, "--dump detects corruption: %r" % se)

    # ---------------------------------------------------------------- format versions --
    import array
    f1 = tz.Tensor("a", "float32", (2,), array.array("f", [1.5, -2]))
    u1 = tz.Tensor("b", "uint8", (3,), array.array("B", [0, 7, 255]))
    i1 = tz.Tensor("c", "int32", (1,), array.array("i", [-5]))
    blob = bdw_writer.encode([("k", "v")], [f1, u1, i1])
    md, back = bdw_writer.read(blob)
    check(struct.unpack_from("<I", blob, 8)[0] == 2, "the writer writes version 2")
    check([(t.dtype, list(t.data)) for t in back] == [("float32", [1.5, -2.0]), ("uint8", [0, 7, 255]),
                                                       ("int32", [-5])], "uint8/int32 round trip")

    def reversion(b, v):
        b = bytearray(b)
        struct.pack_into("<I", b, 8, v)
        struct.pack_into("<I", b, 60, crc32c.crc32c(bytes(b[:60])))
        return bytes(b)
    v1 = reversion(bdw_writer.encode([("k", "v")], [f1]), 1)
    check([t.name for t in bdw_writer.read(v1)[1]] == ["a"], "a version 1 file (float32) still reads")
    for b, needle, what in ((reversion(blob, 1), "dtype 2", "uint8 in a version 1 file"),
                            (reversion(blob, 3), "version 3", "version 3")):
        try:
            bdw_writer.read(b, "x.bdw")
            check(False, "%s accepted" % what)
        except bdw_writer.BdwError as e:
            check(needle in str(e) and "x.bdw" in str(e), "%s refused: %s" % (what, e))
    try:
        bdw_writer.encode([], [tz.Tensor("d", "int64", (1,), array.array("q", [1]))])
        check(False, "int64 written")
    except bdw_writer.BdwError as e:
        check("int64" in str(e), "int64 refused: %s" % e)

    # ---------------------------------------------------------------- the integer network --
    check(tflite_quant.fmt_scale(tflite_quant.f32(0.1)) == "0.100000001",
          "scales are written with 9 significant digits")
    data = open(TFLITE, "rb").read()
    _, info = tflite_reader.read_tflite(data, "dm05.tflite")
    check("quant_meta" in info and len(info["quant_tensors"]) == 2 * 55, "uint8 model: integer network kept")
    model = tflite_reader.TfliteModel(data, "dm05.tflite")
    # a per-channel weight (two scales) is not run as int8: fp32 only, with the reason
    qt = model.tensors[model.ops[0].inputs[1]].table(4)
    start, n = qt.vector_span(2)
    check(n == 1, "stem weight is per tensor")
    orig = model.quant
    model.quant = lambda i: ([0.1, 0.2], [1, 2], 0) if i == model.ops[0].inputs[1] else orig(i)
    r = tflite_quant.extract(model, {"stem": model.ops[0]}, [("stem", "stem")], False, None)
    check(r[0] is None and "per tensor" in r[1] and "stem weights" in r[1], "per-channel refused: %r" % (r,))
    model.quant = orig
    model.ttype_orig = model.ttype
    model.ttype = lambda i: "int8" if i == model.ops[0].outputs[0] else model.ttype_orig(i)
    r = tflite_quant.extract(model, {"stem": model.ops[0]}, [("stem", "stem")], False, None)
    check(r[0] is None and "int8, not uint8" in r[1], "an int8 activation refused: %r" % (r,))
finally:
    shutil.rmtree(tmp, ignore_errors=True)
done(NAME)
