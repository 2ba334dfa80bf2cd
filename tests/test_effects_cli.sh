#!/bin/sh
# test_effects_cli.sh — the effect subcommands (blur, replace, gray, cutout, mask) as a user
# runs them: --help for each; usage errors exit 2 and bad input exits 1, each with one
# line on stderr naming the problem and no output file (nor temp file) left behind; an
# input is never overwritten; outputs come in the format of their extension (PNG, JPEG,
# BMP, TGA), at the photo's size, gray for mask and RGBA for cutout (--side-by-side and
# --max-side change the size as documented); several inputs go to -o DIR/ with derived
# names; gray and RGBA inputs work; --time names every stage.
# The pixel checks on real photos are in tests/test_effects_real.c.
# Environment (set by tests/run_all.sh): BIN (the CLI), SHARED (../shared); weights from
# weights/ or $BACKDROP_WEIGHTS_DIR (the dm05 quant model if built, else the default one).
set -u
: "${BIN:=./backdrop}" "${SHARED:=../shared}"
passed=0; failed=0
ok()  { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL test_effects_cli: $*" >&2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# the small model (0.5 depth, output stride 16) when built: these checks are about the CLI
wdir="${BACKDROP_WEIGHTS_DIR:-weights}"
model="$wdir/deeplabv3_mnv2_dm05_pascal_quant.bdw"
[ -f "$model" ] || model="$wdir/deeplabv3_mnv2_pascal.bdw"
img="$SHARED/images"
astro="$img/person_astronaut.png"

skipped=0
finish() {
    echo "test_effects_cli: $passed passed, $failed failed$([ $skipped -gt 0 ] && echo ", $skipped skipped")"
    [ "$failed" -eq 0 ]; exit
}
skip() { echo "skipped: test_effects_cli: $*"; skipped=$((skipped + 1)); }

if [ ! -x "$BIN" ]; then bad "$BIN is not built"; finish; fi
if [ ! -f "$astro" ]; then
    skip "$astro not found (set SHARED)"; finish
fi

# no_output_left: the output directory holds nothing but what was there before
clean_dir() { rm -rf "$tmp/o"; mkdir -p "$tmp/o"; }
dir_empty() { [ -z "$(ls -A "$tmp/o")" ]; }

# expect CODE EFFECT ARGS...: exit CODE; for errors one stderr line and nothing in $tmp/o
expect() {
    want=$1; shift
    clean_dir
    "$BIN" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
    if [ "$rc" -ne "$want" ]; then
        bad "$* -> exit $rc, want $want; stderr: $(head -c 300 "$tmp/err")"; return 1
    fi
    if [ "$want" -ne 0 ]; then
        if [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
            bad "$* -> stderr is not one line: $(cat "$tmp/err")"; return 1
        fi
        if ! dir_empty; then bad "$* -> left files behind: $(ls "$tmp/o")"; return 1; fi
    fi
    ok; return 0
}
err_has() { # err_has TEXT: the last command's stderr mentions TEXT
    if grep -qF -- "$1" "$tmp/err"; then ok; else bad "stderr lacks '$1': $(cat "$tmp/err")"; fi
}
magic() { # magic FILE: png jpg bmp tga or ?
    h=$(od -An -tx1 -N4 "$1" 2>/dev/null | tr -d ' \n')
    case $h in 89504e47) echo png ;; ffd8ff*) echo jpg ;; 424d*) echo bmp ;; *)
        case $1 in *.tga) echo tga ;; *) echo "?" ;; esac ;; esac
}
png_size() { # png_size FILE -> "W H"
    od -An -tu1 -j16 -N8 "$1" | awk '{print $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8}'
}
png_ctype() { od -An -tu1 -j25 -N1 "$1" | tr -d ' '; }

# ---------------------------------------------------------------- help and usage ---------
for e in blur replace gray cutout mask; do
    if "$BIN" $e --help >"$tmp/out" 2>&1 && grep -q "usage: backdrop $e" "$tmp/out" &&
       grep -q "example" "$tmp/out"; then ok; else bad "$e --help"; fi
done
expect 2 blur -o "$tmp/o/x.png"                       && err_has "no input"
expect 2 blur "$astro"                                && err_has "-o"
expect 2 blur "$astro" -o "$tmp/o/x.png" --bogus      && err_has "--bogus"
expect 2 blur "$astro" -o "$tmp/o/x.png" --strength abc
expect 2 blur "$astro" -o "$tmp/o/x.png" --edges fuzzy
expect 2 blur "$astro" -o "$tmp/o/x.png" --os 12
expect 2 blur "$astro" -o "$tmp/o/x.jpg" --quality 0       && err_has "--quality"
expect 2 blur "$astro" -o "$tmp/o/x.jpg" --quality 101     && err_has "--quality"
expect 2 blur "$astro" -o "$tmp/o/x.jpg" --quality abc     && err_has "--quality"
expect 2 blur "$astro" -o "$tmp/o/x.jpg" --quality 50.5    && err_has "--quality"
expect 2 gray "$astro" -o "$tmp/o/x.png" --strength 3  # blur's option only
expect 2 replace "$astro" -o "$tmp/o/x.png"            && err_has "--background"
expect 2 replace "$astro" -o "$tmp/o/x.png" --color white --background "$astro"
expect 2 replace "$astro" -o "$tmp/o/x.png" --color mauve
expect 2 cutout "$astro" -o "$tmp/o/x.jpg"             && err_has "alpha"
expect 2 blur "$astro" -o "$tmp/o/x.xyz"               && err_has "x.xyz"
expect 2 blur "$astro" "$img/cat_chelsea.png" -o "$tmp/o/x.png" && err_has "DIR"

# an input is never overwritten, whichever way the output names it
mkdir -p "$tmp/keep"; cp "$astro" "$tmp/keep/in.png"
for out in "$tmp/keep/in.png" "$tmp/keep/./in.png" "$tmp/keep/../keep/in.png"; do
    "$BIN" blur "$tmp/keep/in.png" -o "$out" >"$tmp/out" 2>"$tmp/err"; rc=$?
    if [ "$rc" -eq 2 ] && cmp -s "$astro" "$tmp/keep/in.png" && grep -q "overwrite" "$tmp/err"
    then ok; else bad "input == output ($out): exit $rc, $(cat "$tmp/err")"; fi
done
ls "$tmp/keep" | grep -v '^in.png$' >/dev/null && bad "temp files left in $tmp/keep: $(ls "$tmp/keep")"

# ---------------------------------------------------------------- bad input --------------
expect 1 blur "$astro" -o "$tmp/o/nodir/x.png"        && err_has "nodir"
expect 1 blur "$astro" "$img/cat_chelsea.png" -o "$tmp/nodir/" && err_has "nodir"
printf 'not an image\n' >"$tmp/fake.png"
expect 1 blur "$astro" -o "$tmp/o/x.png" --model "$tmp/fake.png" && err_has "fake.png"

if [ ! -f "$model" ]; then
    skip "the checks that run the network: $model is missing (run \`make weights\`)"
    finish
fi
M="--model $model"
expect 1 blur "$tmp/missing.png" -o "$tmp/o/x.png" $M && err_has "missing.png"
expect 1 gray "$tmp/fake.png" -o "$tmp/o/x.png" $M    && err_has "fake.png"
expect 2 blur "$astro" -o "$tmp/o/x.png" $M --class persn && err_has "persn" && err_has "person"
expect 1 replace "$astro" -o "$tmp/o/x.png" $M --background "$tmp/nothere.jpg" && err_has "nothere.jpg"

# ---------------------------------------------------------------- outputs ----------------
for ext in png jpg bmp tga; do
    clean_dir
    if "$BIN" blur "$astro" -o "$tmp/o/b.$ext" $M -q 2>"$tmp/err" && [ "$(magic "$tmp/o/b.$ext")" = "$ext" ]
    then ok; else bad "blur -> .$ext: $(cat "$tmp/err")"; fi
    [ "$(ls "$tmp/o")" = "b.$ext" ] && ok || bad "blur -> .$ext left $(ls "$tmp/o")"
done
clean_dir
"$BIN" mask "$astro" -o "$tmp/o/m.png" $M -q && [ "$(png_ctype "$tmp/o/m.png")" = 0 ] &&
    [ "$(png_size "$tmp/o/m.png")" = "512 512" ] && ok || bad "mask: not a 512x512 gray PNG"
"$BIN" cutout "$astro" -o "$tmp/o/c.png" $M -q && [ "$(png_ctype "$tmp/o/c.png")" = 6 ] &&
    ok || bad "cutout: not an RGBA PNG"
"$BIN" replace "$img/car_rear_motionblur.jpg" --class car --background "$img/bg_dune_grass_sea.jpg" \
    -o "$tmp/o/r.png" $M -q && [ "$(png_size "$tmp/o/r.png")" = "600 482" ] &&
    ok || bad "replace --background: output not at the photo's size 600x482"
"$BIN" replace "$astro" --color '#00ff00' -o "$tmp/o/g.png" $M -q && ok || bad "replace --color"

# --quality reaches the JPEG encoder: 30 writes a smaller file than the default 95, and
# says nothing about it on stderr
clean_dir
"$BIN" gray "$astro" -o "$tmp/o/q95.jpg" $M -q 2>"$tmp/err" &&
    "$BIN" gray "$astro" -o "$tmp/o/q30.jpg" $M -q --quality 30 2>>"$tmp/err" &&
    [ "$(magic "$tmp/o/q30.jpg")" = jpg ] && [ ! -s "$tmp/err" ] &&
    [ "$(wc -c <"$tmp/o/q30.jpg")" -lt "$(wc -c <"$tmp/o/q95.jpg")" ] && ok ||
    bad "--quality 30: $(wc -c <"$tmp/o/q30.jpg") bytes vs $(wc -c <"$tmp/o/q95.jpg") at 95; $(cat "$tmp/err")"

# --side-by-side: photo | result; --max-side shrinks; a gray mask becomes RGB beside the photo
"$BIN" blur "$astro" -o "$tmp/o/s.png" $M -q --side-by-side && [ "$(png_size "$tmp/o/s.png")" = "1024 512" ] &&
    ok || bad "--side-by-side: not 1024x512"
"$BIN" mask "$astro" -o "$tmp/o/s.png" $M -q --side-by-side --max-side 100 &&
    [ "$(png_size "$tmp/o/s.png")" = "100 50" ] && [ "$(png_ctype "$tmp/o/s.png")" = 2 ] &&
    ok || bad "mask --side-by-side --max-side 100: not a 100x50 RGB PNG"
"$BIN" cutout "$astro" -o "$tmp/o/s.png" $M -q --max-side 64 && [ "$(png_size "$tmp/o/s.png")" = "64 64" ] &&
    [ "$(png_ctype "$tmp/o/s.png")" = 6 ] && ok || bad "cutout --max-side 64: not a 64x64 RGBA PNG"
expect 2 blur "$astro" -o "$tmp/o/x.png" $M --max-side 3

# options combine
for opt in "--invert" "--edges soft" "--edges hard" "--edges otsu" "--edges hard --refine" \
           "--guide gray" "--feather 6" "--refine-radius 4 --refine-eps 0.01" "--os 8" \
           "--threads 1" "--strength 0" "--class person,dog"; do
    clean_dir
    if "$BIN" blur "$astro" -o "$tmp/o/x.png" $M -q $opt 2>"$tmp/err" && [ -s "$tmp/o/x.png" ]
    then ok; else bad "blur $opt: $(cat "$tmp/err")"; fi
done

# gray (1-channel JPEG) and RGBA inputs
clean_dir
"$BIN" gray "$img/gray_person_chessboard.jpg" -o "$tmp/o/g.png" $M -q 2>"$tmp/err" &&
    [ "$(png_size "$tmp/o/g.png")" = "640 480" ] && ok || bad "gray JPEG input: $(cat "$tmp/err")"
"$BIN" cutout "$img/dog_closeup_rgba.png" --class dog -o "$tmp/o/d.png" $M -q 2>"$tmp/err" &&
    ok || bad "RGBA input: $(cat "$tmp/err")"

# several inputs into a directory: derived names; stdout one line each unless -q
clean_dir
"$BIN" gray "$astro" "$img/cat_chelsea.png" "$img/car_rear_motionblur.jpg" --class person,cat,car \
    -o "$tmp/o/" $M >"$tmp/out" 2>"$tmp/err"
if [ -f "$tmp/o/person_astronaut_gray.png" ] && [ -f "$tmp/o/cat_chelsea_gray.png" ] &&
   [ "$(magic "$tmp/o/car_rear_motionblur_gray.jpg")" = jpg ] && [ "$(wc -l <"$tmp/out")" -eq 3 ]
then ok; else bad "several inputs -> DIR/: $(ls "$tmp/o") / $(cat "$tmp/err")"; fi
"$BIN" cutout "$astro" "$img/car_rear_motionblur.jpg" -o "$tmp/o" $M -q >"$tmp/out" 2>&1
[ -f "$tmp/o/car_rear_motionblur_cutout.png" ] && [ ! -s "$tmp/out" ] && ok ||
    bad "cutout into an existing directory without '/', -q: $(ls "$tmp/o")"

# one input of several is bad: the others are written, exit 1
clean_dir
"$BIN" gray "$astro" "$tmp/fake.png" -o "$tmp/o/" $M -q 2>"$tmp/err"; rc=$?
[ "$rc" -eq 1 ] && [ -f "$tmp/o/person_astronaut_gray.png" ] && [ ! -f "$tmp/o/fake_gray.png" ] &&
    ok || bad "bad input among several: exit $rc, $(ls "$tmp/o")"

# --time: every stage on stderr
clean_dir
"$BIN" blur "$astro" -o "$tmp/o/t.png" $M -q --time 2>"$tmp/err"
for stage in decode preprocess network mask refine composite encode; do
    grep -q "$stage [0-9]" "$tmp/err" && ok || bad "--time lacks '$stage': $(cat "$tmp/err")"
done

finish
