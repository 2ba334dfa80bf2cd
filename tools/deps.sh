#!/bin/sh
# deps.sh — make sure the Debian packages backdrop needs are present.
#   sh tools/deps.sh build   what `make` needs: gcc, make, python3, libstb-dev
#   sh tools/deps.sh test    also what `make test` needs: the aarch64 cross compiler and
#                            qemu-user (NEON kernels run under emulation), clang + its
#                            runtime (fuzzing, LeakSanitizer), valgrind, ffmpeg (video
#                            clips in and out: test_y4m, test_temporal, test_video.sh),
#                            and Bochs with
#                            isolinux + xorriso (AVX-512 kernels run in an emulated
#                            Skylake-X: tests/emu/bochs_run.sh)
#   sh tools/deps.sh bench   also the peers `make bench` compares against: OpenCV's Python
#                            module and XNNPACK
# As root, missing packages are installed with apt-get; otherwise the missing ones are named.
set -u
want=${1:-build}
missing=""
need() { # need PACKAGE FILE-THAT-PROVES-IT
    [ -e "$2" ] || missing="$missing $1"
}
need_cmd() { command -v "$2" >/dev/null 2>&1 || missing="$missing $1"; }

need_cmd gcc gcc
need_cmd make make
need_cmd python3 python3
need libstb-dev /usr/include/stb/stb_image.h
if [ "$want" = test ] || [ "$want" = bench ]; then
    need_cmd gcc-aarch64-linux-gnu aarch64-linux-gnu-gcc
    need_cmd qemu-user qemu-aarch64
    need_cmd clang clang
    need libclang-rt-14-dev /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a
    need_cmd valgrind valgrind
    need_cmd ffmpeg ffmpeg       # tests/test_y4m.c, test_video*: real clips in and out
    # tests/test_install.sh (pkg-config builds the C example, man -l renders the page,
    # groff checks it) and tests/test_static_embed.sh (file tells a static binary)
    need_cmd pkg-config pkg-config
    need_cmd man-db man
    need_cmd groff-base groff
    need_cmd file file
    # tests/test_bad_inputs.sh: progressive JPEGs, losslessly from a baseline one (jpegtran);
    # tests/test_voc_int8.c decodes the VOC photos as the int8 reference did (djpeg)
    need_cmd libjpeg-turbo-progs jpegtran
    need_cmd libjpeg-turbo-progs djpeg
    # tests/emu/bochs_run.sh: bochs-term only stands for the GUI plugin bochs depends on,
    # so that apt does not pull in bochs-wx and GTK (the runner uses the rfb display)
    need_cmd bochs bochs
    need bochs-term /usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_term_gui.so
    need bochsbios /usr/share/bochs/BIOS-bochs-latest
    need_cmd xorriso xorriso
    need isolinux /usr/lib/ISOLINUX/isolinux.bin
    need syslinux-common /usr/lib/syslinux/modules/bios/mboot.c32
fi
if [ "$want" = bench ]; then
    # the module is cv2.cpython-3XX-<arch>.so: ask Debian's python3 itself
    /usr/bin/python3 -c 'import cv2, numpy' 2>/dev/null || missing="$missing python3-opencv"
    need libxnnpack-dev /usr/include/xnnpack.h
    need libpthreadpool-dev /usr/include/pthreadpool.h
    need libcpuinfo-dev /usr/include/cpuinfo.h
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "deps: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq $missing >/dev/null || {
        echo "deps: apt-get install$missing failed" >&2; exit 1; }
else
    echo "deps: missing Debian packages:$missing" >&2
    echo "deps: install them with: sudo apt-get install$missing" >&2
    exit 1
fi
