"""tflite_reader.py — read a DeepLabV3-MobileNetV2 .tflite file into canonical tensors.

Only the schema fields the converter needs (tensorflow/lite/schema/schema.fbs; field ids in
declaration order):
  Model            operator_codes (1), subgraphs (2), buffers (4)
  OperatorCode     deprecated_builtin_code (0, int8), builtin_code (3, int32): the larger wins
  SubGraph         tensors (0), inputs (1), outputs (2), operators (3)
  Tensor           shape (0), type (1), buffer (2), name (3), quantization (4)
  Quantization     scale (2, [float]), zero_point (3, [long]), quantized_dimension (6)
  Operator         opcode_index (0), inputs (1), outputs (2), builtin_options (4)
  Conv2DOptions    padding (0), stride_w (1), stride_h (2), activation (3), dilation_w (4), _h (5)
  DepthwiseConv2DOptions  padding (0), stride_w (1), stride_h (2), depth_multiplier (3),
                   activation (4), dilation_w (5), dilation_h (6)
  ConcatenationOptions    axis (0)
  Buffer           data (0, [ubyte]); offset (1) / size (2) for buffers stored after the
                   flatbuffer in files over 2 GB
TFLite layouts: conv weights OHWI, depthwise 1HWC. Batch norm is already folded in.
Quantised tensors: real = scale * (q - zero_point), per tensor or per channel along
quantized_dimension; int32 biases carry their own scale (= input scale x weight scale).

The network is found by its structure, not by tensor names (MLIR-converted files join several
names with ';'): in operator order the convolutions are stem, block0 (depthwise, project),
blocks 1..16 (expand, depthwise, project), then the head, whose layers are told apart by the
data flow: image_pooling reads the global average pool, aspp0 reads the backbone output,
concat_projection reads the concatenation, logits reads concat_projection. Where a weight
tensor's name does name a TF scope, it must agree with the structural assignment.
"""
import array
import re
import struct

import flatbuffers_lite as fb
import tflite_quant
from mnv2_mapping import MappingError, canonical_layers, tf_scope
from tensors import Tensor, from_le_bytes, permute, product

# BuiltinOperator codes used here
ADD, AVERAGE_POOL_2D, CONCATENATION, CONV_2D, DEPTHWISE_CONV_2D = 0, 1, 2, 3, 4
DEQUANTIZE, RESHAPE, RESIZE_BILINEAR, MEAN, QUANTIZE = 6, 22, 23, 40, 114
OP_NAMES = {0: "ADD", 1: "AVERAGE_POOL_2D", 2: "CONCATENATION", 3: "CONV_2D",
            4: "DEPTHWISE_CONV_2D", 6: "DEQUANTIZE", 22: "RESHAPE", 23: "RESIZE_BILINEAR",
            37: "BATCH_TO_SPACE_ND", 38: "SPACE_TO_BATCH_ND", 40: "MEAN", 56: "ARG_MAX",
            114: "QUANTIZE"}
# TensorType -> dtype name
TFL_TYPES = {0: "float32", 1: "float16", 2: "int32", 3: "uint8", 4: "int64", 7: "int16",
             9: "int8"}
PASS_THROUGH = (QUANTIZE, DEQUANTIZE, RESHAPE, RESIZE_BILINEAR)


class TfliteError(ValueError):
    """Malformed or unsupported TFLite file."""


class _Op:
    __slots__ = ("index", "code", "inputs", "outputs", "options")


class TfliteModel:
    """The parsed first subgraph: tensors, operators, producer map, buffer access."""

    def __init__(self, data, fname="model.tflite"):
        self.fname = fname
        self.buf = data
        try:
            self._parse()
        except (fb.FlatBufferError, struct.error, IndexError) as e:
            raise TfliteError("%s: not a valid TFLite flatbuffer: %s" % (fname, e))

    def _parse(self):
        data = self.buf
        if fb.identifier(data) != b"TFL3":
            raise TfliteError("%s: not a TFLite file (identifier %r, expected 'TFL3')"
                              % (self.fname, fb.identifier(data)))
        m = fb.root(data)
        self.codes = [max(oc.scalar(0, "b"), oc.scalar(3, "i")) for oc in m.tables(1)]
        subgraphs = m.tables(2)
        if not subgraphs:
            raise TfliteError("%s: no subgraph" % self.fname)
        sg = subgraphs[0]
        self.buffers = m.tables(4)
        self.tensors = sg.tables(0)
        self.inputs = sg.vector(1, "i") or []
        self.outputs = sg.vector(2, "i") or []
        self.ops = []
        self.producer = {}
        for k, t in enumerate(sg.tables(3)):
            op = _Op()
            op.index = k
            ci = t.scalar(0, "I")
            if ci >= len(self.codes):
                raise TfliteError("%s: operator %d has opcode index %d of %d"
                                  % (self.fname, k, ci, len(self.codes)))
            op.code = self.codes[ci]
            op.inputs = t.vector(1, "i") or []
            op.outputs = t.vector(2, "i") or []
            op.options = t.table(4)
            for i in op.inputs + op.outputs:
                if i >= len(self.tensors):
                    raise TfliteError("%s: operator %d uses tensor %d of %d"
                                      % (self.fname, k, i, len(self.tensors)))
            for o in op.outputs:
                self.producer[o] = op
            self.ops.append(op)

    # -- tensors
    def name(self, i):
        return self.tensors[i].string(3, "")

    def shape(self, i):
        return tuple(self.tensors[i].vector(0, "i") or ())

    def ttype(self, i):
        code = self.tensors[i].scalar(1, "b")
        return TFL_TYPES.get(code, "type%d" % code)

    def raw(self, i):
        """The constant bytes of tensor i, or None when it has none (an activation)."""
        b = self.tensors[i].scalar(2, "I")
        if b == 0 or b >= len(self.buffers):
            return None
        buf = self.buffers[b]
        data = buf.vector_bytes(0)
        if data is not None and len(data):
            return bytes(data)
        off, size = buf.scalar(1, "Q"), buf.scalar(2, "Q")
        if off > 1 and size:
            if off + size > len(self.buf):
                raise TfliteError("%s: buffer %d lies outside the file" % (self.fname, b))
            return bytes(self.buf[off:off + size])
        return None

    def quant(self, i):
        q = self.tensors[i].table(4)
        if q is None:
            return None, None, 0
        return q.vector(2, "f"), q.vector(3, "q"), q.scalar(6, "i")

    def values(self, i, what):
        """Tensor i as float32 values (dequantised if quantised), following a DEQUANTIZE
        producer to its constant input. Returns (shape, array('f'), source dtype)."""
        raw = self.raw(i)
        if raw is None:
            p = self.producer.get(i)
            if p is not None and p.code == DEQUANTIZE:
                return self.values(p.inputs[0], what)
            raise TfliteError("%s: %s (tensor %d %s) has no constant data"
                              % (self.fname, what, i, self.name(i)))
        shape, dtype = self.shape(i), self.ttype(i)
        n = product(shape)
        if dtype == "float16":
            if len(raw) != 2 * n:
                raise TfliteError("%s: %s: %d bytes for float16 %s" % (self.fname, what, len(raw), list(shape)))
            return shape, array.array("f", struct.unpack("<%de" % n, raw)), dtype
        if dtype not in ("float32", "uint8", "int8", "int32", "int16"):
            raise TfliteError("%s: %s has unsupported type %s" % (self.fname, what, dtype))
        vals = from_le_bytes(dtype, raw)
        if len(vals) != n:
            raise TfliteError("%s: %s: %d values for shape %s" % (self.fname, what, len(vals), list(shape)))
        if dtype == "float32":
            return shape, vals, dtype
        scales, zps, qdim = self.quant(i)
        if not scales:
            raise TfliteError("%s: %s is %s without quantisation parameters" % (self.fname, what, dtype))
        zps = zps or [0] * len(scales)
        if len(zps) == 1 and len(scales) > 1:
            zps = zps * len(scales)
        if len(scales) == 1:
            s, z = scales[0], zps[0]
            # float64 product of the float32 scale and the exact integer, rounded once to
            # float32: the dequantised value, no extra rounding
            return shape, array.array("f", [s * (q - z) for q in vals]), dtype
        if not 0 <= qdim < len(shape) or shape[qdim] != len(scales) or len(zps) != len(scales):
            raise TfliteError("%s: %s: %d scales do not match dimension %d of shape %s"
                              % (self.fname, what, len(scales), qdim, list(shape)))
        inner = product(shape[qdim + 1:])
        nch = len(scales)
        return shape, array.array("f", [scales[(k // inner) % nch] * (q - zps[(k // inner) % nch])
                                        for k, q in enumerate(vals)]), dtype


def _conv_params(model, op):
    """(stride, dilation) of a CONV_2D / DEPTHWISE_CONV_2D operator (h == w required)."""
    o = op.options
    if o is None:
        return 1, 1
    if op.code == CONV_2D:
        sw, sh, dw, dh = o.scalar(1, "i"), o.scalar(2, "i"), o.scalar(4, "i", 1), o.scalar(5, "i", 1)
    else:
        sw, sh, dw, dh = o.scalar(1, "i"), o.scalar(2, "i"), o.scalar(5, "i", 1), o.scalar(6, "i", 1)
        if o.scalar(3, "i", 1) not in (0, 1):
            raise TfliteError("%s: operator %d: depthwise multiplier %d (only 1 is supported)"
                              % (model.fname, op.index, o.scalar(3, "i")))
    if sw != sh or dw != dh:
        raise TfliteError("%s: operator %d: non-square stride or dilation" % (model.fname, op.index))
    return max(sw, 1), max(dw, 1)


_SCOPE_RE = re.compile(r"(MobilenetV2/(?:Conv|expanded_conv(?:_\d+)?)(?:/(?:expand|depthwise|project))?"
                       r"|image_pooling|aspp0|concat_projection|logits/semantic)(?=/|$)")


def _named_scope(name):
    """The TF layer scope a weight tensor's name claims (first ';' component), or None."""
    m = _SCOPE_RE.match(name.split(";")[0])
    return m.group(1) if m else None


def _layout_for(model, assign, fname):
    def layout(name, kind, shape, w):
        """TFLite weight layout -> canonical (weights/README.md), for any element type."""
        tname = model.name(assign[name].inputs[1])
        if kind == "depthwise":
            if shape[0] != 1:
                raise MappingError("%s: %s weights (tensor %s) have shape %s, expected [1,3,3,C]"
                                   % (fname, name, tname, list(shape)))
            return w, shape[1:]                                # 1HWC -> HWC
        if kind == "stem":
            return permute(w, shape, (1, 2, 3, 0))             # OHWI -> HWIO
        if shape[1:3] != (1, 1):
            raise MappingError("%s: %s weights (tensor %s) have shape %s, expected [O,1,1,I]"
                               % (fname, name, tname, list(shape)))
        return permute(w, (shape[0], shape[3]), (1, 0))       # O11I -> IO
    return layout


def read_tflite(data, fname="model.tflite"):
    """-> (canonical tensor dict, info) with info keys source_format, input_size,
    output_stride, dilations (per depthwise, for the report)."""
    model = TfliteModel(data, fname)
    convs = [op for op in model.ops if op.code in (CONV_2D, DEPTHWISE_CONV_2D)]
    layers = canonical_layers()
    backbone = [(n, k) for n, k in layers if k != "head"]
    want = len(layers)
    if len(convs) != want:
        raise MappingError("%s: %d convolution operators, DeepLabV3-MobileNetV2 has %d"
                           % (fname, len(convs), want))
    assign = {}
    for (name, kind), op in zip(backbone, convs):
        is_dw = op.code == DEPTHWISE_CONV_2D
        if is_dw != (kind == "depthwise"):
            raise MappingError("%s: operator %d (%s) is where %s was expected"
                               % (fname, op.index, OP_NAMES.get(op.code), name))
        assign[name] = op
    # data flow inside the backbone: each layer reads the previous one's output
    prev = None
    for name, kind in backbone:
        op = assign[name]
        if prev is not None and kind in ("depthwise", "project"):
            if op.inputs[0] not in assign[prev].outputs:
                raise MappingError("%s: %s (operator %d) does not read %s's output"
                                   % (fname, name, op.index, prev))
        prev = name
    head = convs[len(backbone):]
    backbone_out = assign["block16.project"].outputs[0]

    def origin(t, depth=0):
        """The operator that produced t, looking through requantise/reshape/resize ops."""
        p = model.producer.get(t)
        while p is not None and p.code in PASS_THROUGH and depth < 8:
            p = model.producer.get(p.inputs[0])
            depth += 1
        return p
    for op in head:
        src = model.producer.get(op.inputs[0])
        if src is not None and src.code in (AVERAGE_POOL_2D, MEAN):
            assign.setdefault("image_pooling", op)
        elif src is not None and src.code == CONCATENATION:
            assign.setdefault("concat_projection", op)
        elif op.inputs[0] == backbone_out or (src is not None and src.code == ADD
                                               and backbone_out in src.inputs):
            assign.setdefault("aspp0", op)         # reads the backbone output (or its residual sum)
    for op in head:
        if "concat_projection" in assign and op.inputs[0] in assign["concat_projection"].outputs:
            assign["logits"] = op
    for h in ("image_pooling", "aspp0", "concat_projection", "logits"):
        if h not in assign:
            raise MappingError("%s: could not find the %s convolution in the head" % (fname, h))
    # the concatenation's input order decides which rows of concat_projection take which branch
    concat = model.producer[assign["concat_projection"].inputs[0]]
    axis = concat.options.scalar(0, "i") if concat.options else 0
    if axis not in (3, -1):
        raise MappingError("%s: the head concatenation joins axis %d, not channels" % (fname, axis))
    order = []
    for t in concat.inputs:
        o = origin(t)
        for h in ("image_pooling", "aspp0"):
            if o is assign[h]:
                order.append(h)
    if sorted(order) != ["aspp0", "image_pooling"] or len(concat.inputs) != 2:
        raise MappingError("%s: the head concatenation does not join image_pooling and aspp0" % fname)

    # weights -> canonical layouts
    layout = _layout_for(model, assign, fname)
    out = {}
    wtypes = set()
    for name, kind in layers:
        op = assign[name]
        if len(op.inputs) < 3 or op.inputs[2] < 0:
            raise MappingError("%s: %s (operator %d) has no bias" % (fname, name, op.index))
        wi, bi = op.inputs[1], op.inputs[2]
        claimed = _named_scope(model.name(wi))
        if claimed is not None and claimed != tf_scope(name):
            raise MappingError("%s: weight tensor %r sits where %s (%s) was expected"
                               % (fname, model.name(wi), name, tf_scope(name)))
        shape, w, wtype = model.values(wi, name + " weights")
        bshape, b, _ = model.values(bi, name + " bias")
        wtypes.add(wtype)
        if len(shape) != 4:
            raise MappingError("%s: %s weights (tensor %s) have shape %s, expected rank 4"
                               % (fname, name, model.name(wi), list(shape)))
        w, cshape = layout(name, kind, shape, w)
        if name == "concat_projection" and order[0] == "aspp0":
            # the file concatenates [aspp0, image_pooling]: move image_pooling's rows first
            a0 = model.shape(assign["aspp0"].outputs[0])[-1]
            w = w[a0 * cshape[1]:] + w[:a0 * cshape[1]]
        if bshape != (cshape[-1],):
            raise MappingError("%s: %s bias (tensor %s) has shape %s, expected [%d]"
                               % (fname, name, model.name(bi), list(bshape), cshape[-1]))
        out[name + ".weight"] = Tensor(name + ".weight", "float32", cshape, w)
        out[name + ".bias"] = Tensor(name + ".bias", "float32", bshape, b)

    # input size, output stride, dilations
    if not model.inputs:
        raise MappingError("%s: the model has no input tensor" % fname)
    ishape = model.shape(model.inputs[0])
    if len(ishape) != 4 or ishape[1] != ishape[2] or ishape[3] != 3:
        raise MappingError("%s: input tensor %s has shape %s, expected [1,N,N,3]"
                           % (fname, model.name(model.inputs[0]), list(ishape)))
    stride = 1
    dilations = []
    for name, kind in backbone:
        s, d = _conv_params(model, assign[name])
        stride *= s
        if kind == "depthwise":
            dilations.append(d)
    for h in ("image_pooling", "aspp0", "concat_projection", "logits"):
        s, d = _conv_params(model, assign[h])
        if s != 1 or d != 1:
            raise MappingError("%s: head layer %s has stride %d / dilation %d, expected 1"
                               % (fname, h, s, d))
    wtype = "float32" if wtypes <= {"float32"} else "/".join(sorted(wtypes))
    info = {"source_format": "tflite-" + wtype, "input_size": ishape[1],
            "output_stride": stride, "dilations": dilations}
    if wtype == "uint8":
        qmeta, qt = tflite_quant.extract(model, assign, layers, order[0] == "aspp0", layout)
        if qmeta is None:
            info["note"] = "not converted for the int8 engine (fp32 only): " + qt
        else:
            info["quant_meta"], info["quant_tensors"] = qmeta, qt
    return out, info
