#!/bin/sh
# run_all.sh — runs every test program and Python test, then prints one closing line with
# the totals ("N passed, N failed"). A program that crashes or prints no summary line counts
# as one failure. Environment: BUILD (object dir), BIN (the CLI), SHARED (../shared).
set -u
: "${BUILD:?}" "${BIN:?}" "${SHARED:=../shared}" "${PYTHON:=python3}"
export BUILD BIN SHARED
passed=0; failed=0
log=$(mktemp); trap 'rm -f "$log"' EXIT
run() { # run NAME COMMAND...
    name=$1; shift
    start=$(date +%s)
    "$@" >"$log" 2>&1; rc=$?
    cat "$log"
    line=$(grep -E '^[A-Za-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        echo "$name: exited with code $rc and printed no summary"; failed=$((failed + 1))
    else
        p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1/')
        f=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\2/')
        [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
        passed=$((passed + p)); failed=$((failed + f))
    fi
    echo "   ($name took $(( $(date +%s) - start )) s)"
}
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    run "$(basename "$t")" "$t"
done
for t in tests/test_*.py; do
    [ -f "$t" ] || continue
    run "$(basename "$t")" "$PYTHON" "$t"
done
for t in tests/test_*.sh; do
    [ -f "$t" ] || continue
    run "$(basename "$t")" sh "$t"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
