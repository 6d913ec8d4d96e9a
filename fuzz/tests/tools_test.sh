#!/bin/sh
# The fuzz tools end to end on the shipped seeds: text <-> bytes both ways,
# replay with full checks, a C reproducer, the minimizer refusing a passing
# input, and a recorded trace through the converter and the replayer.
# usage: tools_test.sh BIN_DIR CORPUS_DIR WORK_DIR
set -eu
bin=$1 corpus=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
fail() { echo "tools_test: $*" >&2; exit 1; }

n=0
for seed in "$corpus"/seeds/*/*.ops; do
  [ -f "$seed" ] || continue
  target=$(basename "$(dirname "$seed")")
  name=$(basename "$seed" .ops)
  "$bin/pa-ops" encode --target "$target" "$seed" "$work/$name.bin" || fail "encode $seed"
  "$bin/pa-ops" decode --target "$target" "$work/$name.bin" "$work/$name.ops" || fail "decode $seed"
  "$bin/pa-ops" encode --target "$target" "$work/$name.ops" "$work/$name.again" || fail "re-encode $seed"
  cmp -s "$work/$name.bin" "$work/$name.again" || fail "text -> bytes -> text -> bytes changed $seed"
  "$bin/pa-fuzz-replay" --quiet --target "$target" "$seed" >/dev/null || fail "replay $seed"
  n=$((n + 1))
done
[ "$n" -gt 0 ] || fail "no seeds"

first=$(ls "$corpus"/seeds/default/*.ops | head -n 1)
"$bin/pa-fuzz-replay" --quiet --reproducer "$work/repro.c" "$first" >/dev/null || fail "reproducer"
grep -q 'pa_reproducer_run("default"' "$work/repro.c" || fail "reproducer has no main"
set +e
"$bin/pa-fuzz-minimize" "$first" "$work/min" 2>/dev/null
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "the minimizer took a passing input (exit $rc)"

if [ -x "$bin/pa-trace2seed" ]; then
  for trace in "$corpus"/trace_parser/*-head.trace; do
    [ -f "$trace" ] || continue
    "$bin/pa-trace2seed" "$trace" "$work/trace.seed" >/dev/null || fail "trace2seed $trace"
    "$bin/pa-trace-replay" "$trace" >/dev/null || fail "trace-replay $trace"
    "$bin/fuzz_default_replay" "$work/trace.seed" >/dev/null || fail "seed of $trace"
  done
fi
echo "tools_test: $n seeds, all tools passed"
