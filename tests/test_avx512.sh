#!/bin/sh
# test_avx512.sh — the AVX-512 kernels, tested on a machine without AVX-512: builds the
# kernel test (tests/test_kernels.c) and the golden end-to-end test statically into
# build/avx512-test and runs both under the Bochs emulator (its Skylake-X CPU model: AVX-512 F/DQ/BW/VL)
# through tests/emu/bochs_run.sh:
#  - the kernel matrix in its sparsest quick mode (BD_TEST_QUICK=2), only the avx512
#    table's own kernels (BD_TEST_ISA=avx512: pwconv and dwconv3x3; the entries it shares
#    with the AVX2 and scalar tables are the same functions, tested natively), with 1 and
#    2 threads (the guest has one CPU: the 2 threads take turns, OMP_WAIT_POLICY=passive);
#  - one small image through the d=0.5 OS16 network with BACKDROP_ISA=avx512.
# Emulation is slow: about 50 s for the matrix and 110 s for the golden run (each with a
# ~25 s boot), under 3 minutes in all on a 2-core Zen 3 once build/avx512-test is built.
# Without Bochs or the runner (exit 77: emulator or guest kernel unavailable) it says why
# and counts nothing. Last line: "test_avx512: N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 1
OUT=build/avx512-test
RUNNER=tests/emu/bochs_run.sh
: "${SHARED:=../shared}"
passed=0
failed=0

finish() {
    echo "test_avx512: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}
# skip WHY: this suite (or the rest of it) could not run: counted as skipped, never as passed
skip() {
    echo "skipped: test_avx512: $*"
    echo "test_avx512: $passed passed, $failed failed, 1 skipped"
    [ "$failed" -eq 0 ]
    exit $?
}

if [ -n "${BD_SANITIZER_PASS:-}" ]; then
    skip "in make sanitize (its emulated binaries are not sanitizer builds and ran in make test)"
fi
if [ ! -f "$RUNNER" ] || ! command -v bochs >/dev/null 2>&1; then
    skip "$RUNNER or bochs missing (sh tools/deps.sh test installs it)"
fi

# run NAME TIMEOUT [-f FILE | -e VAR=VALUE]... BINARY: run under Bochs, add the counts of its
# summary line; the output (carriage returns removed) is kept in $log. Returns 77 (and counts
# nothing) when the runner says the emulator is unavailable.
log=$(mktemp)
raw=$(mktemp)
trap 'rm -f "$log" "$raw"' EXIT
run() {
    name=$1
    tmo=$2
    shift 2
    t0=$(date +%s)
    sh "$RUNNER" -t "$tmo" -e OMP_WAIT_POLICY=passive "$@" >"$raw" 2>&1
    rc=$?
    tr -d '\r' <"$raw" >"$log"
    sed 's/^/  /' "$log"
    echo "  ($name under Bochs: exit code $rc, $(( $(date +%s) - t0 )) s)"
    if [ "$rc" -eq 77 ]; then
        return 77
    fi
    line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed" "$log" | tail -n 1)
    if [ -z "$line" ]; then
        if [ "$rc" -eq 124 ]; then
            echo "test_avx512: $name (Bochs) timed out after $tmo s"
        else
            echo "test_avx512: $name (Bochs) exited with code $rc and printed no summary"
        fi
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
        "$OUT/tests/test_kernels" "$OUT/tests/test_golden" >"$OUT.log" 2>&1; then
    tail -n 20 "$OUT.log"
    echo "test_avx512: the static build failed (log: $OUT.log)"
    failed=$((failed + 1))
    finish
fi

echo "test_avx512: kernel matrix (avx512 table, quick) under Bochs"
run test_kernels 150 -e BD_TEST_QUICK=2 -e BD_TEST_ISA=avx512 "$OUT/tests/test_kernels"
if [ $? -eq 77 ]; then
    passed=0
    failed=0
    skip "the emulator is unavailable here (runner exit 77, see above)"
fi
passed=$((passed + 1)) # the static build itself
# the AVX-512 table must really have been run, with 1 and 2 threads
if grep -q "^avx512, 1 thread: [1-9]" "$log" && grep -q "^avx512, 2 threads: [1-9]" "$log"; then
    passed=$((passed + 1))
else
    echo "test_avx512: the kernel test did not run the avx512 table"
    failed=$((failed + 1))
fi

model=weights/deeplabv3_mnv2_dm05_pascal_quant.bdw
gdir=$SHARED/golden/dm05_quant_os16/small_rose_70x46
if [ -f "$model" ] && [ -d "$gdir" ] && [ -f "$SHARED/golden/_inputs/small_rose_70x46.resized.png" ]
then
    echo "test_avx512: golden end-to-end (dm05_quant_os16, small_rose_70x46, avx512) under Bochs"
    shared=$(cd "$SHARED" && pwd -P)
    # what test_golden opens: the golden README (presence check), the model's folder with
    # this image's meta.json, layers.tsv, logits.f32 and label PNGs, the resized input, and
    # the weights (relative to the cwd, which the guest shares)
    run test_golden 240 -f "$shared/golden/README.md" \
        -f "$shared/golden/dm05_quant_os16/small_rose_70x46" \
        -f "$shared/golden/_inputs/small_rose_70x46.resized.png" -f "$(pwd -P)/$model" \
        -e SHARED="$shared" -e BACKDROP_ISA=avx512 -e BACKDROP_GOLDEN_MODELS=dm05_quant_os16 \
        -e BACKDROP_GOLDEN_IMAGES=small_rose_70x46 -e OMP_NUM_THREADS=2 \
        "$OUT/tests/test_golden"
    if [ $? -eq 77 ]; then
        skip "the end-to-end run: the emulator became unavailable"
    elif grep -q "^test_golden: kernels avx512" "$log" && grep -q "small_rose_70x46" "$log"; then
        passed=$((passed + 1))
    else
        echo "test_avx512: the golden test did not run the image with the avx512 kernels"
        failed=$((failed + 1))
    fi
else
    skip "the end-to-end run: $model or the golden outputs missing (run make)"
fi
finish
