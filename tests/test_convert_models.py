"""test_convert_models.py — every model file in $SHARED/models converts with tools/convert.py,
the .bdw it writes parses back per weights/README.md (an independent reader below checks every
checksum, alignment, offset and padding byte), the network facts match MODEL_NOTES.md, and the
first layers computed from the converted weights at one output pixel reproduce the golden
reference activations (layout, batch-norm folding and dequantisation all at once).
A uint8 model also keeps its integer network: the uint8 weights dequantise to exactly the float
tensors, the int32 biases to the float biases, and every scale / zero point recorded equals the
one ../golden_int8's layers.tsv lists for that tensor (an independent reading of the model).
"""
import hashlib
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from pycheck import check, done          # noqa: E402

NAME = "test_convert_models"
SHARED = os.environ.get("SHARED", "../shared")
CONVERT = os.path.join(HERE, "..", "tools", "convert.py")
PY = sys.executable
NOTES = os.path.join(SHARED, "MODEL_NOTES.md")
GOLDEN = os.path.join(SHARED, "golden")
GOLDEN_INT8 = os.path.join(SHARED, "golden_int8")
INT8_RUNS = {"deeplabv3_mnv2_pascal_quant": "mnv2_quant_u8_os16",
             "deeplabv3_mnv2_dm05_pascal_quant": "dm05_quant_u8_os16"}
DTYPES = {1: ("f", 4), 2: ("B", 1), 3: ("i", 4)}

# model file (under models/), input size (MODEL_NOTES / PROVENANCE), golden run id or None
MODELS = [
    ("deeplabv3_mnv2_pascal_quant/deeplabv3_mnv2_pascal_quant.tflite", 513, "mnv2_quant_os16"),
    ("deeplabv3_mnv2_dm05_pascal_trainaug/frozen_inference_graph.pb", 513, "dm05_frozen_os8"),
    ("deeplabv3_mnv2_dm05_pascal_quant/deeplabv3_mnv2_dm05_pascal_quant.tflite", 513, "dm05_quant_os16"),
    ("deeplabv3_257_mv_gpu/deeplabv3_257_mv_gpu.tflite", 257, None),
]
FORMATS = {".tflite": ("tflite-uint8", "tflite-float32"), ".pb": ("tf-frozen-graph",)}

if not os.path.isfile(NOTES):
    check(False, "missing %s (set SHARED to the shared resources directory)" % NOTES)
    done(NAME)

# depth and exported output stride per model file, from MODEL_NOTES.md's table
facts = {}
for line in open(NOTES, encoding="utf-8"):
    m = re.match(r"\|\s*([\w./-]+?)(?:/\.\.\.tflite)?\s*\|\s*([0-9.]+)\s*\|\s*(\S+)[^|]*\|\s*(\d+)\s*\|", line)
    if m:
        facts[m.group(1)] = (float(m.group(2)), int(m.group(4)))


def notes_for(rel):
    for key, v in facts.items():
        if rel == key or rel.startswith(key.rstrip("/") + "/") or rel.split("/")[0] == key.rstrip("/"):
            return v
    return None


# ------------------------------------------------------------------ independent reader --
POLY = 0x82F63B78
TABLE = []
for n in range(256):
    c = n
    for _ in range(8):
        c = (c >> 1) ^ POLY if c & 1 else c >> 1
    TABLE.append(c)


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def read_bdw(data, tag):
    """Parse and check a .bdw per weights/README.md; returns (meta dict, {name: (shape, floats)})."""
    ok = check(len(data) >= 64, "%s: file too short" % tag)
    if not ok:
        return {}, {}
    magic, version, hsize, fsize, moff = struct.unpack_from("<8sIIQQ", data, 0)
    msize, count, doff, daoff, dcrc, hcrc = struct.unpack_from("<IIQQII", data, 32)
    check(magic == b"BDWEIGHT", "%s magic %r" % (tag, magic))
    check(version == 2 and hsize == 64 and moff == 64, "%s version/header_size/meta_offset" % tag)
    check(fsize == len(data), "%s file_size %d vs %d" % (tag, fsize, len(data)))
    check(crc32c(data[:60]) == hcrc, "%s header crc" % tag)
    check(1 <= count <= 4096, "%s tensor_count %d" % (tag, count))
    check(doff % 8 == 0 and doff >= 64 + msize, "%s dir_offset %d" % (tag, doff))
    check(daoff % 64 == 0 and daoff >= doff + 128 * count, "%s data_offset %d" % (tag, daoff))
    check(crc32c(data[64:64 + msize] + data[doff:doff + 128 * count]) == dcrc, "%s dir crc" % tag)
    check(all(b == 0 for b in data[64 + msize:doff]), "%s padding before the directory" % tag)
    check(all(b == 0 for b in data[doff + 128 * count:daoff]), "%s padding before the data" % tag)
    text = data[64:64 + msize].decode("utf-8")
    check(text.endswith("\n"), "%s metadata ends with a newline" % tag)
    meta = {}
    for line in text[:-1].split("\n"):
        k, sep, v = line.partition("=")
        check(sep == "=" and k and k not in meta, "%s metadata line %r" % (tag, line))
        meta[k] = v
    tensors = {}
    spans = []
    for i in range(count):
        e = data[doff + 128 * i: doff + 128 * (i + 1)]
        rawname = e[:80]
        name = rawname.split(b"\0")[0]
        check(0 < len(name) < 80 and all(33 <= b < 127 for b in name)
              and all(b == 0 for b in rawname[len(name):]), "%s entry %d name %r" % (tag, i, rawname))
        name = name.decode()
        dtype, ndim = struct.unpack_from("<II", e, 80)
        shape4 = struct.unpack_from("<4I", e, 88)
        off, nbytes, crc, res = struct.unpack_from("<QQII", e, 104)
        check(dtype in DTYPES and 1 <= ndim <= 4, "%s %s dtype %d ndim %d" % (tag, name, dtype, ndim))
        code, esize = DTYPES.get(dtype, ("f", 4))
        shape = shape4[:ndim]
        check(all(d > 0 for d in shape) and all(d == 0 for d in shape4[ndim:]), "%s %s shape %s" % (tag, name, shape4))
        check(nbytes == math.prod(shape) * esize, "%s %s nbytes" % (tag, name))
        check(off % 64 == 0 and off >= daoff and off + nbytes <= fsize, "%s %s offset %d" % (tag, name, off))
        check(res == 0, "%s %s reserved" % (tag, name))
        check(crc32c(data[off:off + nbytes]) == crc, "%s %s data crc" % (tag, name))
        check(name not in tensors, "%s duplicate %s" % (tag, name))
        tensors[name] = (shape, struct.unpack_from("<%d%s" % (nbytes // esize, code), data, off))
        spans.append((off, off + nbytes))
    spans.sort()
    check(all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), "%s tensors overlap" % tag)
    gaps = [(a[1], b[0]) for a, b in zip(spans, spans[1:])] + [(daoff, spans[0][0])]
    check(all(all(x == 0 for x in data[s:e]) for s, e in gaps), "%s padding between tensors" % tag)
    check(spans[-1][1] == fsize, "%s ends with the last tensor" % tag)
    return meta, tensors


def chain(tensors, tag):
    """The spec's names and shape chain; returns (C0, num_classes) or None."""
    def shp(n):
        return tensors[n][0] if n in tensors else None
    want = ["stem"] + ["block%d.%s" % (i, p) for i in range(17)
                       for p in (("expand",) if i else ()) + ("depthwise", "project")]
    want += ["image_pooling", "aspp0", "concat_projection", "logits"]
    names = [w + s for w in want for s in (".weight", ".bias")]
    if any(n.endswith(".qweight") for n in tensors):
        names += [w + s for w in want for s in (".qweight", ".qbias")]
    check(sorted(names) == sorted(tensors), "%s tensor names %s" % (tag, sorted(set(tensors) ^ set(names))))
    if sorted(names) != sorted(tensors):
        return None
    st = shp("stem.weight")
    check(len(st) == 4 and st[:3] == (3, 3, 3), "%s stem %s" % (tag, st))
    c = st[3]
    for w in want:
        ws, bs = shp(w + ".weight"), shp(w + ".bias")
        check(bs == (ws[-1],), "%s %s bias %s vs weight %s" % (tag, w, bs, ws))
        if w == "stem":
            continue
        if w.endswith("depthwise"):
            check(len(ws) == 3 and ws[:2] == (3, 3) and ws[2] == c, "%s %s %s (C %d)" % (tag, w, ws, c))
        elif w == "concat_projection":
            ip, a0 = shp("image_pooling.weight")[1], shp("aspp0.weight")[1]
            check(ws == (ip + a0, ws[1]), "%s concat_projection %s" % (tag, ws))
            c = ws[1]
        elif w in ("image_pooling", "aspp0"):
            check(ws[0] == shp("block16.project.weight")[1] and len(ws) == 2, "%s %s %s" % (tag, w, ws))
        else:
            check(len(ws) == 2 and ws[0] == c, "%s %s %s (C %d)" % (tag, w, ws, c))
            c = ws[1]
    return st[3], shp("logits.weight")[1]


# ------------------------------------------------------------------ one pixel forward --

def golden_first8(run, suffixes):
    path = os.path.join(GOLDEN, run, "person_astronaut", "layers.tsv")
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        name = f[0].split(":", 1)[-1]
        if any(name.endswith(s) for s in suffixes):
            return [float(v) for v in f[7].split(",")]
    return None


def forward_corner(tensors, inp, size):
    """Stem -> block0 depthwise -> block0 project -> block1 expand at output pixel (0,0).
    inp: flat NHWC floats of a size x size x 3 image (padding SAME, TF style)."""
    def w(n):
        return tensors[n][1]
    sw, sb = w("stem.weight"), w("stem.bias")
    c0 = len(sb)
    pad = max((((size + 1) // 2 - 1) * 2 + 3 - size), 0) // 2      # top/left pad of 3x3 s2

    def px(y, x, c):
        return inp[(y * size + x) * 3 + c] if 0 <= y < size and 0 <= x < size else 0.0
    stem = {}
    for y in range(2):
        for x in range(2):
            for co in range(c0):
                s = sb[co]
                for kh in range(3):
                    for kw in range(3):
                        for ci in range(3):
                            s += px(2 * y + kh - pad, 2 * x + kw - pad, ci) * sw[((kh * 3 + kw) * 3 + ci) * c0 + co]
                stem[y, x, co] = min(max(s, 0.0), 6.0)
    dw, db = w("block0.depthwise.weight"), w("block0.depthwise.bias")
    dwo = []
    for c in range(c0):
        s = db[c]
        for kh in range(3):
            for kw in range(3):
                y, x = kh - 1, kw - 1
                if y >= 0 and x >= 0:
                    s += stem[y, x, c] * dw[(kh * 3 + kw) * c0 + c]
        dwo.append(min(max(s, 0.0), 6.0))
    pw, pb = w("block0.project.weight"), w("block0.project.bias")
    c1 = len(pb)
    proj = [pb[co] + sum(dwo[ci] * pw[ci * c1 + co] for ci in range(c0)) for co in range(c1)]
    ew, eb = w("block1.expand.weight"), w("block1.expand.bias")
    c2 = len(eb)
    exp = [min(max(eb[co] + sum(proj[ci] * ew[ci * c2 + co] for ci in range(c1)), 0.0), 6.0)
           for co in range(c2)]
    return [stem[0, 0, c] for c in range(8)], dwo[:8], proj[:8], exp[:8]


# ------------------------------------------------------------------ the integer network --

def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def tsv_layer(name):
    """Canonical quant key of a golden_int8 layers.tsv tensor name, or None."""
    n = name.split(":", 1)[-1]
    m = re.search(r"expanded_conv(?:_(\d+))?/(expand|depthwise|project|add)", n)
    if m:
        return "block%d.%s" % (int(m.group(1) or 0), m.group(2))
    for pre, key in (("MobilenetV2/Conv/", "stem"), ("MobilenetV2/MobilenetV2/input", "input"),
                     ("AvgPool", "pool"), ("aspp0/", "aspp0"), ("image_pooling/", "image_pooling"),
                     ("concat_projection/", "concat_projection"), ("logits/semantic", "logits"),
                     ("concat", "concat")):
        if n.startswith(pre):
            return key
    return None


def check_int8(meta, tensors, tag, run_dir):
    layers = [w[:-len(".qweight")] for w in tensors if w.endswith(".qweight")]
    check(len(layers) == 17 * 3 - 1 + 1 + 4, "%s: %d integer layers" % (tag, len(layers)))
    outq = {}
    for L in layers:
        f = meta.get("quant." + L, "").split(",")
        if not check(len(f) == 7 and f[6] in ("none", "relu", "relu6"), "%s quant.%s = %r" % (tag, L, f)):
            continue
        si, zi, sw, zw, so, zo = f32(float(f[0])), int(f[1]), f32(float(f[2])), int(f[3]), f32(float(f[4])), int(f[5])
        check(all(v > 0 for v in (si, sw, so)) and all(0 <= z <= 255 for z in (zi, zw, zo)),
              "%s quant.%s: scales positive, zero points 0..255" % (tag, L))
        outq[L] = (so, zo)
        (shape, q), (_, w) = tensors[L + ".qweight"], tensors[L + ".weight"]
        check(tensors[L + ".qweight"][0] == tensors[L + ".weight"][0], "%s %s qweight shape" % (tag, L))
        bad = sum(1 for a, b in zip(q, w) if f32(sw * (a - zw)) != b)    # sw parsed as float32
        check(bad == 0, "%s %s: %d uint8 weights do not dequantise to the float weight" % (tag, L, bad))
        qb, fb = tensors[L + ".qbias"][1], tensors[L + ".bias"][1]
        worst = max(abs(si * sw * a - b) / (abs(b) + 1e-30) for a, b in zip(qb, fb))
        check(len(qb) == len(fb) and worst < 1e-6, "%s %s: int32 bias vs float bias, rel. error %g" % (tag, L, worst))
    tsv = None
    for stem in sorted(os.listdir(run_dir)) if os.path.isdir(run_dir) else []:
        if os.path.isfile(os.path.join(run_dir, stem, "layers.tsv")):
            tsv = os.path.join(run_dir, stem, "layers.tsv")
            break
    if not check(tsv is not None, "%s: golden_int8 layers.tsv under %s" % (tag, run_dir)):
        return
    seen = 0
    for line in open(tsv).read().splitlines()[1:]:
        c = line.split("\t")
        key = tsv_layer(c[1])
        if key is None or c[3] != "uint8":
            continue
        scale, zp = float(c[5]), int(c[6])
        if key in ("input", "pool", "concat"):
            v = meta.get("quant." + key, "").split(",")
            got = (float(v[0]), int(v[1])) if len(v) == 2 else (None, None)
        elif key.endswith(".add"):
            v = meta.get("quant." + key, "").split(",")
            got = (float(v[4]), int(v[5])) if len(v) == 7 else (None, None)
        else:
            got = outq.get(key, (None, None))
        check(got[0] is not None and abs(got[0] - scale) <= 1e-6 * scale and got[1] == zp,
              "%s %s: scale/zp %s, golden_int8 %s %d" % (tag, key, got, scale, zp))
        seen += 1
    check(seen == 1 + 55 + 10 + 1 + 1, "%s: %d golden_int8 tensors compared" % (tag, seen))
    # the chain: each layer reads what its producer wrote
    prev = meta.get("quant.input", ",").split(",")
    prev = (f32(float(prev[0])), int(prev[1]))
    for L in layers:
        f = meta["quant." + L].split(",")
        if L in ("image_pooling",):
            want = tuple(meta["quant.pool"].split(","))
            want = (f32(float(want[0])), int(want[1]))
        elif L == "concat_projection":
            want = tuple(meta["quant.concat"].split(","))
            want = (f32(float(want[0])), int(want[1]))
        elif L == "aspp0":
            want = backbone
        else:
            want = prev
        check((f32(float(f[0])), int(f[1])) == want, "%s %s reads %s, its producer wrote %s" % (tag, L, f[:2], want))
        prev = outq[L]
        b = L.split(".")[0]
        if L.endswith(".project") and "quant.%s.add" % b in meta:
            a = meta["quant.%s.add" % b].split(",")
            prev = (f32(float(a[4])), int(a[5]))
        if L == "block16.project":
            backbone = prev
            pool = meta["quant.pool"].split(",")
            check((f32(float(pool[0])), int(pool[1])) == prev, "%s pool keeps block 16's quantisation" % tag)


LAYERS = [("MobilenetV2/Conv/Relu6",), ("expanded_conv/depthwise/Relu6",),
          ("expanded_conv/project/BatchNorm/FusedBatchNorm", "expanded_conv/project/add_fold"),
          ("expanded_conv_1/expand/Relu6",)]

inp_path = os.path.join(GOLDEN, "dm05_frozen_os8", "person_astronaut", "input.f32")
inp = None
if os.path.isfile(inp_path):
    raw = open(inp_path, "rb").read()
    inp = struct.unpack("<%df" % (len(raw) // 4), raw)
check(inp is not None and len(inp) == 513 * 513 * 3, "golden input %s" % inp_path)

tmp = tempfile.mkdtemp(prefix="test_convert_models.")
try:
    # ---------------------------------------------------------------- four conversions --
    for rel, size, run in MODELS:
        src = os.path.join(SHARED, "models", rel)
        if not check(os.path.isfile(src), "missing model file %s" % src):
            continue
        tag = os.path.basename(os.path.dirname(rel))
        out = os.path.join(tmp, tag + ".bdw")
        p = subprocess.run([PY, CONVERT, src, "-o", out], capture_output=True, text=True)
        check(p.returncode == 0 and os.path.isfile(out), "%s converts: %s" % (tag, p.stderr))
        if p.returncode:
            continue
        check(not [f for f in os.listdir(tmp) if f.endswith(".tmp")], "no temp file left behind")
        data = open(out, "rb").read()
        meta, tensors = read_bdw(data, tag)
        r = chain(tensors, tag)
        if r is None:
            continue
        c0, k = r
        nf = notes_for(rel)
        check(nf is not None, "MODEL_NOTES.md lists %s" % rel)
        depth, stride = nf if nf else (None, None)
        check(float(meta.get("depth_multiplier", "nan")) == depth == c0 / 32,
              "%s depth %s, notes %s, stem %d" % (tag, meta.get("depth_multiplier"), depth, c0))
        check(meta.get("num_classes") == "21" == str(k), "%s classes %s / %d" % (tag, meta.get("num_classes"), k))
        check(meta.get("output_stride") == str(stride), "%s output stride %s, notes %s"
              % (tag, meta.get("output_stride"), stride))
        check(meta.get("input_size") == str(size), "%s input size %s" % (tag, meta.get("input_size")))
        check(meta.get("network") == "deeplabv3_mobilenetv2", "%s network" % tag)
        check(meta.get("source_file") == os.path.basename(src), "%s source_file" % tag)
        check(meta.get("source_sha256") == hashlib.sha256(open(src, "rb").read()).hexdigest(),
              "%s source_sha256" % tag)
        check(meta.get("source_format") in FORMATS[os.path.splitext(src)[1]], "%s format %s"
              % (tag, meta.get("source_format")))
        names = meta.get("class_names", "").split(",")
        check(len(names) == 21 and names[0] == "background" and names[15] == "person"
              and names[-1] == "tvmonitor", "%s class names" % tag)
        check(meta.get("norm_scale") == "0.007843138" and meta.get("norm_offset") == "-1", "%s norm" % tag)
        check(meta.get("bn_epsilon") == ("0.001/1.001e-05" if src.endswith(".pb") else "folded-in-source"),
              "%s bn_epsilon %s" % (tag, meta.get("bn_epsilon")))
        check(meta.get("converter", "").startswith("backdrop-convert"), "%s converter" % tag)
        if meta.get("source_format") == "tflite-uint8":
            # exact dequantisation: each per-tensor-quantised weight holds <= 256 distinct values
            for n, (shape, vals) in tensors.items():
                if n.endswith(".weight"):
                    check(len(set(vals)) <= 256, "%s %s: %d distinct values" % (tag, n, len(set(vals))))
        uint8 = meta.get("source_format") == "tflite-uint8"
        check(meta.get("precisions") == ("f32,int8" if uint8 else "f32"),
              "%s precisions %s" % (tag, meta.get("precisions")))
        if uint8:
            check_int8(meta, tensors, tag, os.path.join(GOLDEN_INT8, INT8_RUNS[tag]))
        else:
            check(not [k for k in meta if k.startswith("quant.")], "%s: a float source has no quant.* keys" % tag)
        if run and inp is not None:
            got = forward_corner(tensors, inp, 513)
            for layer, suffixes, g in zip(("stem", "block0.depthwise", "block0.project", "block1.expand"), LAYERS, got):
                ref = golden_first8(run, suffixes)
                check(ref is not None, "%s: golden %s" % (run, suffixes))
                if ref:
                    err = max(abs(a - b) / (1e-3 + abs(b)) for a, b in zip(g, ref))
                    check(err < 2e-4, "%s %s at pixel 0: %s vs golden %s" % (tag, layer, g[:4], ref[:4]))
        print("%s: %d bytes, %s" % (tag, len(data), p.stdout.strip().split(" in ")[-1]))

    # ---------------------------------------------------------------- --if-present --
    missing = os.path.join(tmp, "nowhere", "model.ckpt-30000")
    out = os.path.join(tmp, "absent.bdw")
    p = subprocess.run([PY, CONVERT, "--if-present", missing, "-o", out], capture_output=True, text=True)
    check(p.returncode == 0, "--if-present with a missing source exits 0")
    check("deeplabv3_mnv2_pascal_train_aug_2018_01_29.tar.gz" in p.stderr and "convert.py" in p.stderr
          and out in p.stderr, "--if-present explains where to get the model: %r" % p.stderr)
    check(not os.path.exists(out), "--if-present writes nothing")
    p = subprocess.run([PY, CONVERT, missing, "-o", out], capture_output=True, text=True)
    check(p.returncode == 1 and "Traceback" not in p.stderr and missing in p.stderr,
          "a missing source without --if-present is an error: %r" % p.stderr)
finally:
    shutil.rmtree(tmp, ignore_errors=True)
done(NAME)
