#!/bin/sh
# test_neon.sh — the NEON kernels, tested on an x86 machine: cross-builds the kernel test
# (tests/test_kernels.c: every NEON kernel against the scalar reference over the shape
# matrix, in its quick mode), the int8 kernel test (tests/test_qu8_kernels.c: both int8
# NEON tables, with the dot product and on a Cortex-A72 without it), and the golden
# end-to-end tests (one small image through the d=0.5 OS16 network, float; int8 bit for bit
# with each int8 table) for aarch64, statically linked, and runs them under qemu-aarch64;
# the int8 kernel test once more built with ASan + UBSan.
# Needs gcc-aarch64-linux-gnu and qemu-user (sh tools/deps.sh test); without them it says
# so and counts nothing. Last line: "test_neon: N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 1
CROSS=aarch64-linux-gnu-
OUT=build/aarch64-test
: "${SHARED:=../shared}"
passed=0
failed=0

finish() {
    echo "test_neon: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}
# skip WHY: this suite (or the rest of it) could not run: counted as skipped, never as passed
skip() {
    echo "skipped: test_neon: $*"
    echo "test_neon: $passed passed, $failed failed, 1 skipped"
    [ "$failed" -eq 0 ]
    exit $?
}

if [ -n "${BD_SANITIZER_PASS:-}" ]; then
    skip "in make sanitize (its emulated binaries are not sanitizer builds and ran in make test)"
fi
if ! command -v "${CROSS}gcc" >/dev/null 2>&1 || ! command -v qemu-aarch64 >/dev/null 2>&1; then
    skip "${CROSS}gcc or qemu-aarch64 missing (sh tools/deps.sh test installs them)"
fi

# run NAME ENV... BINARY: run under qemu, add its summary line's counts; output kept in $log
log=$(mktemp)
trap 'rm -f "$log"' EXIT
run() {
    name=$1
    shift
    env "$@" >"$log" 2>&1
    rc=$?
    sed 's/^/  /' "$log"
    line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed" "$log" | tail -n 1)
    if [ -z "$line" ]; then
        echo "test_neon: $name (aarch64, qemu) exited with code $rc and printed no summary"
        failed=$((failed + 1))
        return
    fi
    p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1/')
    f=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\2/')
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    passed=$((passed + p))
    failed=$((failed + f))
}

mkdir -p build
if ! make -s -j2 CROSS="$CROSS" BUILD="$OUT" EXTRA_LDFLAGS=-static \
        "$OUT/tests/test_kernels" "$OUT/tests/test_golden" "$OUT/tests/test_qu8_kernels" \
        "$OUT/tests/test_golden_int8" >"$OUT.log" 2>&1; then
    tail -n 20 "$OUT.log"
    echo "test_neon: the aarch64 cross build failed (log: $OUT.log)"
    failed=$((failed + 1))
    finish
fi
passed=$((passed + 1)) # the cross build itself

echo "test_neon: kernel matrix under qemu-aarch64"
run test_kernels BD_TEST_QUICK=1 sh tests/emu/qemu_run.sh "$OUT/tests/test_kernels"
# the NEON table must really have been run, with 1 and 2 threads
if grep -q "^neon, 1 thread: [1-9]" "$log" && grep -q "^neon, 2 threads: [1-9]" "$log"; then
    passed=$((passed + 1))
else
    echo "test_neon: the kernel test did not run the NEON table"
    failed=$((failed + 1))
fi

# int8: both NEON tables against the scalar references, with the dot product (-cpu max)
# and without it (Cortex-A72, ARMv8.0: the dispatch must not pick the udot table there)
echo "test_neon: int8 kernels under qemu-aarch64 (-cpu max, then cortex-a72)"
# ran_int8 TABLE...: every NEON int8 kernel of each table was compared (none fell back to the
# scalar reference unnoticed)
ran_int8() {
    for t in "$@"; do
        for op in pwconv add quantize_f32 requantize avgpool dwconv3x3; do
            if ! grep -q "^  $t: $op [1-9][0-9]* cases, 0 differ" "$log"; then
                echo "test_neon: the int8 test did not compare $t's $op"
                failed=$((failed + 1))
                return
            fi
        done
    done
    passed=$((passed + 1))
}
run test_qu8_kernels sh tests/emu/qemu_run.sh "$OUT/tests/test_qu8_kernels"
ran_int8 neon neondot
run test_qu8_kernels sh tests/emu/qemu_run.sh --cpu cortex-a72 "$OUT/tests/test_qu8_kernels"
grep -q "^  neondot: not supported" "$log" && passed=$((passed + 1)) ||
    { echo "test_neon: the udot table was offered on a CPU without the dot product"; failed=$((failed + 1)); }
ran_int8 neon

# the int8 NEON kernels under AddressSanitizer + UBSan (make sanitize runs only x86 code):
# a dynamically linked build, run on the cross toolchain's sysroot; LeakSanitizer cannot
# work under qemu-user, so leaks are left to make sanitize's x86 pass of the same test
SAN=build/aarch64-asan
echo "test_neon: int8 kernels under ASan + UBSan, qemu-aarch64"
if make -s -j2 CROSS="$CROSS" BUILD="$SAN" EXTRA_LDFLAGS="-fsanitize=address,undefined" \
        EXTRA_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
        "$SAN/tests/test_qu8_kernels" >"$SAN.log" 2>&1; then
    run test_qu8_kernels ASAN_OPTIONS=detect_leaks=0 QEMU_LD_PREFIX=/usr/aarch64-linux-gnu \
        sh tests/emu/qemu_run.sh "$SAN/tests/test_qu8_kernels"
    ran_int8 neon neondot
else
    tail -n 20 "$SAN.log"
    echo "test_neon: the aarch64 sanitizer build failed (log: $SAN.log)"
    failed=$((failed + 1))
fi

model=weights/deeplabv3_mnv2_dm05_pascal_quant.bdw
if [ -f "$model" ] && [ -d "$SHARED/golden_int8/dm05_quant_u8_os16/small_rose_70x46" ]; then
    for isa in neon neondot; do
        echo "test_neon: int8 golden bit for bit ($isa, small_rose_70x46, both models) under qemu-aarch64"
        run test_golden_int8 SHARED="$SHARED" BACKDROP_ISA_INT8=$isa \
            BACKDROP_GOLDEN_IMAGES=small_rose_70x46 OMP_NUM_THREADS=2 \
            sh tests/emu/qemu_run.sh "$OUT/tests/test_golden_int8"
    done
else
    skip "the int8 end-to-end run: $model or golden_int8 missing"
fi

if [ -f "$model" ] && [ -d "$SHARED/golden/dm05_quant_os16/small_rose_70x46" ]; then
    echo "test_neon: golden end-to-end (dm05_quant_os16, small_rose_70x46) under qemu-aarch64"
    run test_golden SHARED="$SHARED" BACKDROP_ISA=neon BACKDROP_GOLDEN_MODELS=dm05_quant_os16 \
        BACKDROP_GOLDEN_IMAGES=small_rose_70x46 OMP_NUM_THREADS=2 \
        sh tests/emu/qemu_run.sh "$OUT/tests/test_golden"
else
    skip "the end-to-end run: $model or the golden outputs missing (run make)"
fi
finish
