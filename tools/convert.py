#!/usr/bin/env python3
"""convert.py — turn a DeepLabV3-MobileNetV2 model file into a backdrop weights file (.bdw).

    python3 tools/convert.py SOURCE -o weights/NAME.bdw [options]
    python3 tools/convert.py --dump weights/NAME.bdw        list a .bdw's metadata and tensors

SOURCE is any of (the format is recognised from the file itself):
  - a TensorFlow V2 checkpoint: model.ckpt-30000, model.ckpt-30000.index or
    model.ckpt-30000.data-00000-of-00001 (the TF model-zoo tarball's format)
  - a TF1 frozen GraphDef, e.g. frozen_inference_graph.pb
  - a TFLite flatbuffer (*.tflite), float32 or uint8/int8-quantised

The weights are mapped to the canonical names of weights/README.md, batch norm is folded
(float64, stored as float32), quantised weights are dequantised exactly (scale x (q - zp)),
and the network is checked to be complete and consistent before anything is written.
A uint8 TFLite file also keeps its integer network (tflite_quant.py): the uint8 weights,
int32 biases and every tensor's scale / zero point, so the file runs as int8 or as fp32
(metadata precisions=f32,int8). Float sources give fp32-only files.

Options:
  -o OUT              the .bdw to write (written to a temporary file, then renamed)
  --classes FILE      class names, one per line (up to the first blank line; '#' lines are
                      comments); default: the 21 PASCAL VOC classes
  --output-stride N   8 or 16: the default output stride recorded in the file. Checkpoints
                      do not record one: default 16 (the model zoo's single-scale eval
                      setting for mnv2). Graphs and TFLite files record theirs, and this
                      option overrides it.
  --input-size N      the square input size; checkpoints default to 513 (the model zoo crop);
                      graphs and TFLite files record theirs
  --if-present        if SOURCE does not exist, explain where to get it and exit 0
  -q                  no summary line
Exit status: 0 written (or skipped with --if-present), 1 on any error (one line on stderr).
"""
import argparse
import hashlib
import os
import signal
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bdw_writer                          # noqa: E402
import flatbuffers_lite                    # noqa: E402
import mnv2_mapping as mm                  # noqa: E402
import protobuf_wire                       # noqa: E402
import tf_checkpoint                       # noqa: E402
import tf_graphdef                         # noqa: E402
import tflite_reader                       # noqa: E402

CONVERTER = "backdrop-convert 2"
NORM_SCALE = "0.007843138"       # float32(2/255)
NORM_OFFSET = "-1"
DEFAULT_OUTPUT_STRIDE = 16
DEFAULT_INPUT_SIZE = 513
MAX_CLASSES = 256                # src/model.h BD_MAX_CLASSES
MAX_CLASS_NAME = 31              # src/model.h class_names[][32]

ZOO_HELP = """\
{src}: not found, so {out} is not built.
  Get the official model (TensorFlow DeepLab model zoo, research/deeplab/g3doc/model_zoo.md):
    http://download.tensorflow.org/models/deeplabv3_mnv2_pascal_train_aug_2018_01_29.tar.gz
  unpack it (tar xzf ...) and convert its checkpoint or its frozen graph:
    python3 tools/convert.py deeplabv3_mnv2_pascal_train_aug/model.ckpt-30000 -o {out}
    python3 tools/convert.py deeplabv3_mnv2_pascal_train_aug/frozen_inference_graph.pb -o {out}
  (any DeepLabV3-MobileNetV2 .tflite converts the same way)."""

ERRORS = (tf_checkpoint.CheckpointError, tf_graphdef.GraphError, tflite_reader.TfliteError,
          mm.MappingError, bdw_writer.BdwError, protobuf_wire.WireError,
          flatbuffers_lite.FlatBufferError)


class ConvertError(ValueError):
    pass


# ------------------------------------------------------------------ source formats --

def detect_format(path):
    """'checkpoint', 'tflite' or 'graph', from the file's contents (and name for checkpoints)."""
    prefix = tf_checkpoint.resolve_prefix(path)
    if prefix != path or (not os.path.isfile(path) and tf_checkpoint.exists(path)):
        return "checkpoint"
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head[4:8] == b"TFL3":
        return "tflite"
    if path.endswith(".tflite"):
        raise ConvertError("%s: not a TFLite file (no TFL3 identifier)" % path)
    if head[:1] == b"\x0a":          # field 1 (node), length-delimited: a GraphDef
        return "graph"
    raise ConvertError("%s: unknown format (expected a TF checkpoint, a frozen GraphDef .pb "
                       "or a .tflite)" % path)


def sha256_files(paths):
    h = hashlib.sha256()
    for p in paths:
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def fmt_eps(values):
    return "/".join("%.7g" % v for v in values)


def load_checkpoint(path, args):
    ckpt = tf_checkpoint.Checkpoint(path)
    tensors = mm.from_tf_variables(tf_checkpoint.variable_getter(ckpt), where=ckpt.index_path)
    data_files = [ckpt.data_path(s) for s in range(ckpt.num_shards)]
    info = {
        "source_format": "tf-checkpoint-v2",
        "source_file": os.path.basename(data_files[0]) if len(data_files) == 1
        else os.path.basename(ckpt.prefix),
        "source_sha256": sha256_files(data_files),
        "output_stride": args.output_stride or DEFAULT_OUTPUT_STRIDE,
        "input_size": args.input_size or DEFAULT_INPUT_SIZE,
        "bn_epsilon": fmt_eps([mm.EPS_BACKBONE, mm.EPS_HEAD]),
    }
    return tensors, info


def load_graph(path, args):
    with open(path, "rb") as fh:
        data = fh.read()
    nodes = tf_graphdef.read_graphdef(data, path)
    facts = tf_graphdef.deeplab_facts(nodes, path)

    def eps_for(scope):
        if scope not in facts["eps"]:
            raise mm.MappingError("%s: no batch-norm node (FusedBatchNorm) for %s, so its "
                                  "epsilon is unknown" % (path, scope))
        return facts["eps"][scope]
    used = {}

    def eps_logged(scope):
        e = eps_for(scope)
        used[scope] = e
        return e
    tensors = mm.from_tf_variables(tf_graphdef.const_getter(nodes), eps_logged, where=path)
    backbone = sorted({e for s, e in used.items() if s.startswith("MobilenetV2/")})
    head = sorted({e for s, e in used.items() if not s.startswith("MobilenetV2/")})
    info = {
        "source_format": "tf-frozen-graph",
        "source_file": os.path.basename(path),
        "source_sha256": hashlib.sha256(data).hexdigest(),
        "output_stride": facts["stride"],
        "input_size": facts["input"] or args.input_size or DEFAULT_INPUT_SIZE,
        "bn_epsilon": fmt_eps(backbone) + "/" + fmt_eps(head),
        "dilations": facts["dilation"],
    }
    if facts["input"] is None and not args.input_size:
        info["note"] = "input size not found in the graph; assumed %d" % DEFAULT_INPUT_SIZE
    return tensors, info


def load_tflite(path, args):
    with open(path, "rb") as fh:
        data = fh.read()
    tensors, facts = tflite_reader.read_tflite(data, path)
    info = {
        "source_format": facts["source_format"],
        "source_file": os.path.basename(path),
        "source_sha256": hashlib.sha256(data).hexdigest(),
        "output_stride": facts["output_stride"],
        "input_size": facts["input_size"],
        "bn_epsilon": "folded-in-source",
    }
    for k in ("quant_meta", "quant_tensors", "note"):
        if k in facts:
            info[k] = facts[k]
    return tensors, info


LOADERS = {"checkpoint": load_checkpoint, "graph": load_graph, "tflite": load_tflite}


# ------------------------------------------------------------------ classes --

def read_classes(path):
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise ConvertError("%s: cannot read the class names: %s" % (path, getattr(e, "strerror", None) or e))
    names = []
    for line in lines:
        s = line.strip()
        if not s:
            if names:
                break            # a note after a blank line is not a class
            continue
        if s.startswith("#"):
            continue
        if "," in s or "=" in s or len(s.encode("utf-8")) > MAX_CLASS_NAME or not s.isprintable():
            raise ConvertError("%s: class name %r must be printable, at most %d bytes, without "
                               "',' or '='" % (path, s, MAX_CLASS_NAME))
        names.append(s)
    if not names:
        raise ConvertError("%s: no class names" % path)
    return names


# ------------------------------------------------------------------ convert --

def convert(source, out, args):
    t0 = time.time()
    fmt = detect_format(source)
    tensors, info = LOADERS[fmt](source, args)
    net = mm.check_network(tensors, where=source)
    if args.output_stride and args.output_stride != info["output_stride"]:
        if fmt != "checkpoint":
            print("convert: note: %s was exported with output stride %d; recording %d as "
                  "requested" % (source, info["output_stride"], args.output_stride), file=sys.stderr)
        info["output_stride"] = args.output_stride
    if info["output_stride"] not in (8, 16):
        raise ConvertError("%s: output stride %d (the runtime supports 8 and 16); pass "
                           "--output-stride" % (source, info["output_stride"]))
    classes = read_classes(args.classes) if args.classes else list(mm.VOC_CLASSES)
    k = net["num_classes"]
    if len(classes) != k:
        raise ConvertError("%s: %d class names (%s) but the logits layer has %d outputs%s"
                           % (source, len(classes), args.classes or "PASCAL VOC default", k,
                              "" if args.classes else "; pass --classes FILE"))
    if k > MAX_CLASSES:
        raise ConvertError("%s: %d classes, the runtime holds at most %d" % (source, k, MAX_CLASSES))
    metadata = [
        ("network", "deeplabv3_mobilenetv2"),
        ("source_file", info["source_file"]),
        ("source_sha256", info["source_sha256"]),
        ("source_format", info["source_format"]),
        ("depth_multiplier", repr(net["depth_multiplier"])),
        ("num_classes", str(k)),
        ("class_names", ",".join(classes)),
        ("output_stride", str(info["output_stride"])),
        ("input_size", str(info["input_size"])),
        ("norm_scale", NORM_SCALE),
        ("norm_offset", NORM_OFFSET),
        ("bn_epsilon", info["bn_epsilon"]),
        ("converter", CONVERTER),
        ("precisions", "f32,int8" if "quant_meta" in info else "f32"),
    ]
    ordered = [tensors[n] for n in mm.canonical_names()]
    if "quant_meta" in info:
        metadata += info["quant_meta"]
        qt = info["quant_tensors"]
        ordered += [qt[n + s] for n, _ in mm.canonical_layers() for s in (".qweight", ".qbias")]
    blob = bdw_writer.encode(metadata, ordered)
    bdw_writer.write_atomic(out, blob)
    if "note" in info:
        print("convert: note: " + info["note"], file=sys.stderr)
    if not args.quiet:
        params = sum(len(t.data) for t in ordered if t.dtype == "float32")
        print("%s: %d tensors, %.2f M parameters, depth %g, %d classes, OS%d, input %d, "
              "%s, %d bytes (from %s, %s) in %.1f s"
              % (out, len(ordered), params / 1e6, net["depth_multiplier"], k,
                 info["output_stride"], info["input_size"],
                 "int8+f32" if "quant_meta" in info else "f32", len(blob), info["source_file"],
                 info["source_format"], time.time() - t0))
    return 0


def dump(path):
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)     # `--dump X | head` ends quietly
    with open(path, "rb") as fh:
        data = fh.read()
    md, tensors = bdw_writer.read(data, path)
    print("%s: %d bytes, %d tensors (all checksums good)" % (path, len(data), len(tensors)))
    for k, v in md.items():
        print("  %s=%s" % (k, v))
    total = 0
    for t in tensors:
        d = t.data
        total += len(d)
        print("  %-30s %-7s %-16s min %-11.4g max %-11.4g mean %.4g"
              % (t.name, t.dtype, "x".join(map(str, t.shape)), min(d), max(d), sum(d) / len(d)))
    print("  %d values" % total)
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(prog="convert.py", description=__doc__.split("\nOptions:")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("source", nargs="?", help="checkpoint prefix/.index/.data, .pb or .tflite")
    ap.add_argument("-o", "--output", metavar="OUT", help="the .bdw file to write")
    ap.add_argument("--dump", metavar="BDW", help="list a .bdw file's metadata and tensors")
    ap.add_argument("--classes", metavar="FILE",
                    help="class names, one per line (default: the 21 PASCAL VOC classes)")
    ap.add_argument("--output-stride", type=int, choices=(8, 16),
                    help="default output stride to record (checkpoints: default 16; "
                         "graphs/TFLite: the exported one)")
    ap.add_argument("--input-size", type=int, metavar="N",
                    help="square input size when the source does not record it (default 513)")
    ap.add_argument("--if-present", action="store_true",
                    help="a missing SOURCE is not an error: explain where to get it, exit 0")
    ap.add_argument("-q", "--quiet", action="store_true", help="no summary line")
    args = ap.parse_args(argv)
    try:
        if args.dump:
            return dump(args.dump)
        if not args.source or not args.output:
            ap.error("need SOURCE and -o OUT (or --dump FILE)")
        if args.input_size is not None and not 33 <= args.input_size <= 4096:
            ap.error("--input-size must be 33..4096")
        present = os.path.isfile(args.source) or tf_checkpoint.exists(args.source)
        if not present:
            if args.if_present:
                print(ZOO_HELP.format(src=args.source, out=args.output), file=sys.stderr)
                return 0
            raise ConvertError("%s: no such file (nor a checkpoint %s.index)"
                               % (args.source, tf_checkpoint.resolve_prefix(args.source)))
        return convert(args.source, args.output, args)
    except (ConvertError,) + ERRORS as e:
        print("convert: error: %s" % e, file=sys.stderr)
    except OSError as e:
        print("convert: error: %s: %s" % (e.filename or args.source, e.strerror or e), file=sys.stderr)
    except (struct.error, IndexError, KeyError, UnicodeDecodeError, OverflowError, ValueError) as e:
        # a corrupt file that got past the readers' own checks: still one line, no traceback
        print("convert: error: %s: malformed or unsupported file (%s: %s)"
              % (args.dump or args.source, type(e).__name__, e), file=sys.stderr)
    except MemoryError:
        print("convert: error: out of memory reading %s" % args.source, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
