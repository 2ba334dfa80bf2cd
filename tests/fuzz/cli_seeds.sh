#!/bin/sh
# cli_seeds.sh DIR — typical command lines for fuzz_cli, one file each: the subcommand on
# the first line, then one argument per line.
set -eu
d=$1
mkdir -p "$d"
n=0
seed() { n=$((n + 1)); printf '%s\n' "$@" | head -c -1 >"$d/argv$n"; }
seed labels photo.jpg -o labels.png
seed labels photo.jpg -o labels.png --palette --os 8 --threads 2 --input-size 257 --time
seed segment a.png --output b.bmp --os 16
seed blur portrait.jpg -o portrait_bokeh.jpg --strength 12
seed blur a.jpg b.jpg c.png -o outdir/ --class person,dog --edges hard --feather 3 -q
seed replace me.jpg --background beach.jpg -o me_beach.jpg
seed replace id.png --color white -o id_white.png --refine --guide gray --refine-radius 8
seed replace id.png --color '#1a2B3c' -o x.tga --refine-eps 0.001 --invert
seed gray cat.png --class cat -o cat_gray.png --edges otsu
seed cutout a.jpg -o a.png --edges guided --quality 90 --time
seed mask car.jpg --class car -o car_mask.png --os 8 --threads 1
seed blur --help
seed replace x.png -o x.png --color '#abc'
