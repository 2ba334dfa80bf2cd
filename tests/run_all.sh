#!/bin/sh
# run_all.sh — runs every test program, Python test and shell test, then prints one closing
# line with the totals: "N passed, N failed" or "N passed, N failed, N skipped". A program that
# crashes or prints no summary line counts as one failure. A suite that could not run (a tool
# or a file missing, or a pass where it does not apply) prints "skipped: NAME: WHY" and adds
# ", 1 skipped" to its summary: it is listed before the closing line and never counted as
# passed. Environment: BUILD (object dir), BIN (the CLI), SHARED (../shared).
set -u
: "${BUILD:?}" "${BIN:?}" "${SHARED:=../shared}" "${PYTHON:=python3}"
export BUILD BIN SHARED
passed=0; failed=0; skipped=0
log=$(mktemp); why=$(mktemp); trap 'rm -f "$log" "$why"' EXIT
run() { # run NAME COMMAND...
    name=$1; shift
    start=$(date +%s)
    "$@" >"$log" 2>&1; rc=$?
    cat "$log"
    grep -E '^skipped: ' "$log" >>"$why"
    line=$(grep -E '^[A-Za-z0-9_.-]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        echo "$name: exited with code $rc and printed no summary"; failed=$((failed + 1))
    else
        p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1/')
        f=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\2/')
        s=$(echo "$line" | sed -nE 's/.*: [0-9]+ passed, [0-9]+ failed, ([0-9]+) skipped.*/\1/p')
        [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
        passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + ${s:-0}))
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
if [ "$skipped" -gt 0 ]; then
    echo "what could not run:"
    sed 's/^skipped: /  /' "$why"
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
