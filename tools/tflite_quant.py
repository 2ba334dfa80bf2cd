"""tflite_quant.py — the integer network of a uint8 TFLite DeepLabV3-MobileNetV2, for the int8
engine: the raw uint8 weights and int32 biases of every convolution (in the canonical layouts
of weights/README.md), and the scale / zero point of every tensor the integer graph computes.

TFLite quantisation: real = scale x (q - zero_point), one scale per tensor here (the int8
engine runs per-tensor asymmetric uint8 only, as the two DeepLab uint8 models are). A bias is
int32 with scale s_in x s_w and zero point 0. What is recorded (weights/README.md, "int8"):

  quant.input             scale,zp of the network input
  quant.<layer>           in_scale,in_zp,w_scale,w_zp,out_scale,out_zp,act   (act: none|relu|relu6)
  quant.block<i>.add      skip_scale,skip_zp,proj_scale,proj_zp,out_scale,out_zp,act
  quant.pool              scale,zp of the global average pool (its input's, checked)
  quant.concat            scale,zp of the head concatenation (both branches arrive in it)

Scales are written with 9 significant digits, which gives back the same float32 (checked).
A model that does not fit (int8 or per-channel weights, an op the engine does not do) is
still converted for fp32; extract() then returns (None, reason).
"""
import struct

from tensors import Tensor, from_le_bytes, permute

ADD, AVERAGE_POOL_2D, CONCATENATION, MEAN, QUANTIZE, RESIZE_BILINEAR = 0, 1, 2, 40, 114, 23
CONV_2D, DEPTHWISE_CONV_2D = 3, 4
# ActivationFunctionType (schema.fbs)
ACTIVATIONS = {0: "none", 1: "relu", 3: "relu6"}


class NotInteger(Exception):
    """The model cannot run on the int8 engine (the reason is the message)."""


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def fmt_scale(s):
    text = "%.9g" % s
    assert f32(float(text)) == s, "scale %r does not round-trip through %s" % (s, text)
    return text


class _Q:
    def __init__(self, model):
        self.m = model

    def qparams(self, t, what):
        """(scale, zero point) of uint8 tensor t, per tensor."""
        m = self.m
        if m.ttype(t) != "uint8":
            raise NotInteger("%s (tensor %s) is %s, not uint8" % (what, m.name(t), m.ttype(t)))
        scales, zps, _ = m.quant(t)
        if not scales or len(scales) != 1 or (zps and len(zps) != 1):
            raise NotInteger("%s (tensor %s) is not quantised per tensor" % (what, m.name(t)))
        s, z = f32(scales[0]), (zps[0] if zps else 0)
        if not (s > 0 and s < 1e6) or not 0 <= z <= 255:
            raise NotInteger("%s (tensor %s): scale %r zero point %d" % (what, m.name(t), s, z))
        return s, z

    def act(self, op, fid, what):
        a = op.options.scalar(fid, "b") if op.options is not None else 0
        if a not in ACTIVATIONS:
            raise NotInteger("%s: fused activation %d is not supported" % (what, a))
        return ACTIVATIONS[a]


def _through(model, t, codes):
    """Follow t back through producers whose code is in codes; -> (tensor, [ops passed])."""
    passed = []
    p = model.producer.get(t)
    while p is not None and p.code in codes and len(passed) < 8:
        passed.append(p)
        t = p.inputs[0]
        p = model.producer.get(t)
    return t, passed


def extract(model, assign, layers, concat_swapped, layouts):
    """-> (metadata pairs, {name: Tensor}) or (None, reason).
    layouts(name, kind, shape, flat array) -> (array, canonical shape): the same transform the
    float weights went through, applied to the raw uint8 values."""
    try:
        return _extract(model, assign, layers, concat_swapped, layouts)
    except NotInteger as e:
        return None, str(e)


def _extract(model, assign, layers, concat_swapped, layouts):
    Q = _Q(model)
    meta, tens = [], {}

    def pair(s, z):
        return "%s,%d" % (fmt_scale(s), z)
    inp = model.inputs[0]
    if assign["stem"].inputs[0] != inp:
        raise NotInteger("the first convolution does not read the model input")
    meta.append(("quant.input", pair(*Q.qparams(inp, "the input"))))

    for name, kind in layers:
        op = assign[name]
        wi, bi = op.inputs[1], op.inputs[2]
        si, zi = Q.qparams(op.inputs[0], name + " input")
        sw, zw = Q.qparams(wi, name + " weights")
        so, zo = Q.qparams(op.outputs[0], name + " output")
        act = Q.act(op, 3 if op.code == CONV_2D else 4, name)
        if model.ttype(bi) != "int32":
            raise NotInteger("%s bias is %s, not int32" % (name, model.ttype(bi)))
        raw_w, raw_b = model.raw(wi), model.raw(bi)
        if raw_w is None or raw_b is None:
            raise NotInteger("%s has no constant uint8 weights / int32 bias" % name)
        bscales, bzps, _ = model.quant(bi)
        if bzps and any(bzps):
            raise NotInteger("%s bias has a nonzero zero point" % name)
        w = from_le_bytes("uint8", raw_w)
        b = from_le_bytes("int32", raw_b)
        w, cshape = layouts(name, kind, model.shape(wi), w)
        if name == "concat_projection" and concat_swapped:
            a0 = model.shape(assign["aspp0"].outputs[0])[-1]
            w = w[a0 * cshape[1]:] + w[:a0 * cshape[1]]
        tens[name + ".qweight"] = Tensor(name + ".qweight", "uint8", cshape, w)
        tens[name + ".qbias"] = Tensor(name + ".qbias", "int32", (len(b),), b)
        meta.append(("quant." + name, "%s,%s,%s,%s" % (pair(si, zi), pair(sw, zw), pair(so, zo), act)))

    # residual adds: each reads a project output and the block's input
    for name, kind in layers:
        if kind != "project":
            continue
        out = assign[name].outputs[0]
        block = name.split(".")[0]
        first = assign[block + (".expand" if block != "block0" else ".depthwise")]
        skip = first.inputs[0]                     # the block's input
        adds = [op for op in model.ops if op.code == ADD and sorted(op.inputs) == sorted([out, skip])]
        if not adds:
            continue
        if len(adds) != 1:
            raise NotInteger("%s: %d residual ADD operators" % (block, len(adds)))
        add = adds[0]
        s1, z1 = Q.qparams(skip, block + " add input")
        s2, z2 = Q.qparams(out, block + " add input")
        so, zo = Q.qparams(add.outputs[0], block + " add output")
        act = Q.act(add, 0, block + " add")
        meta.append(("quant.%s.add" % block, "%s,%s,%s,%s" % (pair(s1, z1), pair(s2, z2), pair(so, zo), act)))

    # head: pool -> image_pooling -> (resize, quantize) -> concat <- aspp0
    pool = model.producer.get(assign["image_pooling"].inputs[0])
    if pool is None or pool.code != AVERAGE_POOL_2D:
        raise NotInteger("image_pooling does not read an AVERAGE_POOL_2D")
    sp, zp = Q.qparams(pool.outputs[0], "the average pool output")
    if (sp, zp) != Q.qparams(pool.inputs[0], "the average pool input"):
        raise NotInteger("the average pool rescales (input and output quantisation differ)")
    meta.append(("quant.pool", pair(sp, zp)))
    concat = model.producer[assign["concat_projection"].inputs[0]]
    sc, zc = Q.qparams(concat.outputs[0], "the concatenation")
    for t in concat.inputs:
        if Q.qparams(t, "a concatenation input") != (sc, zc):
            raise NotInteger("a concatenation input is quantised unlike its output")
        src, passed = _through(model, t, (QUANTIZE, RESIZE_BILINEAR))
        if any(p.code not in (QUANTIZE, RESIZE_BILINEAR) for p in passed) or \
                src not in (assign["image_pooling"].outputs[0], assign["aspp0"].outputs[0]):
            raise NotInteger("a concatenation input is not image_pooling or aspp0 (via resize/quantize)")
        if src == assign["aspp0"].outputs[0] and passed:
            raise NotInteger("aspp0 reaches the concatenation through other operators")
    meta.append(("quant.concat", pair(sc, zc)))
    return meta, tens
