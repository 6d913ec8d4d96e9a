#!/usr/bin/env bash
# Runs a real program on glibc's malloc and again with the drop-in preloaded
# and fails unless both exit the same way and print the same output.
#
#   compare.sh LIB KEEP -- PROGRAM ARGS...
#
# LIB: libpoolalloc_malloc.so. KEEP: an extended regex; only stdout lines
# matching it are compared ('' keeps every line), for programs that print
# timings. Both runs read /dev/null. It also checks, with
# LD_DEBUG, that the program's malloc is bound to LIB, so a run that
# silently used glibc cannot pass. Exits 77 (skipped) if PROGRAM is missing.
set -euo pipefail
lib=$1 keep=$2
shift 2
[ "$1" = -- ] && shift
command -v "$1" >/dev/null || { echo "compare.sh: $1 not installed: skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

filter() { if [ -n "$keep" ]; then grep -E -- "$keep" || true; else cat; fi; }

set +e
"$@" </dev/null 2>"$work/glibc.err" | filter >"$work/glibc.out"
rc_glibc=${PIPESTATUS[0]}
LD_PRELOAD=$lib LD_DEBUG=bindings LD_DEBUG_OUTPUT=$work/bind "$@" </dev/null 2>"$work/pa.err" | filter >"$work/pa.out"
rc_pa=${PIPESTATUS[0]}
set -e

if ! grep -q "to $lib .*normal symbol \`malloc'" "$work"/bind.*; then
  echo "compare.sh: $1's malloc was not bound to $lib" >&2
  exit 1
fi
if [ "$rc_glibc" != "$rc_pa" ]; then
  echo "compare.sh: exit status $rc_pa under poolalloc, $rc_glibc on glibc; stderr:" >&2
  tail -20 "$work/pa.err" >&2
  exit 1
fi
if ! diff -u "$work/glibc.out" "$work/pa.out" >&2; then
  echo "compare.sh: output differs (- glibc, + poolalloc)" >&2
  exit 1
fi
echo "compare.sh: $1: same exit status ($rc_pa) and $(wc -l <"$work/pa.out") lines of output as on glibc"
