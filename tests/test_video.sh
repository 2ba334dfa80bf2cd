#!/bin/sh
# test_video.sh — backdrop EFFECT --video on real clips that ffmpeg makes from a shared photo,
# decoded again by ffmpeg: the frame count, size, frame rate and colour space (C tag) come
# back unchanged for 4:2:0 (jpeg and mpeg2 siting), 4:2:2, 4:4:4 and mono; in the subject's
# core (mask 255) the picture is unchanged, in the background's core (mask 0) it is changed
# as asked (blurred; gray R = G = B; white; the frames of a looped background stream);
# stdin -> stdout works in a pipe; a .y4m name picks video; --every N runs the network on
# every N-th frame; -q is silent; progress is shown on a terminal only; a truncated input
# keeps the complete frames (exit 1).
# Needs ffmpeg, python3, $SHARED's photos and the d=0.5 weights; otherwise skipped.
set -u
: "${BIN:=./backdrop}" "${SHARED:=../shared}"
passed=0; failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
W=weights/deeplabv3_mnv2_dm05_pascal.bdw
PHOTO=$SHARED/images/person_grace_hopper.jpg
for need in ffmpeg ffprobe python3; do
    command -v $need >/dev/null 2>&1 || { echo "skipped: test_video: $need not installed"; echo "test_video: 0 passed, 0 failed, 1 skipped"; exit 0; }
done
if [ ! -f "$W" ] || [ ! -f "$PHOTO" ] || [ ! -x "$BIN" ]; then
    echo "skipped: test_video: $W, $PHOTO or $BIN missing (make; set SHARED)"
    echo "test_video: 0 passed, 0 failed, 1 skipped"; exit 0
fi
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
B="$BIN"
FF="ffmpeg -v error -y"
N=8

# clip PIXFMT OUT: N frames of the photo, slowly panned, 30000/1001 fps
clip() {
    $FF -loop 1 -i "$PHOTO" -vf "scale=640:-2,zoompan=z='1.1+0.004*on':x='(iw-iw/zoom)/2+3*on':y='(ih-ih/zoom)/2':d=1:s=256x300:fps=30000/1001" \
        -frames:v $N -pix_fmt "$1" -f yuv4mpegpipe "$2"
}
# probe FILE: "w,h,pix_fmt,rate,frames"
probe() {
    ffprobe -v error -count_frames -show_entries stream=width,height,pix_fmt,r_frame_rate,nb_read_frames \
        -of csv=p=0 "$1" 2>&1 | head -n 1
}
# ctag FILE: the C field of its header
ctag() { head -n 1 "$1" | tr ' ' '\n' | grep '^C' ; }

# check.py MODE IN OUT MASK [BGSPEC]: per frame, compares the subject and background cores
cat >"$T/check.py" <<'EOF'
import subprocess, sys
mode, fin, fout, fmask = sys.argv[1:5]
def rgb_frames(path):
    raw = subprocess.run(['ffmpeg', '-v', 'error', '-i', path, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
                         check=True, capture_output=True).stdout
    return raw
def y4m_planes(path):
    data = open(path, 'rb').read()
    head, rest = data.split(b'\n', 1)
    f = dict((t[:1], t[1:]) for t in head.split(b' ')[1:])
    w, h = int(f[b'W']), int(f[b'H'])
    frames = []
    while rest:
        marker, rest = rest.split(b'\n', 1)
        frames.append(rest[:w * h]); rest = rest[w * h:]
    return w, h, frames
w, h, masks = y4m_planes(fmask)
a, b = rgb_frames(fin), rgb_frames(fout)
n = len(masks); fb = w * h * 3
assert len(a) == n * fb and len(b) == n * fb, (len(a), len(b), n * fb)
colours = [tuple(int(sys.argv[5][i * 7 + k * 2 + 1: i * 7 + k * 2 + 3], 16) for k in range(3))
           for i in range(len(sys.argv[5]) // 7)] if len(sys.argv) > 5 else []
bad = 0
for k in range(n):
    m = masks[k]
    # cores: 255 / 0 and the same for the 8 neighbours 4 pixels away
    def core(v):
        return [i for i in range(w * 4 + 4, w * h - w * 4 - 4, 3)
                if all(m[j] == v for j in (i, i - 4, i + 4, i - 4 * w, i + 4 * w))]
    subj, back = core(255), core(0)
    if len(subj) < 200 or len(back) < 200:
        print('frame %d: cores too small: %d subject, %d background' % (k, len(subj), len(back))); bad += 1; continue
    o, p = k * fb, b
    ds = sum(abs(a[o + 3 * i + c] - b[o + 3 * i + c]) for i in subj for c in range(3)) / (3 * len(subj))
    if mode == 'blur':
        db = sum(abs(a[o + 3 * i + c] - b[o + 3 * i + c]) for i in back for c in range(3)) / (3 * len(back))
        good = ds < 3 and db > 2 * ds + 3
        what = 'background changed by %.2f' % db
    elif mode == 'gray':
        db = max(max(b[o + 3 * i: o + 3 * i + 3]) - min(b[o + 3 * i: o + 3 * i + 3]) for i in back)
        good = ds < 3 and db <= 6     # 4:2:0 chroma, ffmpeg's bicubic upsampling
        what = 'background max R,G,B spread %d' % db
    else:   # colour(s): frame k's background is colours[k % len]
        want = colours[k % len(colours)]
        db = max(abs(b[o + 3 * i + c] - want[c]) for i in back for c in range(3))
        good = ds < 3 and db <= 12    # the colours are ~190 apart
        what = 'background max distance to %s %d' % (str(want), db)
    if not good:
        print('frame %d: subject changed by %.2f, %s' % (k, ds, what)); bad += 1
print('%s: %d frames, %s: %s' % (mode, n, 'ok' if not bad else 'BAD', what))
sys.exit(1 if bad else 0)
EOF

# ------------------------------------------------------------------ formats -------------
for pix in yuv420p yuv422p yuv444p gray; do
    clip $pix "$T/in_$pix.y4m" || { bad "ffmpeg could not make a $pix clip"; continue; }
    "$B" blur --video "$T/in_$pix.y4m" -o "$T/out_$pix.y4m" --model "$W" -q 2>"$T/err" \
        && ok || bad "blur $pix: $(cat "$T/err")"
    want=$(probe "$T/in_$pix.y4m"); have=$(probe "$T/out_$pix.y4m")
    [ "$want" = "$have" ] && [ "$(ctag "$T/in_$pix.y4m")" = "$(ctag "$T/out_$pix.y4m")" ] && ok \
        || bad "blur $pix: ffprobe says '$have' ($(ctag "$T/out_$pix.y4m")), input '$want' ($(ctag "$T/in_$pix.y4m"))"
    echo "test_video: $pix: in '$want', out '$have'"
done
# 420mpeg2 (left-sited chroma): the same planes, relabelled
sed '1s/C420jpeg/C420mpeg2/' "$T/in_yuv420p.y4m" >"$T/in_mpeg2.y4m"
"$B" gray "$T/in_mpeg2.y4m" -o "$T/out_mpeg2.y4m" --model "$W" -q && [ "$(ctag "$T/out_mpeg2.y4m")" = C420mpeg2 ] \
    && ok || bad "gray on C420mpeg2 (chosen by the .y4m names): $(ctag "$T/out_mpeg2.y4m" 2>&1)"

# ------------------------------------------------------------------ pixels --------------
IN=$T/in_yuv420p.y4m
"$B" mask --video "$IN" -o "$T/mask.y4m" --model "$W" -q && [ "$(ctag "$T/mask.y4m")" = Cmono ] \
    && [ "$(probe "$T/mask.y4m")" = "256,300,gray,30000/1001,$N" ] && ok || bad "mask: not a mono stream of $N frames: $(probe "$T/mask.y4m")"
python3 "$T/check.py" blur "$IN" "$T/out_yuv420p.y4m" "$T/mask.y4m" && ok || bad "blur: subject/background cores"
"$B" gray --video "$IN" -o "$T/gray.y4m" --model "$W" -q && python3 "$T/check.py" gray "$IN" "$T/gray.y4m" "$T/mask.y4m" \
    && ok || bad "gray: subject/background cores"
"$B" replace --video "$IN" -o "$T/white.y4m" --model "$W" --color white -q \
    && python3 "$T/check.py" colour "$IN" "$T/white.y4m" "$T/mask.y4m" '#ffffff' && ok || bad "replace --color white"
# a moving background: 3 frames, red / green / blue, looped over the 8 frames
$FF -f lavfi -i "color=c=0xdc1e1e:s=64x48:r=25:d=1" -f lavfi -i "color=c=0x1edc1e:s=64x48:r=25:d=1" \
    -f lavfi -i "color=c=0x1e1edc:s=64x48:r=25:d=1" \
    -filter_complex "[0][1][2]concat=n=3:v=1,select='eq(n,0)+eq(n,25)+eq(n,50)',setpts=N/25/TB" \
    -pix_fmt yuv444p -frames:v 3 -f yuv4mpegpipe "$T/bg.y4m"
[ "$(probe "$T/bg.y4m" | cut -d, -f5)" = 3 ] && ok || bad "ffmpeg could not make the 3-frame background: $(probe "$T/bg.y4m")"
"$B" replace --video "$IN" -o "$T/moving.y4m" --model "$W" --background "$T/bg.y4m" -q 2>"$T/err" \
    && python3 "$T/check.py" colours "$IN" "$T/moving.y4m" "$T/mask.y4m" '#dc1e1e#1edc1e#1e1edc' && ok \
    || bad "replace --background a looped y4m stream: $(cat "$T/err")"
"$B" replace --video "$IN" -o "$T/pic.y4m" --model "$W" --background "$SHARED/images/bg_dune_grass_sea.jpg" -q \
    && [ "$(probe "$T/pic.y4m")" = "$(probe "$IN")" ] && ok || bad "replace --background a picture"

# ------------------------------------------------------------------ pipes, options -------
cat "$IN" | "$B" blur --video - -o - --model "$W" -q 2>"$T/err" | cmp -s - "$T/out_yuv420p.y4m" \
    && ok || bad "stdin -> stdout differs from file -> file: $(cat "$T/err")"
"$B" blur --video "$IN" -o - --model "$W" 2>"$T/err" | ffprobe -v error -count_frames \
    -show_entries stream=nb_read_frames -of csv=p=0 -i - >"$T/n" 2>&1
[ "$(cat "$T/n")" = "$N" ] && grep -q "^backdrop blur: .* -> stdout: $N frames 256x300 C420jpeg F30000:1001" "$T/err" \
    && ok || bad "a pipe into ffprobe: $(cat "$T/n") frames; stderr: $(cat "$T/err")"
"$B" blur --video "$IN" -o "$T/q.y4m" --model "$W" -q 2>"$T/err"; [ ! -s "$T/err" ] && ok || bad "-q printed: $(cat "$T/err")"
"$B" blur --video "$IN" -o "$T/e3.y4m" --model "$W" --every 3 --time 2>"$T/err" \
    && grep -q ", 3 runs)" "$T/err" && [ "$(probe "$T/e3.y4m" | cut -d, -f5)" = "$N" ] && ok \
    || bad "--every 3 over $N frames: not 3 network runs: $(cat "$T/err")"
"$B" blur --video "$IN" -o "$T/s0.y4m" --model "$W" --smooth 0 --threads 1 -q && ok || bad "--smooth 0 --threads 1"
BACKDROP_PIPELINE=serial "$B" blur --video "$IN" -o "$T/serial.y4m" --model "$W" -q \
    && cmp -s "$T/serial.y4m" "$T/out_yuv420p.y4m" && ok || bad "the pipeline's output differs from one frame at a time"

# progress on a terminal (script(1) gives the command one), none with -q or into a file
if command -v script >/dev/null 2>&1; then
    script -qec "\"$B\" blur --video \"$IN\" -o \"$T/tty.y4m\" --model \"$W\"" /dev/null >"$T/tty" 2>&1
    tr '\r' '\n' <"$T/tty" | grep -q "^backdrop blur: frame 1, [0-9.]* fps" && ok || bad "no progress on a terminal: $(head -c 200 "$T/tty")"
    script -qec "\"$B\" blur --video \"$IN\" -o \"$T/tty.y4m\" --model \"$W\" -q" /dev/null >"$T/tty" 2>&1
    [ ! -s "$T/tty" ] && ok || bad "-q on a terminal printed: $(head -c 200 "$T/tty")"
    "$B" blur --video "$IN" -o "$T/tty.y4m" --model "$W" 2>"$T/err"
    grep -q "frame 1," "$T/err" && bad "progress written into a file: $(head -c 200 "$T/err")" || ok
else
    echo "note: script(1) missing: the progress line on a terminal is not checked"
fi

# a truncated last frame: the 7 complete frames are written, exit 1, one line naming frame 8
size=$(wc -c <"$IN"); head -c $((size - 1000)) "$IN" >"$T/cut.y4m"
"$B" blur --video "$T/cut.y4m" -o "$T/cut_out.y4m" --model "$W" -q 2>"$T/err"; rc=$?
want="backdrop blur: $T/cut.y4m: frame 8: truncated ($((256 * 300 * 3 / 2 - 1000)) of $((256 * 300 * 3 / 2)) bytes)"
[ "$rc" = 1 ] && [ "$(cat "$T/err")" = "$want" ] && [ "$(probe "$T/cut_out.y4m" | cut -d, -f5)" = 7 ] \
    && ok || bad "truncated input: exit $rc, '$(cat "$T/err")' (want '$want'), $(probe "$T/cut_out.y4m")"
ls -A "$T" | grep -q '\.tmp\.' && bad "temporary file left: $(ls -A "$T")" || ok

echo "test_video: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
