#!/bin/sh
# test_install.sh — `make install` into a staging root, then everything used from there:
#   make install PREFIX=/usr DESTDIR=$T/stage   (its own build dir, so the ordinary build
#                                                keeps its PREFIX; takes a full build)
#   - the files are there with their modes: bin/backdrop, lib/libbackdrop.a, the headers
#     under include/backdrop/, lib/pkgconfig/backdrop.pc, share/backdrop/*.bdw, the page;
#   - from /, with no option and no BACKDROP_MODEL, the staged binary blurs a photo (it
#     finds <exe dir>/../share/backdrop/);
#   - pkg-config --cflags --libs backdrop (PKG_CONFIG_SYSROOT_DIR=$T/stage) builds the C
#     example of README.md, which then blurs the photo with the staged weights;
#   - man -l renders the page, groff -ww finds nothing to warn about;
#   - make uninstall leaves no file behind.
set -u
: "${SHARED:=../shared}"
passed=0; failed=0; skipped=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
skip() { skipped=$((skipped + 1)); echo "skipped: test_install: $*"; }
done_() {
    extra=""; [ "$skipped" -gt 0 ] && extra=", $skipped skipped"
    echo "test_install: $passed passed, $failed failed$extra"; [ "$failed" -eq 0 ]; exit $?
}
IMG=$SHARED/images/person_grace_hopper.jpg
if [ -n "${BD_SANITIZER_PASS:-}" ]; then skip "sanitizer pass: the install build is not instrumented (a repeat)"; done_; fi
ls weights/*.bdw >/dev/null 2>&1 || { skip "no weights in weights/ (run make)"; done_; }
[ -f "$IMG" ] || { skip "$IMG missing"; done_; }
IMG=$(cd "$(dirname "$IMG")" && pwd)/$(basename "$IMG")      # used from /
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
S=$T/stage
REPO=$(pwd)

if ! env -u MAKEFLAGS -u MAKELEVEL make --no-print-directory BUILD_SUFFIX=-install \
        BIN="$T/backdrop" PREFIX=/usr DESTDIR="$S" install >"$T/make.log" 2>&1; then
    bad "make install failed: $(tail -n 20 "$T/make.log")"; done_
fi
ok
for f in usr/bin/backdrop:755 usr/lib/libbackdrop.a:644 usr/lib/pkgconfig/backdrop.pc:644 \
         usr/include/backdrop/backdrop.h:644 usr/include/backdrop/io/image_io.h:644 \
         usr/include/backdrop/engine/segmenter.h:644 usr/include/backdrop/compose/compose.h:644 \
         usr/share/backdrop/deeplabv3_mnv2_pascal.bdw:644 usr/share/man/man1/backdrop.1:644; do
    p=${f%:*}; m=${f##*:}
    if [ -f "$S/$p" ]; then
        [ "$(stat -c %a "$S/$p")" = "$m" ] && ok || bad "$p: mode $(stat -c %a "$S/$p"), not $m"
    else
        bad "$p was not installed"
    fi
done
n=$(ls weights/*.bdw | wc -l); m=$(ls "$S"/usr/share/backdrop/*.bdw 2>/dev/null | wc -l)
[ "$n" = "$m" ] && ok || bad "$m of $n weights files installed"

# From /, no option, no environment variable.
(cd / && env -u BACKDROP_MODEL "$S/usr/bin/backdrop" blur "$IMG" -o "$T/cli.jpg" -q) 2>"$T/err" &&
    [ -s "$T/cli.jpg" ] && ok || bad "the staged binary from /: $(cat "$T/err")"
(cd / && env -u BACKDROP_MODEL "$S/usr/bin/backdrop" info) 2>&1 | head -n 1 |
    grep -qF "$S/usr/bin/../share/backdrop/deeplabv3_mnv2_pascal.bdw" && ok ||
    bad "info from / does not show the staged weights"

# The README's C example (the block after <!-- example.c -->), built by pkg-config against
# the staged library: the example a user copies is the one that is tested.
sed -n '/^<!-- example.c -->$/,/^```$/p' README.md | sed '1,2d;$d' >"$T/example.c"
grep -q "bd_segment_matte" "$T/example.c" && ok || bad "no C example found in README.md"
if command -v pkg-config >/dev/null 2>&1; then
    flags=$(PKG_CONFIG_PATH="$S/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$S" pkg-config --cflags --libs backdrop)
    if (cd / && cc -std=c11 -o "$T/example" "$T/example.c" $flags) 2>"$T/cc.log"; then
        ok
        (cd / && "$T/example" "$S/usr/share/backdrop/deeplabv3_mnv2_pascal.bdw" "$IMG" "$T/example.jpg") 2>"$T/err" &&
            [ -s "$T/example.jpg" ] && ok || bad "the example: $(cat "$T/err")"
    else
        bad "cc example.c $flags: $(head -c 600 "$T/cc.log")"
    fi
else
    skip "no pkg-config"
fi

# The manual page.
if command -v man >/dev/null 2>&1; then
    man -l "$S/usr/share/man/man1/backdrop.1" 2>"$T/man.err" >"$T/man.txt"
    grep -q "^BACKDROP(1)" "$T/man.txt" && grep -q "/usr/share/backdrop/" "$T/man.txt" && ok ||
        bad "man -l does not render the page (or the data dir): $(head -c 300 "$T/man.err")"
    w=$(groff -man -ww -z "$S/usr/share/man/man1/backdrop.1" 2>&1)
    [ -z "$w" ] && ok || bad "groff warns: $w"
else
    skip "no man"
fi

# Uninstall: nothing left but empty standard directories.
env -u MAKEFLAGS -u MAKELEVEL make --no-print-directory BUILD_SUFFIX=-install BIN="$T/backdrop" \
    PREFIX=/usr DESTDIR="$S" uninstall >"$T/make.log" 2>&1 && ok || bad "make uninstall failed"
left=$(cd "$S" && find . -type f | head -n 5)
[ -z "$left" ] && ok || bad "left after uninstall: $left"
[ -d "$S/usr/include/backdrop" ] || [ -d "$S/usr/share/backdrop" ] &&
    bad "uninstall left the backdrop directories" || ok
cd "$REPO"
done_
