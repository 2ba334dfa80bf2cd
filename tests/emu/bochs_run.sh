#!/bin/sh
# bochs_run.sh — run one static x86-64 Linux program on an emulated AVX-512 CPU (Bochs)
# and hand back its output and exit code.
#
# Why: this machine (and CI's) has AVX2 but no AVX-512, and the only Debian package that
# can execute AVX-512 (EVEX) code is Bochs (its corei7_skylake_x CPU model); qemu cannot.
# Bochs cannot start a 64-bit Linux program by itself, so this boots a stock Debian kernel
# in it with a tiny initramfs whose PID 1 (tests/emu/bochs_init.c) runs the program.
#
# Usage:
#   sh tests/emu/bochs_run.sh [--vnni] [-f FILE]... [-e VAR=VALUE]... [-t TIMEOUT_SECONDS] BINARY [ARG...]
#   sh tests/emu/bochs_run.sh --self-test
#   sh tests/emu/bochs_run.sh --self-test-vnni
#     BINARY   a static x86-64 executable (gcc -static); ARGs are passed verbatim.
#     -f PATH  put that host file, or directory (recursively), into the guest at its same
#              absolute path (realpath), so the program can be given host paths.
#     -e V=X   set an environment variable for the program (the guest environment is
#              otherwise just PATH=/usr/bin:/bin and HOME=/).
#     -t SECS  give up after SECS seconds of wall time, boot included (default 600).
#     --vnni   emulate a CPU with AVX-512 VNNI too (Bochs' tigerlake model, see below) and
#              refuse to run BINARY (exit 1) when the guest's /proc/cpuinfo lacks avx512_vnni.
#   The guest's working directory is the realpath of the current directory, and BINARY
#   sits at its realpath too, so paths relative to the current directory work in -f, in
#   BINARY and in ARGs. Symbolic links inside a -f directory stay links. There is no
#   shell and no other program in the guest (system() and popen() fail), stdin is
#   /dev/null, and files the program writes stay in the guest. The guest has one CPU
#   (OpenMP threads share it) and 384 MB + 3x the initramfs of memory.
#   --self-test builds a small AVX-512 program into build/bochs/, runs it once and checks
#   its _mm512_fmadd_ps result, its arguments, environment, files, working directory and
#   a non-zero exit status; it also times a loop of zmm FMAs.
#   --self-test-vnni builds tests/emu/bochs_vnni.c (vpdpbusd on chosen values, every int32
#   lane checked against a scalar reference, then a timed loop), runs it with --vnni and
#   compares its output with a native run when this machine has avx512_vnni; then it checks
#   that --vnni refuses to run on the corei7_skylake_x model, which lacks VNNI.
# Output: the program's stdout and stderr (merged, through the serial console) on stdout,
# after the program ended; this script's own messages go to stderr, one line each.
# Exit status: the program's (128+N when it died of signal N), or
#   77  something needed is missing (bochs, xorriso, isolinux, gcc, python3, the kernel)
#   124 the guest did not finish within the timeout (Bochs is killed)
#   1   the emulated CPU lacks AVX-512F (or VNNI with --vnni), or the guest failed before
#       reporting a status
#   2   bad usage (unknown option, missing file, BINARY not static)
# BOCHS_RUN_VERBOSE=1 in the environment also prints the boot and run times to stderr;
# BOCHS_RUN_DMESG=1 prints the guest kernel's log before the program's output;
# BOCHS_RUN_MODEL=<bochs --help cpu> picks another CPU model (to test the AVX-512 check;
# with --vnni it replaces tigerlake, e.g. by corei7_icelake_u, the other VNNI model);
# to debug a boot: BOCHS_RUN_CMDLINE="..." appends kernel arguments (e.g. "loglevel=8
# earlyprintk=serial,ttyS0,115200"), BOCHS_RUN_BXLOG=1 turns Bochs' own log on (info and
# error messages; it is kept with the serial log in build/bochs/failed/ when a run fails).
#
# How it boots (all built under build/bochs/, which is ignored by git):
#   - the kernel: the linux-image-<version>-amd64 package that linux-image-amd64 depends on,
#     fetched once with `apt-get download` (network needed the first time only) into
#     build/bochs/kernel/; its vmlinuz is unpacked on the host (python3) into an ELF
#     vmlinux with trailing zeros trimmed, because the kernel's own XZ decompressor takes
#     ~100 s under Bochs. Nothing of the kernel is committed.
#   - tests/emu/bochs_pvh.c, a 32-bit Multiboot shim, starts that vmlinux through its PVH
#     entry point; isolinux + mboot.c32 load shim, vmlinux and initramfs from an ISO
#     made by xorriso; Bochs boots the ISO with its BIOS (fastboot).
#   - the initramfs (newc cpio written by python3): /init (tests/emu/bochs_init.c, static),
#     BINARY, the -f files, and /bochs_run/{argv,env,cwd}.
#   - the kernel command line disables XSAVES/XSAVEC (Bochs 2.7 reports a wrong
#     compacted XSAVE size, and Linux would then turn XSAVE, so AVX-512, off) and the
#     crypto self-tests (20 s of emulation); init checks /proc/cpuinfo for avx512f.
#   - on any model but corei7_skylake_x it also clears pku, ospke and fsrm, which
#     tigerlake and corei7_icelake_u have and which each break this kernel's boot there:
#     * PKU: Bochs 2.7 offers the PKRU state in XCR0 (CPUID 0xD.0 EAX bit 9) but
#       reports 0 size and offset for it in CPUID 0xD.9, so Linux's XSAVE consistency
#       check fails and it turns XSAVE, hence AVX-512, off.
#     * FSRM: Bochs 2.7 has no IA32_MISC_ENABLE MSR, so Linux reads "fast strings
#       disabled" and clears ERMS; with FSRM still set, Linux 6.1's memmove is patched
#       without its short-length check (fixed upstream in 6.5 by "x86/lib/memmove:
#       Decouple ERMS from FSRM"), so a short memmove copies with a wrapped length past
#       the kernel's mapping, the page-fault handler faults again and again and its
#       stack runs into kernel text: the guest hangs silently right after "LSM:
#       Security Framework initializing" (seen with the Bochs debugger).
#   - Bochs runs with the rfb display (the only headless one Debian builds) inside a
#     private network namespace (unshare) when it can, so its VNC port is not exposed.
# CPU model: Bochs' corei7_skylake_x, i.e. AVX-512 F, CD, BW, DQ and VL, with FMA/AVX2,
# but no VNNI, VBMI, IFMA or BF16; with --vnni Bochs' tigerlake, which adds AVX-512 VNNI,
# VBMI, VBMI2, IFMA, BITALG, VPOPCNTDQ, VP2INTERSECT, GFNI and VAES (no BF16).
# Speed (Zen 3, measured): a boot takes ~20 s of wall time; the emulated CPU runs ~30
# million instructions a second, and floating-point SIMD is far slower, as Bochs
# computes every lane in software: ~2.5 million zmm FMAs a second. With --vnni (Zen 4,
# shared, measured): a boot takes ~11 s, as with the default model on that machine, and
# a zmm vpdpbusd (64 int8 products) runs ~21 million times a second. Keep the work per
# run small and batch tests into one program; runs in parallel hardly help on 2 cores.
# Dependencies (tools/deps.sh test): bochs, bochsbios, xorriso, isolinux, syslinux-common,
# gcc, python3, apt-get/dpkg-deb (for the one-time kernel download).
set -u

me=bochs_run
say() { echo "$me: $*" >&2; }
root=$(cd "$(dirname "$0")/../.." && pwd -P)
srcdir=$root/tests/emu
cache=$root/build/bochs
timeout=600
vnni=0

work=""
bochs_pid=""
cleanup() {
    [ -n "$bochs_pid" ] && kill -9 "$bochs_pid" 2>/dev/null
    [ -n "$work" ] && [ -d "$work" ] && rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- the self-test
self_test() {
    mkdir -p "$cache/selftest" || exit 1
    d=$cache/selftest
    cat > "$d/selftest.c" <<'EOF'
/* bochs_run.sh --self-test: AVX-512 FMA, argv, env, files, cwd, exit status, speed */
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
    __m512 a = _mm512_set1_ps(2.0f), b = _mm512_set1_ps(3.0f), c = _mm512_set1_ps(1.0f);
    float o[16];
    _mm512_storeu_ps(o, _mm512_fmadd_ps(a, b, c));
    printf("fma=%g\n", (double)o[15]);
    for (int i = 1; i < argc; i++) printf("arg%d=[%s]\n", i, argv[i]);
    const char *e = getenv("BOCHS_SELFTEST");
    printf("env=[%s]\n", e ? e : "(unset)");
    char buf[4096];
    printf("cwd=[%s]\n", getcwd(buf, sizeof buf) ? buf : "?");
    FILE *f = argc > 1 ? fopen(argv[1], "r") : NULL;
    if (f && fgets(buf, sizeof buf, f)) {
        buf[strcspn(buf, "\n")] = 0;
        printf("file=[%s]\n", buf);
    } else {
        printf("file=(unreadable)\n");
    }
    if (f) fclose(f);
    long n = argc > 2 ? atol(argv[2]) : 0; /* zmm FMAs: 8 independent chains in registers */
    __m512 x0 = _mm512_set1_ps(0.5f), x1 = _mm512_set1_ps(1.5f), x2 = _mm512_set1_ps(2.5f),
           x3 = _mm512_set1_ps(3.5f), x4 = _mm512_set1_ps(4.5f), x5 = _mm512_set1_ps(5.5f),
           x6 = _mm512_set1_ps(6.5f), x7 = _mm512_set1_ps(7.5f), m = _mm512_set1_ps(0.999f);
    fprintf(stderr, "loop-begin\n");
    for (long i = 0; i < n / 8; i++) {
        x0 = _mm512_fmadd_ps(x0, m, c); x1 = _mm512_fmadd_ps(x1, m, c);
        x2 = _mm512_fmadd_ps(x2, m, c); x3 = _mm512_fmadd_ps(x3, m, c);
        x4 = _mm512_fmadd_ps(x4, m, c); x5 = _mm512_fmadd_ps(x5, m, c);
        x6 = _mm512_fmadd_ps(x6, m, c); x7 = _mm512_fmadd_ps(x7, m, c);
    }
    __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(x0, x1), _mm512_add_ps(x2, x3)),
                             _mm512_add_ps(_mm512_add_ps(x4, x5), _mm512_add_ps(x6, x7)));
    fprintf(stderr, "loop-end %d\n", _mm512_reduce_add_ps(s) > 0.0f);
    return 3;
}
EOF
    gcc -std=c11 -O2 -static -mavx512f -Wall -Wextra -Werror -o "$d/selftest" "$d/selftest.c" ||
        { say "self-test: cannot compile the AVX-512 test program"; exit 1; }
    mkdir -p "$d/data dir" && printf 'line one\nline two\n' > "$d/data dir/input.txt" || exit 1
    fmas=${BOCHS_SELFTEST_FMAS:-8000000}
    start=$(date +%s)
    out=$(cd "$d" && BOCHS_RUN_VERBOSE=1 sh "$srcdir/bochs_run.sh" -f "data dir" -e "BOCHS_SELFTEST=a b=c" \
        ../selftest/selftest "data dir/input.txt" "$fmas" 2>"$d/stderr.txt")
    rc=$?
    end=$(date +%s)
    cat "$d/stderr.txt" >&2
    want="fma=7
arg1=[data dir/input.txt]
arg2=[$fmas]
env=[a b=c]
cwd=[$(cd "$d" && pwd -P)]
file=[line one]
loop-begin
loop-end 1"
    if [ "$rc" = 77 ]; then
        exit 77
    elif [ "$rc" != 3 ] || [ "$out" != "$want" ]; then
        say "self-test FAILED (exit $rc, want 3); output was:"
        printf '%s\n' "$out" >&2
        say "expected:"
        printf '%s\n' "$want" >&2
        exit 1
    fi
    say "self-test passed in $((end - start)) s (exit status 3 propagated, AVX-512 FMA ok)"
    exit 0
}

# ---------------------------------------------------------------- the VNNI self-test
self_test_vnni() {
    d=$cache/selftest
    mkdir -p "$d" || exit 1
    gcc -std=c11 -O2 -static -mavx512f -mavx512vl -mavx512vnni -Wall -Wextra -Werror \
        -o "$d/vnni" "$srcdir/bochs_vnni.c" ||
        { say "self-test-vnni: cannot compile $srcdir/bochs_vnni.c"; exit 1; }
    n=${BOCHS_SELFTEST_DPBUSD:-40000000}
    native=""
    if grep -qw avx512_vnni /proc/cpuinfo 2>/dev/null; then
        native=$("$d/vnni" "$n" 2>&1) ||
            { say "self-test-vnni: the native run failed:"; printf '%s\n' "$native" >&2; exit 1; }
    fi
    out=$(BOCHS_RUN_VERBOSE=1 sh "$srcdir/bochs_run.sh" --vnni "$d/vnni" "$n" 2>"$d/stderr_vnni.txt")
    rc=$?
    cat "$d/stderr_vnni.txt" >&2
    [ "$rc" = 77 ] && exit 77
    if [ "$rc" != 0 ] || ! printf '%s\n' "$out" | grep -q '^vnni: [0-9]* cases ok$' ||
        ! printf '%s\n' "$out" | grep -qx "dpbusd loop of $((n / 8 * 8)): ok"; then
        say "self-test-vnni FAILED (exit $rc, want 0); output was:"
        printf '%s\n' "$out" >&2
        exit 1
    fi
    if [ -n "$native" ] && [ "$out" != "$native" ]; then
        say "self-test-vnni FAILED: the emulated output differs from the native one"
        printf '%s\n' "--- native" "$native" "--- emulated" "$out" >&2
        exit 1
    fi
    prog=$(sed -n 's/.* program \([0-9]*\) s .*/\1/p' "$d/stderr_vnni.txt")
    rate=""
    [ "${prog:-0}" -gt 0 ] && rate=" (~$((n / prog / 1000000)) million a second)"
    # a CPU without VNNI must be refused, not pass: the same run on corei7_skylake_x
    neg=$(BOCHS_RUN_MODEL=corei7_skylake_x sh "$srcdir/bochs_run.sh" --vnni "$d/vnni" 8 2>&1)
    nrc=$?
    case $nrc:$neg in
    "1:"*"lacks avx512_vnni"*) ;;
    *) say "self-test-vnni FAILED: --vnni on corei7_skylake_x gave exit $nrc, want 1 and a refusal:"
       printf '%s\n' "$neg" >&2
       exit 1 ;;
    esac
    say "self-test-vnni passed: $(printf '%s\n' "$out" | tail -n 1), ${native:+same output as the native run, }$n vpdpbusd in ${prog:-?} s of wall time$rate; corei7_skylake_x refused"
    exit 0
}

# ---------------------------------------------------------------- options
usage() {
    say "usage: sh tests/emu/bochs_run.sh [--vnni] [-f FILE]... [-e VAR=VALUE]... [-t SECONDS] BINARY [ARG...]"
    exit 2
}
[ "${1:-}" = "--self-test" ] && self_test
[ "${1:-}" = "--self-test-vnni" ] && self_test_vnni
case ${1:-} in -h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;; esac
mkdir -p "$cache/kernel" "$cache/tools" && work=$(mktemp -d "$cache/run.XXXXXX") ||
    { say "cannot create a work directory under $cache"; exit 1; }
: > "$work/files"
printf '%s\0' "PATH=/usr/bin:/bin" "HOME=/" > "$work/env"
while [ $# -gt 0 ]; do
    case $1 in
    -f) [ $# -ge 2 ] || usage
        [ -e "$2" ] || { say "-f $2: no such file or directory"; exit 2; }
        printf '%s\0' "$2" >> "$work/files"
        shift 2 ;;
    -e) [ $# -ge 2 ] || usage
        case $2 in [A-Za-z_]*=*) ;; *) say "-e $2: expected VAR=VALUE"; exit 2 ;; esac
        printf '%s\0' "$2" >> "$work/env"
        shift 2 ;;
    --vnni) vnni=1; shift ;;
    -t) [ $# -ge 2 ] || usage
        case $2 in ''|*[!0-9]*) say "-t $2: expected whole seconds"; exit 2 ;; esac
        timeout=$2
        shift 2 ;;
    --) shift; break ;;
    -*) say "unknown option $1"; usage ;;
    *) break ;;
    esac
done
[ $# -ge 1 ] || usage
binary=$1
if [ "$vnni" = 1 ]; then
    model=${BOCHS_RUN_MODEL:-tigerlake}
    echo avx512_vnni > "$work/require"
else
    model=${BOCHS_RUN_MODEL:-corei7_skylake_x}
fi
clear=xsaves,xsavec,aperfmperf
[ "$model" = corei7_skylake_x ] || clear=$clear,pku,ospke,fsrm # see "How it boots"
cmdline="console=ttyS0,115200 quiet loglevel=1 rdinit=/init panic=0 mitigations=off"
cmdline="$cmdline clearcpuid=$clear cryptomgr.notests tsc=reliable no_timer_check audit=0"
[ -n "${BOCHS_RUN_CMDLINE:-}" ] && cmdline="$cmdline $BOCHS_RUN_CMDLINE"
[ -f "$binary" ] || { say "$binary: no such file"; exit 2; }
[ -x "$binary" ] || { say "$binary: not executable"; exit 2; }

# ---------------------------------------------------------------- dependencies
missing=""
for c in bochs xorriso gcc python3; do
    command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
done
isolinux_bin=/usr/lib/ISOLINUX/isolinux.bin
c32dir=/usr/lib/syslinux/modules/bios
bxshare=/usr/share/bochs
[ -f "$isolinux_bin" ] || missing="$missing isolinux($isolinux_bin)"
for f in ldlinux.c32 mboot.c32 libcom32.c32; do
    [ -f "$c32dir/$f" ] || missing="$missing syslinux-common($c32dir/$f)"
done
[ -f "$bxshare/BIOS-bochs-latest" ] || missing="$missing bochsbios($bxshare/BIOS-bochs-latest)"
[ -f "$bxshare/VGABIOS-lgpl-latest" ] || missing="$missing vgabios($bxshare/VGABIOS-lgpl-latest)"
if [ -n "$missing" ]; then
    say "missing:$missing (sh tools/deps.sh test installs them)"
    exit 77
fi
# python3 helpers: kernel preparation and the initramfs
helpers=$(cat <<'PYEOF'
import lzma, os, stat, struct, sys

def die(msg, code=1):
    sys.stderr.write("bochs_run: %s\n" % msg)
    sys.exit(code)

def kernel(bzimage, out):
    """bzImage -> its ELF vmlinux, PT_LOAD segments without their trailing zeros."""
    d = open(bzimage, "rb").read()
    if d[0x202:0x206] != b"HdrS":
        die("%s is not a bzImage" % bzimage)
    setup = d[0x1f1] or 4
    off, length = struct.unpack_from("<II", d, 0x248)
    payload = d[(setup + 1) * 512 + off:][:length]
    if payload[:6] != b"\xfd7zXZ\x00":
        die("%s: payload is not XZ-compressed" % bzimage)
    elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(payload)
    if elf[:4] != b"\x7fELF" or elf[4] != 2:
        die("%s: payload is not an ELF64 vmlinux" % bzimage)
    phoff, = struct.unpack_from("<Q", elf, 32)
    phnum, = struct.unpack_from("<H", elf, 56)
    ph = [list(struct.unpack_from("<IIQQQQQQ", elf, phoff + 56 * i)) for i in range(phnum)]
    img = bytearray(64 + 56 * phnum)
    moved = []
    for p in ph:
        if p[0] != 1:
            continue
        if p[2] + p[5] > len(elf):
            die("%s: vmlinux is truncated" % bzimage)
        seg = elf[p[2]:p[2] + p[5]].rstrip(b"\0")
        img += bytes(-len(img) % 4096)
        moved.append((p[2], p[5], len(img)))
        p[2], p[5] = len(img), len(seg)
        img += seg
    for p in ph:  # PT_NOTE (the PVH entry) lives inside a PT_LOAD
        if p[0] == 4:
            for old, size, new in moved:
                if old <= p[2] < old + size:
                    p[2] = p[2] - old + new
                    break
    for i, p in enumerate(ph):
        struct.pack_into("<IIQQQQQQ", img, 64 + 56 * i, *p)
    img[:64] = elf[:64]
    struct.pack_into("<QQ", img, 32, 64, 0)        # e_phoff, e_shoff
    struct.pack_into("<HHH", img, 58, 0, 0, 0)     # no section headers
    open(out + ".tmp", "wb").write(img)
    os.replace(out + ".tmp", out)

def nul_list(path):
    data = open(path, "rb").read()
    return [x for x in data.split(b"\0") if x] if data else []

def initramfs(out, init, cwd, binary, files_list):
    """newc cpio: /init, BINARY, the -f files/dirs, /bochs_run/*, all parents."""
    entries = {}  # guest path -> (mode, data or host path)
    def add_dirs(path):
        parts = path.strip("/").split("/")
        for i in range(1, len(parts)):
            entries.setdefault("/" + "/".join(parts[:i]), (stat.S_IFDIR | 0o755, b""))
    def add(host, guest):
        st = os.lstat(host)
        add_dirs(guest)
        if stat.S_ISDIR(st.st_mode):
            entries[guest] = (stat.S_IFDIR | 0o755, b"")
            for name in sorted(os.listdir(host)):
                add(os.path.join(host, name), guest + "/" + name)
        elif stat.S_ISLNK(st.st_mode):
            entries[guest] = (stat.S_IFLNK | 0o777, os.readlink(host).encode())
        elif stat.S_ISREG(st.st_mode):
            entries[guest] = (stat.S_IFREG | stat.S_IMODE(st.st_mode), host)
    for d in ("/dev", "/proc", "/sys", "/tmp", "/bochs_run"):
        entries[d] = (stat.S_IFDIR | (0o1777 if d == "/tmp" else 0o755), b"")
    for f in nul_list(files_list):
        f = os.path.realpath(f.decode())
        add(f, f)
    elf = open(binary, "rb").read(1 << 16)
    if elf[:4] != b"\x7fELF" or elf[4] != 2 or struct.unpack_from("<H", elf, 18)[0] != 62:
        die("%s is not an x86-64 ELF executable" % binary, 2)
    phoff, = struct.unpack_from("<Q", elf, 32)
    phnum, = struct.unpack_from("<H", elf, 56)
    for i in range(phnum):
        if struct.unpack_from("<I", elf, phoff + 56 * i)[0] == 3:
            die("%s is dynamically linked: build it with -static" % binary, 2)
    add(binary, binary)
    add_dirs(cwd + "/x")
    entries.setdefault(cwd, (stat.S_IFDIR | 0o755, b""))
    entries["/init"] = (stat.S_IFREG | 0o755, init)
    for name in ("argv", "env", "cwd", "dmesg", "require"):
        p = os.path.join(os.path.dirname(out), name)
        if os.path.exists(p):
            entries["/bochs_run/" + name] = (stat.S_IFREG | 0o644, p)
    with open(out, "wb") as o:
        def rec(name, mode, data, ino):
            name = name.encode() + b"\0"
            hdr = b"070701" + b"".join(b"%08X" % v for v in (
                ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name), 0))
            o.write(hdr + name + bytes(-(110 + len(name)) % 4))
            o.write(data + bytes(-len(data) % 4))
        for ino, path in enumerate(sorted(p for p in entries if p != "/"), 1):
            mode, data = entries[path]
            if isinstance(data, str):
                data = open(data, "rb").read()
            rec(path.lstrip("/"), mode, data, ino)
        rec("TRAILER!!!", 0, b"", 0)

if __name__ == "__main__":
    if sys.argv[1] == "kernel":
        kernel(sys.argv[2], sys.argv[3])
    else:
        initramfs(*sys.argv[2:7])
PYEOF
)

# ---------------------------------------------------------------- the kernel (cached)
kernel=$(ls "$cache"/kernel/vmlinux-*.pvh 2>/dev/null | sort -V | tail -n 1)
if [ -z "$kernel" ]; then
    t0=$(date +%s)
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
        awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
    if [ -z "$pkg" ]; then
        say "missing: the guest kernel (apt-cache knows no linux-image-amd64; run apt-get update)"
        exit 77
    fi
    dl=$work/dl
    mkdir -p "$dl" && chmod 777 "$dl"
    if ! (cd "$dl" && apt-get download "$pkg" >"$work/apt.log" 2>&1) ||
        ! ls "$dl"/*.deb >/dev/null 2>&1; then
        say "missing: the guest kernel ($pkg: apt-get download failed: $(tail -n 1 "$work/apt.log"))"
        exit 77
    fi
    dpkg-deb --fsys-tarfile "$dl"/*.deb | (cd "$dl" && tar -x --wildcards './boot/vmlinuz-*') ||
        { say "cannot unpack $dl/*.deb"; exit 77; }
    vmlinuz=$(ls "$dl"/boot/vmlinuz-* | head -n 1)
    kernel=$cache/kernel/vmlinux-${vmlinuz##*/vmlinuz-}.pvh
    python3 -c "$helpers" kernel "$vmlinuz" "$kernel" || exit 77
    rm -rf "$dl"
    [ "${BOCHS_RUN_VERBOSE:-0}" = 1 ] &&
        say "kernel $pkg downloaded and prepared in $(($(date +%s) - t0)) s"
fi

# ---------------------------------------------------------------- init and the PVH shim
build() { # build OUTPUT SOURCE GCC-ARGS...: rebuild when missing or older than the source
    out=$1 src=$2
    shift 2
    [ -f "$out" ] && [ ! "$src" -nt "$out" ] && return 0
    gcc "$@" -o "$out.$$" "$src" 2>"$work/gcc.log" && mv "$out.$$" "$out" && return 0
    cat "$work/gcc.log" >&2
    say "cannot build $out from $src"
    exit 1
}
init=$cache/tools/bochs_init
shim=$cache/tools/bochs_pvh.elf
build "$init" "$srcdir/bochs_init.c" -std=c11 -O2 -static -Wall -Wextra -Werror
build "$shim" "$srcdir/bochs_pvh.c" -m32 -std=c11 -O2 -ffreestanding -fno-pic -fno-pie -no-pie \
    -fno-stack-protector -fno-asynchronous-unwind-tables -mgeneral-regs-only -nostdlib -static \
    -Wall -Wextra -Werror -Wl,-N,-Ttext=0x100000,--build-id=none,-e,_start,--no-warn-rwx-segments

# ---------------------------------------------------------------- initramfs, ISO, bochsrc
cwd=$(pwd -P)
binreal=$(realpath "$binary")
printf '%s\0' "$binreal" "$@" > "$work/argv"
printf '%s' "$cwd" > "$work/cwd"
[ "${BOCHS_RUN_DMESG:-0}" = 1 ] && : > "$work/dmesg"
python3 -c "$helpers" initramfs "$work/initrd.img" "$init" "$cwd" "$binreal" "$work/files" ||
    exit $?
initrd_mb=$(( $(wc -c < "$work/initrd.img") / 1048576 ))
megs=$(( (384 + 3 * initrd_mb + 63) / 64 * 64 ))

cp "$isolinux_bin" "$work/isolinux.bin" # -boot-info-table patches it
cat > "$work/isolinux.cfg" <<EOF
DEFAULT linux
PROMPT 0
TIMEOUT 0
LABEL linux
  KERNEL mboot.c32
  APPEND /pvh.elf $cmdline --- /initrd.img --- /vmlinux
EOF
xorriso -as mkisofs -quiet -o "$work/boot.iso" -b isolinux/isolinux.bin -c isolinux/boot.cat \
    -no-emul-boot -boot-load-size 4 -boot-info-table -graft-points \
    "isolinux/isolinux.bin=$work/isolinux.bin" "isolinux/isolinux.cfg=$work/isolinux.cfg" \
    "isolinux/ldlinux.c32=$c32dir/ldlinux.c32" "isolinux/mboot.c32=$c32dir/mboot.c32" \
    "isolinux/libcom32.c32=$c32dir/libcom32.c32" "pvh.elf=$shim" "vmlinux=$kernel" \
    "initrd.img=$work/initrd.img" >"$work/xorriso.log" 2>&1 ||
    { cat "$work/xorriso.log" >&2; say "xorriso could not make the boot ISO"; exit 1; }
rm -f "$work/initrd.img"

bxlog=ignore
[ "${BOCHS_RUN_BXLOG:-0}" = 1 ] && bxlog=report
cat > "$work/bochsrc" <<EOF
megs: $megs
cpu: model=$model, count=1, ips=50000000, reset_on_triple_fault=0
romimage: file=$bxshare/BIOS-bochs-latest, options=fastboot
vgaromimage: file=$bxshare/VGABIOS-lgpl-latest
display_library: rfb, options="timeout=0, hideIPS"
ata0-master: type=cdrom, path=$work/boot.iso, status=inserted
boot: cdrom
clock: sync=none, time0=local
com1: enabled=1, mode=file, dev=$work/serial.log
speaker: enabled=0
mouse: enabled=0
log: $work/bochs.log
panic: action=fatal
error: action=$bxlog
info: action=$bxlog
debug: action=ignore
EOF
echo c > "$work/debugger.rc" # Debian's Bochs has the debugger built in: just continue

# ---------------------------------------------------------------- run
netns=""
if unshare -n true 2>/dev/null; then netns="unshare -n"
elif unshare -rn true 2>/dev/null; then netns="unshare -rn"
fi
t0=$(date +%s)
: > "$work/serial.log"
$netns bochs -q -f "$work/bochsrc" -rc "$work/debugger.rc" </dev/null >"$work/bochs.out" 2>&1 &
bochs_pid=$!
status=""
cr=$(printf '\r')
t_begin=""
t_end=""
while kill -0 "$bochs_pid" 2>/dev/null; do
    now=$(date +%s)
    if [ -z "$t_begin" ] && grep -q '^BOCHS_RUN_BEGIN' "$work/serial.log"; then t_begin=$now; fi
    if grep -q "^BOCHS_RUN_EXIT=[0-9]*$cr" "$work/serial.log"; then
        # the status line is complete, so is the output: no need to wait for the poweroff
        t_end=$now
        kill -9 "$bochs_pid" 2>/dev/null
        break
    elif grep -q 'Kernel panic' "$work/serial.log"; then
        kill -9 "$bochs_pid" 2>/dev/null
        status=panic
    elif [ $((now - t0)) -ge "$timeout" ]; then
        kill -9 "$bochs_pid" 2>/dev/null
        status=timeout
    fi
    sleep 0.2 2>/dev/null || sleep 1
done
wait "$bochs_pid" 2>/dev/null
bochs_pid=""
t_end=${t_end:-$(date +%s)}

keep() { # keep the logs of a failed run for a look, and say where
    mkdir -p "$cache/failed" && cp "$work/serial.log" "$work/bochs.log" "$work/bochs.out" \
        "$work/bochsrc" "$cache/failed/" 2>/dev/null
    say "logs kept in $cache/failed/ (serial.log, bochs.log, bochs.out)"
}
if [ "$status" = timeout ]; then
    say "timeout: the guest did not finish within $timeout s; Bochs killed"
    keep
    exit 124
elif [ "$status" = panic ]; then
    say "the guest kernel panicked: $(tr -d '\r' < "$work/serial.log" | grep -m 1 'Kernel panic')"
    keep
    exit 1
fi
cpu=$(tr -d '\r' < "$work/serial.log" | grep '^BOCHS_RUN_CPU ' | head -n 1)
case $cpu in
*"avx512f=1"*"zmm_state=1"*) ;;
"") say "the guest did not start: $(grep -a '>>PANIC<<' "$work/bochs.log" 2>/dev/null | tail -n 1 | cut -c 12-)"
   keep
   exit 1 ;;
*) say "the emulated CPU lacks AVX-512F or zmm state ($cpu): not running on a scalar/AVX2 CPU"
   exit 1 ;;
esac
missing_flag=$(tr -d '\r' < "$work/serial.log" | sed -n 's/^BOCHS_RUN_MISSING //p' | head -n 1)
[ "$vnni" = 1 ] && case $cpu in *"avx512_vnni=1"*) ;; *) missing_flag=${missing_flag:-avx512_vnni} ;; esac
if [ -n "$missing_flag" ]; then
    say "the emulated CPU ($model) lacks $missing_flag ($cpu): not running a test that needs it"
    exit 1
fi
# the program's output: between the BEGIN and EXIT markers; init put a newline before
# EXIT, which is dropped again (a last line without newline gets one)
tr -d '\r' < "$work/serial.log" | awk '
    !begun { if ($0 == "BOCHS_RUN_BEGIN") begun = 1; next }
    /^BOCHS_RUN_EXIT=[0-9]+$/ { if (held && prev != "") print prev; held = 0; exit }
    { if (held) print prev; prev = $0; held = 1 }
    END { if (held) print prev }'
code=$(tr -d '\r' < "$work/serial.log" | sed -n 's/^BOCHS_RUN_EXIT=\([0-9][0-9]*\)$/\1/p' | head -n 1)
if [ "${BOCHS_RUN_VERBOSE:-0}" = 1 ]; then
    say "boot $(( ${t_begin:-$t_end} - t0 )) s, program $(( t_end - ${t_begin:-$t_end} )) s (wall, ±0.2 s), guest RAM $megs MB"
fi
if [ -z "$code" ]; then
    say "the guest stopped without reporting the program's exit status"
    keep
    exit 1
fi
exit "$code"
