#!/bin/sh
# video_fps.sh — end-to-end video speed: frames per second of `backdrop blur --video - -o -`
# with the clip piped in and the result piped out (cat | backdrop | cat >/dev/null), for
# 1280x720 and 640x480 4:2:0 clips that ffmpeg makes from a shared photo (panned and
# zoomed), the default model and the depth-0.5 one at output stride 16, on 1 thread, on
# 2 threads and with the default (tuned) thread count. Median of RUNS runs (alternating
# the configurations, so a neighbour's load hits them alike), with the share of the busy
# time in the network, the compositing (smoothing, matte, effect) and I/O (read + Y'CbCr ->
# RGB, RGB -> Y'CbCr + write), from --time. The load average before and after is printed:
# on a shared machine read the figures with it.
#   sh bench/video_fps.sh [OUT.md]      RUNS=3 FRAMES=30 BIN=./backdrop SHARED=../shared
set -u
: "${BIN:=./backdrop}" "${SHARED:=../shared}" "${RUNS:=3}" "${FRAMES:=30}"
OUT=${1:-bench/results_video.md}
PHOTO=$SHARED/images/person_grace_hopper.jpg
M1=weights/deeplabv3_mnv2_pascal.bdw
M05=weights/deeplabv3_mnv2_dm05_pascal.bdw
for f in "$PHOTO" "$M1" "$M05" "$BIN"; do
    [ -e "$f" ] || { echo "video_fps: $f missing (make; set SHARED)" >&2; exit 1; }
done
command -v ffmpeg >/dev/null 2>&1 || { echo "video_fps: ffmpeg not installed (sh tools/deps.sh test)" >&2; exit 1; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
for s in 1280x720 640x480; do
    ffmpeg -v error -y -loop 1 -i "$PHOTO" -vf "scale=1600:-2,zoompan=z='1.2+0.004*on':x='(iw-iw/zoom)/2+4*on-60':y='(ih-ih/zoom)/3':d=1:s=$s:fps=30" \
        -frames:v "$FRAMES" -pix_fmt yuv420p -f yuv4mpegpipe "$T/$s.y4m" || exit 1
done
load0=$(cut -d' ' -f1-3 /proc/loadavg)
# one run: prints "fps net comp io threads"
run() { # SIZE MODEL THREADS(0 = default)
    th=""; [ "$3" != 0 ] && th="--threads $3"
    cat "$T/$1.y4m" | "$BIN" blur --video - -o - --model "$2" --os 16 $th --time -q 2>"$T/log" | cat >/dev/null
    sed -nE 's/.*network on ([0-9]+) threads?.*\(([0-9.]+) fps\); busy per frame: read\+convert ([0-9.]+) ms, network ([0-9.]+) .*composite ([0-9.]+) .*convert\+write ([0-9.]+).*/\2 \4 \5 \3 \6 \1/p' "$T/log"
}
configs=""
for s in 1280x720 640x480; do for m in M05 M1; do for t in 1 2 0; do configs="$configs $s:$m:$t"; done; done; done
for r in $(seq "$RUNS"); do
    for c in $configs; do
        s=${c%%:*}; rest=${c#*:}; m=${rest%%:*}; t=${rest#*:}
        eval "model=\$$m"
        line=$(run "$s" "$model" "$t")
        [ -n "$line" ] || { echo "video_fps: $c: no --time line: $(cat "$T/log")" >&2; exit 1; }
        echo "$c $line" >>"$T/all"
        echo "run $r $c: $line" >&2
    done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)
{
    echo "# Video: end-to-end fps through a pipe"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores;"
    echo "load average before $load0, after $load1 (a shared machine: other sessions were running)."
    echo "\`cat clip.y4m | backdrop blur --video - -o - --os 16 [--threads N] | cat\`, $FRAMES frames, median of $RUNS runs;"
    echo "shares of the busy time per frame (network / compositing / I/O incl. Y'CbCr conversion)."
    echo
    echo "| size | model | threads | fps (median) | fps (all runs) | network ms | composite ms | I/O ms | shares |"
    echo "|---|---|---|---:|---|---:|---:|---:|---|"
    for c in $configs; do
        s=${c%%:*}; rest=${c#*:}; m=${rest%%:*}; t=${rest#*:}
        grep "^$c " "$T/all" | sort -k2 -n | awk -v s="$s" -v m="$m" -v t="$t" '
            { fps[NR] = $2; net[NR] = $3; comp[NR] = $4; io[NR] = $5 + $6; used[NR] = $7; all = all (NR > 1 ? ", " : "") $2 }
            END {
                k = int((NR + 1) / 2); tot = net[k] + comp[k] + io[k]
                th = t == 0 ? "default (tuned: " used[k] ")" : t
                printf "| %s | %s | %s | %.1f | %s | %.1f | %.1f | %.1f | %.0f / %.0f / %.0f %% |\n",
                    s, m == "M05" ? "d=0.5" : "d=1.0", th, fps[k], all, net[k], comp[k], io[k],
                    100 * net[k] / tot, 100 * comp[k] / tot, 100 * io[k] / tot }'
    done
} >"$OUT"
cat "$OUT"
