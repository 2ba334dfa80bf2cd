"""peer_opencv.py — the OpenCV dnn peer: times DeepLabV3-MobileNetV2 (the TF frozen graph)
from the backbone input to the logits, for comparison with backdrop. Run it with Debian's
/usr/bin/python3 (it has cv2 and numpy).

  peer_opencv.py --graph frozen_inference_graph.pb [--size 513] [--threads N] [--runs N]
                 [--warmup N] [--check-input F.f32 --check-logits F.f32] [--serve]

The frozen graph starts at a uint8 ImageTensor and does its own resize/pad/argmax; here it is
pruned (a small protobuf edit, no TensorFlow needed) to the sub-graph between
`MobilenetV2/MobilenetV2/input` (made a float Placeholder) and `logits/semantic/BiasAdd`, the
same span backdrop's `network` timing covers. The input is bench_input() below, the same
deterministic pseudo-random image backdrop bench uses.

--check-*: run the golden input first and print the max abs logits difference.
Output: one `run ms=X` line per timed run, then
  opencv median_ms=X min_ms=Y max_ms=Z threads=N runs=N
--serve: load and warm up, print `ready`, then time one run per `run` line read on stdin and
answer `ms=X` (bench/alternate.py drives several runners like this, alternating them).
"""
import argparse
import os
import sys
import tempfile
import time

import numpy as np

try:
    import cv2
except ImportError:
    sys.exit("peer_opencv: no cv2 in %s: use Debian's /usr/bin/python3 (python3-opencv)"
             % sys.executable)

INPUT_NODE = "MobilenetV2/MobilenetV2/input"
OUTPUT_NODE = "logits/semantic/BiasAdd"


# ------------------------------------------------------------------ protobuf, minimally --
def _varint(buf, pos):
    value = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, pos


def _encode_varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def _fields(buf):
    """(field, wire_type, raw bytes of the whole field, payload) for each field of buf."""
    pos = 0
    while pos < len(buf):
        start = pos
        key, pos = _varint(buf, pos)
        field, wt = key >> 3, key & 7
        if wt == 0:
            _, pos = _varint(buf, pos)
            payload = None
        elif wt == 1:
            pos += 8
            payload = None
        elif wt == 5:
            pos += 4
            payload = None
        elif wt == 2:
            n, pos = _varint(buf, pos)
            payload = buf[pos:pos + n]
            pos += n
        else:
            raise ValueError("unsupported protobuf wire type %d" % wt)
        yield field, wt, buf[start:pos], payload


def _len_field(field, payload):
    return _encode_varint(field << 3 | 2) + _encode_varint(len(payload)) + payload


def prune_graph(pb):
    """GraphDef bytes -> GraphDef bytes of the nodes OUTPUT_NODE depends on, cut at INPUT_NODE,
    which becomes a float32 Placeholder. GraphDef.node = 1; NodeDef name 1, op 2, input 3,
    attr 5 (map entry: key 1, AttrValue 2; AttrValue.type = 6, DT_FLOAT = 1)."""
    nodes, others = {}, []
    for field, _, raw, payload in _fields(pb):
        if field != 1:
            others.append(raw)      # versions, library: keep
            continue
        name, inputs = None, []
        for f, _, _, p in _fields(payload):
            if f == 1:
                name = p.decode()
            elif f == 3:
                inputs.append(p.decode().lstrip("^").split(":")[0])
        nodes[name] = (raw, inputs)
    for need in (INPUT_NODE, OUTPUT_NODE):
        if need not in nodes:
            raise ValueError("graph has no node %s" % need)
    keep, stack = [], [OUTPUT_NODE]
    seen = set()
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        keep.append(n)
        if n != INPUT_NODE:
            stack.extend(nodes[n][1])
    placeholder = (_len_field(1, INPUT_NODE.encode()) + _len_field(2, b"Placeholder")
                   + _len_field(5, _len_field(1, b"dtype") + _len_field(2, b"\x30\x01")))
    out = bytearray()
    order = {n: i for i, n in enumerate(nodes)}          # keep the file's node order
    for n in sorted(keep, key=order.get):
        out += _len_field(1, placeholder) if n == INPUT_NODE else nodes[n][0]
    for raw in others:
        out += raw
    return bytes(out), len(keep), len(nodes)


# ------------------------------------------------------------------ the input ------------
def bench_input(size):
    """The synthetic image backdrop bench uses: size x size x 3 bytes from the 32-bit LCG
    s = s * 1664525 + 1013904223 (s0 = 0x12345678), byte = s >> 24, HWC order, then
    normalised v * (2/255) - 1 (the model's preprocessing), float32 NHWC."""
    n = size * size * 3
    s = 0x12345678
    out = bytearray(n)
    for i in range(n):
        s = (s * 1664525 + 1013904223) & 0xFFFFFFFF
        out[i] = s >> 24
    v = np.frombuffer(bytes(out), dtype=np.uint8).astype(np.float32)
    return (v * np.float32(2.0 / 255.0) - np.float32(1.0)).reshape(1, size, size, 3)


# ------------------------------------------------------------------ timing ---------------
def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--graph", required=True)
    ap.add_argument("--size", type=int, default=513)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--check-input")
    ap.add_argument("--check-logits")
    ap.add_argument("--serve", action="store_true")
    ap.add_argument("--quiet", action="store_true", help="no per-run lines")
    a = ap.parse_args()

    cv2.setNumThreads(a.threads)
    with open(a.graph, "rb") as f:
        pruned, kept, total = prune_graph(f.read())
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "pruned.pb")
        with open(path, "wb") as f:
            f.write(pruned)
        net = cv2.dnn.readNetFromTensorflow(path)
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
    print("# opencv %s dnn, %d of %d graph nodes kept (%s -> %s), threads=%d (%s)"
          % (cv2.__version__, kept, total, INPUT_NODE, OUTPUT_NODE, cv2.getNumThreads(),
             "TBB" if "TBB" in cv2.getBuildInformation() else "?"), flush=True)

    def forward(x_nhwc):
        net.setInput(np.ascontiguousarray(x_nhwc.transpose(0, 3, 1, 2)))
        return net.forward()        # the only unconnected output: OUTPUT_NODE (fused into
                                    # its Conv2D by OpenCV, so not addressable by name)

    if a.check_input:
        x = np.fromfile(a.check_input, dtype=np.float32).reshape(1, a.size, a.size, 3)
        y = forward(x).transpose(0, 2, 3, 1)
        ref = np.fromfile(a.check_logits, dtype=np.float32).reshape(y.shape)
        print("check logits %s max_abs_diff=%.3g (vs %s)"
              % ("x".join(map(str, y.shape[1:])), float(np.abs(y - ref).max()),
                 os.path.basename(a.check_logits)), flush=True)

    x = bench_input(a.size)
    for _ in range(max(a.warmup, 1)):
        forward(x)
    if a.serve:
        print("ready", flush=True)
        for line in sys.stdin:
            if line.strip() != "run":
                continue
            t0 = time.perf_counter()
            forward(x)
            print("ms=%.3f" % ((time.perf_counter() - t0) * 1e3), flush=True)
        return
    ms = []
    for i in range(a.runs):
        t0 = time.perf_counter()
        forward(x)
        ms.append((time.perf_counter() - t0) * 1e3)
        if not a.quiet:
            print("run %d ms=%.3f" % (i + 1, ms[-1]), flush=True)
    print("opencv median_ms=%.3f min_ms=%.3f max_ms=%.3f threads=%d runs=%d"
          % (float(np.median(ms)), min(ms), max(ms), a.threads, a.runs))


if __name__ == "__main__":
    main()
