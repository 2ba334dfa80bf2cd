"""pycheck.py — the Python twin of tests/check.h: check(cond, msg) counts, done(name) prints
"name: N passed, N failed" and exits non-zero on any failure."""
import sys

_passed = 0
_failed = 0


def check(cond, msg=""):
    global _passed, _failed
    if cond:
        _passed += 1
    else:
        _failed += 1
        frame = sys._getframe(1)
        print(f"FAIL {frame.f_code.co_filename}:{frame.f_lineno}: {msg}", file=sys.stderr)
    return cond


def done(name):
    print(f"{name}: {_passed} passed, {_failed} failed", flush=True)
    sys.exit(1 if _failed else 0)
