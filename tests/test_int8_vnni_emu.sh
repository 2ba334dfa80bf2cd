#!/bin/sh
# test_int8_vnni_emu.sh — the AVX-512 VNNI int8 kernels (vpdpbusd), proven on a CPU without
# them: the int8 kernel test (tests/test_qu8_kernels.c, avx512vnni table against the scalar
# reference on the awkward shapes) and the int8 golden test (tests/test_golden_int8.c: every
# tensor's sha256 against ../shared/golden_int8) on one image per uint8 model, both built
# static and run inside Bochs' Tiger Lake CPU model (tests/emu/bochs_run.sh --vnni, which
# refuses a guest CPU without avx512_vnni). On a machine with VNNI the same tests also run
# natively in make test; this is what covers the kernels where it does not.
# Last line: "test_int8_vnni_emu: N passed, N failed[, N skipped]".
set -u
cd "$(dirname "$0")/.." || exit 1
OUT=build/avx512-test
RUNNER=tests/emu/bochs_run.sh
: "${SHARED:=../shared}"
passed=0
failed=0
skipped=0

finish() {
    extra=""; [ "$skipped" -gt 0 ] && extra=", $skipped skipped"
    echo "test_int8_vnni_emu: $passed passed, $failed failed$extra"
    [ "$failed" -eq 0 ]
    exit $?
}
# skip WHY: a part could not run: counted as skipped, never as passed
skip() { echo "skipped: test_int8_vnni_emu: $*"; skipped=$((skipped + 1)); }

if [ -n "${BD_SANITIZER_PASS:-}" ]; then
    skip "in make sanitize (its emulated binaries are not sanitizer builds and ran in make test)"
    finish
fi
if [ ! -f "$RUNNER" ] || ! command -v bochs >/dev/null 2>&1; then
    skip "$RUNNER or bochs missing (sh tools/deps.sh test installs it)"
    finish
fi

log=$(mktemp)
raw=$(mktemp)
trap 'rm -f "$log" "$raw"' EXIT
# run NAME TIMEOUT RUNNER-ARGS... BINARY: under Bochs --vnni, add its summary line's counts;
# returns 77 when the emulator is unavailable (nothing counted)
run() {
    name=$1
    tmo=$2
    shift 2
    t0=$(date +%s)
    sh "$RUNNER" --vnni -t "$tmo" -e OMP_WAIT_POLICY=passive "$@" >"$raw" 2>&1
    rc=$?
    tr -d '\r' <"$raw" >"$log"
    sed 's/^/  /' "$log"
    echo "  ($name under Bochs --vnni: exit code $rc, $(( $(date +%s) - t0 )) s)"
    [ "$rc" -eq 77 ] && return 77
    line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed" "$log" | tail -n 1)
    if [ -z "$line" ]; then
        echo "test_int8_vnni_emu: $name (Bochs) exited with code $rc and printed no summary"
        failed=$((failed + 1))
        return 0
    fi
    p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1/')
    f=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\2/')
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    passed=$((passed + p))
    failed=$((failed + f))
    return 0
}

mkdir -p build
if ! make -s -j2 BUILD="$OUT" EXTRA_LDFLAGS=-static \
        "$OUT/tests/test_qu8_kernels" "$OUT/tests/test_golden_int8" >"$OUT.int8.log" 2>&1; then
    tail -n 20 "$OUT.int8.log"
    echo "test_int8_vnni_emu: the static build failed (log: $OUT.int8.log)"
    failed=$((failed + 1))
    finish
fi
passed=$((passed + 1)) # the static build itself

echo "test_int8_vnni_emu: int8 kernel matrix (avx512vnni table) under Bochs --vnni"
run test_qu8_kernels 400 -e BD_TEST_ISA_INT8=avx512vnni "$OUT/tests/test_qu8_kernels"
if [ $? -eq 77 ]; then
    skip "the emulator is unavailable here (runner exit 77, see above)"
    finish
fi
if grep -q "avx512vnni: pwconv" "$log" && grep -q "avx512vnni: dwconv3x3" "$log"; then
    passed=$((passed + 1))
else
    echo "test_int8_vnni_emu: the kernel test did not run the avx512vnni table"
    failed=$((failed + 1))
fi

shared=$(cd "$SHARED" && pwd -P)
img=small_rose_70x46
for m in dm05_quant_u8_os16:deeplabv3_mnv2_dm05_pascal_quant.bdw \
         mnv2_quant_u8_os16:deeplabv3_mnv2_pascal.bdw; do
    id=${m%%:*} w=weights/${m#*:}
    if [ ! -f "$w" ] || [ ! -d "$shared/golden_int8/$id/$img" ]; then
        skip "int8 golden $id/$img: $w or the golden_int8 outputs missing (run make)"
        continue
    fi
    echo "test_int8_vnni_emu: int8 golden end-to-end ($id, $img, avx512vnni) under Bochs --vnni"
    run test_golden_int8 600 -f "$shared/golden_int8/README.md" \
        -f "$shared/golden_int8/$id/$img" -f "$shared/golden/_inputs/$img.resized.png" \
        -f "$(pwd -P)/$w" -e SHARED="$shared" -e BACKDROP_ISA_INT8=avx512vnni \
        -e BACKDROP_GOLDEN_MODELS="$id" -e BACKDROP_GOLDEN_IMAGES="$img" -e OMP_NUM_THREADS=1 \
        "$OUT/tests/test_golden_int8"
    if [ $? -eq 77 ]; then
        skip "int8 golden $id: the emulator became unavailable"
    elif grep -q "int8 kernels avx512vnni" "$log" && grep -q "$id  *$img .*tensors 70/70 identical" "$log"; then
        passed=$((passed + 1))
    else
        echo "test_int8_vnni_emu: the int8 golden test did not run $id/$img with avx512vnni"
        failed=$((failed + 1))
    fi
done
finish
