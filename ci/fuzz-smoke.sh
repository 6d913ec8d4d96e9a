#!/usr/bin/env bash
# A short fuzz campaign per engine: libFuzzer, then AFL++ (with cmplog), each
# on every target for PA_FUZZ_SMOKE_SECONDS (default 60) from the shipped
# corpus. Nothing is merged into the corpus; a crash fails the run and is
# left, minimized, under corpus/regressions/ with its text and C reproducer.
#   ci/fuzz-smoke.sh [--engine libfuzzer|afl|both] [--seconds N] [--build-root DIR]
# Exit status: 0 nothing found, 1 a failure found, 2 tools missing or build error.
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
engines="libfuzzer afl"
seconds=${PA_FUZZ_SMOKE_SECONDS:-60}
build_root=$src/build
while [ $# -gt 0 ]; do
  case $1 in
    --engine) case $2 in both) engines="libfuzzer afl" ;; *) engines=$2 ;; esac; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --build-root) build_root=$2; shift 2 ;;
    *) echo "fuzz-smoke: unknown option $1" >&2; exit 2 ;;
  esac
done
rc=0
for e in $engines; do
  echo "=== fuzz smoke: $e, ${seconds}s, all targets ==="
  "$src/fuzz/run-campaign.sh" --engine "$e" --targets all --duration "$seconds" --jobs 1 \
    --build-root "$build_root" --no-merge --progress 20
  r=$?
  echo "=== fuzz smoke: $e exit $r ==="
  [ $r -gt $rc ] && rc=$r
done
exit $rc
