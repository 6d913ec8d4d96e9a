#!/usr/bin/env bash
# Issue 6's benchmark, in one command: builds poolalloc and the benchmark
# binaries (installing the peers' Debian packages if missing), runs every
# workload for poolalloc, glibc, jemalloc, mimalloc and tcmalloc in turn,
# repeated, and prints a table per workload (medians; ratios to the best
# peer). Then the callgrind instruction counts (bench/callgrind.sh).
#
#   bench/run.sh [--reps N] [--trace-reps N] [--alloc a,b] [--workloads w,x]
#                [--traces DIR] [--no-callgrind] [--no-build] [--publish DIR]
#                [--report-only]
#
#   --reps N        runs of each allocator x workload (default 3)
#   --trace-reps N  runs of each allocator x trace (default 3 x reps): a
#                   trace run lasts about 0.1 s and the VM's noise comes in
#                   spells of seconds, so more of them steady the medians
#   --alloc         only these allocators (default: all that were built)
#   --workloads     only these workloads (names as `bench_glibc --list` shows;
#                   "trace" stands for every trace)
#   --traces DIR    recorded traces, *.trace (default: corpus/traces)
#   --no-callgrind  skip bench/callgrind.sh (keeps a callgrind.csv already there)
#   --publish DIR   also copy summary.md, the CSVs and the charts to DIR
#   --report-only   no runs: the tables, charts and summary again from the
#                   last run's raw.csv and callgrind CSVs (give the same
#                   --reps and --trace-reps, which the summary states)
#
# Writes to bench/results/: raw.csv (every run), results.csv (medians),
# summary.md (the tables, the targets, the charts), *.png, callgrind.*.
set -euo pipefail
# shellcheck source=bench/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

reps=3
trace_reps=""
alloc_list=""
workload_list=""
trace_dir=$REPO_DIR/corpus/traces
callgrind=1
build=1
publish=""
report_only=0
while [ $# -gt 0 ]; do
  case $1 in
    --reps) reps=$2; shift 2 ;;
    --trace-reps) trace_reps=$2; shift 2 ;;
    --alloc) alloc_list=$2; shift 2 ;;
    --workloads) workload_list=$2; shift 2 ;;
    --traces) trace_dir=$2; shift 2 ;;
    --no-callgrind) callgrind=0; shift ;;
    --no-build) build=0; shift ;;
    --publish) publish=$2; shift 2 ;;
    --report-only) report_only=1; build=0; callgrind=0; shift ;;
    -h | --help) bench_usage "$0"; exit 0 ;;
    *) bench_die "unknown option $1 (--help)" ;;
  esac
done
[[ $reps =~ ^[1-9][0-9]*$ ]] || bench_die "--reps wants a positive number"
trace_reps=${trace_reps:-$((3 * reps))}
[[ $trace_reps =~ ^[1-9][0-9]*$ ]] || bench_die "--trace-reps wants a positive number"

started=$(date +%s)
bench_ensure_packages
[ "$build" -eq 1 ] && bench_build
mapfile -t allocators < <(bench_select_allocators "$alloc_list")
[ ${#allocators[@]} -gt 0 ] || bench_die "no allocator to run"
mkdir -p "$RESULTS_DIR"

wanted() { [ -z "$workload_list" ] || [[ ",$workload_list," == *",$1,"* ]]; }

# The workloads, from the binaries' own registry (trace is added per trace).
about=$RESULTS_DIR/workloads.tsv
"$BIN_DIR/bench_${allocators[0]}" --list >"$about"
runs=()
while IFS=$'\t' read -r name _; do
  [ "$name" != trace ] && wanted "$name" && runs+=("$name")
done <"$about"

# Traces: packed once (bench_trace_pack reads them with pa_trace_read), again
# only when the recording is newer than its packed form.
trace_info=$RESULTS_DIR/traces.txt
: >"$trace_info"
if wanted trace; then
  shopt -s nullglob
  traces=("$trace_dir"/*.trace)
  shopt -u nullglob
  if [ ${#traces[@]} -eq 0 ]; then
    bench_log "no traces in $trace_dir (*.trace): trace replay skipped"
  elif [ ! -x "$BIN_DIR/bench_trace_pack" ]; then
    bench_log "bench_trace_pack was not built (PA_BUILD_TRACE off): trace replay skipped"
  else
    mkdir -p "$BUILD_DIR/bench/traces"
    for t in "${traces[@]}"; do
      base=$(basename "$t" .trace)
      packed=$BUILD_DIR/bench/traces/$base.bin
      if [ ! -f "$packed" ] || [ "$t" -nt "$packed" ]; then
        bench_log "packing $t"
        "$BIN_DIR/bench_trace_pack" "$t" "$packed.tmp" >"$packed.info" ||
          { bench_log "cannot pack $t: skipped"; continue; }
        mv "$packed.tmp" "$packed"
      fi
      sed "s|^[^ ]*|trace-$base|" "$packed.info" >>"$trace_info"
      printf 'trace-%s\treplay of %s (%s)\n' "$base" "$(basename "$t")" \
        "$(cut -d' ' -f2- "$packed.info")" >>"$about"
      runs+=("trace:$packed")
    done
  fi
fi
[ ${#runs[@]} -gt 0 ] || bench_die "no workload to run"

# Every repetition runs every workload for every allocator, in turn, each in
# a process of its own (so peak RSS is the workload's own). The allocators'
# order rotates from one repetition to the next, so none is always the one
# that runs first, after another workload.
raw=$RESULTS_DIR/raw.csv
failures=0
nalloc=${#allocators[@]}
last_rep=$((reps > trace_reps ? reps : trace_reps))
if [ "$report_only" -eq 1 ]; then
  [ -s "$raw" ] || bench_die "--report-only: no $raw to report"
  last_rep=0
else
  printf 'rep,%s\n' "$("$BIN_DIR/bench_${allocators[0]}" --header)" >"$raw"
fi
for ((rep = 1; rep <= last_rep; rep++)); do
  for run in "${runs[@]}"; do
    if [[ $run == trace:* ]]; then
      args=(trace "file=${run#trace:}")
      label=trace-$(basename "${run#trace:}" .bin)
      of=$trace_reps
    else
      args=("$run")
      label=$run
      of=$reps
    fi
    [ "$rep" -le "$of" ] || continue
    for ((k = 0; k < nalloc; k++)); do
      alloc=${allocators[(k + rep - 1) % nalloc]}
      bench_log "run $rep/$of: $label, $alloc"
      if row=$(timeout 600 "$BIN_DIR/bench_$alloc" "${args[@]}"); then
        printf '%s,%s\n' "$rep" "$row" >>"$raw"
      else
        bench_log "FAILED: bench_$alloc ${args[*]}"
        failures=$((failures + 1))
      fi
    done
  done
done

if [ "$callgrind" -eq 1 ]; then
  "$BENCH_DIR/callgrind.sh" --no-build ${alloc_list:+--alloc "$alloc_list"} >/dev/null
fi

# Medians, ratios, tables, targets, chart data.
tables=$RESULTS_DIR/tables.md
targets=$RESULTS_DIR/targets.md
awk -f "$BENCH_DIR/lib/report.awk" -v about="$about" -v cg="$RESULTS_DIR/callgrind.csv" \
  -v csv="$RESULTS_DIR/results.csv" -v datdir="$RESULTS_DIR" -v targets="$targets" "$raw" >"$tables"

ncol=$((${#allocators[@]} + 1))
chart() { # chart DATA PNG TITLE YLABEL LOGY REF
  local nrow
  nrow=$(($(wc -l <"$RESULTS_DIR/$1") - 1))
  gnuplot -e "data='$RESULTS_DIR/$1'; out='$RESULTS_DIR/$2'; ttl='$3'; ylab='$4'; ncol=$ncol; nrow=$nrow; logy=$5; ref=$6" \
    "$BENCH_DIR/lib/plot.gp" || bench_log "gnuplot failed on $2"
}
chart ns.dat ns_per_op.png "CPU time per allocator call (median)" "ns per op (log)" 1 0
chart ns_ratio.dat ns_ratio.png "Time per op relative to the best peer (below 1: faster than every peer)" "x best peer" 0 1
chart peak.dat peak_rss.png "Peak RSS of the workload (median)" "MiB above the start (log)" 1 0
chart after.dat after_rss.png "RSS once the workload has freed everything (median)" "MiB above the start (log)" 1 0
if [ -f "$RESULTS_DIR/callgrind.dat" ]; then
  ncol_cg=$(($(head -1 "$RESULTS_DIR/callgrind.dat" | wc -w)))
  nrow_cg=$(($(wc -l <"$RESULTS_DIR/callgrind.dat") - 1))
  gnuplot -e "data='$RESULTS_DIR/callgrind.dat'; out='$RESULTS_DIR/callgrind.png'; ttl='Instructions inside the allocator per malloc+free pair (callgrind)'; ylab='instructions per pair'; ncol=$ncol_cg; nrow=$nrow_cg; logy=0; ref=0" \
    "$BENCH_DIR/lib/plot.gp" || bench_log "gnuplot failed on callgrind.png"
fi

# summary.md: docs-ready, the charts beside it.
summary=$RESULTS_DIR/summary.md
{
  printf '# poolalloc benchmark\n\n'
  printf 'Made by %s on %s: %s, %s CPUs, %s; %d runs of each allocator and workload, %d of each trace, in turn (the order of the allocators rotating).\n\n' \
    "\`bench/run.sh\`" "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(uname -srm)" "$(nproc)" \
    "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')" "$reps" "$trace_reps"
  printf 'Peers (Debian packages): %s. glibc %s.\n\n' \
    "$(dpkg-query -W -f='${Package} ${Version}, ' libjemalloc2 libmimalloc2.0 libtcmalloc-minimal4 2>/dev/null | sed 's/, $//')" \
    "$(ldd --version | head -1 | awk '{ print $NF }')"
  cat "$targets"
  printf '\n![time per op relative to the best peer](ns_ratio.png)\n'
  printf '![time per op](ns_per_op.png)\n![peak RSS](peak_rss.png)\n![RSS after freeing everything](after_rss.png)\n'
  [ -f "$RESULTS_DIR/callgrind.png" ] && printf '![instructions per pair](callgrind.png)\n'
  printf '\n## Workloads\n\n'
  cat "$tables"
  if [ -s "$trace_info" ]; then
    printf '### The traces\n\n```\n'
    cat "$trace_info"
    printf '```\n\n'
  fi
  [ -f "$RESULTS_DIR/callgrind.md" ] && cat "$RESULTS_DIR/callgrind.md"
} >"$summary"

if [ -n "$publish" ]; then
  mkdir -p "$publish"
  cp "$summary" "$RESULTS_DIR"/*.png "$RESULTS_DIR"/results.csv "$RESULTS_DIR"/raw.csv "$publish"/
  [ -f "$RESULTS_DIR/callgrind.csv" ] && cp "$RESULTS_DIR/callgrind.csv" "$publish"/
  [ -f "$RESULTS_DIR/callgrind_traces.csv" ] && cp "$RESULTS_DIR/callgrind_traces.csv" "$publish"/
fi

cat "$targets"
printf '\n'
cat "$tables"
[ -f "$RESULTS_DIR/callgrind.md" ] && cat "$RESULTS_DIR/callgrind.md"
bench_log "done in $(($(date +%s) - started)) s: $summary"
[ "$failures" -eq 0 ] || bench_die "$failures run(s) failed"
