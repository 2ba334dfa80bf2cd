"""tf_graphdef.py — reader for TensorFlow 1.x frozen graphs (GraphDef protobuf, e.g.
frozen_inference_graph.pb), field numbers from tensorflow/core/framework/{graph,node_def,
attr_value}.proto:

  GraphDef  node (1) repeated NodeDef
  NodeDef   name (1), op (2), input (3) repeated, device (4), attr (5) map<string, AttrValue>
            (each map entry a message: key (1), value (2))
  AttrValue list (1) ListValue, s (2), i (3), f (4, float), b (5), type (6), shape (7),
            tensor (8) TensorProto
  ListValue s (2), i (3), f (4), b (5), type (6), shape (7), tensor (8), all repeated

In a frozen graph every variable has become a Const node named like the variable (for example
MobilenetV2/Conv/weights), its value in attr "value".
"""
import struct

import protobuf_wire as pw
from tf_proto import parse_tensor


class GraphError(ValueError):
    """Malformed GraphDef."""


class Node:
    __slots__ = ("name", "op", "inputs", "_attrs")

    def attr(self, key):
        """Decoded attribute value: int, float, bool, bytes, list, Tensor; None if absent."""
        raw = self._attrs.get(key)
        if raw is None:
            return None
        f = pw.fields_with_types(raw)
        if 8 in f:
            return parse_tensor(f[8][0][1], self.name)
        if 4 in f:
            return struct.unpack("<f", f[4][0][1].to_bytes(4, "little"))[0]
        if 3 in f:
            return pw.to_int64(f[3][0][1])
        if 2 in f:
            return bytes(f[2][0][1])
        if 5 in f:
            return bool(f[5][0][1])
        if 6 in f:
            return f[6][0][1]
        if 1 in f:
            lf = pw.fields_with_types(f[1][0][1])
            if 3 in lf:
                return [pw.to_int64(v) for v in pw.repeated_varints(lf[3])]
            if 4 in lf:
                return pw.repeated_fixed(lf[4], "f")
            if 2 in lf:
                return [bytes(v) for _, v in lf[2]]
            return []
        return None


def read_graphdef(data, fname="graph"):
    """Parse GraphDef bytes -> list of Node in file order."""
    nodes = []
    try:
        for field, wtype, value in pw.iter_fields(data):
            if field != 1 or wtype != 2:
                continue          # versions (4), library (2): not needed
            n = Node()
            n.name = ""
            n.op = ""
            n.inputs = []
            n._attrs = {}
            for nf, nw, nv in pw.iter_fields(value):
                if nw != 2:
                    continue
                if nf == 1:
                    n.name = pw.text(nv)
                elif nf == 2:
                    n.op = pw.text(nv)
                elif nf == 3:
                    n.inputs.append(pw.text(nv))
                elif nf == 5:
                    e = pw.parse(nv)
                    key = pw.text(e.get(1, [b""])[0])
                    n._attrs[key] = e.get(2, [memoryview(b"")])[0]
            nodes.append(n)
    except pw.WireError as e:
        raise GraphError("%s: not a valid GraphDef: %s" % (fname, e))
    if not nodes:
        raise GraphError("%s: no nodes: not a TensorFlow GraphDef" % fname)
    return nodes


# ------------------------------------------------------------------ DeepLab frozen graph --

def _const_int(node):
    if node is None or node.op != "Const":
        return None
    t = node.attr("value")
    if t is None or t.dtype not in ("int32", "int64") or len(t.data) != 1:
        return None
    return int(t.data[0])


def deeplab_facts(nodes, fname="graph"):
    """What the DeepLab export baked into the graph:
      eps      {layer scope: batch-norm epsilon} from FusedBatchNorm* nodes' epsilon attr (or
               the 'BatchNorm/batchnorm/add/y' Const of an unfused batch norm)
      stride   product of the backbone's conv strides = the exported output stride
      dilation {block scope: atrous rate} from SpaceToBatchND block shapes or conv dilations
      input    the crop size the export pads to (the Const x of 'sub/x - height'), or None"""
    by_name = {n.name: n for n in nodes}
    eps = {}
    for n in nodes:
        if n.op.startswith("FusedBatchNorm") and "/BatchNorm/" in n.name:
            e = n.attr("epsilon")
            eps[n.name.split("/BatchNorm/")[0]] = 1e-4 if e is None else e   # TF's attr default
        elif n.op == "Const" and n.name.endswith("/BatchNorm/batchnorm/add/y"):
            t = n.attr("value")
            if t is not None and len(t.data) == 1:
                eps.setdefault(n.name.split("/BatchNorm/")[0], float(t.data[0]))
    stride = 1
    dilation = {}
    for n in nodes:
        if not n.name.startswith("MobilenetV2/"):
            continue
        if n.op in ("Conv2D", "DepthwiseConv2dNative"):
            s = n.attr("strides") or [1, 1, 1, 1]
            d = n.attr("dilations") or [1, 1, 1, 1]
            if len(s) != 4 or s[1] != s[2]:
                raise GraphError("%s: node %s has unsupported strides %s" % (fname, n.name, s))
            stride *= s[1]
            if d[1] > 1:
                dilation[n.name.rsplit("/", 2)[0]] = d[1]
        elif n.op == "SpaceToBatchND" and len(n.inputs) > 1:
            bs = by_name.get(n.inputs[1].split(":")[0])
            t = bs.attr("value") if bs is not None and bs.op == "Const" else None
            if t is not None and len(t.data) >= 1:
                dilation[n.name.split("/depthwise/")[0]] = int(t.data[0])
    sizes = []
    for n in nodes:
        if n.op == "Sub" and len(n.inputs) == 2:
            v = _const_int(by_name.get(n.inputs[0].split(":")[0]))
            other = by_name.get(n.inputs[1].split(":")[0])
            if v is not None and v > 0 and other is not None and other.op == "StridedSlice":
                sizes.append(v)
    input_size = sizes[0] if sizes and all(s == sizes[0] for s in sizes) else None
    return {"eps": eps, "stride": stride, "dilation": dilation, "input": input_size}


def const_getter(nodes):
    """get(name) -> Tensor for the Const node of that name (None if absent), decoded lazily."""
    consts = {n.name: n for n in nodes if n.op == "Const"}

    def get(name):
        n = consts.get(name)
        return None if n is None else n.attr("value")
    return get
