#!/bin/sh
# qemu_run.sh — run one static aarch64 Linux program under user-mode qemu (qemu-aarch64 from
# Debian's qemu-user), as the NEON tests do on an x86 machine.
#
#   sh tests/emu/qemu_run.sh [--cpu MODEL] BINARY [ARG...]
#
# MODEL is qemu's CPU model (default: max, which has every extension qemu emulates, the
# dot-product instructions among them; cortex-a53 has none of them). The program's output and
# exit code are its own. Exits 77 (the "skipped" code of tests/run_all.sh's suites) with one
# line on stderr when qemu-aarch64 is not installed (sh tools/deps.sh test installs it).
set -u
cpu=max
if [ "${1:-}" = --cpu ]; then
    cpu=${2:?qemu_run: --cpu needs a model}
    shift 2
fi
[ $# -ge 1 ] || { echo "usage: sh tests/emu/qemu_run.sh [--cpu MODEL] BINARY [ARG...]" >&2; exit 2; }
if ! command -v qemu-aarch64 >/dev/null 2>&1; then
    echo "qemu_run: qemu-aarch64 not installed (package qemu-user)" >&2
    exit 77
fi
exec qemu-aarch64 -cpu "$cpu" "$@"
