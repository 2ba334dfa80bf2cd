#!/bin/sh
# test_model_search.sh — where backdrop finds its weights without --model, run from / with
# copies of the binary in temporary trees (src/cli/model_path.c):
#   <exe dir>/weights/NAME, then <exe dir>/../share/backdrop/NAME; $BACKDROP_MODEL before
#   both, a named file before all; and the exact error line when none has it.
set -u
: "${BIN:=./backdrop}" "${SHARED:=../shared}"
passed=0; failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
NAME=deeplabv3_mnv2_pascal.bdw
W=weights/deeplabv3_mnv2_dm05_pascal.bdw
[ -f "$W" ] || W=weights/$NAME
if [ ! -f "$W" ]; then
    echo "note: no weights in weights/ (run make): skipped"
    echo "test_model_search: 0 passed, 0 failed, 1 skipped"; exit 0
fi
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
W=$(pwd)/$W
mkdir -p "$T/a/weights" "$T/b/bin" "$T/b/share/backdrop" "$T/c" "$T/e"
cp "$BIN" "$T/a/backdrop"; cp "$W" "$T/a/weights/$NAME"
cp "$BIN" "$T/b/bin/backdrop"; cp "$W" "$T/b/share/backdrop/$NAME"
cp "$W" "$T/b/share/backdrop/other.bdw"
cp "$BIN" "$T/c/backdrop"
cp "$W" "$T/e/env.bdw"

# first_line WANT DESC CMD...: the first line `info` prints (run from /) names file WANT
first_line() {
    want=$1; d=$2; shift 2
    line=$(cd / && "$@" 2>&1 | head -n 1)
    case "$line" in "file              $want ("*) ok;; *) bad "$d: '$line', expected file $want";; esac
}
first_line "$T/a/weights/$NAME" "<exe dir>/weights/" env -u BACKDROP_MODEL "$T/a/backdrop" info
first_line "$T/b/bin/../share/backdrop/$NAME" "<exe dir>/../share/backdrop/" \
    env -u BACKDROP_MODEL "$T/b/bin/backdrop" info
first_line "$T/e/env.bdw" "\$BACKDROP_MODEL before the search" \
    env BACKDROP_MODEL="$T/e/env.bdw" "$T/a/backdrop" info
first_line "$T/b/share/backdrop/other.bdw" "a named file before \$BACKDROP_MODEL" \
    env BACKDROP_MODEL="$T/e/env.bdw" "$T/a/backdrop" info "$T/b/share/backdrop/other.bdw"
# the effects search the same way: from /, no option
if [ -f "$SHARED/images/small_rose_70x46.png" ]; then
    img=$(cd "$SHARED/images" && pwd)/small_rose_70x46.png
    (cd / && env -u BACKDROP_MODEL "$T/b/bin/backdrop" blur "$img" -o "$T/out.png" -q) &&
        [ -f "$T/out.png" ] && ok || bad "blur from / with the weights in ../share/backdrop"
fi
# none: the exact error line ('*' for the data dir compiled in from PREFIX; skipped if this
# machine has the model installed there)
if [ -f "/usr/local/share/backdrop/$NAME" ] || [ -f "/usr/share/backdrop/$NAME" ]; then
    echo "note: an installed $NAME exists here: the no-model case is skipped"
else
    want="backdrop: no model: $NAME is not in $T/c/weights/, $T/c/../share/backdrop/, */share/backdrop/, ./weights/ and \$BACKDROP_MODEL is not set; make one with \`make weights\` in the source tree (or python3 tools/convert.py MODEL -o FILE.bdw) and give --model FILE.bdw"
    have=$(cd / && env -u BACKDROP_MODEL "$T/c/backdrop" info 2>&1)
    case "$have" in $want) ok;; *) bad "no model: '$have'";; esac
    (cd / && env -u BACKDROP_MODEL "$T/c/backdrop" info >/dev/null 2>&1)
    [ $? = 1 ] && ok || bad "no model: exit code"
fi
echo "test_model_search: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
