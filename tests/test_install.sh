#!/bin/sh
# test_install.sh — `make install` into a staging root, then everything used from there:
#   make install PREFIX=/usr DESTDIR=$T/stage   (its own build dir, so the ordinary build
#                                                keeps its PREFIX; takes a full build)
#   - the files are there with their modes: bin/backdrop, lib/libbackdrop.a, the headers
#     under include/backdrop/, lib/pkgconfig/backdrop.pc, share/backdrop/*.bdw, the page;
#   - from /, with no option and no BACKDROP_MODEL, the staged binary blurs a photo (it
#     finds <exe dir>/../share/backdrop/);
#   - pkg-config --cflags --libs backdrop (PKG_CONFIG_SYSROOT_DIR=$T/stage) builds the C
#     example of src/backdrop.h, which then blurs the photo with the staged weights;
#   - man -l renders the page, groff -ww finds nothing to warn about;
#   - make uninstall leaves no file behind.
set -u
: "${SHARED:=../shared}"
passed=0; failed=0; skipped=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
skip() { skipped=$((skipped + 1)); echo "skip: $*"; }
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

# The C example of src/backdrop.h, built by pkg-config against the staged library.
cat >"$T/example.c" <<'CEOF'
#include <stdio.h>
#include <stdlib.h>
#include "backdrop.h"

int main(int argc, char **argv)
{
    if (argc != 4) return 2;
    char err[4096];
    bd_model *m = bd_model_load(argv[1], err, sizeof err);
    bd_segmenter *s = m ? bd_segmenter_new(m, NULL, err, sizeof err) : NULL;
    bd_image img;
    if (!s || bd_image_load(argv[2], &img, err, sizeof err)) {
        fprintf(stderr, "example: %s\n", err);
        return 1;
    }
    int person = bd_model_class_index(m, "person");
    float *matte = malloc(sizeof(float) * img.w * img.h);
    bd_matte_opts mo = bd_matte_defaults();
    if (!matte || bd_segment_matte(s, img.data, img.w, img.h, &person, 1, &mo, matte, NULL,
                                   err, sizeof err)) {
        fprintf(stderr, "example: %s\n", err);
        return 1;
    }
    bd_composite_blur(img.data, matte, img.w, img.h, bd_blur_auto_sigma(img.w, img.h), img.data);
    int rc = bd_image_save(argv[3], img.data, img.w, img.h, 3, err, sizeof err);
    if (rc) fprintf(stderr, "example: %s\n", err);
    bd_segmenter_free(s);
    bd_model_free(m);
    bd_image_free(&img);
    free(matte);
    return rc ? 1 : 0;
}
CEOF
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
