"""mnv2_mapping.py — DeepLabV3-MobileNetV2 in backdrop's canonical names (weights/README.md):
TF variable names -> canonical tensors with batch-norm folded, and the completeness check
every converted network must pass whatever its source.

Canonical layouts (output channel innermost):
  stem.weight [3,3,3,C0] HWIO          1x1 convs [Cin,Cout] IO          depthwise [3,3,C] HWC
TF layouts: conv HWIO (1x1: [1,1,Cin,Cout]), depthwise [3,3,C,1] (multiplier 1).
"""
import array
import math
import struct

from tensors import Tensor

NUM_BLOCKS = 17
HEAD = ("image_pooling", "aspp0", "concat_projection", "logits")
VOC_CLASSES = ("background,aeroplane,bicycle,bird,boat,bottle,bus,car,cat,chair,cow,"
               "diningtable,dog,horse,motorbike,person,pottedplant,sheep,sofa,train,"
               "tvmonitor").split(",")


def _f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


# Batch-norm epsilons, as the float32 values TensorFlow computes with. The backbone uses 1e-3
# (slim mobilenet training_scope). The head asks for 1e-5 (deeplab model.py), but TF's fused
# batch norm raises any epsilon below 1.001e-5 to 1.001e-5, and that is what an exported
# graph holds (the FusedBatchNorm attrs of image_pooling, aspp0 and concat_projection in the
# dm05 frozen graph): so a checkpoint is folded with 1.001e-5 too, to match TF's inference.
EPS_BACKBONE = _f32(1e-3)
EPS_HEAD = _f32(1.001e-5)


class MappingError(ValueError):
    """The source does not hold a complete, consistent DeepLabV3-MobileNetV2."""


def block_scope(i):
    return "MobilenetV2/expanded_conv" + ("_%d" % i if i else "")


def canonical_layers():
    """[(canonical layer name, kind)] in network order; kind: 'stem', 'expand', 'depthwise',
    'project', 'head'."""
    out = [("stem", "stem")]
    for i in range(NUM_BLOCKS):
        if i:
            out.append(("block%d.expand" % i, "expand"))
        out.append(("block%d.depthwise" % i, "depthwise"))
        out.append(("block%d.project" % i, "project"))
    out += [(h, "head") for h in HEAD]
    return out


def canonical_names():
    return [n + s for n, _ in canonical_layers() for s in (".weight", ".bias")]


def tf_scope(layer):
    """TF variable scope of a canonical layer ('block3.expand' -> MobilenetV2/expanded_conv_3/expand)."""
    if layer == "stem":
        return "MobilenetV2/Conv"
    if layer.startswith("block"):
        b, part = layer[len("block"):].split(".")
        return block_scope(int(b)) + "/" + part
    return "logits/semantic" if layer == "logits" else layer


# ------------------------------------------------------------------ batch-norm folding --

def fold_bn(weight, cout, gamma, beta, mean, var, eps):
    """Fold inference batch norm into a conv whose flat weight has the output channel
    innermost: w' = w*g/sqrt(v+eps), b' = beta - mean*g/sqrt(v+eps). Float64 arithmetic
    (Python floats), rounded to float32 once when stored. Returns (weight', bias') arrays."""
    scale = [g / math.sqrt(v + eps) for g, v in zip(gamma, var)]
    bias = array.array("f", [b - m * s for b, m, s in zip(beta, mean, scale)])
    w = array.array("f")
    for r in range(0, len(weight), cout):
        w.extend([a * s for a, s in zip(weight[r:r + cout], scale)])
    return w, bias


# ------------------------------------------------------------------ TF variables -> canonical --

def from_tf_variables(get, eps_for=None, where="source"):
    """Build the canonical tensor dict from TF variables (checkpoint or frozen graph).

    get(name) -> Tensor or None. eps_for(scope) -> the batch-norm epsilon of the layer
    whose variables live under scope (default: 1e-3 under MobilenetV2/, else 1e-5).
    Missing or malformed variables raise MappingError naming them."""
    if eps_for is None:
        eps_for = lambda scope: EPS_BACKBONE if scope.startswith("MobilenetV2/") else EPS_HEAD

    def need(name, rank=None, dims=None):
        t = get(name)
        if t is None:
            raise MappingError("%s: missing tensor %s" % (where, name))
        if t.dtype not in ("float32", "float64"):
            raise MappingError("%s: tensor %s has dtype %s, expected float32" % (where, name, t.dtype))
        if rank is not None and len(t.shape) != rank:
            raise MappingError("%s: tensor %s has shape %s, expected rank %d"
                               % (where, name, list(t.shape), rank))
        if dims:
            for axis, want in dims.items():
                if t.shape[axis] != want:
                    raise MappingError("%s: tensor %s has shape %s, expected dimension %d = %d"
                                       % (where, name, list(t.shape), axis, want))
        return t

    out = {}
    for layer, kind in canonical_layers():
        scope = tf_scope(layer)
        if kind == "depthwise":
            w = need(scope + "/depthwise_weights", 4, {0: 3, 1: 3, 3: 1})
            shape = w.shape[:3]
        elif kind == "stem":
            w = need(scope + "/weights", 4, {0: 3, 1: 3, 2: 3})
            shape = w.shape
        else:
            w = need(scope + "/weights", 4, {0: 1, 1: 1})
            shape = w.shape[2:]
        cout = shape[-1]
        if layer == "logits":
            b = need(scope + "/biases", 1, {0: cout})
            wd, bd = array.array("f", w.data), array.array("f", b.data)
        else:
            bn = scope + "/BatchNorm/"
            beta = need(bn + "beta", 1, {0: cout})
            mean = need(bn + "moving_mean", 1, {0: cout})
            var = need(bn + "moving_variance", 1, {0: cout})
            g = get(bn + "gamma")       # absent when the layer was built with scale=False
            gamma = need(bn + "gamma", 1, {0: cout}).data if g is not None else [1.0] * cout
            if not all(v >= 0 for v in var.data):
                raise MappingError("%s: tensor %s has a negative or NaN variance" % (where, var.name))
            wd, bd = fold_bn(w.data, cout, gamma, beta.data, mean.data, var.data, eps_for(scope))
        out[layer + ".weight"] = Tensor(layer + ".weight", "float32", shape, wd)
        out[layer + ".bias"] = Tensor(layer + ".bias", "float32", (cout,), bd)
    return out


# ------------------------------------------------------------------ completeness check --

def check_network(tensors, where="source"):
    """Check a canonical tensor dict is one complete DeepLabV3-MobileNetV2 whose shapes chain.
    Returns {'depth_multiplier', 'num_classes', 'channels' (block outputs), 'expand' (widths)}.
    Raises MappingError naming the first missing or malformed tensor."""
    def shape(name, rank):
        t = tensors.get(name)
        if t is None:
            raise MappingError("%s: missing tensor %s" % (where, name))
        if len(t.shape) != rank or any(d <= 0 for d in t.shape):
            raise MappingError("%s: tensor %s has shape %s, expected rank %d"
                               % (where, name, list(t.shape), rank))
        if len(t.data) != math.prod(t.shape):
            raise MappingError("%s: tensor %s holds %d values for shape %s"
                               % (where, name, len(t.data), list(t.shape)))
        return t.shape

    def expect(name, got, want, what):
        if got != want:
            raise MappingError("%s: tensor %s has shape %s: %s should be %d, not %d"
                               % (where, name, list(tensors[name].shape), what, want, got))

    def layer(prefix, rank, cin=None):
        ws = shape(prefix + ".weight", rank)
        if cin is not None:
            in_axis = -1 if rank == 3 else -2
            expect(prefix + ".weight", ws[in_axis], cin,
                   "the input channels (the previous layer's output)")
        bs = shape(prefix + ".bias", 1)
        expect(prefix + ".bias", bs[0], ws[-1], "its length (the layer's output channels)")
        return ws

    known = set(canonical_names())
    extra = sorted(n for n in tensors if n not in known)
    if extra:
        raise MappingError("%s: unexpected tensor %s (not part of DeepLabV3-MobileNetV2)" % (where, extra[0]))
    if "block0.expand.weight" in tensors or "block0.expand.bias" in tensors:
        raise MappingError("%s: block0 must not have an expand layer (tensor block0.expand.*)" % where)

    ws = layer("stem", 4)
    if ws[:3] != (3, 3, 3):
        raise MappingError("%s: tensor stem.weight has shape %s, expected [3,3,3,C]" % (where, list(ws)))
    c = ws[3]
    c0 = c
    channels, widths = [], []
    for i in range(NUM_BLOCKS):
        p = "block%d." % i
        if i:
            c = layer(p + "expand", 2, c)[1]
        dw = layer(p + "depthwise", 3, c)
        if dw[:2] != (3, 3):
            raise MappingError("%s: tensor %sdepthwise.weight has shape %s, expected [3,3,C]"
                               % (where, p, list(dw)))
        widths.append(c)
        c = layer(p + "project", 2, c)[1]
        channels.append(c)
    ip = layer("image_pooling", 2, c)[1]
    a0 = layer("aspp0", 2, c)[1]
    cp = layer("concat_projection", 2, ip + a0)[1]
    k = layer("logits", 2, cp)[1]
    for name, t in tensors.items():
        for v in t.data:
            if not math.isfinite(v):
                raise MappingError("%s: tensor %s contains a non-finite value" % (where, name))
    return {"depth_multiplier": c0 / 32.0, "num_classes": k, "channels": channels,
            "expand": widths, "stem": c0}

