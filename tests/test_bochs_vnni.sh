#!/bin/sh
# test_bochs_vnni.sh — the emulated AVX-512 VNNI CPU that the int8 VNNI kernels are tested on:
# runs `tests/emu/bochs_run.sh --self-test-vnni`, which boots Bochs' tigerlake model, runs
# vpdpbusd on chosen values (every int32 lane checked against a scalar reference, and the
# output compared with a native run when this machine has VNNI), then checks that --vnni
# refuses a CPU model without VNNI (corei7_skylake_x). Two boots: about 40 s on 2 cores.
# Without Bochs or the guest kernel (runner exit 77) it is skipped, naming why.
# Last line: "test_bochs_vnni: N passed, N failed[, 1 skipped]".
set -u
cd "$(dirname "$0")/.." || exit 1
if [ -n "${BD_SANITIZER_PASS:-}" ]; then
    echo "skipped: test_bochs_vnni: in make sanitize (nothing of the library runs; it ran in make test)"
    echo "test_bochs_vnni: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
out=$(BOCHS_SELFTEST_DPBUSD=8000000 sh tests/emu/bochs_run.sh --self-test-vnni 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/  /'
case $rc in
0) echo "test_bochs_vnni: 1 passed, 0 failed" ;;
77) echo "skipped: test_bochs_vnni: the emulator or its guest kernel is unavailable (sh tools/deps.sh test)"
    echo "test_bochs_vnni: 0 passed, 0 failed, 1 skipped"
    rc=0 ;;
*) echo "test_bochs_vnni: 0 passed, 1 failed"
   rc=1 ;;
esac
exit "$rc"
