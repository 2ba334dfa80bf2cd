#!/bin/sh
# test_golden_scalar.sh — the golden end-to-end test again, forced onto the scalar reference
# kernels (BACKDROP_ISA=scalar), so every ISA is proven on whole images: test_golden runs the
# best table of this CPU, test_neon.sh runs NEON under qemu. Two images (the "quick" subset)
# per model keep it short (in make sanitize, where the scalar loops run ~20x slower, one image
# on the two d=0.5 models, OS 8 and 16: the same code paths); the summary line is renamed so
# it counts as its own program.
set -u
: "${BUILD:?}"
bin="$BUILD/tests/test_golden"
if [ ! -x "$bin" ]; then
    echo "test_golden_scalar: $bin not built"
    echo "test_golden_scalar: 0 passed, 1 failed"
    exit 1
fi
images=${BACKDROP_GOLDEN_IMAGES:-quick} models=${BACKDROP_GOLDEN_MODELS:-}
if [ -n "${BD_SANITIZER_PASS:-}" ]; then
    images=small_rose_70x46 models=dm05_frozen_os8,dm05_quant_os16
fi
out=$(BACKDROP_ISA=scalar BACKDROP_GOLDEN_IMAGES=$images BACKDROP_GOLDEN_MODELS=$models "$bin" 2>&1)
rc=$?
echo "$out" | sed 's/^test_golden:/test_golden_scalar:/'
line=$(echo "$out" | grep -E '^test_golden: [0-9]+ passed' | tail -n 1)
isa_ok=1
echo "$out" | grep -q 'kernels scalar' || isa_ok=0
if [ -z "$line" ] || [ "$isa_ok" -eq 0 ]; then
    [ "$isa_ok" -eq 0 ] && echo "FAIL: test_golden did not run on the scalar kernels"
    echo "test_golden_scalar: 0 passed, 1 failed"
    exit 1
fi
exit $rc
