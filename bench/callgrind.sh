#!/usr/bin/env bash
# Instructions per malloc+free pair on the fast path, for poolalloc and each
# peer, under callgrind: a figure machine noise does not move.
#
#   bench/callgrind.sh [--pairs N] [--sizes "16 32 128 512"] [--alloc a,b] [--no-build]
#
# For each allocator and size, the pair workload runs twice under callgrind,
# with 0 and with N pairs (same setup, same warm-up); the difference over N is
# the cost of one pair. It is split, per function, with callgrind_annotate:
# the caller's own loop (pair_loop: the calls, the sink store, PLT stubs) and
# everything inside the allocator. Sizes run with 16 blocks of the size kept
# live (the fast path proper); 32 B also runs with none live, where every
# free empties its pool or page.
#
# Then each trace that bench/run.sh packed (build-bench/bench/traces/*.bin)
# is replayed under callgrind with loops=1 and loops=3, for every allocator:
# half the difference is one replay, whole program (the replay loop's own
# work is the same for all), the noise-free side of the trace targets.
#
# Writes to bench/results/: callgrind.csv, callgrind_traces.csv,
# callgrind.md, callgrind/ (the per-function split of every run, poolalloc's
# line-level annotation and its raw callgrind files, which kcachegrind opens).
set -euo pipefail
# shellcheck source=bench/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

pairs=1000000
sizes="16 32 128 512"
alloc_list=""
build=1
while [ $# -gt 0 ]; do
  case $1 in
    --pairs) pairs=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --alloc) alloc_list=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    -h | --help) bench_usage "$0"; exit 0 ;;
    *) bench_die "unknown option $1 (--help)" ;;
  esac
done
[[ $pairs =~ ^[1-9][0-9]*$ ]] || bench_die "--pairs wants a positive number"

bench_ensure_packages
[ "$build" -eq 1 ] && bench_build
mapfile -t allocators < <(bench_select_allocators "$alloc_list")
[ ${#allocators[@]} -gt 0 ] || bench_die "no allocator to measure"

out=$RESULTS_DIR/callgrind
mkdir -p "$out/raw"
csv=$RESULTS_DIR/callgrind.csv

# cg_total FILE: the run's instruction count.
cg_total() { awk '/^summary:/ { print $2 }' "$1"; }

# cg_functions FILE: "COUNT<TAB>file:function [object]" for every function,
# directories stripped so the names read the same in every run.
cg_functions() {
  callgrind_annotate --auto=no --threshold=100 "$1" | awk '
    /file:function/ { body = 1; next }
    body && /^ *[0-9,]+ / {
      n = $1; gsub(",", "", n)
      name = $0
      sub(/^ *[0-9,]+ +(\([^)]*\) +)?/, "", name)
      gsub(/[^ :\[]*\//, "", name)
      print n "\t" name
    }'
}

# cg_per_pair F0 FN: per function, (count in FN - count in F0) / pairs,
# largest first; the lines that round to 0.00 are left out.
cg_per_pair() {
  awk -F '\t' -v pairs="$pairs" '
    NR == FNR { base[$2] += $1; next }
    { now[$2] += $1 }
    END {
      for (k in now) { d = (now[k] - base[k]) / pairs; if (d >= 0.005 || d <= -0.005) printf "%.2f\t%s\n", d, k }
      for (k in base) if (!(k in now)) { d = -base[k] / pairs; if (d <= -0.005) printf "%.2f\t%s\n", d, k }
    }' <(cg_functions "$1") <(cg_functions "$2") | sort -t "$(printf '\t')" -k1,1 -g -r
}

# measure ALLOC SIZE LIVE: one row of the CSV and its per-function split.
measure() {
  local alloc=$1 size=$2 live=$3 tag n files=() extra=()
  tag=$alloc-size$size-live$live
  [ "$alloc" = poolalloc ] && extra=(--dump-instr=yes)
  for n in 0 "$pairs"; do
    valgrind --tool=callgrind "${extra[@]}" --callgrind-out-file="$out/raw/$tag-n$n.out" \
      "$BIN_DIR/bench_$alloc" pair n="$n" size="$size" live="$live" >/dev/null 2>"$out/raw/$tag-n$n.log" ||
      bench_die "callgrind run failed: $out/raw/$tag-n$n.log"
    files+=("$out/raw/$tag-n$n.out")
  done
  cg_per_pair "${files[0]}" "${files[1]}" >"$out/$tag.functions.tsv"
  local total caller
  total=$(awk -v a="$(cg_total "${files[0]}")" -v b="$(cg_total "${files[1]}")" -v p="$pairs" \
    'BEGIN { printf "%.2f", (b - a) / p }')
  caller=$(awk -F '\t' '$2 ~ /:pair_loop( |$)/ { s += $1 } END { printf "%.2f", s + 0 }' "$out/$tag.functions.tsv")
  awk -v c="$caller" 'BEGIN { exit !(c > 0) }' ||
    bench_die "no pair_loop in the profile of bench_$alloc: the split needs it (built with -g, not inlined)"
  awk -v a="$alloc" -v s="$size" -v l="$live" -v p="$pairs" -v t="$total" -v c="$caller" \
    'BEGIN { printf "%s,%s,%s,%s,%.2f,%.2f,%.2f\n", a, s, l, p, t, t - c, c }' >>"$csv"
  if [ "$alloc" = poolalloc ] && [ "$size" = 32 ] && [ "$live" = 16 ]; then
    callgrind_annotate --auto=yes "${files[1]}" >"$out/poolalloc-annotate.txt" 2>&1 || true
  fi
}

echo "allocator,size,live,pairs,ir_per_pair,allocator_ir_per_pair,caller_ir_per_pair" >"$csv"
for alloc in "${allocators[@]}"; do
  for size in $sizes; do
    bench_log "callgrind: $alloc, $size B, 16 live"
    measure "$alloc" "$size" 16
  done
  bench_log "callgrind: $alloc, 32 B, none live"
  measure "$alloc" 32 0
done

# measure_trace ALLOC PACKED: one row of the traces' CSV.
measure_trace() {
  local alloc=$1 packed=$2 tag loops totals=()
  tag=$alloc-trace-$(basename "$packed" .bin)
  for loops in 1 3; do
    valgrind --tool=callgrind --callgrind-out-file="$out/raw/$tag-loops$loops.out" \
      "$BIN_DIR/bench_$alloc" trace file="$packed" loops="$loops" >/dev/null 2>"$out/raw/$tag-loops$loops.log" ||
      bench_die "callgrind run failed: $out/raw/$tag-loops$loops.log"
    totals+=("$(cg_total "$out/raw/$tag-loops$loops.out")")
  done
  awk -v a="$alloc" -v t="$(basename "$packed" .bin)" -v one="${totals[0]}" -v three="${totals[1]}" \
    'BEGIN { printf "%s,%s,%.0f\n", a, t, (three - one) / 2 }' >>"$trace_csv"
}

trace_csv=$RESULTS_DIR/callgrind_traces.csv
echo "allocator,trace,ir_per_replay" >"$trace_csv"
shopt -s nullglob
packed_traces=("$BIN_DIR"/traces/*.bin)
shopt -u nullglob
[ ${#packed_traces[@]} -gt 0 ] ||
  bench_log "no packed traces in $BIN_DIR/traces (bench/run.sh packs them): no instruction counts per replay"
for packed in "${packed_traces[@]}"; do
  for alloc in "${allocators[@]}"; do
    bench_log "callgrind: $alloc, replay of $(basename "$packed" .bin)"
    measure_trace "$alloc" "$packed"
  done
done

awk -F, -f "$BENCH_DIR/lib/callgrind_report.awk" -v fdir="$out" -v dat="$RESULTS_DIR/callgrind.dat" "$csv" >"$RESULTS_DIR/callgrind.md"
[ ${#packed_traces[@]} -eq 0 ] || awk -F, -f "$BENCH_DIR/lib/callgrind_traces_report.awk" "$trace_csv" >>"$RESULTS_DIR/callgrind.md"
cat "$RESULTS_DIR/callgrind.md"
