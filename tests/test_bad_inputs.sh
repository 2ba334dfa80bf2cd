#!/bin/sh
# test_bad_inputs.sh — the bad-input catalogue, run against the real CLI ($BIN): missing,
# empty, truncated, corrupt and foreign files, images of every odd PNG kind, huge and empty
# dimensions, bad option values, unwritable outputs, input == output, foreign weights.
# Every failure must be exit 1 (bad input) or 2 (usage) with a first stderr line that names
# the problem, leave no output and no temporary file behind, and never crash. Images are
# written here by a tiny PNG writer (python3 zlib); some cases also run under valgrind
# (unless $BIN is a sanitizer build, where LeakSanitizer already checks every case).
# Subcommands not in this build are skipped with a note. The "in the field" section (issue
# 13: thread counts, palettes, truncated headers, protected inputs, FIFOs, signals, long
# names and paths, stdout errors, file modes) checks each case's exact stderr line.
set -u
: "${BIN:=./backdrop}" "${SHARED:=../shared}"
passed=0; failed=0; skipped=0
# note_skip WHY: a group of cases could not run here: listed and counted as skipped
note_skip() { echo "skipped: test_bad_inputs: $*"; skipped=$((skipped + 1)); }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
W=weights/deeplabv3_mnv2_dm05_pascal.bdw      # the smallest float model: fast
[ -f "$W" ] || W=weights/deeplabv3_mnv2_pascal.bdw
FAST="--input-size 65"                         # cases that do run the network: tiny input

ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
has_cmd() { "$BIN" --help 2>/dev/null | grep -q "^  $1 "; }
no_leftovers() { # DIR: no temporary files left by an atomic write
    ls -A "$1" | grep -q '\.tmp\.' && { bad "temporary file left in $1: $(ls -A "$1")"; return 1; }
    return 0
}

# fails CODE WANT DESC -- CMD...: CMD exits with CODE, its first stderr line contains WANT
# (case-insensitive), nothing crashed. CODE "1|2" accepts either.
fails() {
    code=$1; want=$2; desc=$3; shift 4
    "$@" >"$T/out.txt" 2>"$T/err.txt"; rc=$?
    first=$(head -n 1 "$T/err.txt")
    case "|$code|" in *"|$rc|"*) ;; *)
        bad "$desc: exit $rc, expected $code; stderr: $(head -c 300 "$T/err.txt")"; return;;
    esac
    if [ -z "$first" ] || ! printf '%s' "$first" | grep -qiF -- "$want"; then
        bad "$desc: first stderr line does not mention '$want': '$first'"; return
    fi
    if [ "$rc" = 1 ] && [ "$(wc -l <"$T/err.txt")" -ne 1 ]; then
        bad "$desc: more than one line of error: $(head -c 400 "$T/err.txt")"; return
    fi
    ok
}

# works DESC -- CMD...: exit 0.
works() {
    desc=$1; shift 2
    "$@" >"$T/out.txt" 2>"$T/err.txt"; rc=$?
    [ "$rc" = 0 ] && ok || bad "$desc: exit $rc: $(head -c 300 "$T/err.txt")"
}

# ------------------------------------------------------------------ test files ----------
mkdir -p "$T/in" "$T/out" "$T/dir.png"
: >"$T/in/empty.png"
echo "this is not an image" >"$T/in/text.png"
echo "plain file" >"$T/in/regular"
IMG=$SHARED/images/small_rose_70x46.png
JPG=$SHARED/images/gray_person_chessboard.jpg
if command -v python3 >/dev/null 2>&1; then
python3 - "$T/in" <<'EOF' || echo "note: python3 could not write the test images"
import struct, sys, zlib
d = sys.argv[1]
def chunk(t, b): return struct.pack('>I', len(b)) + t + b + struct.pack('>I', zlib.crc32(t + b))
def png(name, w, h, depth, ctype, rows=None, plte=None, idat=None):
    ch = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
    rowbytes = (w * ch * depth + 7) // 8
    if idat is None:
        raw = b''.join(b'\0' + bytes((x * 37 + y * 11) & 255 for x in range(rowbytes))
                       for y in range(h))
        idat = zlib.compress(raw)
    s = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, depth, ctype, 0, 0, 0))
    if plte: s += chunk(b'PLTE', plte)
    s += chunk(b'IDAT', idat) + chunk(b'IEND', b'')
    open(d + '/' + name, 'wb').write(s)
png('one.png', 1, 1, 8, 2)
png('gray.png', 37, 23, 8, 0)
png('grayalpha.png', 37, 23, 8, 4)
png('rgba.png', 37, 23, 8, 6)
png('rgb16.png', 37, 23, 16, 2)
png('gray16.png', 37, 23, 16, 0)
png('palette.png', 37, 23, 8, 3, plte=bytes(range(256)) * 3)
png('gray1bit.png', 37, 23, 1, 0)
png('zero.png', 0, 0, 8, 2, idat=zlib.compress(b''))
png('huge.png', 40000, 40000, 8, 2, idat=zlib.compress(b'\0' * 100))
png('wide.png', 40000, 1, 8, 2, idat=zlib.compress(b'\0' * 100))
png('badzlib.png', 37, 23, 8, 2, idat=b'\x78\x9c' + b'\xff' * 64)
png('shortdata.png', 37, 23, 8, 2, idat=zlib.compress(b'\0' * 50))
bmp = b'BM' + struct.pack('<IHHI', 54, 0, 0, 54) + struct.pack('<iiiHHIIiiII', 40, 40000, -40000, 1, 24, 0, 0, 2835, 2835, 0, 0)
open(d + '/huge.bmp', 'wb').write(bmp)
EOF
fi
[ -f "$IMG" ] && head -c 3000 "$IMG" >"$T/in/truncated.png"
[ -f "$JPG" ] && head -c 200 "$JPG" >"$T/in/truncated.jpg"
[ -f "$IMG" ] && cp "$IMG" "$T/in/photo.png"

# Foreign weights: another format version, another network, a truncated file.
if [ -f "$W" ] && command -v python3 >/dev/null 2>&1; then
python3 - "$W" "$T/in" <<'EOF' || echo "note: python3 could not write the foreign weights"
import struct, sys
sys.path.insert(0, 'tools')
from crc32c import crc32c
src, d = sys.argv[1], sys.argv[2]
b = bytearray(open(src, 'rb').read())
v3 = bytearray(b); struct.pack_into('<I', v3, 8, 3)
struct.pack_into('<I', v3, 60, crc32c(bytes(v3[:60])))
open(d + '/v3.bdw', 'wb').write(v3)
meta_size, count = struct.unpack_from('<II', b, 32)
dir_off = struct.unpack_from('<Q', b, 40)[0]
meta = bytes(b[64:64 + meta_size])
new = meta.replace(b'network=deeplabv3_mobilenetv2', b'network=resnet101_segmenter_x')
assert len(new) == meta_size and new != meta
other = bytearray(b); other[64:64 + meta_size] = new
crc = crc32c(bytes(other[64:64 + meta_size]) + bytes(other[dir_off:dir_off + 128 * count]))
struct.pack_into('<I', other, 56, crc)
struct.pack_into('<I', other, 60, crc32c(bytes(other[:60])))
open(d + '/othernet.bdw', 'wb').write(other)
open(d + '/truncated.bdw', 'wb').write(b[:len(b) // 3])
EOF
fi

# ------------------------------------------------------------------ info ----------------
fails 1 "$T/in/missing.bdw" "info: missing file" -- "$BIN" info "$T/in/missing.bdw"
fails 1 "directory" "info: a directory" -- "$BIN" info "$T/in"
fails 1 "empty" "info: 0-byte file" -- "$BIN" info "$T/in/empty.png"
fails 1 "not a backdrop weights file" "info: an image as weights" -- "$BIN" info "$T/in/text.png"
fails 2 "--bogus" "info: unknown option" -- "$BIN" info --bogus
fails 2 "one weights file" "info: two files" -- "$BIN" info "$W" "$W"
TFL=$SHARED/models/deeplabv3_mnv2_pascal_quant/deeplabv3_mnv2_pascal_quant.tflite
[ -f "$TFL" ] && fails 1 "not a backdrop weights file" "info: a .tflite model" -- "$BIN" info "$TFL"
if [ -f "$T/in/v3.bdw" ]; then
    fails 1 "unsupported version 3 (this build reads versions 1 to 2" "info: format version 3" -- "$BIN" info "$T/in/v3.bdw"
    fails 1 "resnet101_segmenter_x" "info: another network" -- "$BIN" info "$T/in/othernet.bdw"
    fails 1 "truncated" "info: truncated weights" -- "$BIN" info "$T/in/truncated.bdw"
else
    note_skip "foreign-weights cases ($W missing: run make)"
fi
fails 2 "unknown command" "unknown subcommand" -- "$BIN" frobnicate

# ------------------------------------------------------------------ labels --------------
if has_cmd labels && [ -f "$W" ] && [ -f "$T/in/one.png" ]; then
    L="$BIN labels --model $W"
    O=$T/out/labels.png
    # Each: the failure, then no output and no temp file in the output directory.
    lab_fails() { # CODE WANT DESC INPUT [OPTIONS...]
        c=$1; w=$2; d=$3; i=$4; shift 4
        fails "$c" "$w" "labels: $d" -- $L "$i" -o "$O" "$@"
        [ -e "$O" ] && { bad "labels: $d: left $O behind"; rm -f "$O"; }
        no_leftovers "$T/out" && ok
    }
    lab_fails 1 "$T/in/missing.png" "missing image" "$T/in/missing.png"
    lab_fails 1 "dir.png" "a directory as image" "$T/dir.png"
    lab_fails 1 "empty" "0-byte image" "$T/in/empty.png"
    lab_fails 1 "text.png" "a text file" "$T/in/text.png"
    lab_fails 1 "zero.png" "0x0 PNG" "$T/in/zero.png"
    lab_fails 1 "40000x40000" "40000x40000 PNG (refused before allocating)" "$T/in/huge.png"
    lab_fails 1 "40000x1" "40000x1 PNG (over the side limit)" "$T/in/wide.png"
    lab_fails 1 "40000" "40000x40000 BMP" "$T/in/huge.bmp"
    lab_fails 1 "badzlib.png" "corrupt PNG (bad zlib data)" "$T/in/badzlib.png"
    lab_fails 1 "Huffman" "JPEG whose Huffman table overflows stb 2.27" tests/regress/image-jpeg-dht-overflow.jpg
    lab_fails 1 "not a supported image" "PGM (a format left out)" tests/regress/image-pnm-maxval256.pgm
    lab_fails 1 "shortdata.png" "PNG with too little pixel data" "$T/in/shortdata.png"
    [ -f "$T/in/truncated.png" ] && lab_fails 1 "truncated.png" "truncated PNG photo" "$T/in/truncated.png"
    [ -f "$T/in/truncated.jpg" ] && lab_fails 1 "truncated.jpg" "JPEG cut after 200 bytes" "$T/in/truncated.jpg"
    lab_fails 1 "$T/in/v3.bdw" "weights of format version 3" "$T/in/one.png" --model "$T/in/v3.bdw"
    lab_fails 2 "--precision must be int8 or f32, not 'int9'" "--precision int9" "$T/in/one.png" --precision int9
    lab_fails 2 "--precision must be int8 or f32" "--precision without a value" "$T/in/one.png" --precision
    case $W in *dm05_pascal.bdw)
        lab_fails 1 "has no int8 network (converted from a float model); run it with --precision f32" \
            "--precision int8 with a float model" "$T/in/one.png" --precision int8 ;;
    esac
    lab_fails 1 "resnet101_segmenter_x" "weights of another network" "$T/in/one.png" --model "$T/in/othernet.bdw"
    lab_fails 2 "--os" "--os 7" "$T/in/one.png" --os 7
    lab_fails 2 "--os" "--os 12" "$T/in/one.png" --os 12
    lab_fails 2 "--os" "--os without a value" "$T/in/one.png" --os
    lab_fails 2 "--threads" "--threads -1" "$T/in/one.png" --threads -1
    lab_fails 2 "--threads" "--threads abc" "$T/in/one.png" --threads abc
    lab_fails 2 "--threads" "--threads 99999999999999999999" "$T/in/one.png" --threads 99999999999999999999
    lab_fails 2 "--input-size" "--input-size 0" "$T/in/one.png" --input-size 0
    lab_fails 2 "--frobnicate" "unknown option" "$T/in/one.png" --frobnicate
    lab_fails 2 ".jpg" "lossy output format" "$T/in/one.png" -o "$T/out/labels.jpg"
    lab_fails 2 "labels.xyz" "output without a known extension" "$T/in/one.png" -o "$T/out/labels.xyz"
    fails 2 "no output" "labels: no -o" -- $L "$T/in/one.png"
    fails 2 "no input" "labels: no input" -- $L -o "$O"
    fails 2 "needs a file name" "labels: -o without a value" -- $L "$T/in/one.png" -o
    fails 1 "$T/no/such/dir/x.png" "labels: output into a missing directory" -- \
        $L "$T/in/one.png" $FAST -o "$T/no/such/dir/x.png"
    fails 1 "/proc/backdrop_test.png" "labels: output into /proc" -- \
        $L "$T/in/one.png" $FAST -o /proc/backdrop_test.png
    fails 1 "$T/in/regular/x.png" "labels: output under a regular file" -- \
        $L "$T/in/one.png" $FAST -o "$T/in/regular/x.png"
    no_leftovers "$T/in" && ok
    cp "$T/in/photo.png" "$T/in/same.png" 2>/dev/null || cp "$T/in/one.png" "$T/in/same.png"
    sum=$(cksum <"$T/in/same.png")
    fails "1|2" "same.png" "labels: input == output" -- $L "$T/in/same.png" $FAST -o "$T/in/same.png"
    [ "$(cksum <"$T/in/same.png")" = "$sum" ] && ok || bad "labels: input == output: the input was overwritten"
    fails "1|2" "same.png" "labels: input == output by another path" -- \
        $L "$T/in/same.png" $FAST -o "$T/in/../in/./same.png"
    [ "$(cksum <"$T/in/same.png")" = "$sum" ] && ok || bad "labels: input == output (other path): the input was overwritten"

    # Odd but valid images decode and give a label map of their own size.
    for f in one gray grayalpha rgba rgb16 gray16 palette gray1bit; do
        rm -f "$O"
        works "labels: $f.png" -- $L "$T/in/$f.png" $FAST -o "$O"
        if [ -f "$O" ]; then
            want=$(od -An -tx1 -j16 -N8 "$T/in/$f.png" | tr -d ' \n')
            have=$(od -An -tx1 -j16 -N8 "$O" | tr -d ' \n')
            [ "$want" = "$have" ] && ok || bad "labels: $f.png: output size $have, input $want"
        fi
    done
    rm -f "$O"
else
    note_skip "labels cases (no labels subcommand, no $W or no python3)"
fi

# ------------------------------------------------------------------ effects -------------
if has_cmd blur && [ -f "$W" ] && [ -f "$T/in/one.png" ]; then
    O=$T/out/fx.png
    fx_fails() { # CODE WANT DESC EFFECT ARGS...: the failure, no output, no temp file
        c=$1; w=$2; d=$3; e=$4; shift 4
        fails "$c" "$w" "$e: $d" -- "$BIN" "$e" --model "$W" "$@"
        [ -e "$O" ] && { bad "$e: $d: left $O behind"; rm -f "$O"; }
        no_leftovers "$T/out" && ok
    }
    for e in blur replace gray cutout mask; do
        x=""; [ "$e" = replace ] && x="--color white"
        fx_fails 1 "$T/in/missing.png" "missing image" $e "$T/in/missing.png" -o "$O" $x
        fx_fails 1 "empty" "0-byte image" $e "$T/in/empty.png" -o "$O" $x
        fx_fails 1 "huge.png" "40000x40000 PNG" $e "$T/in/huge.png" -o "$O" $x
        fx_fails 2 "--frobnicate" "unknown option" $e "$T/in/one.png" -o "$O" --frobnicate $x
        fx_fails 2 "--threads" "--threads -1" $e "$T/in/one.png" -o "$O" --threads -1 $x
        fx_fails 2 "--os" "--os 7" $e "$T/in/one.png" -o "$O" --os 7 $x
        fx_fails 2 "--precision must be int8 or f32, not 'fp16'" "--precision fp16" $e "$T/in/one.png" -o "$O" --precision fp16 $x
        fx_fails 2 "no output" "no -o" $e "$T/in/one.png" $x
        fx_fails 2 "no input" "no input" $e -o "$O" $x
        fx_fails 2 "unicorn" "unknown class" $e "$T/in/one.png" -o "$O" --class unicorn $x
        fx_fails 2 "several inputs" "two inputs, -o a file" $e "$T/in/one.png" "$T/in/gray.png" -o "$O" $x
        fx_fails 1 "$T/no/such/dir" "-o into a missing directory" $e "$T/in/one.png" -o "$T/no/such/dir/" $x
        fx_fails 1 "/proc/backdrop_fx.png" "-o into /proc" $e "$T/in/one.png" -o /proc/backdrop_fx.png $x
        fx_fails 1 "$T/in/regular/x.png" "-o under a regular file" $e "$T/in/one.png" -o "$T/in/regular/x.png" $x
        fx_fails 1 "$T/in/othernet.bdw" "weights of another network" $e "$T/in/one.png" -o "$O" --model "$T/in/othernet.bdw" $x
        sum=$(cksum <"$T/in/photo.png")
        fx_fails 2 "overwrite" "input == output" $e "$T/in/photo.png" -o "$T/in/photo.png" $x
        fx_fails 2 "overwrite" "input == output by another path" $e "$T/in/photo.png" -o "$T/in/../in/photo.png" $x
        [ "$(cksum <"$T/in/photo.png")" = "$sum" ] && ok || bad "$e: input == output: the input was overwritten"
        fx_fails 2 "--feather" "--feather -3" $e "$T/in/one.png" -o "$O" --feather -3 $x
        fx_fails 2 "--edges" "--edges fuzzy" $e "$T/in/one.png" -o "$O" --edges fuzzy $x
    done
    fx_fails 2 "--strength" "--strength abc" blur "$T/in/one.png" -o "$O" --strength abc
    fx_fails 2 "--strength" "--strength nan" blur "$T/in/one.png" -o "$O" --strength nan
    fx_fails 2 "--strength" "--strength -1" blur "$T/in/one.png" -o "$O" --strength -1
    fx_fails 2 "--strength" "--strength 1e999" blur "$T/in/one.png" -o "$O" --strength 1e999
    fx_fails 2 "--color" "--color chartreuse-ish" replace "$T/in/one.png" -o "$O" --color chartreuse-ish
    fx_fails 2 "--color" "--color #12345" replace "$T/in/one.png" -o "$O" --color "#12345"
    fx_fails 2 "exactly one" "neither --background nor --color" replace "$T/in/one.png" -o "$O"
    fx_fails 2 "exactly one" "both --background and --color" replace "$T/in/one.png" -o "$O" --color red --background "$T/in/one.png"
    fx_fails 1 "$T/in/missing_bg.png" "missing background picture" replace "$T/in/one.png" -o "$O" --background "$T/in/missing_bg.png"
    fx_fails 1 "huge.png" "huge background picture" replace "$T/in/one.png" -o "$O" --background "$T/in/huge.png"
    fx_fails 2 "alpha" "cutout into a .jpg" cutout "$T/in/one.png" -o "$T/out/fx.jpg"
    fx_fails 2 "--quality" "--quality 0" blur "$T/in/one.png" -o "$T/out/fx.jpg" --quality 0

    # Odd but valid images: an output of the input's size.
    for c in "blur gray16" "gray rgba" "cutout grayalpha" "mask palette" "replace one"; do
        set -- $c; e=$1; f=$2
        x=""; [ "$e" = replace ] && x="--background $T/in/gray.png"
        rm -f "$O"
        works "$e: $f.png" -- "$BIN" "$e" --model "$W" "$T/in/$f.png" -o "$O" -q $x
        if [ -f "$O" ]; then
            want=$(od -An -tx1 -j16 -N8 "$T/in/$f.png" | tr -d ' \n')
            have=$(od -An -tx1 -j16 -N8 "$O" | tr -d ' \n')
            [ "$want" = "$have" ] && ok || bad "$e: $f.png: output size $have, input $want"
        fi
    done
    rm -f "$O"
else
    note_skip "effect cases (no effect subcommands, no $W or no python3)"
fi

# ------------------------------------------------------------------ video streams -------
# backdrop EFFECT --video (src/io/y4m.c, src/cli/cli_video.c): each bad stream fails with
# exactly this one line and exit 1 (2 for usage), naming the input and the header or the
# frame; nothing is written, except that a stream that breaks after some good frames keeps
# those (a valid, shorter stream renamed into place).
if has_cmd blur && [ -f "$W" ]; then
    V=$T/vid; mkdir -p "$V/out"
    VO=$V/out/o.y4m
    # fails_exact CODE LINE DESC -- CMD...: exit CODE, stderr is exactly LINE, no output
    fails_exact() {
        code=$1; want=$2; desc=$3; shift 4
        "$@" >"$T/out.txt" 2>"$T/err.txt"; rc=$?
        if [ "$rc" != "$code" ]; then bad "video: $desc: exit $rc, expected $code: $(head -c 300 "$T/err.txt")"
        elif [ "$(cat "$T/err.txt")" != "$want" ]; then bad "video: $desc: stderr '$(cat "$T/err.txt")', expected '$want'"
        elif [ -e "$VO" ]; then bad "video: $desc: left $VO behind"; rm -f "$VO"
        else ok; fi
        no_leftovers "$V/out" || rm -f "$V"/out/*.tmp.*
    }
    frame444() { printf 'FRAME\n'; head -c 24 /dev/zero | tr '\0' "$1"; }   # a 4x2 C444 frame
    : >"$V/empty.y4m"
    printf 'YUV4MPEG W4 H2 F25:1 C444\n' >"$V/magic.y4m"; frame444 A >>"$V/magic.y4m"
    printf 'YUV4MPEG2 F25:1 C444\n' >"$V/nosize.y4m"
    printf 'YUV4MPEG2 W4 F25:1 C444\n' >"$V/noheight.y4m"
    printf 'YUV4MPEG2 W4 H2 F25:1 It C444\n' >"$V/interlaced.y4m"; frame444 A >>"$V/interlaced.y4m"
    printf 'YUV4MPEG2 W4 H2 F25:1 Ip C420p10\n' >"$V/deep.y4m"
    printf 'YUV4MPEG2 W4 H2 F25:1 Ip Cmono16\n' >"$V/deepmono.y4m"
    printf 'YUV4MPEG2 W100000 H2 F25:1 C444\n' >"$V/wide.y4m"
    printf 'YUV4MPEG2 W16384 H16384 F25:1 C444\n' >"$V/huge.y4m"
    printf 'YUV4MPEG2 W4 H2 F0:1 C444\n' >"$V/norate.y4m"
    printf 'YUV4MPEG2 W4 H2 F25:1 C411\n' >"$V/c411.y4m"
    printf 'YUV4MPEG2 W4 H2 F25:1 C444\n' >"$V/header_only.y4m"
    printf 'YUV4MPEG2 W4 H2 F25:1 C444' >"$V/cut_header.y4m"
    { printf 'YUV4MPEG2 W4 H2 F25:1 C444\n'; frame444 A; frame444 B; printf 'FRAME\n0123456789'; } >"$V/cut.y4m"
    { printf 'YUV4MPEG2 W4 H2 F25:1 C444\n'; frame444 A; printf 'FRAME\n'; head -c 40 /dev/zero; } >"$V/long.y4m"
    b="backdrop blur"
    fails_exact 1 "$b: $V/empty.y4m: empty stream (no YUV4MPEG2 header)" "zero-length stream" -- \
        "$BIN" blur --model "$W" --video "$V/empty.y4m" -o "$VO"
    fails_exact 1 "$b: standard input: empty stream (no YUV4MPEG2 header)" "zero-length stdin" -- \
        sh -c "\"$BIN\" blur --model \"$W\" --video - -o \"$VO\" </dev/null"
    fails_exact 1 "$b: $V/magic.y4m: not a YUV4MPEG2 stream (no 'YUV4MPEG2' at the start)" "wrong magic" -- \
        "$BIN" blur --model "$W" --video "$V/magic.y4m" -o "$VO"
    fails_exact 1 "$b: $T/in/one.png: not a YUV4MPEG2 stream (no 'YUV4MPEG2' at the start)" "a PNG given as video" -- \
        "$BIN" blur --model "$W" --video "$T/in/one.png" -o "$VO"
    fails_exact 1 "$b: $V/nosize.y4m: header: no frame size (W and H are required)" "header without size" -- \
        "$BIN" blur --model "$W" "$V/nosize.y4m" -o "$VO"
    fails_exact 1 "$b: $V/noheight.y4m: header: no frame height (W and H are required)" "header without height" -- \
        "$BIN" blur --model "$W" "$V/noheight.y4m" -o "$VO"
    fails_exact 1 "$b: $V/interlaced.y4m: header: interlaced video (It) is not supported: deinterlace it first (ffmpeg -vf yadif)" \
        "interlaced" -- "$BIN" blur --model "$W" "$V/interlaced.y4m" -o "$VO"
    fails_exact 1 "$b: $V/deep.y4m: header: C420p10 has more than 8 bits per sample; only 8-bit streams are supported (ffmpeg -pix_fmt yuv420p)" \
        "10-bit" -- "$BIN" blur --model "$W" "$V/deep.y4m" -o "$VO"
    fails_exact 1 "$b: $V/deepmono.y4m: header: Cmono16 has more than 8 bits per sample; only 8-bit streams are supported (ffmpeg -pix_fmt yuv420p)" \
        "16-bit mono" -- "$BIN" blur --model "$W" "$V/deepmono.y4m" -o "$VO"
    fails_exact 1 "$b: $V/wide.y4m: header: frame width 'W100000' is not 1..16384" "absurd width" -- \
        "$BIN" blur --model "$W" "$V/wide.y4m" -o "$VO"
    fails_exact 1 "$b: $V/huge.y4m: header: frame size 16384x16384 is over the limit of 67108864 pixels" \
        "absurd size (refused before allocating)" -- "$BIN" blur --model "$W" "$V/huge.y4m" -o "$VO"
    fails_exact 1 "$b: $V/norate.y4m: header: bad frame rate 'F0:1' (want F<num>:<den>, both > 0)" "frame rate 0" -- \
        "$BIN" blur --model "$W" "$V/norate.y4m" -o "$VO"
    fails_exact 1 "$b: $V/c411.y4m: header: colour space 'C411' is not supported (420jpeg, 420mpeg2, 420paldv, 420, 422, 444 or mono)" \
        "4:1:1" -- "$BIN" blur --model "$W" "$V/c411.y4m" -o "$VO"
    fails_exact 1 "$b: $V/header_only.y4m: frame 1: the stream has a header but no frames" "header, no frames" -- \
        "$BIN" blur --model "$W" "$V/header_only.y4m" -o "$VO"
    fails_exact 1 "$b: $V/cut_header.y4m: header: cut short (no end of line)" "header cut short" -- \
        "$BIN" blur --model "$W" "$V/cut_header.y4m" -o "$VO"
    fails_exact 1 "$b: /dev/zero: not a regular file or a pipe" "/dev/zero as a stream" -- \
        timeout 10 "$BIN" blur --model "$W" --video /dev/zero -o "$VO"
    fails_exact 1 "backdrop replace: $V/missing.y4m: cannot open (No such file or directory)" "missing background stream" -- \
        "$BIN" replace --model "$W" "$V/long.y4m" --background "$V/missing.y4m" -o "$VO"
    fails_exact 1 "backdrop replace: $V/deep.y4m: header: C420p10 has more than 8 bits per sample; only 8-bit streams are supported (ffmpeg -pix_fmt yuv420p)" \
        "10-bit background stream" -- "$BIN" replace --model "$W" "$V/long.y4m" --background "$V/deep.y4m" -o "$VO"
    fails_exact 2 "$b: $V/out/o.png: a video output is a .y4m file or - (standard output) (backdrop blur --help)" \
        "video into a .png" -- "$BIN" blur --model "$W" --video "$V/long.y4m" -o "$V/out/o.png"
    fails_exact 2 "backdrop cutout: a YUV4MPEG2 stream has no alpha channel: no cutout (backdrop cutout --help)" \
        "cutout of a stream" -- "$BIN" cutout --model "$W" "$V/long.y4m" -o "$VO"
    fails_exact 2 "$b: --smooth must be 0..0.99, not '1' (backdrop blur --help)" "--smooth 1" -- \
        "$BIN" blur --model "$W" "$V/long.y4m" -o "$VO" --smooth 1
    fails_exact 2 "$b: --every must be an integer 1..1000, not '0' (backdrop blur --help)" "--every 0" -- \
        "$BIN" blur --model "$W" "$V/long.y4m" -o "$VO" --every 0
    fails_exact 2 "$b: --video takes one input stream, not several (backdrop blur --help)" "two streams" -- \
        "$BIN" blur --model "$W" "$V/long.y4m" "$V/cut.y4m" -o "$VO"
    cp "$V/long.y4m" "$V/same.y4m"; sum=$(cksum <"$V/same.y4m")
    fails_exact 2 "$b: $V/./same.y4m: the output would overwrite an input (backdrop blur --help)" "output == input" -- \
        "$BIN" blur --model "$W" "$V/same.y4m" -o "$V/./same.y4m"
    [ "$(cksum <"$V/same.y4m")" = "$sum" ] && ok || bad "video: output == input: the input was overwritten"
    fails_exact 1 "$b: $V/out/no/dir/o.y4m: the directory does not exist" "output into a missing directory" -- \
        "$BIN" blur --model "$W" "$V/long.y4m" -o "$V/out/no/dir/o.y4m"
    # broken after good frames: those are kept, the fault is named by its frame
    for c in "cut.y4m|frame 3: truncated (10 of 24 bytes)|2" \
             "long.y4m|frame 3: no 'FRAME' marker where the frame should start (wrong size in the header, or not a YUV4MPEG2 stream)|2"; do
        f=${c%%|*}; rest=${c#*|}; msg=${rest%|*}; n=${rest##*|}
        "$BIN" blur --model "$W" "$V/$f" -o "$VO" >"$T/out.txt" 2>"$T/err.txt"; rc=$?
        frames=$(grep -ao FRAME "$VO" 2>/dev/null | wc -l)
        if [ "$rc" = 1 ] && [ "$(cat "$T/err.txt")" = "$b: $V/$f: $msg" ] && [ "$frames" = "$n" ] \
           && [ "$(head -n 1 "$VO")" = "YUV4MPEG2 W4 H2 F25:1 Ip A0:0 C444" ]; then ok
        else bad "video: $f: exit $rc, '$(cat "$T/err.txt")', $frames frames written (want 1, '$b: $V/$f: $msg', $n)"; fi
        rm -f "$VO"; no_leftovers "$V/out" && ok
    done
else
    echo "note: video cases skipped (no blur subcommand or no $W)"
fi

# ------------------------------------------------------------------ in the field --------
# Issue 13's cases, each with the exact line expected on stderr (a '*' in it matches
# anything: a count that depends on the machine). The files are written here by Python.

# fails_line CODE LINE DESC -- CMD...: CMD exits with CODE, its stderr is exactly one
# line, equal to LINE (a shell pattern), and nothing crashed.
fails_line() {
    code=$1; want=$2; desc=$3; shift 4
    "$@" >"$T/out.txt" 2>"$T/err.txt"; rc=$?
    first=$(head -n 1 "$T/err.txt")
    if [ "$rc" != "$code" ]; then
        bad "$desc: exit $rc, expected $code; stderr: $(head -c 300 "$T/err.txt")"; return
    fi
    case "$first" in $want) ;; *)
        bad "$desc: stderr line is '$first', expected '$want'"; return;;
    esac
    [ "$(wc -l <"$T/err.txt")" -eq 1 ] || { bad "$desc: more than one line: $(head -c 400 "$T/err.txt")"; return; }
    ok
}
# same_pixels DESC BMP WANT: a 24-bit BMP's pixels, top row first, "r,g,b r,g,b ..."
same_pixels() {
    have=$(python3 -c '
import struct, sys
b = open(sys.argv[1], "rb").read()
off, = struct.unpack_from("<I", b, 10); w, h = struct.unpack_from("<ii", b, 18)
row = (w * 3 + 3) // 4 * 4; out = []
for y in range(abs(h)):
    r = off + (abs(h) - 1 - y if h > 0 else y) * row
    out += ["%d,%d,%d" % (b[r + 3 * x + 2], b[r + 3 * x + 1], b[r + 3 * x]) for x in range(w)]
print(" ".join(out))' "$2" 2>&1)
    [ "$have" = "$3" ] && ok || bad "$1: pixels '$have', expected '$3'"
}

if has_cmd blur && [ -f "$W" ] && [ -f "$T/in/one.png" ] && command -v python3 >/dev/null 2>&1; then
F=$T/field; mkdir -p "$F/out"
python3 - "$F" "$JPG" <<'PYEOF'
import os, struct, sys, zlib
d, jpg = sys.argv[1], sys.argv[2]
def w(name, b): open(os.path.join(d, name), 'wb').write(b)
def bmp(w_, h_, bpp, pixels=b'', palette=b'', offset=None, compression=0, size=None):
    off = 54 + len(palette) if offset is None else offset
    hdr = b'BM' + struct.pack('<IHHI', size or off + len(pixels), 0, 0, off)
    info = struct.pack('<iiiHHIIiiII', 40, w_, h_, 1, bpp, compression, len(pixels), 2835, 2835, 0, 0)
    return hdr + info + palette + pixels
# top-down BMP, 3x2, 24-bit, rows stored top first; pixel (x,y) = (10x+1, 20y+2, 30+x+y)
px = lambda x, y: (10 * x + 1, 20 * y + 2, 30 + x + y)
bgr = lambda x, y: bytes((px(x, y)[2], px(x, y)[1], px(x, y)[0]))
rows = b''
for y in range(2):
    r = b''.join(bgr(x, y) for x in range(3))
    rows += r + b'\0' * ((-len(r)) % 4)
w('topdown.bmp', bmp(3, -2, 24, rows))
# colour 7 of a 2-colour palette; a palette that works out at -1 entries
w('palidx.bmp', bmp(4, 1, 8, bytes((0, 7, 1, 0)), palette=b'\x10\x20\x30\0\x40\x50\x60\0'))
w('palneg.bmp', bmp(4, 1, 8, bytes((0, 1, 1, 0)), offset=50))
# 54-byte headers claiming 3000x3000 and 10000x10000; an RLE8 BMP
w('trunc3000.bmp', bmp(3000, 3000, 24, size=54))
w('trunc10000.bmp', bmp(10000, 10000, 24, size=54))
w('rle.bmp', bmp(4, 1, 8, b'\x04\x01\x00\x01', palette=b'\0\0\0\0\xff\xff\xff\0', compression=1))
# TGA: an 18-byte header for 100x100 RGB; an RLE file that stops after 2 of 3x3 pixels
def tga(t, w_, h_, bpp, desc=0, cm=(0, 0, 0, 0)):
    return struct.pack('<BBBHHBHHHHBB', 0, cm[0], t, cm[1], cm[2], cm[3], 0, 0, w_, h_, bpp, desc)
w('trunc.tga', tga(2, 100, 100, 24))
w('truncrle.tga', tga(10, 3, 3, 24) + b'\x81\x01\x02\x03')
# right to left (bit 4) and top first (bit 5): each stored row runs right to left
w('rtl.tga', tga(2, 3, 2, 24, 0x30) + b''.join(bgr(x, y) for y in range(2) for x in (2, 1, 0)))
# a colour map that starts at entry 5: entries 5, 6, 7 (BGR); pixels 5 6 7 / 7 6 5
cmap = bytes((3, 2, 1, 30, 20, 10, 255, 128, 0))
w('cmap5.tga', tga(1, 3, 2, 8, 0x20, cm=(1, 5, 3, 24)) + cmap + bytes((5, 6, 7, 7, 6, 5)))
# PNG: a 2-colour palette with pixels 0 1 2 255 (2 and 255 past it); a 2 GB IDAT length
def chunk(t, b): return struct.pack('>I', len(b)) + t + b + struct.pack('>I', zlib.crc32(t + b))
def ihdr(w_, h_, ct): return chunk(b'IHDR', struct.pack('>IIBBBBB', w_, h_, 8, ct, 0, 0, 0))
sig = b'\x89PNG\r\n\x1a\n'
w('shortpal.png', sig + ihdr(4, 1, 3) + chunk(b'PLTE', b'\x10\x20\x30\x40\x50\x60') +
  chunk(b'IDAT', zlib.compress(b'\0\x00\x01\x02\xff')) + chunk(b'IEND', b''))
w('bigidat.png', sig + ihdr(8, 8, 2) + struct.pack('>I', 0x7ffffff0) + b'IDAT' + zlib.compress(b'\0' * 200))
# JPEG variants and a cut, from a real JPEG: SOF0 made SOF3 / SOF9, precision made 12
if os.path.exists(jpg):
    j = open(jpg, 'rb').read()
    i = j.find(b'\xff\xc0')
    if i < 0: i = j.find(b'\xff\xc1')
    h_, w_ = struct.unpack_from('>HH', j, i + 5)
    open(os.path.join(d, 'jpgsize'), 'w').write('%dx%d' % (w_, h_))
    for name, at, v in (('sof3.jpg', i + 1, 0xc3), ('sof9.jpg', i + 1, 0xc9), ('p12.jpg', i + 4, 12)):
        b = bytearray(j); b[at] = v; w(name, bytes(b))
    sos = j.find(b'\xff\xda')
    w('cut.jpg', j[:sos + (len(j) - sos) * 6 // 10] + b'\xff\xd9')
PYEOF
    FX="$BIN blur --model $W -q"
    OUT=$F/out/x.png
    # 1. threads, from every source
    OMP_NUM_THREADS=100000 works "blur with OMP_NUM_THREADS=100000" -- $FX "$T/in/one.png" -o "$OUT"
    OMP_NUM_THREADS=100000 works "labels with OMP_NUM_THREADS=100000" -- $L "$T/in/one.png" $FAST -o "$OUT"
    rm -f "$OUT"
    fails_line 2 "backdrop bench: --threads must be 1..1024, not 100000" "bench --threads 100000" -- \
        "$BIN" bench --model "$W" --threads 100000 --runs 1 --size 65
    fails_line 2 "backdrop blur: --threads must be an integer 1..1024, not '100000' (backdrop blur --help)" \
        "blur --threads 100000" -- $FX "$T/in/one.png" -o "$OUT" --threads 100000
    # 15a. a thread that cannot be created: one line (libgomp's starts with an empty one)
    if grep -q "__asan_init" "$BIN" 2>/dev/null; then
        note_skip "ulimit -v case (ASan reserves terabytes of address space)"
    else
        fails_line 1 "backdrop blur: cannot start 64 threads (Resource temporarily unavailable): * could start, try --threads *" \
            "64 threads under ulimit -v 400000" -- sh -c "ulimit -v 400000; OMP_NUM_THREADS=64 exec $FX '$T/in/one.png' -o '$OUT'"
    fi
    # 2. palettes stb leaves uninitialised: refused (BMP) or padded with black (PNG)
    fails_line 1 "backdrop blur: $F/palidx.bmp: corrupt BMP: pixel (1,0) is colour 7 of a 2-colour palette" \
        "BMP index past its palette" -- $FX "$F/palidx.bmp" -o "$OUT"
    fails_line 1 "backdrop blur: $F/palneg.bmp: corrupt BMP: its palette would have -1 entries (1..256)" \
        "BMP with a negative palette size" -- $FX "$F/palneg.bmp" -o "$OUT"
    works "PNG indices past a 2-colour palette" -- $FX --strength 0 "$F/shortpal.png" -o "$F/out/pal.bmp"
    same_pixels "PNG short palette: black past it" "$F/out/pal.bmp" "16,32,48 64,80,96 0,0,0 0,0,0"
    # 3. a top-down BMP (negative height)
    works "top-down BMP" -- $FX --strength 0 "$F/topdown.bmp" -o "$F/out/td.bmp"
    same_pixels "top-down BMP" "$F/out/td.bmp" "1,2,30 11,2,31 21,2,32 1,22,31 11,22,32 21,22,33"
    # 4. headers that promise more than the file holds
    fails_line 1 "backdrop blur: $F/trunc3000.bmp: truncated BMP: the header promises 3000x3000 pixels (27000054 bytes), the file has 54" \
        "54-byte BMP claiming 3000x3000" -- $FX "$F/trunc3000.bmp" -o "$OUT"
    fails_line 1 "backdrop blur: $F/trunc10000.bmp: truncated BMP: the header promises 10000x10000 pixels (300000054 bytes), the file has 54" \
        "54-byte BMP claiming 10000x10000" -- $FX "$F/trunc10000.bmp" -o "$OUT"
    fails_line 1 "backdrop blur: $F/trunc.tga: truncated TGA: the header promises 100x100 pixels (30018 bytes), the file has 18" \
        "18-byte TGA header" -- $FX "$F/trunc.tga" -o "$OUT"
    fails_line 1 "backdrop blur: $F/truncrle.tga: truncated TGA: its run-length data ends after 2 of 3x3 pixels" \
        "RLE TGA cut short" -- $FX "$F/truncrle.tga" -o "$OUT"
    if [ -f "$F/cut.jpg" ]; then
        fails_line 1 "backdrop blur: $F/cut.jpg: truncated JPEG: its image data ends before the last of its $(cat "$F/jpgsize") pixels" \
            "JPEG cut mid-scan, EOI appended" -- $FX "$F/cut.jpg" -o "$OUT"
    else
        note_skip "JPEG cases ($JPG missing)"
    fi
    K=$SHARED/images/people_beach_kites_large.jpg       # has restart markers (DRI)
    if [ -f "$K" ]; then
        python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(d[:d.rfind(b"\xff\xd3")] + b"\xff\xd9")' "$K" "$F/cutrst.jpg"
        fails_line 1 "backdrop blur: $F/cutrst.jpg: truncated JPEG: its image data ends before the last of its 1352x900 pixels" \
            "JPEG with restart markers cut before its last RST3" -- $FX "$F/cutrst.jpg" -o "$OUT"
    fi
    if command -v jpegtran >/dev/null 2>&1 && [ -f "$JPG" ]; then    # progressive, lossless
        jpegtran -progressive "$JPG" >"$F/prog.jpg"
        works "progressive JPEG" -- $FX "$F/prog.jpg" -o "$OUT"
        rm -f "$OUT"
        python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
open(sys.argv[2], "wb").write(d[:len(d) * 7 // 10] + b"\xff\xd9")' "$F/prog.jpg" "$F/progcut.jpg"
        fails_line 1 "backdrop blur: $F/progcut.jpg: truncated JPEG: its image data ends before the last of its $(cat "$F/jpgsize") pixels" \
            "progressive JPEG cut in a scan" -- $FX "$F/progcut.jpg" -o "$OUT"
    else
        note_skip "progressive JPEG cases (no jpegtran: libjpeg-turbo-progs)"
    fi
    [ -e "$OUT" ] && bad "a refused input left $OUT behind"
    # 5. every file the command reads is protected
    cp "$T/in/gray.png" "$F/bg.png"; sum=$(cksum <"$F/bg.png")
    fails_line 2 "backdrop replace: $F/bg.png: the output would overwrite the background picture (backdrop replace --help)" \
        "replace --background B -o B" -- "$BIN" replace --model "$W" "$T/in/one.png" --background "$F/bg.png" -o "$F/bg.png"
    [ "$(cksum <"$F/bg.png")" = "$sum" ] && ok || bad "the background was overwritten"
    cp "$W" "$F/model.png"; sum=$(cksum <"$F/model.png")
    fails_line 2 "backdrop blur: $F/model.png: the output would overwrite the weights file (backdrop blur --help)" \
        "blur --model F -o F" -- "$BIN" blur --model "$F/model.png" "$T/in/one.png" -o "$F/model.png"
    fails_line 2 "backdrop labels: $F/model.png: the output would overwrite the weights file" \
        "labels --model F -o F" -- "$BIN" labels --model "$F/model.png" "$T/in/one.png" -o "$F/model.png"
    [ "$(cksum <"$F/model.png")" = "$sum" ] && ok || bad "the weights file was overwritten"
    # 6. a FIFO as the weights: refused at once, no hang
    mkfifo "$F/fifo.bdw"
    fails_line 1 "backdrop: $F/fifo.bdw: not a regular file" "info FIFO" -- timeout 10 "$BIN" info "$F/fifo.bdw"
    fails_line 1 "backdrop blur: $F/fifo.bdw: not a regular file" "blur --model FIFO" -- \
        timeout 10 "$BIN" blur --model "$F/fifo.bdw" "$T/in/one.png" -o "$OUT"
    # 7. a file size limit or a fatal signal during the write leaves no temporary file
    if [ -f "$SHARED/images/person_grace_hopper.jpg" ]; then
        fails_line 1 "backdrop blur: $F/out/big.bmp: write failed (File too large)" "write past ulimit -f" -- \
            sh -c "ulimit -f 100; exec $FX '$SHARED/images/person_grace_hopper.jpg' -o '$F/out/big.bmp'"
        [ -e "$F/out/big.bmp" ] && bad "ulimit -f: $F/out/big.bmp left behind"
        no_leftovers "$F/out" && ok
    fi
    if [ -f "$SHARED/images/people_beach_kites_large.jpg" ]; then
        # SIGTERM once the temporary file exists (polled every 10 ms; the PNG encoder
        # takes far longer on this photo side by side): no temporary file, no output
        mkdir -p "$F/term"
        $FX --side-by-side "$SHARED/images/people_beach_kites_large.jpg" -o "$F/term/term.png" 2>/dev/null &
        pid=$!; n=0
        while [ $n -lt 3000 ] && ! ls -A "$F/term" | grep -q '\.tmp\.'; do sleep 0.01; n=$((n + 1)); done
        if ls -A "$F/term" | grep -q '\.tmp\.'; then
            { kill -TERM $pid; wait $pid; rc=$?; } 2>/dev/null   # (no "Terminated" line)
            [ "$rc" = 143 ] && ok || bad "SIGTERM during the write: exit $rc, expected 143"
            no_leftovers "$F/term" && ok
            [ -e "$F/term/term.png" ] && bad "SIGTERM during the write: term.png left behind"
        else
            wait $pid; bad "SIGTERM: never saw the temporary file"
        fi
    fi
    # 8. long output names: 255 bytes work; 256 are refused before any work (the input is
    # missing too, but the name is checked first)
    n255=$(printf '%0251d' 0).png; n256=$(printf '%0252d' 0).png
    works "255-byte output name" -- $FX "$T/in/one.png" -o "$F/out/$n255"
    [ -f "$F/out/$n255" ] && ok || bad "255-byte output name: no file"
    fails_line 1 "backdrop blur: $F/out/$n256: the file name is 256 bytes, the limit there is 255" \
        "256-byte output name" -- $FX "$F/missing.png" -o "$F/out/$n256"
    # 9. error text is not cut at 512 bytes; a directory deeper than 4096 bytes
    long=$F/$(printf '%0250d' 0)/$(printf '%0250d' 1)/$(printf '%0250d' 2); mkdir -p "$long"
    fails_line 1 "backdrop blur: $long/missing.png: cannot open (No such file or directory)" \
        "a 780-byte path" -- $FX "$long/missing.png" -o "$OUT"
    # (sh's cd gives up past PATH_MAX: Python walks down by relative names)
    deep=$(python3 -c '
import os, subprocess, sys
top, fx, one = sys.argv[1], sys.argv[2].split(), sys.argv[3]
fx = [os.path.abspath(a) if os.path.exists(a) else a for a in fx]   # ./backdrop, weights/
os.chdir(top)
for i in range(1, 23):
    d = "%0200d" % i
    os.mkdir(d); os.chdir(d)
open("one.png", "wb").write(open(one, "rb").read())
rc = subprocess.call(fx + ["one.png", "-o", "x.png"])
print(top + "".join("/%0200d" % i for i in range(1, 23)) if rc == 0 and os.path.isfile("x.png") else "")
' "$F" "$FX" "$T/in/one.png")
    if [ -n "$deep" ]; then
        ok    # blur by relative names inside the deep directory
        fails_line 1 "backdrop blur: $deep/x.png: cannot use its directory (File name too long)" \
            "output in a 4400-byte directory, by its full name" -- $FX "$T/in/one.png" -o "$deep/x.png"
        python3 -c 'import shutil, sys; shutil.rmtree(sys.argv[1])' "$F/$(printf "%0200d" 1)"
    else
        bad "blur by relative names inside a 4400-byte directory"
    fi
    # 10. the format's own reason; the unsupported variants named
    fails_line 1 "backdrop blur: $F/bigidat.png: truncated PNG: its IDAT chunk claims 2147483632 bytes, 12 are left" \
        "PNG with a 2 GB IDAT length" -- $FX "$F/bigidat.png" -o "$OUT"
    fails_line 1 "backdrop blur: $F/rle.bmp: RLE-compressed BMP (RLE8) is not supported" "RLE BMP" -- $FX "$F/rle.bmp" -o "$OUT"
    if [ -f "$F/sof3.jpg" ]; then
        fails_line 1 "backdrop blur: $F/sof3.jpg: lossless (SOF3) JPEG is not supported (baseline and progressive Huffman only)" \
            "lossless JPEG" -- $FX "$F/sof3.jpg" -o "$OUT"
        fails_line 1 "backdrop blur: $F/sof9.jpg: arithmetic-coded (SOF9) JPEG is not supported (baseline and progressive Huffman only)" \
            "arithmetic JPEG" -- $FX "$F/sof9.jpg" -o "$OUT"
        fails_line 1 "backdrop blur: $F/p12.jpg: 12-bit JPEG is not supported (8-bit samples only)" \
            "12-bit JPEG" -- $FX "$F/p12.jpg" -o "$OUT"
    fi
    # 11. TGA rows stored right to left; a colour map that starts at entry 5
    works "right-to-left TGA" -- $FX --strength 0 "$F/rtl.tga" -o "$F/out/rtl.bmp"
    same_pixels "right-to-left TGA" "$F/out/rtl.bmp" "1,2,30 11,2,31 21,2,32 1,22,31 11,22,32 21,22,33"
    works "TGA colour map from entry 5" -- $FX --strength 0 "$F/cmap5.tga" -o "$F/out/cmap.bmp"
    same_pixels "TGA colour map from entry 5" "$F/out/cmap.bmp" "1,2,3 10,20,30 0,128,255 0,128,255 10,20,30 1,2,3"
    # 12. a --class list over 1023 characters is read to its end
    many=$(for i in $(seq 200); do printf 'person,'; done)
    fails_line 2 "backdrop blur: unknown class 'unicorn'; the model's classes are: background, *" \
        "--class list of 1407 characters" -- $FX "$T/in/one.png" -o "$OUT" --class "${many}unicorn"
    works "--class list of 1403 characters" -- $FX "$T/in/one.png" -o "$OUT" --class "${many}dog"
    # 13. a failed write to stdout
    fails_line 1 "backdrop: cannot write to standard output (No space left on device)" "info >/dev/full" -- \
        sh -c "exec '$BIN' info '$W' >/dev/full"
    # 14. replacing an output keeps its permission bits
    rm -f "$OUT"; : >"$OUT"; chmod 600 "$OUT"
    works "overwrite a 0600 output" -- $FX "$T/in/one.png" -o "$OUT"
    [ "$(stat -c %a "$OUT")" = 600 ] && ok || bad "the replaced output has mode $(stat -c %a "$OUT"), not 600"
    # 15b. /dev/zero is refused before it is read
    fails_line 1 "backdrop blur: /dev/zero: not a regular file or a pipe" "/dev/zero as input" -- \
        timeout 10 $FX /dev/zero -o "$OUT"
    no_leftovers "$F/out" && ok
else
    note_skip "in-the-field cases (no blur subcommand, no $W, no python3)"
fi

# ------------------------------------------------------------------ leaks ---------------
# A few failures under valgrind (the sanitizer build checks every case with LSan instead).
if command -v valgrind >/dev/null 2>&1 && ! grep -q "__asan_init" "$BIN" 2>/dev/null; then
    vg() { # DESC CMD...
        d=$1; shift
        valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
            --error-exitcode=9 "$@" >/dev/null 2>"$T/vg.txt"
        rc=$?
        [ "$rc" = 1 ] || [ "$rc" = 2 ] && ok || bad "valgrind: $d: exit $rc: $(tail -n 20 "$T/vg.txt")"
    }
    vg "info, version 3 weights" "$BIN" info "$T/in/v3.bdw"
    vg "info, another network" "$BIN" info "$T/in/othernet.bdw"
    if has_cmd labels && [ -f "$W" ]; then
        vg "labels, corrupt PNG" "$BIN" labels --model "$W" "$T/in/badzlib.png" -o "$T/out/x.png"
        vg "labels, huge PNG" "$BIN" labels --model "$W" "$T/in/huge.png" -o "$T/out/x.png"
        vg "labels, --os 7" "$BIN" labels --model "$W" "$T/in/one.png" -o "$T/out/x.png" --os 7
        vg "labels, foreign weights" "$BIN" labels --model "$T/in/othernet.bdw" "$T/in/one.png" -o "$T/out/x.png"
    fi
    # the odd files of issue 13 that decode: no uninitialised byte may reach the pixels
    # (valgrind follows them into the network and the PNG encoder); the refused ones: no leak
    vg_ok() { # DESC CMD...
        d=$1; shift
        valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
            --error-exitcode=9 "$@" >/dev/null 2>"$T/vg.txt"
        rc=$?
        [ "$rc" = 0 ] && ok || bad "valgrind: $d: exit $rc: $(tail -n 20 "$T/vg.txt")"
    }
    if has_cmd labels && [ -f "$W" ] && [ -f "$T/field/shortpal.png" ]; then
        for f in shortpal.png topdown.bmp rtl.tga cmap5.tga; do
            vg_ok "labels, $f" "$BIN" labels --model "$W" --input-size 65 "$T/field/$f" -o "$T/out/x.png"
        done
        for f in palidx.bmp palneg.bmp trunc10000.bmp truncrle.tga bigidat.png cut.jpg; do
            [ -f "$T/field/$f" ] && vg "labels, $f" "$BIN" labels --model "$W" --input-size 65 "$T/field/$f" -o "$T/out/x.png"
        done
    fi
    if has_cmd blur && [ -f "$W" ]; then
        vg "blur, unknown class" "$BIN" blur --model "$W" "$T/in/one.png" -o "$T/out/x.png" --class unicorn
        vg "replace, huge background" "$BIN" replace --model "$W" "$T/in/one.png" -o "$T/out/x.png" --background "$T/in/huge.png"
        vg "cutout, corrupt PNG" "$BIN" cutout --model "$W" "$T/in/badzlib.png" -o "$T/out/x.png"
        vg "video, header without frames (the pipeline's threads start and stop)" "$BIN" blur --model "$W" "$T/vid/header_only.y4m" -o "$T/out/x.y4m"
        vg "video, absurd size" "$BIN" blur --model "$W" "$T/vid/huge.y4m" -o "$T/out/x.y4m"
    fi
else
    note_skip "valgrind cases (no valgrind, or a sanitizer build: LSan checks instead)"
fi

echo "test_bad_inputs: $passed passed, $failed failed$([ $skipped -gt 0 ] && echo ", $skipped skipped")"
[ "$failed" -eq 0 ]
