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

# cli STATUS STDOUT_START STDERR_FIRST_LINE -- TOOL ARGS...: the tool exits
# with STATUS, its stdout starts with STDOUT_START and the first line of its
# stderr is STDERR_FIRST_LINE ("" for either: that stream is empty; "-" for
# stderr: not looked at).
cli() {
  want_rc=$1 want_out=$2 want_err=$3
  shift 4
  set +e
  "$bin/$@" >"$work/cli.out" 2>"$work/cli.err"
  rc=$?
  set -e
  [ "$rc" -eq "$want_rc" ] || fail "$*: exit $rc, want $want_rc ($(head -n 1 "$work/cli.err"))"
  if [ -z "$want_out" ]; then
    [ ! -s "$work/cli.out" ] || fail "$*: stdout not empty: $(head -n 1 "$work/cli.out")"
  else
    case $(cat "$work/cli.out") in "$want_out"*) ;; *) fail "$*: stdout does not start with '$want_out'" ;; esac
  fi
  if [ "$want_err" = - ]; then
    :
  elif [ -z "$want_err" ]; then
    [ ! -s "$work/cli.err" ] || fail "$*: stderr not empty: $(head -n 1 "$work/cli.err")"
  else
    [ "$(head -n 1 "$work/cli.err")" = "$want_err" ] ||
      fail "$*: stderr '$(head -n 1 "$work/cli.err")', want '$want_err'"
  fi
}

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
# One command-line convention: --help on stdout with exit 0, usage errors on
# stderr with exit 2, numbers checked whole.
tools="pa-fuzz-replay pa-fuzz-minimize pa-ops"
[ -x "$bin/pa-trace2seed" ] && tools="$tools pa-trace2seed pa-trace-replay"
for t in $tools; do
  cli 0 "usage: $t" "" -- "$t" --help
  cli 0 "usage: $t" "" -- "$t" -h
  cli 2 "" "$t: unknown option --bogus" -- "$t" --bogus
done
cli 2 "" "pa-fuzz-replay: one FILE at a time (got a and $first)" -- pa-fuzz-replay a "$first"
cli 2 "" "pa-fuzz-replay: no FILE" -- pa-fuzz-replay
cli 2 "" "pa-fuzz-replay: --target needs a value" -- pa-fuzz-replay "$first" --target
cli 2 "" "pa-fuzz-replay: unknown target nosuch" -- pa-fuzz-replay --target nosuch "$first"
# a bad command is refused before IN is read (it used to leak IN's buffer)
cli 2 "" 'pa-ops: unknown command "frobnicate" (decode or encode)' -- pa-ops frobnicate "$first"
cli 2 "" "pa-ops: one IN and at most one OUT (\"c\" is one too many)" -- pa-ops decode a b c
cli 2 "" "pa-fuzz-minimize: --timeout wants a whole number from 1 to 86400, not \"abc\"" -- pa-fuzz-minimize --timeout abc "$first" "$work/m"
cli 2 "" "pa-fuzz-minimize: --timeout wants a whole number from 1 to 86400, not \"0\"" -- pa-fuzz-minimize --timeout 0 "$first" "$work/m"
cli 2 "" "pa-fuzz-minimize: --max-time wants a whole number from 1 to 604800, not \"-1\"" -- pa-fuzz-minimize --max-time -1 "$first" "$work/m"
cli 2 "" "pa-fuzz-minimize: --max-tries wants a whole number from 1 to $(getconf ULONG_MAX), not \"5x\"" -- pa-fuzz-minimize --max-tries 5x "$first" "$work/m"
if [ -x "$bin/pa-trace2seed" ]; then
  head_trace=$(ls "$corpus"/trace_parser/*-head.trace | head -n 1)
  for bad in abc -5 12x "" 99999999999999999999 0; do
    cli 2 "" "pa-trace-replay: --max-ops wants a whole number from 1 to 18446744073709551615, not \"$bad\"" -- pa-trace-replay --max-ops "$bad" "$head_trace"
    cli 2 "" "pa-trace2seed: --max-ops wants a whole number from 1 to 100000, not \"$bad\"" -- pa-trace2seed --max-ops "$bad" "$head_trace" "$work/s"
    cli 2 "" "pa-trace2seed: --split wants a whole number from 1 to 100000, not \"$bad\"" -- pa-trace2seed --split "$bad" "$head_trace" "$work/s"
  done
  cli 2 "" "pa-trace-replay: --max-ops needs a value" -- pa-trace-replay --max-ops
  cli 2 "" "pa-trace-replay: no TRACE" -- pa-trace-replay
  cli 2 "" "pa-trace2seed: target trace_parser: seeds are made for default or config" -- pa-trace2seed --target trace_parser "$head_trace" "$work/s"

  # Whole traces: past the op language's 4,096 live blocks and 100,000 ops.
  awk 'BEGIN { for (r = 0; r < 13; r++) { for (i = 1; i <= 6000; i++) print "m", r * 6000 + i, (i * 37) % 700 + 1;
                                          for (i = 6000; i >= 1; i--) print "f", r * 6000 + i } }' >"$work/long.trace"
  cli 0 "$work/long.trace: passed: 156000 ops replayed (m 78000, c 0, r 0, f 78000, a 0); peak live 6000 blocks" "" \
    -- pa-trace-replay --quiet "$work/long.trace"
  cli 0 "$work/long.trace: passed: 1000 ops replayed (m 1000, c 0, r 0, f 0, a 0) (--max-ops: the rest not read)" "" \
    -- pa-trace-replay --quiet --max-ops 1000 "$work/long.trace"
  # What cannot be replayed is counted per op kind, and the exit status says so.
  printf 'm 1 8\nm 2 1000000000000000\nr 2 3 2000000000000000\nf 3\nf 1\nm 0 1000000000000000\nm 0 16\n' >"$work/huge.trace"
  # (stderr: under ASan the large path's malloc warns of the failed request)
  cli 1 "$work/huge.trace: FAILED: 7 ops replayed (m 4, c 0, r 1, f 2, a 0)" - -- pa-trace-replay --quiet "$work/huge.trace"
  for line in "  m: 1 returned NULL in the trace, a block here (checked, freed at once)" \
              "  m: 1 NOT REPLAYED: NULL (ENOMEM) here where the trace's call returned a block" \
              "  r: 1 NOT REPLAYED: names a block this heap could not make" \
              "  f: 1 NOT REPLAYED: names a block this heap could not make" \
              "$work/huge.trace: 3 ops could not be replayed"; do
    grep -qxF "$line" "$work/cli.out" || fail "pa-trace-replay huge.trace: no line '$line' in: $(cat "$work/cli.out")"
  done
  printf 'm 1 8\nf 2\n' >"$work/bad.trace"
  cli 2 "" "pa-trace-replay: $work/bad.trace:2: f: ID 2 is not live" -- pa-trace-replay "$work/bad.trace"
fi
# The contract target's findings are minimized through its own replay
# program (--command): eight mallocs put in front of glibc's aligned_alloc
# finding (the op's position picks the call, so they go in a multiple of
# four) are all taken out again.
if [ -x "$bin/fuzz_contract_replay" ]; then
  glibc_case=$corpus/regressions/contract/glibc-IMPOSSIBLE_SUCCEEDED-aligned_alloc.ops
  { echo "# poolalloc op language v2, target default"
    for i in 1 2 3 4 5 6 7 8; do echo "malloc 16"; done
    grep -v '^#' "$glibc_case"; } >"$work/contract-padded.ops"
  env -u PA_CONTRACT_PRELOAD "$bin/pa-fuzz-minimize" --command "$bin/fuzz_contract_replay" --text \
    "$work/contract-padded.ops" "$work/contract-min" >/dev/null || fail "minimizing a contract case"
  head -n 2 "$work/contract-min.ops" | tr -d '\n' | grep -q '^# failure: IMPOSSIBLE_SUCCEEDED@aligned_alloc# poolalloc op language v2, target default, 3 ops$' ||
    fail "the contract case was not minimized to its 3 ops: $(cat "$work/contract-min.ops")"
  cli 2 "" "cannot run $work/no-such-program: No such file or directory" -- pa-fuzz-minimize --command "$work/no-such-program" "$first" "$work/m"
fi
echo "tools_test: $n seeds, all tools passed"
