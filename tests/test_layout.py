"""test_layout.py — the architecture holds: layers only include downwards, and the SIMD
variants of one kernel share no driver code.

1. Layering. src/ is in layers, from the bottom up: io (files, images, checksums),
   engine (weights, model, network, pre/post-processing, segmenter), compose (mattes and
   effects), cli (the command line); kernels/ sits below the engine. A file may include the
   headers of its own layer and of the layers below it, never above. The public header
   src/backdrop.h and the public module headers it gathers include only public headers.
   Every symbol libbackdrop.a exports carries the bd_ prefix.
2. One driver per kernel. In each kernels/<family>/ folder the ISA variants (<op>_avx2.c,
   <op>_avx512.c, <op>_neon.c) include one shared driver and add only their primitives: no
   run of 6 or more lines (blank lines, comments and lone braces left out, the ISA names
   folded into one word) may stand in two of them.

Run from the repository root (make test does); prints "test_layout: N passed, N failed".
"""
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
passed = failed = 0
skipped_parts = 0


def check(ok, msg):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL: " + msg)


# ------------------------------------------------------------------ 1. layering ----------
LAYERS = ["io", "engine", "compose", "cli"]           # bottom to top
KERNEL_HEADERS = re.compile(r'^(kernels[a-z_]*\.h|simd/[a-z0-9_]+\.h|[a-z0-9_]+_body\.h)$')
PUBLIC = ["src/backdrop.h", "src/io/image_io.h", "src/engine/segmenter.h",
          "src/compose/compose.h", "src/compose/stream.h", "src/io/y4m.h", "src/io/yuv.h"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of_include(inc):
    """The layer a quoted include belongs to: 'io', ..., 'kernels', 'api' or None."""
    head = inc.split("/")[0]
    if head in LAYERS:
        return head
    if inc == "backdrop.h":
        return "api"
    if KERNEL_HEADERS.match(inc):
        return "kernels"
    return None


def allowed(src_layer, inc_layer):
    if src_layer == "kernels":
        return inc_layer == "kernels"
    if inc_layer == "kernels":
        return src_layer in ("engine", "compose", "cli")
    if inc_layer == "api":
        return src_layer == "cli"
    return LAYERS.index(inc_layer) <= LAYERS.index(src_layer)


def sources(top):
    for d, _, files in os.walk(os.path.join(ROOT, top)):
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                yield os.path.relpath(os.path.join(d, f), ROOT)


files_seen = 0
for path in list(sources("src")) + list(sources("kernels")):
    files_seen += 1
    parts = path.split(os.sep)
    if parts[0] == "kernels":
        layer = "kernels"
    elif len(parts) == 2:
        layer = "api"                                   # src/backdrop.h
    else:
        layer = parts[1]
    check(layer in LAYERS + ["kernels", "api"], "%s: not in a layer folder" % path)
    text = open(os.path.join(ROOT, path), encoding="utf-8").read()
    for inc in INCLUDE.findall(text):
        inc_layer = layer_of_include(inc)
        if layer == "kernels" and inc_layer is None:     # a family's own driver header
            inc_layer = "kernels" if os.path.exists(
                os.path.join(ROOT, os.path.dirname(path), inc)) else None
        if inc_layer is None:
            check(False, '%s includes "%s": not a header of any layer' % (path, inc))
            continue
        if layer == "api":
            ok = path in PUBLIC and inc in [p[len("src/"):] for p in PUBLIC]
        else:
            ok = allowed(layer, inc_layer)
        check(ok, '%s (%s) includes "%s" (%s): a layer above its own' %
              (path, layer, inc, inc_layer))
    if path in PUBLIC[1:]:
        for inc in INCLUDE.findall(text):
            check("src/" + inc in PUBLIC,
                  '%s is public but includes the internal header "%s"' % (path, inc))
check(files_seen > 40, "only %d source files found under src/ and kernels/" % files_seen)

# the library is everything but the command line: no engine/compose/io file may name cli
for path in sources("src"):
    if path.startswith(os.path.join("src", "cli")):
        continue
    text = open(os.path.join(ROOT, path), encoding="utf-8").read()
    check(not re.search(r'\bcli_[a-z_]+\s*\(', text), "%s calls into the command line" % path)

# every symbol the library exports is a bd_ name (stb is compiled static inside it)
lib = os.path.join(ROOT, os.environ.get("BUILD", "build/x86_64"), "libbackdrop.a")
if os.path.exists(lib) and shutil.which("nm"):
    out = subprocess.run(["nm", "-g", "--defined-only", lib], capture_output=True, text=True)
    names = sorted({f[2] for f in (l.split() for l in out.stdout.splitlines())
                    if len(f) == 3 and f[1] in "TDBR"})
    check(out.returncode == 0 and len(names) > 50, "nm %s: %d symbols" % (lib, len(names)))
    for name in names:
        if name.startswith(("__odr_asan.", "__asan", "__ubsan", "__sancov")):
            continue                                    # a sanitizer build's own symbols
        check(name.startswith("bd_") or name.startswith(".gomp_critical_user_bd_"),
              "libbackdrop.a exports %s: library symbols carry the bd_ prefix" % name)
else:
    print("skipped: test_layout: the symbol check: %s or nm missing (make builds it)" % lib)
    skipped_parts = 1

# ------------------------------------------------------------------ 2. one driver --------
ISA_NAMES = re.compile(r'avx512|avx2|neon|AVX512|AVX2|NEON|Avx512|Avx2|Neon')


def code_lines(path):
    """(normalised line, line number) of the code lines of a C file."""
    out = []
    text = open(path, encoding="utf-8").read()
    text = re.sub(r'/\*.*?\*/', lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    for n, line in enumerate(text.split("\n"), 1):
        line = re.sub(r'//.*', '', line).strip()
        if not line or re.fullmatch(r'[{}();,]*', line) or line.startswith("#include"):
            continue
        out.append((ISA_NAMES.sub("ISA", re.sub(r'\s+', ' ', line)), n))
    return out


def longest_shared_run(a, b):
    """Length and start lines of the longest run of equal lines in a and b."""
    best = (0, 0, 0)
    prev = [0] * (len(b) + 1)
    for i in range(1, len(a) + 1):
        cur = [0] * (len(b) + 1)
        for j in range(1, len(b) + 1):
            if a[i - 1][0] == b[j - 1][0]:
                cur[j] = prev[j - 1] + 1
                if cur[j] > best[0]:
                    best = (cur[j], a[i - cur[j]][1], b[j - cur[j]][1])
        prev = cur
    return best


families = 0
for fam in sorted(os.listdir(os.path.join(ROOT, "kernels"))):
    d = os.path.join(ROOT, "kernels", fam)
    if not os.path.isdir(d) or fam in ("simd", "tables"):
        continue
    families += 1
    variants = sorted(f for f in os.listdir(d) if re.search(r'_(avx2|avx512|neon)\.c$', f))
    lines = {f: code_lines(os.path.join(d, f)) for f in variants}
    for i in range(len(variants)):
        for j in range(i + 1, len(variants)):
            a, b = variants[i], variants[j]
            n, la, lb = longest_shared_run(lines[a], lines[b])
            check(n < 6, "kernels/%s: %d code lines of %s (from line %d) stand again in %s "
                  "(from line %d): share them through the family's driver" % (fam, n, a, la, b, lb))
check(families >= 4, "only %d kernel families found in kernels/" % families)

print("test_layout: %d passed, %d failed%s" % (passed, failed,
      ", %d skipped" % skipped_parts if skipped_parts else ""))
sys.exit(1 if failed else 0)
