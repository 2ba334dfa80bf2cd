#!/bin/sh
# test_orient_cli.sh — phone photos come out upright: for each EXIF orientation 1..8, a
# JPEG is made here (a 32x16 picture of eight flat 8x8 blocks written as a BMP by Python,
# encoded by `backdrop blur --strength 0 --quality 100`, an APP1 Exif segment spliced in
# after SOI, little- and big-endian in turn) and used
#   - as the input of `blur --strength 0` (identity): the output is the upright picture
#     (16x32 for 5..8), every block's centre within 12 of the colour the tag puts there;
#   - with --no-orient: the stored 32x16 picture;
#   - as the --background of `replace` over a flat gray photo of the upright size with
#     --edges hard (no subject: the output is the background): the upright picture again.
# tests/test_exif.c checks the parser and the turns themselves.
set -u
: "${BIN:=./backdrop}"
passed=0; failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
W=weights/deeplabv3_mnv2_dm05_pascal.bdw
[ -f "$W" ] || W=weights/deeplabv3_mnv2_pascal.bdw
if [ ! -f "$W" ] || ! command -v python3 >/dev/null 2>&1; then
    echo "note: no weights in weights/ (run make) or no python3: skipped"
    echo "test_orient_cli: 0 passed, 0 failed, 1 skipped"
    exit 0
fi
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

# The picture, the gray photos (PNG) and, after the JPEG exists, the 8 spliced files.
python3 - "$T" <<'PYEOF'
import struct, sys, zlib
d = sys.argv[1]
C = [(240, 16, 16), (16, 240, 16), (16, 16, 240), (240, 240, 16),
     (16, 240, 240), (240, 16, 240), (128, 128, 128), (240, 240, 240)]
w, h = 32, 16
rows = b''
for y in reversed(range(h)):                     # BMP rows bottom-up, BGR
    rows += b''.join(bytes(C[(y // 8) * 4 + x // 8][::-1]) for x in range(w))
hdr = b'BM' + struct.pack('<IHHI', 54 + len(rows), 0, 0, 54)
hdr += struct.pack('<iiiHHIIiiII', 40, w, h, 1, 24, 0, len(rows), 2835, 2835, 0, 0)
open(d + '/picture.bmp', 'wb').write(hdr + rows)
def png(name, w_, h_):
    raw = b''.join(b'\0' + b'\x80' * (3 * w_) for _ in range(h_))
    ch = lambda t, b: struct.pack('>I', len(b)) + t + b + struct.pack('>I', zlib.crc32(t + b))
    open(d + '/' + name, 'wb').write(b'\x89PNG\r\n\x1a\n' +
        ch(b'IHDR', struct.pack('>IIBBBBB', w_, h_, 8, 2, 0, 0, 0)) +
        ch(b'IDAT', zlib.compress(raw)) + ch(b'IEND', b''))
png('gray_wide.png', 32, 16)
png('gray_tall.png', 16, 32)
PYEOF
"$BIN" blur --model "$W" -q --strength 0 --quality 100 "$T/picture.bmp" -o "$T/base.jpg" ||
    bad "could not write the base JPEG"
python3 - "$T" <<'PYEOF'
import struct, sys
d = sys.argv[1]
base = open(d + '/base.jpg', 'rb').read()
for o in range(1, 9):
    big = o % 2 == 0
    e = '>' if big else '<'
    tiff = (b'MM' if big else b'II') + struct.pack(e + 'HI', 42, 8) + struct.pack(e + 'H', 1)
    tiff += struct.pack(e + 'HHIHH', 0x0112, 3, 1, o, 0) + struct.pack(e + 'I', 0)
    seg = b'Exif\0\0' + tiff
    app1 = b'\xff\xe1' + struct.pack('>H', len(seg) + 2) + seg
    open('%s/o%d.jpg' % (d, o), 'wb').write(base[:2] + app1 + base[2:])
PYEOF

# upright FILE.bmp O: the BMP shows the picture turned as orientation O says
upright() {
    python3 - "$1" "$2" <<'PYEOF'
import struct, sys
b = open(sys.argv[1], 'rb').read(); o = int(sys.argv[2])
C = [(240, 16, 16), (16, 240, 16), (16, 16, 240), (240, 240, 16),
     (16, 240, 240), (240, 16, 240), (128, 128, 128), (240, 240, 240)]
SW, SH = 32, 16
off, = struct.unpack_from('<I', b, 10); w, h = struct.unpack_from('<ii', b, 18)
W, H = (SH, SW) if o >= 5 else (SW, SH)
if (w, abs(h)) != (W, H):
    print('size %dx%d, expected %dx%d' % (w, abs(h), W, H)); sys.exit(1)
row = (w * 3 + 3) // 4 * 4
def pix(x, y):
    r = off + ((abs(h) - 1 - y) if h > 0 else y) * row + 3 * x
    return (b[r + 2], b[r + 1], b[r])
src = {1: lambda x, y: (x, y), 2: lambda x, y: (SW - 1 - x, y),
       3: lambda x, y: (SW - 1 - x, SH - 1 - y), 4: lambda x, y: (x, SH - 1 - y),
       5: lambda x, y: (y, x), 6: lambda x, y: (y, SH - 1 - x),
       7: lambda x, y: (SW - 1 - y, SH - 1 - x), 8: lambda x, y: (SW - 1 - y, x)}[o]
for y in range(4, H, 8):
    for x in range(4, W, 8):
        sx, sy = src(x, y); want = C[(sy // 8) * 4 + sx // 8]; have = pix(x, y)
        if max(abs(a - c) for a, c in zip(have, want)) > 12:
            print('pixel (%d,%d) is %s, expected %s' % (x, y, have, want)); sys.exit(1)
PYEOF
}

for o in 1 2 3 4 5 6 7 8; do
    f=$T/o$o.jpg
    if "$BIN" blur --model "$W" -q --strength 0 "$f" -o "$T/in$o.bmp" 2>"$T/err"; then
        msg=$(upright "$T/in$o.bmp" "$o") && ok || bad "input, orientation $o: $msg"
    else
        bad "input, orientation $o: $(cat "$T/err")"
    fi
    if "$BIN" blur --model "$W" -q --strength 0 --no-orient "$f" -o "$T/keep$o.bmp" 2>"$T/err"; then
        msg=$(upright "$T/keep$o.bmp" 1) && ok || bad "input --no-orient, orientation $o: $msg"
    else
        bad "input --no-orient, orientation $o: $(cat "$T/err")"
    fi
    photo=$T/gray_wide.png; [ "$o" -ge 5 ] && photo=$T/gray_tall.png
    if "$BIN" replace --model "$W" -q --edges hard "$photo" --background "$f" -o "$T/bg$o.bmp" 2>"$T/err"; then
        msg=$(upright "$T/bg$o.bmp" "$o") && ok || bad "background, orientation $o: $msg"
    else
        bad "background, orientation $o: $(cat "$T/err")"
    fi
done
echo "test_orient_cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
