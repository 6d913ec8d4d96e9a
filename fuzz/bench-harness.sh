#!/usr/bin/env bash
# The fuzz harness's own speed: instructions per executed op (callgrind, the
# release build replaying the shipped corpus: a figure machine noise does
# not move) and executions per second per engine (short fixed runs from the
# shipped corpus: libFuzzer with ASan+UBSan, AFL++ persistent mode).
#
#   fuzz/bench-harness.sh [--seconds N] [--targets default,config,fault,misuse]
#                         [--engines callgrind,libfuzzer,afl,layers] [--inputs N]
#                         [--build-root DIR] [--no-build]
#
# --seconds     length of each engine run (default 30)
# --targets     heap targets to measure (default default,config,fault,misuse;
#               interleave too)
# --engines     what to measure (default callgrind,libfuzzer,afl; an engine
#               whose tools are missing is skipped with a note). layers:
#               the CPU per input of the shipped corpus through each layer
#               between the release harness and the engines (release,
#               ASan+UBSan, SanitizerCoverage, libFuzzer, the AFL++ build),
#               one process each (fuzz/README.md, "Engine overhead")
# --inputs      callgrind: replay only the first N inputs of each corpus
#               (default: all of them)
# --build-root  where the presets build (default build/)
# --no-build    use what is built already
# Prints table rows per target and engine: libFuzzer's whole-run average
# and, apart, its rate over the starting corpus and over the mutated inputs
# after it; AFL++'s executions over the run (afl-fuzz's calibration of each
# starting input included) and its calibration of the shipped corpus alone.
# Exit 2 on a usage or build error. Builds with -j2; the engine runs use one
# core each, in turn.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
seconds=30
targets=default,config,fault,misuse
engines=callgrind,libfuzzer,afl
inputs=0
build_root=$src/build
build=1
die() { echo "bench-harness: $*" >&2; exit 2; }
number() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 wants a positive whole number, not '$2'"; }
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) number "$1" "${2:-}"; seconds=$2; shift 2 ;;
    --targets) targets=${2:?--targets needs a list}; shift 2 ;;
    --engines) engines=${2:?--engines needs a list}; shift 2 ;;
    --inputs) number "$1" "${2:-}"; inputs=$2; shift 2 ;;
    --build-root) build_root=${2:?--build-root needs a directory}; shift 2 ;;
    --no-build) build=0; shift ;;
    -h | --help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (--help)" ;;
  esac
done
IFS=, read -r -a target_list <<<"$targets"
IFS=, read -r -a engine_list <<<"$engines"
for t in "${target_list[@]}"; do
  [[ $t =~ ^(default|config|fault|misuse|interleave)$ ]] || die "unknown target '$t'"
  [ -d "$src/corpus/$t" ] || die "no corpus/$t"
done
for e in "${engine_list[@]}"; do
  [[ $e =~ ^(callgrind|libfuzzer|afl|layers)$ ]] || die "unknown engine '$e'"
done
work=$(mktemp -d /tmp/pa-bench-harness.XXXXXX)
trap 'rm -rf "$work"' EXIT

# build_in DIR PRESET [CMAKE-ARG...] -- PROGRAM...: configure and build
build_in() {
  local dir=$1 preset=$2 name configure=() args=()
  name=$(basename "$dir")
  shift 2
  while [ "$1" != -- ]; do configure+=("$1"); shift; done
  shift
  [ $build -eq 1 ] || return 0
  for p in "$@"; do args+=(--target "$p"); done
  cmake --preset "$preset" -S "$src" -B "$dir" ${configure[@]+"${configure[@]}"} >"$work/configure-$name.log" 2>&1 ||
    die "configuring $name failed ($work/configure-$name.log)"
  cmake --build "$dir" -j2 "${args[@]}" >"$work/build-$name.log" 2>&1 ||
    { cat "$work/build-$name.log" >&2; die "building $name failed"; }
}

# build PRESET PROGRAM...: configure and build into $build_root/PRESET
build() { local preset=$1; shift; build_in "$build_root/$preset" "$preset" -- "$@"; }

# corpus_files TARGET: the inputs measured, one a line
corpus_files() {
  local files
  files=$(find "$src/corpus/$1" -maxdepth 1 -type f | LC_ALL=C sort)
  if [ "$inputs" -gt 0 ]; then echo "$files" | head -n "$inputs"; else echo "$files"; fi
}

printf '| target | engine | figure | value | over |\n| --- | --- | --- | ---: | --- |\n'

run_callgrind() { # target
  local t=$1 rel=$build_root/release ops=0 n=0 f d=$work/cg-$1
  mkdir -p "$d"
  while IFS= read -r f; do
    ln -s "$f" "$d/$(basename "$f")"
    n=$((n + 1))
    # the text form's header counts the ops: "# ..., target T, N ops"
    ops=$((ops + $("$rel/fuzz/pa-ops" decode --target "$t" "$f" | sed -n '1s/.*, \([0-9]*\) ops$/\1/p')))
  done < <(corpus_files "$t")
  valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.$t" "$rel/fuzz/fuzz_${t}_replay" "$d" \
    >"$work/callgrind-$t.log" 2>&1 || die "fuzz_${t}_replay failed under callgrind ($work/callgrind-$t.log)"
  local ir
  ir=$(sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$work/callgrind-$t.log")
  if [ -z "$ir" ] || [ "$ops" -eq 0 ]; then die "no instruction count for $t"; fi
  printf '| %s | callgrind (release) | instructions per op | %d | %d inputs, %d ops, %d instructions |\n' \
    "$t" $((ir / ops)) "$n" "$ops" "$ir"
}

# stamp: each line of stdin with the time it came, in seconds
stamp() { local l; while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done; }

run_libfuzzer() { # target
  local t=$1 d=$work/lf-$1 bin=$build_root/fuzz-libfuzzer/fuzz/fuzz_$1 start
  mkdir -p "$d/new"
  start=$EPOCHREALTIME
  "$bin" -max_total_time="$seconds" -seed=1 -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
    -dict="$src/corpus/dict/$t.dict" "$d/new" "$src/corpus/$t" 2>&1 | stamp >"$d/log" ||
    die "fuzz_$t found something or failed: $d/log"
  # libFuzzer's own average_exec_per_sec is over the whole run, and the run
  # starts by executing the whole starting corpus (the shipped inputs, in
  # order of size, up to its INITED line) before it mutates anything. Two
  # figures, from the times the lines came: the starting corpus, and the
  # mutated inputs after it (what a campaign runs for the rest of its time).
  local execs rate
  execs=$(sed -n 's/^[0-9.]* stat::number_of_executed_units: *\([0-9]*\)$/\1/p' "$d/log")
  rate=$(sed -n 's/^[0-9.]* stat::average_exec_per_sec: *\([0-9]*\)$/\1/p' "$d/log")
  printf '| %s | libFuzzer (ASan+UBSan), whole run | exec/s | %d | %d executions, %d s asked for (libFuzzer'"'"'s average_exec_per_sec) |\n' \
    "$t" "$rate" "$execs" "$seconds"
  awk -v t="$t" -v start="$start" '
    $2 ~ /^#[0-9]+$/ && $3 == "INITED" { ti = $1; ni = substr($2, 2) + 0 }
    $2 ~ /^#[0-9]+$/ && $3 == "DONE" { te = $1; ne = substr($2, 2) + 0 }
    END {
      if (!ti || !te) { print "bench-harness: no INITED or DONE line" > "/dev/stderr"; exit 1 }
      printf "| %s | libFuzzer (ASan+UBSan), starting corpus | exec/s | %d | %d executions in %.1f s, to the INITED line |\n", t, ni / (ti - start), ni, ti - start
      if (ne > ni && te > ti)
        printf "| %s | libFuzzer (ASan+UBSan), mutating | exec/s | %d | %d executions in %.1f s, INITED to DONE |\n", t, (ne - ni) / (te - ti), ne - ni, te - ti
      else
        printf "| %s | libFuzzer (ASan+UBSan), mutating | exec/s | - | the time ran out before the starting corpus was done (--seconds) |\n", t
    }' "$d/log" || die "fuzz_$t: no rate in $d/log"
}

run_afl() { # target
  local t=$1 d=$work/afl-$1 bin=$build_root/fuzz-afl/fuzz/fuzz_$1
  mkdir -p "$d/in"
  find "$src/corpus/$t" -maxdepth 1 -type f -size -1024k ! -empty -exec cp {} "$d/in/" \;
  AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    AFL_NO_WARN_INSTABILITY=1 \
    afl-fuzz -i "$d/in" -o "$d/out" -x "$src/corpus/dict/$t.dict" -V "$seconds" -t 20000 -- "$bin" \
    >"$d/log" 2>&1 || die "afl-fuzz failed on $t ($d/log)"
  local stats=$d/out/default/fuzzer_stats execs entry entries
  [ -f "$stats" ] || die "afl-fuzz left no fuzzer_stats for $t ($d/log)"
  execs=$(sed -n 's/^execs_done *: *\([0-9]*\)$/\1/p' "$stats")
  # A short run mutates one or two queue entries, chosen by the coverage
  # map: its rate is theirs (fuzz/README.md, "Fourth round: executions
  # per second"). Named, so two trees' rows can be told apart.
  entry=$(sed -n 's/^cur_item *: *\([0-9]*\)$/\1/p' "$stats")
  entries=$(sed -n 's/^corpus_count *: *\([0-9]*\)$/\1/p' "$stats")
  # stability: the share of edges an input hits alike on every run (a
  # variable input is calibrated 40 times, not 8); target_mode: whether the
  # target ran as built (persistent shmem_testcase deferred)
  stability=$(sed -n 's/^stability *: *\(.*\)$/\1/p' "$stats")
  mode=$(sed -n 's/^target_mode *: *\(.*[^ ]\) *$/\1/p' "$stats")
  printf '| %s | AFL++ persistent | exec/s | %d | %d executions in %d s (calibration included), mutating queue entry %d of %d at the end; stability %s; %s |\n' \
    "$t" $((execs / seconds)) "$execs" "$seconds" "$entry" "$entries" "$stability" "$mode"
  # The same inputs for every tree: afl-fuzz's calibration of each shipped
  # input (several runs each, in the persistent loop), averaged.
  sed 's/\x1b\[[0-9;]*m//g' "$d/log" | sed -n 's/.*exec speed = \([0-9]*\) us.*/\1/p' |
    awk -v t="$t" '{ s += $1; n++ }
      END { if (n && s) printf "| %s | AFL++ persistent, calibrating the shipped corpus | exec/s | %d | %d inputs, mean %d us each |\n", t, 1e6 * n / s, n, s / n }'
}

# cpu_seconds PROGRAM ARG...: user plus system seconds of one run
cpu_seconds() {
  local TIMEFORMAT='%U %S' t
  t=$({ time "$@" >/dev/null 2>&1; } 2>&1) || die "$1 failed on the shipped corpus"
  echo "$t" | awk '{ printf "%.2f", $1 + $2 }'
}

layer_row() { # target layer seconds inputs
  printf '| %s | %s | CPU us per input | %d | %s s for %d inputs |\n' "$1" "$2" "$(echo "$3 $4" | awk '{ printf "%d", 1e6 * $1 / $2 }')" "$3" "$4"
}

# The same inputs (the shipped corpus) through each layer between the
# release harness and the engines, one process each: CPU per input.
run_layers() { # target
  local t=$1 n files s f d=$work/layers-$1
  files=$(corpus_files "$t")
  n=$(echo "$files" | wc -l)
  # libFuzzer takes them as its starting corpus, a directory: as it
  # fuzzes, with the features of each input collected
  mkdir -p "$d"
  for f in $files; do ln -s "$f" "$d/"; done
  # shellcheck disable=SC2086
  {
    s=$(cpu_seconds "$build_root/release/fuzz/fuzz_${t}_replay" $files); layer_row "$t" "release replay" "$s" "$n"
    s=$(cpu_seconds "$build_root/asan-ubsan-nocov/fuzz/fuzz_${t}_replay" $files); layer_row "$t" "ASan+UBSan replay" "$s" "$n"
    s=$(cpu_seconds "$build_root/fuzz-libfuzzer/fuzz/fuzz_${t}_replay" $files); layer_row "$t" "+ SanitizerCoverage replay" "$s" "$n"
    s=$(cpu_seconds "$build_root/fuzz-libfuzzer/fuzz/fuzz_$t" -runs=0 "$d"); layer_row "$t" "+ libFuzzer (-runs=0, the inputs as its corpus)" "$s" "$n"
    if [ -x "$build_root/fuzz-afl/fuzz/fuzz_$t" ]; then
      s=$(cpu_seconds "$build_root/fuzz-afl/fuzz/fuzz_$t" $files); layer_row "$t" "AFL++ build, as files" "$s" "$n"
    fi
  }
}

programs() { # prefix suffix: one program name per target
  local t
  for t in "${target_list[@]}"; do echo "$1$t$2"; done
}

for e in "${engine_list[@]}"; do
  case $e in
    callgrind)
      command -v valgrind >/dev/null || { echo "(callgrind skipped: no valgrind)" >&2; continue; }
      # shellcheck disable=SC2046
      build release pa-ops $(programs fuzz_ _replay)
      for t in "${target_list[@]}"; do run_callgrind "$t"; done ;;
    libfuzzer)
      command -v clang >/dev/null || { echo "(libFuzzer skipped: no clang)" >&2; continue; }
      # shellcheck disable=SC2046
      build fuzz-libfuzzer $(programs fuzz_ "")
      for t in "${target_list[@]}"; do run_libfuzzer "$t"; done ;;
    layers)
      # shellcheck disable=SC2046
      build release $(programs fuzz_ _replay)
      # the libFuzzer preset's flags without SanitizerCoverage
      # shellcheck disable=SC2046
      build_in "$build_root/asan-ubsan-nocov" fuzz-libfuzzer -DPA_FUZZ_ENGINE=replay -- $(programs fuzz_ _replay)
      # shellcheck disable=SC2046
      build fuzz-libfuzzer $(programs fuzz_ "") $(programs fuzz_ _replay)
      if command -v afl-clang-fast >/dev/null; then
        # shellcheck disable=SC2046
        build fuzz-afl $(programs fuzz_ "")
      fi
      for t in "${target_list[@]}"; do run_layers "$t"; done ;;
    afl)
      if ! command -v afl-fuzz >/dev/null || ! command -v afl-clang-fast >/dev/null; then
        echo "(AFL++ skipped: no afl-fuzz or afl-clang-fast)" >&2
        continue
      fi
      # shellcheck disable=SC2046
      build fuzz-afl $(programs fuzz_ "")
      for t in "${target_list[@]}"; do run_afl "$t"; done ;;
  esac
done
