#!/bin/sh
# test_cli_info.sh — `backdrop info`: on a real weights file it names the depth multiplier and
# the 21 classes; a missing file, a directory, a foreign file and a corrupt copy each give
# exit code 1 and one line on stderr naming the file; bad usage exits 2.
# Environment (set by tests/run_all.sh): BIN, the CLI to test.
set -u
: "${BIN:=./backdrop}"
passed=0; failed=0; skipped=0
ok()   { passed=$((passed + 1)); }
bad()  { failed=$((failed + 1)); echo "FAIL test_cli_info: $*" >&2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# expect_fail CODE FILE-IN-MESSAGE ARGS...: exit code CODE, exactly one stderr line naming it
expect_fail() {
    want=$1; name=$2; shift 2
    "$BIN" info "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
    lines=$(wc -l <"$tmp/err")
    if [ "$rc" -eq "$want" ] && [ "$lines" -eq 1 ] && grep -qF -- "$name" "$tmp/err" &&
       [ ! -s "$tmp/out" ]; then
        ok
    else
        bad "info $*: exit $rc (want $want), stderr: $(cat "$tmp/err")"
    fi
}

if [ ! -x "$BIN" ]; then
    bad "$BIN is not built"
    echo "test_cli_info: $passed passed, $failed failed"; exit 1
fi

real=""
for f in weights/deeplabv3_mnv2_pascal.bdw weights/deeplabv3_mnv2_dm05_pascal.bdw \
         weights/deeplabv3_mnv2_dm05_pascal_quant.bdw weights/deeplabv3_257_mv_gpu.bdw; do
    if [ ! -f "$f" ]; then
        echo "skipped: test_cli_info: the checks of $f: missing (run \`make weights\`)"
        skipped=$((skipped + 1))
        continue
    fi
    real=$f
    case $f in *dm05*|*257*) dm=0.5 ;; *) dm=1.0 ;; esac
    if "$BIN" info "$f" >"$tmp/out" 2>"$tmp/err"; then ok
    else bad "info $f failed: $(cat "$tmp/err")"; fi
    grep -q "^depth multiplier  *$dm\$" "$tmp/out" && ok || bad "info $f: no 'depth multiplier $dm'"
    grep -q "^classes  *21: 0 background,.* 15 person,.* 20 tvmonitor\$" "$tmp/out" && ok ||
        bad "info $f: no line with the 21 classes"
    grep -q "^parameters  *[0-9]" "$tmp/out" && ok || bad "info $f: no parameter count"
    [ "$(grep -c '^ *[0-9][0-9]* ' "$tmp/out")" -ge 17 ] && ok || bad "info $f: no block table"
    # which precisions the file runs: the uint8 TFLite models int8 and f32, the others f32
    case $f in *pascal.bdw|*_quant.bdw) prec="int8 f32" ;; *) prec="f32" ;; esac
    case $f in *dm05_pascal.bdw) prec="f32" ;; esac
    grep -q "^precisions  *$prec " "$tmp/out" && ok || bad "info $f: no 'precisions $prec'"
done

# The default file is cli_default_model(): $BACKDROP_MODEL wins.
if [ -n "$real" ]; then
    BACKDROP_MODEL=$real "$BIN" info >"$tmp/out" 2>&1 && grep -qF "$real" "$tmp/out" && ok ||
        bad "info with BACKDROP_MODEL=$real"
    # a corrupt copy: one byte of the data flipped
    cp "$real" "$tmp/corrupt.bdw"
    size=$(wc -c <"$real")
    printf '\377' | dd of="$tmp/corrupt.bdw" bs=1 seek=$((size - 100)) conv=notrunc 2>/dev/null
    expect_fail 1 "$tmp/corrupt.bdw" "$tmp/corrupt.bdw"
    grep -q "checksum mismatch" "$tmp/err" && ok || bad "corrupt copy: $(cat "$tmp/err")"
    head -c 1000 "$real" >"$tmp/short.bdw"
    expect_fail 1 "$tmp/short.bdw" "$tmp/short.bdw"
    grep -q "truncated: header says $size bytes, file has 1000" "$tmp/err" && ok ||
        bad "truncated copy: $(cat "$tmp/err")"
else
    echo "note: no real weights file: corrupt-copy checks use a 100-byte stand-in"
    printf 'BDWEIGHT' >"$tmp/corrupt.bdw"; head -c 92 /dev/zero >>"$tmp/corrupt.bdw"
    expect_fail 1 "$tmp/corrupt.bdw" "$tmp/corrupt.bdw"
fi

expect_fail 1 /nonexistent /nonexistent
expect_fail 1 "$tmp" "$tmp"
: >"$tmp/empty.bdw"
expect_fail 1 "$tmp/empty.bdw" "$tmp/empty.bdw"
printf 'not weights at all\n' >"$tmp/text.bdw"
expect_fail 1 "bad magic" "$tmp/text.bdw"
BACKDROP_MODEL=/nonexistent/default.bdw; export BACKDROP_MODEL
expect_fail 1 /nonexistent/default.bdw
unset BACKDROP_MODEL
expect_fail 2 "one weights file" a b
expect_fail 2 "unknown option" --bogus
"$BIN" info --help >"$tmp/out" 2>&1 && grep -q "usage: backdrop info" "$tmp/out" && ok ||
    bad "info --help"

echo "test_cli_info: $passed passed, $failed failed$([ "${skipped:-0}" -gt 0 ] && echo ", $skipped skipped")"
[ "$failed" -eq 0 ]
