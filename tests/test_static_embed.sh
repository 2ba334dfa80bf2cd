#!/bin/sh
# test_static_embed.sh — one file on a board: `make static EMBED=weights/X.bdw` links the
# weights into the static executable. For x86-64 (run here) and aarch64 (run under
# qemu-aarch64, when the cross compiler and qemu-user are installed):
#   - the binary is static, and in an empty folder, with no option and no BACKDROP_MODEL,
#     `info` says the weights are embedded and `blur` writes the photo;
#   - --model still picks a file over the embedded weights;
#   - embedded weights are checked exactly like a file: a copy with one flipped byte in its
#     tensor data, embedded, is refused with the loader's checksum message.
# The binaries are written to a temporary folder (STATIC_BIN=...), the objects are shared
# with `make static` (build/static-<arch>), so only the first run compiles everything.
set -u
: "${SHARED:=../shared}"
passed=0; failed=0; skipped=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
skip() { skipped=$((skipped + 1)); echo "skipped: test_static_embed: $*"; }
done_() {
    extra=""; [ "$skipped" -gt 0 ] && extra=", $skipped skipped"
    echo "test_static_embed: $passed passed, $failed failed$extra"; [ "$failed" -eq 0 ]; exit $?
}
if [ -n "${BD_SANITIZER_PASS:-}" ]; then skip "sanitizer pass: the static builds are not instrumented"; done_; fi
E=weights/deeplabv3_mnv2_pascal.bdw
IMG=$SHARED/images/person_grace_hopper.jpg
[ -f "$E" ] || { skip "$E missing (run make)"; done_; }
[ -f "$IMG" ] || { skip "$IMG missing"; done_; }
IMG=$(cd "$(dirname "$IMG")" && pwd)/$(basename "$IMG")
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
REPO=$(pwd)

# A copy of the weights with one byte of the last tensor's data flipped (its CRC fails).
python3 - "$E" "$T/bad.bdw" <<'PYEOF'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
b[len(b) - 100] ^= 0x40
open(sys.argv[2], 'wb').write(b)
PYEOF

# one ARCH CROSS RUNNER: build, then the checks, RUNNER (empty or qemu-aarch64) in front
one() {
    arch=$1; cross=$2; run=$3
    out=$T/$arch; mkdir -p "$out/empty"
    if ! env -u MAKEFLAGS -u MAKELEVEL make --no-print-directory -j2 static CROSS="$cross" \
            EMBED="$E" STATIC_BIN="$out/backdrop-static" >"$T/build-$arch.log" 2>&1; then
        bad "$arch: make static EMBED=$E failed: $(tail -n 15 "$T/build-$arch.log")"; return
    fi
    B=$out/backdrop-static
    file -b "$B" | grep -q "statically linked" && ok || bad "$arch: not static: $(file -b "$B")"
    echo "size: $arch static with $(basename "$E") embedded: $(stat -c %s "$B") bytes"
    line=$(cd "$out/empty" && env -u BACKDROP_MODEL $run "$B" info 2>&1 | head -n 1)
    case "$line" in
        "file              $(basename "$E") (embedded) ($(stat -c %s "$E") bytes, format version "[0-9]", embedded in the executable)") ok;;
        *) bad "$arch: info in an empty folder: '$line'";;
    esac
    (cd "$out/empty" && env -u BACKDROP_MODEL $run "$B" blur "$IMG" -o out.jpg -q) 2>"$T/err" &&
        [ -s "$out/empty/out.jpg" ] && ok || bad "$arch: blur in an empty folder: $(cat "$T/err")"
    [ "$(ls "$out/empty")" = out.jpg ] && ok || bad "$arch: the folder holds $(ls "$out/empty")"
    line=$(cd "$out/empty" && $run "$B" info "$REPO/weights/deeplabv3_mnv2_dm05_pascal.bdw" 2>&1 | head -n 1)
    case "$line" in "file              $REPO/weights/deeplabv3_mnv2_dm05_pascal.bdw ("*) ok;;
        *) [ -f "$REPO/weights/deeplabv3_mnv2_dm05_pascal.bdw" ] && bad "$arch: a named file: '$line'";;
    esac
    # the corrupt copy, embedded: refused like the file itself
    want=$("$REPO/backdrop" info "$T/bad.bdw" 2>&1 | head -n 1 | sed "s|$T/bad.bdw|bad.bdw (embedded)|")
    if env -u MAKEFLAGS -u MAKELEVEL make --no-print-directory -j2 static CROSS="$cross" \
            EMBED="$T/bad.bdw" STATIC_BIN="$out/bad-static" >"$T/build-bad.log" 2>&1; then
        have=$(cd "$out/empty" && env -u BACKDROP_MODEL $run "$out/bad-static" info 2>&1 | head -n 1)
        case "$have" in "backdrop: bad.bdw (embedded): "*) [ "$have" = "$want" ] && ok ||
            bad "$arch: corrupt embedded weights: '$have', the file gives '$want'";;
            *) bad "$arch: corrupt embedded weights accepted or misreported: '$have'";; esac
    else
        bad "$arch: make static EMBED=bad.bdw failed: $(tail -n 10 "$T/build-bad.log")"
    fi
}

one x86_64 "" ""
if command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 && command -v qemu-aarch64 >/dev/null 2>&1; then
    one aarch64 aarch64-linux-gnu- qemu-aarch64
else
    skip "aarch64: no aarch64-linux-gnu-gcc or qemu-aarch64 (apt-get install gcc-aarch64-linux-gnu qemu-user)"
fi
done_
