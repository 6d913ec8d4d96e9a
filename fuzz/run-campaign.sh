#!/usr/bin/env bash
# run-campaign.sh: one fuzz campaign, start to finish.
#
#   fuzz/run-campaign.sh [--engine libfuzzer|afl|both] [--targets default,config,fault,misuse,interleave,trace_parser|all]
#                        [--duration SECONDS] [--jobs N] [--build-root DIR] [--work DIR]
#                        [--no-build] [--no-merge] [--progress SECONDS] [--corpus DIR]
#                        [--coverage] [AFL++ node options]
#
# AFL++ across machines (one node per machine, all on one sync directory
# that NFS, rsync or the user's tool keeps in step; fuzz/README.md):
#   --sync-dir DIR     the campaign's shared afl-fuzz output (-o), DIR/<target>
#   --node main|secondary   this node's role (default main: -M, with cmplog);
#                      one main per campaign, any number of secondaries (-S)
#   --node-name NAME   this node's instance name, unique in the campaign
#                      (default: the host name); --jobs N adds NAME-2..NAME-N
#   --collect          after fuzzing, merge and triage every node's queue and
#                      crashes found in the sync directory, and summarize them
#                      (without it a node only fuzzes: the user picks one node
#                      to collect)
#   --collect-only     no fuzzing: merge, triage and summarize the sync directory
# --corpus DIR takes seeds from DIR/<target>/ and merges into it and into
# DIR/regressions/ (default: corpus/ of this tree). --coverage prints the
# coverage of the merged corpus at the end (fuzz/coverage.sh).
#
# Defaults: libFuzzer, target "default", 180 seconds, 1 job: a few minutes on
# the default configuration starting from the shipped corpus (corpus/default).
#
# It builds what it needs with the CMake presets (fuzz-libfuzzer; fuzz-afl and
# fuzz-afl-cmplog) under --build-root (default: build/), runs every chosen
# (engine, target) pair at once, each with --jobs workers, and prints progress
# every --progress seconds (execs/s, corpus size, coverage, crashes; AFL++
# rewrites its execs and coverage figures once a minute). At the
# end it
#   - merges new corpus entries back into corpus/<target>/, minimized
#     (libFuzzer -merge=1, afl-cmin);
#   - triages every crash: its failure signature (kind@place) from a replay,
#     one case per signature, minimized (libFuzzer -minimize_crash, then the
#     op-aware pa-fuzz-minimize) and saved as
#     corpus/regressions/<target>/<signature> with <signature>.ops (its ops as
#     text) and <signature>.c (a C reproducer) beside it;
#   - prints a summary.
# It installs nothing: clang with libFuzzer and AFL++ must be there.
#
# Exit status: 0 nothing found, 1 at least one crash (new or a known
# regression), 2 usage, build or engine error.
set -uo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/fuzz/targets.sh"
engine=libfuzzer
targets=default
duration=180
jobs=1
build_root=$src/build
work=""
do_build=1
do_merge=1
progress=10
corpus=$src/corpus
coverage=0
sync_dir=""
node=main
node_name=$(hostname -s 2>/dev/null || echo node)
collect=""
collect_only=0

usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-2}"; }

# ---- the contract target's allocator: an option block of its own ------------
# --allocator glibc|jemalloc|mimalloc|tcmalloc|poolalloc (default glibc): the
# malloc the contract target (fuzz/contract/README.md) runs against, from the
# Debian package (poolalloc: this tree's drop-in, libpoolalloc_malloc.so of
# the release build); the target preloads it itself (PA_CONTRACT_PRELOAD), so every
# engine, replay and triage sees it. Its crashes are saved as
# corpus/regressions/contract/ALLOC-SIGNATURE.
allocator=glibc
rest=()
while [ $# -gt 0 ]; do
  if [ "$1" = --allocator ]; then allocator=${2:?}; shift 2; else rest+=("$1"); shift; fi
done
set -- ${rest[@]+"${rest[@]}"}
case $allocator in
  glibc) lib="" ;;
  jemalloc) lib=libjemalloc.so.2 ;;
  mimalloc) lib=libmimalloc.so.2 ;;
  tcmalloc) lib=libtcmalloc_minimal.so.4 ;;
  poolalloc) lib=$src/build/release/alloc/libpoolalloc_malloc.so ;;
  *) echo "run-campaign: --allocator must be glibc, jemalloc, mimalloc, tcmalloc or poolalloc" >&2; exit 2 ;;
esac
if [ "$allocator" = poolalloc ]; then
  [ -f "$lib" ] || { echo "run-campaign: $lib is missing (cmake --preset release && cmake --build build/release)" >&2; exit 2; }
  export PA_CONTRACT_PRELOAD=$lib
elif [ -n "$lib" ]; then
  PA_CONTRACT_PRELOAD=$(/sbin/ldconfig -p | awk -v l="$lib" '$1 == l { print $NF; exit }')
  [ -n "$PA_CONTRACT_PRELOAD" ] || { echo "run-campaign: $allocator is not installed (ci/deps.sh)" >&2; exit 2; }
  export PA_CONTRACT_PRELOAD
fi

while [ $# -gt 0 ]; do
  case $1 in
    --engine) engine=${2:?}; shift 2 ;;
    --targets) targets=${2:?}; shift 2 ;;
    --duration) duration=${2:?}; shift 2 ;;
    --jobs) jobs=${2:?}; shift 2 ;;
    --build-root) build_root=${2:?}; shift 2 ;;
    --work) work=${2:?}; shift 2 ;;
    --no-build) do_build=0; shift ;;
    --no-merge) do_merge=0; shift ;;
    --progress) progress=${2:?}; shift 2 ;;
    --corpus) corpus=${2:?}; shift 2 ;;
    --coverage) coverage=1; shift ;;
    --sync-dir) sync_dir=${2:?}; shift 2 ;;
    --node) node=${2:?}; shift 2 ;;
    --node-name) node_name=${2:?}; shift 2 ;;
    --collect) collect=1; shift ;;
    --collect-only) collect=1; collect_only=1; shift ;;
    -h|--help) usage 0 ;;
    *) echo "run-campaign: unknown option $1" >&2; usage 2 ;;
  esac
done

case $engine in
  libfuzzer) engines=(libfuzzer) ;;
  afl) engines=(afl) ;;
  both) engines=(libfuzzer afl) ;;
  *) echo "run-campaign: --engine must be libfuzzer, afl or both" >&2; exit 2 ;;
esac
pa_parse_targets run-campaign "$targets"
[[ $duration =~ ^[0-9]+$ && $duration -ge 1 ]] || { echo "run-campaign: --duration takes seconds" >&2; exit 2; }
[[ $jobs =~ ^[0-9]+$ && $jobs -ge 1 ]] || { echo "run-campaign: --jobs takes a count" >&2; exit 2; }
[ -d "$corpus" ] || { echo "run-campaign: --corpus $corpus is not a directory" >&2; exit 2; }
corpus=$(cd "$corpus" && pwd)
if [ -n "$sync_dir" ]; then
  [ "$engine" = afl ] || { echo "run-campaign: --sync-dir is for --engine afl" >&2; exit 2; }
  case $node in main|secondary) ;; *) echo "run-campaign: --node must be main or secondary" >&2; exit 2 ;; esac
  # afl-fuzz's own rule for instance names
  [[ $node_name =~ ^[A-Za-z0-9_-]{1,32}$ ]] || { echo "run-campaign: --node-name takes letters, digits, _ and - (up to 32)" >&2; exit 2; }
  mkdir -p "$sync_dir" && sync_dir=$(cd "$sync_dir" && pwd)
else
  [ $collect_only = 0 ] || { echo "run-campaign: --collect-only needs --sync-dir" >&2; exit 2; }
  node_name=main
  collect=1 # one machine: it collects what it found
fi
[ -n "$collect" ] || collect=0
[ $collect = 1 ] || do_merge=0

[ -n "$work" ] || work=$build_root/campaign-$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$work" "$build_root"
# absolute: the engines run from inside the work directory
work=$(cd "$work" && pwd)
build_root=$(cd "$build_root" && pwd)
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# ---- build ------------------------------------------------------------------
lf_dir=$build_root/fuzz-libfuzzer
afl_dir=$build_root/fuzz-afl
cmplog_dir=$build_root/fuzz-afl-cmplog

build() { # preset dir
  log "building $1 in $2"
  # a build preset would set the configure preset's environment (cmplog's
  # AFL_LLVM_CMPLOG=1), but cannot build in another directory: set it here
  local env=()
  [ "$1" = fuzz-afl-cmplog ] && env=(AFL_LLVM_CMPLOG=1)
  if ! (cd "$src" && env "${env[@]}" cmake --preset "$1" -B "$2" >"$work/build-$1.log" 2>&1 &&
        env "${env[@]}" cmake --build "$2" -j "$jobs" >>"$work/build-$1.log" 2>&1); then
    echo "run-campaign: building $1 failed; see $work/build-$1.log" >&2
    tail -n 20 "$work/build-$1.log" >&2
    exit 2
  fi
}

need() { command -v "$1" >/dev/null 2>&1 || { echo "run-campaign: $1 is not installed" >&2; exit 2; }; }

for e in "${engines[@]}"; do
  if [ "$e" = libfuzzer ]; then
    need clang
    [ $do_build = 1 ] && build fuzz-libfuzzer "$lf_dir"
  else
    need afl-fuzz; need afl-clang-fast; need afl-cmin
    if [ $do_build = 1 ]; then
      build fuzz-afl "$afl_dir"
      # only a main runs the cmplog build (-c)
      [ $collect_only = 0 ] && [ "$node" = main ] && build fuzz-afl-cmplog "$cmplog_dir"
    fi
  fi
done
# triage runs with the ASan build's tools when there is one
if [ -x "$lf_dir/fuzz/pa-fuzz-replay" ]; then tools=$lf_dir/fuzz; else tools=$afl_dir/fuzz; fi
for e in "${engines[@]}"; do
  for t in "${target_list[@]}"; do
    dir=$lf_dir; [ "$e" = afl ] && dir=$afl_dir
    [ -x "$dir/fuzz/fuzz_$t" ] || { echo "run-campaign: $dir/fuzz/fuzz_$t is missing (build it or drop --no-build)" >&2; exit 2; }
  done
done

# ---- run ----------------------------------------------------------------------
declare -A pid_of
start=$(date +%s)

start_libfuzzer() { # target
  local t=$1 d=$work/libfuzzer-$1
  mkdir -p "$d/new" "$d/artifacts" "$corpus/$t"
  local max_len=8192
  [ "$t" = trace_parser ] && max_len=16384
  local common=(-timeout=20 -max_len=$max_len -dict="$corpus/dict/$t.dict" -artifact_prefix="$d/artifacts/"
                -print_final_stats=1)
  if [ "$jobs" -gt 1 ]; then
    (cd "$d" && exec "$lf_dir/fuzz/fuzz_$t" -fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -max_total_time="$duration" "${common[@]}" "$d/new" "$corpus/$t" >"$d/log" 2>&1) &
  else
    # one process, restarted after each crash until the time is up (fork
    # mode's per-job corpus reloads cost more than they give with one job)
    (cd "$d" && end=$(($(date +%s) + duration)) && while :; do
       left=$((end - $(date +%s)))
       [ "$left" -gt 0 ] || break
       "$lf_dir/fuzz/fuzz_$t" -max_total_time="$left" "${common[@]}" "$d/new" "$corpus/$t" >>"$d/log" 2>&1 && break
     done) &
  fi
  pid_of[libfuzzer-$t]=$!
}

# afl-fuzz's output (-o): the shared sync directory's, or this campaign's own
afl_out() { if [ -n "$sync_dir" ]; then echo "$sync_dir/$1"; else echo "$work/afl-$1/out"; fi; }

start_afl() { # target
  local t=$1 d=$work/afl-$1 out
  out=$(afl_out "$t")
  mkdir -p "$d/in" "$out"
  # afl-fuzz wants non-empty seeds of a sane size
  find "$corpus/$t" -maxdepth 1 -type f -size -1024k ! -empty -exec cp {} "$d/in/" \;
  [ -n "$(ls -A "$d/in")" ] || printf '\0\0\0' >"$d/in/empty-seed"
  local common=(-i "$d/in" -o "$out" -x "$corpus/dict/$t.dict" -V "$duration" -t 20000)
  export AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_WARN_INSTABILITY=1
  # a node joining a running campaign starts from what the others found
  [ -n "$sync_dir" ] && export AFL_IMPORT_FIRST=1
  local first=(-M "$node_name") cmplog=$cmplog_dir/fuzz/fuzz_$t
  if [ "$node" = secondary ]; then
    first=(-S "$node_name")
  elif [ -x "$cmplog" ]; then
    first+=(-c "$cmplog")
  else
    log "afl/$t: no cmplog build ($cmplog): the main runs without -c"
  fi
  (exec afl-fuzz "${common[@]}" "${first[@]}" -- "$afl_dir/fuzz/fuzz_$t" >"$d/log-$node_name" 2>&1) &
  pid_of[afl-$t]=$!
  local j
  for ((j = 2; j <= jobs; j++)); do
    (exec afl-fuzz "${common[@]}" -S "$node_name-$j" -- "$afl_dir/fuzz/fuzz_$t" >"$d/log-$node_name-$j" 2>&1) &
    pid_of[afl-$t-$j]=$!
  done
}

# libFuzzer's findings in a target's artifacts: not its slow-unit-* files,
# which only say an input ran long on a busy machine
libfuzzer_findings() { # target
  find "$work/libfuzzer-$1/artifacts" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) 2>/dev/null | sort
}

# one progress line per (engine, target); fork mode's lines carry no exec/s,
# so it is then the executions over the seconds since the start
status_libfuzzer() {
  local d=$work/libfuzzer-$1 line crashes
  line=$(grep -a -E '^#[0-9]+:?[[:space:]].*cov: ' "$d/log" 2>/dev/null | tail -n 1)
  if [ -z "$line" ]; then echo "starting"; return; fi
  crashes=$(libfuzzer_findings "$1" | wc -l)
  awk -v crashes="$crashes" -v seconds=$(($(date +%s) - start)) '{
      execs = $1; gsub(/[#:]/, "", execs)
      for (i = 2; i < NF; i++) {
        if ($i == "cov:") cov = $(i + 1)
        if ($i == "ft:") ft = $(i + 1)
        if ($i == "corp:") { corp = $(i + 1); sub(/\/.*/, "", corp) }
        if ($i == "exec/s:") eps = $(i + 1)
      }
      if (eps == "" && seconds > 0) eps = int(execs / seconds)
      printf "execs %s, %s exec/s, corpus %s, cov %s ft %s, crashes %s\n", execs, eps, corp, cov, ft, crashes
    }' <<<"$line"
}

stat_of() { grep -E "^$1 *:" "$2" 2>/dev/null | head -n 1 | sed -E 's/^[^:]*: *//'; }

# this node's instances, or with --collect-only every node's
afl_instances() { # target
  local out i
  out=$(afl_out "$1")
  for i in "$out"/*/; do
    i=${i%/}
    [ -d "$i/queue" ] || continue
    case $(basename "$i") in
      "$node_name"|"$node_name"-[0-9]*) echo "$i" ;;
      *) [ $collect_only = 1 ] && echo "$i" ;;
    esac
  done
}

status_afl() {
  local -a inst
  mapfile -t inst < <(afl_instances "$1")
  if [ ${#inst[@]} = 0 ]; then echo "starting"; return; fi
  # queue and crash counts are live; afl-fuzz rewrites fuzzer_stats once a minute
  local corpus=0 crashes=0 execs=0 eps=0 cvg="-" s e r i
  for i in "${inst[@]}"; do
    corpus=$((corpus + $(find "$i/queue" -maxdepth 1 -type f -name 'id:*' | wc -l)))
    crashes=$((crashes + $(find "$i/crashes" -maxdepth 1 -type f -name 'id:*' 2>/dev/null | wc -l)))
  done
  for i in "${inst[@]}"; do
    s=$i/fuzzer_stats
    [ -f "$s" ] || continue
    e=$(stat_of execs_done "$s"); r=$(stat_of run_time "$s")
    execs=$((execs + ${e:-0}))
    # the average over the run: afl's execs_per_sec is a short-term figure
    eps=$(awk -v a="$eps" -v e="${e:-0}" -v r="${r:-0}" 'BEGIN { printf "%.0f", a + (r > 0 ? e / r : 0) }')
  done
  [ -f "${inst[0]}/fuzzer_stats" ] && cvg=$(stat_of bitmap_cvg "${inst[0]}/fuzzer_stats")
  echo "execs $execs, $eps exec/s, corpus $corpus, cov $cvg, crashes $crashes"
}

[ $collect_only = 1 ] || for e in "${engines[@]}"; do
  for t in "${target_list[@]}"; do
    where=""
    [ -n "$sync_dir" ] && where="as $node node $node_name on $(afl_out "$t"), "
    log "starting $e on $t for ${duration}s with $jobs job(s); ${where}work dir $work"
    "start_$e" "$t"
  done
done

running() { local p; for p in "${pid_of[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
# the engines and, for the restarting libFuzzer loop, the fuzzer it runs
stop_all() { local p; for p in "${pid_of[@]}"; do pkill -TERM -P "$p" 2>/dev/null; kill "$p" 2>/dev/null; done; }
trap 'stop_all; echo "run-campaign: interrupted" >&2; exit 2' INT TERM

deadline=$((start + duration + 60))
while running; do
  sleep "$progress" &
  wait $! # (a signal's trap runs at once, not after the sleep)
  now=$(date +%s)
  for e in "${engines[@]}"; do
    for t in "${target_list[@]}"; do
      log "$e/$t +$((now - start))s: $("status_$e" "$t")"
    done
  done
  if [ "$now" -gt "$deadline" ]; then
    log "engines overran the duration by a minute: stopping them"
    stop_all
    break
  fi
done
wait 2>/dev/null
ended=$(date +%s)

# ---- merge ----------------------------------------------------------------------
declare -A merged before_count
count_files() { find "$1" -maxdepth 1 -type f 2>/dev/null | wc -l; }

merge_libfuzzer() {
  local t=$1 d=$work/libfuzzer-$1 b
  b=$(count_files "$corpus/$t")
  "$lf_dir/fuzz/fuzz_$t" -merge=1 -timeout=20 -max_len=16384 "$corpus/$t" "$d/new" >"$d/merge.log" 2>&1 ||
    log "libfuzzer/$t: merge failed (see $d/merge.log)"
  merged[libfuzzer-$t]=$(( $(count_files "$corpus/$t") - b ))
}

merge_afl() {
  local t=$1 d=$work/afl-$1 b q
  b=$(count_files "$corpus/$t")
  mkdir -p "$d/cmin-in"
  cp "$corpus/$t"/* "$d/cmin-in/" 2>/dev/null
  for q in "$(afl_out "$t")"/*/queue; do
    [ -d "$q" ] || continue
    find "$q" -maxdepth 1 -type f -name 'id:*' | while read -r f; do
      cp "$f" "$d/cmin-in/afl-$(sha1sum "$f" | cut -c1-16)"
    done
  done
  rm -rf "$d/cmin-out"
  # AFL_ALLOW_TMP: afl-cmin refuses a work directory under /tmp without it.
  # No @@: the target takes its inputs through shared memory, and named
  # (@@) it would run without the fork server afl-showmap waits for.
  if AFL_SKIP_BIN_CHECK=1 AFL_ALLOW_TMP=1 afl-cmin -i "$d/cmin-in" -o "$d/cmin-out" -t 20000 -- "$afl_dir/fuzz/fuzz_$t" >"$d/cmin.log" 2>&1; then
    find "$d/cmin-out" -maxdepth 1 -type f -name 'afl-*' -exec cp -n {} "$corpus/$t/" \;
  else
    log "afl/$t: afl-cmin failed (see $d/cmin.log)"
  fi
  merged[afl-$t]=$(( $(count_files "$corpus/$t") - b ))
}

if [ $do_merge = 1 ]; then
  for e in "${engines[@]}"; do
    for t in "${target_list[@]}"; do
      before_count[$e-$t]=$(count_files "$corpus/$t")
      log "merging the new $e corpus of $t into $corpus/$t"
      "merge_$e" "$t"
    done
  done
fi

# ---- triage -----------------------------------------------------------------------
declare -A crashes_of unique_of new_of
found=0
regressions=$corpus/regressions
signature_of() { # target file
  if [ "$1" = contract ]; then # a replay program of its own
    "$tools/fuzz_contract_replay" "$2" 2>&1 | sed -n 's/^signature: //p' | tail -n 1
    return
  fi
  "$tools/pa-fuzz-replay" --isolate --incremental --quiet --bytes --target "$1" "$2" 2>/dev/null |
    sed -n 's/^signature: //p' | tail -n 1
}

triage() { # engine target file...
  local e=$1 t=$2; shift 2
  local f sig name dest tmp n=0 u=0 new=0
  declare -A seen=()
  mkdir -p "$regressions/$t"
  for f in "$@"; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    sig=$(signature_of "$t" "$f")
    if [ -z "$sig" ]; then
      log "$e/$t: $(basename "$f") does not reproduce outside the engine (kept in $work)"
      # an RSS-limit stop names whatever input ran last: the memory grew
      # over many executions (a leak, or memory kept resident between inputs)
      case $(basename "$f") in oom-*)
        log "$e/$t: an oom- that does not reproduce alone means memory kept across inputs: replay the corpus with /usr/bin/time -f %M, or see the engine log's live-heap report in $work/$e-$t" ;;
      esac
      continue
    fi
    [ -n "${seen[$sig]:-}" ] && continue
    seen[$sig]=1
    u=$((u + 1))
    name=$(tr -c 'A-Za-z0-9_.@:-' '_' <<<"$sig" | sed 's/_*$//; s/[@:]/-/g')
    [ "$t" = contract ] && name=$allocator-$name
    dest=$regressions/$t/$name
    if [ -f "$dest" ]; then
      log "$e/$t: known failure $sig (corpus/regressions/$t/$name)"
      continue
    fi
    tmp=$work/min-$t-$name
    cp "$f" "$tmp.in"
    # the engine's own minimizer first (bytes), kept only if the failure stays the same
    if [ "$e" = libfuzzer ]; then
      "$lf_dir/fuzz/fuzz_$t" -minimize_crash=1 -runs=3000 -timeout=20 -exact_artifact_path="$tmp.eng" "$tmp.in" \
        >"$tmp.eng.log" 2>&1
    else
      AFL_SKIP_BIN_CHECK=1 timeout 300 afl-tmin -i "$tmp.in" -o "$tmp.eng" -t 20000 -- "$afl_dir/fuzz/fuzz_$t" \
        >"$tmp.eng.log" 2>&1
    fi
    [ -s "$tmp.eng" ] && [ "$(signature_of "$t" "$tmp.eng")" = "$sig" ] && cp "$tmp.eng" "$tmp.in"
    # the contract target's candidates are judged by its own replay program
    local how=(--target "$t")
    [ "$t" = contract ] && how=(--target default --command "$tools/fuzz_contract_replay")
    if ! "$tools/pa-fuzz-minimize" "${how[@]}" --signature "$sig" --max-time 120 "$tmp.in" "$tmp.min" >"$tmp.min.log" 2>&1; then
      cp "$tmp.in" "$tmp.min"
    fi
    cp "$tmp.min" "$dest"
    if [ -f "$tmp.min.ops" ]; then
      cp "$tmp.min.ops" "$dest.ops"
    elif [ "$t" != trace_parser ]; then
      "$tools/pa-ops" decode --target "${t/contract/default}" --numbered "$dest" "$dest.ops"
    fi
    "$tools/pa-fuzz-replay" --quiet --isolate --incremental --bytes --target "$t" --reproducer "$dest.c" "$dest" \
      >/dev/null 2>&1
    new=$((new + 1))
    log "$e/$t: NEW failure $sig -> corpus/regressions/$t/$name (+ .ops, .c)"
  done
  crashes_of[$e-$t]=$n
  unique_of[$e-$t]=$u
  new_of[$e-$t]=$new
  [ "$n" -gt 0 ] && found=1
}

for e in "${engines[@]}"; do
  for t in "${target_list[@]}"; do
    if [ "$e" = libfuzzer ]; then
      mapfile -t files < <(libfuzzer_findings "$t")
    else
      mapfile -t files < <(find "$(afl_out "$t")" -path '*/crashes/id:*' -type f 2>/dev/null | sort)
    fi
    if [ $collect = 1 ]; then
      triage "$e" "$t" "${files[@]}"
    else
      crashes_of[$e-$t]=${#files[@]}
      [ ${#files[@]} -gt 0 ] && found=1 && log "$e/$t: ${#files[@]} crash(es) in the sync directory, left for the collecting node"
    fi
  done
done

# ---- summary -----------------------------------------------------------------------
echo
echo "=== campaign summary: $((ended - start))s, ${engines[*]}, targets ${target_list[*]}, $jobs job(s) each ==="
printf '%-10s %-13s %-74s %7s %8s %7s %4s\n' engine target "final stats" merged crashes unique new
for e in "${engines[@]}"; do
  for t in "${target_list[@]}"; do
    printf '%-10s %-13s %-74s %7s %8s %7s %4s\n' "$e" "$t" "$("status_$e" "$t" | cut -c1-74)" \
      "${merged[$e-$t]:--}" "${crashes_of[$e-$t]:-0}" "${unique_of[$e-$t]:-0}" "${new_of[$e-$t]:-0}"
  done
done
if [ -n "$sync_dir" ]; then
  echo "nodes in $sync_dir (queue entries, crashes, execs; 'sync' = imported from another node):"
  for t in "${target_list[@]}"; do
    for i in "$(afl_out "$t")"/*/; do
      i=${i%/}
      [ -d "$i/queue" ] || continue
      printf '  %-13s %-20s queue %6s (sync %5s)  crashes %4s  execs %s\n' "$t" "$(basename "$i")" \
        "$(find "$i/queue" -maxdepth 1 -type f -name 'id:*' | wc -l)" \
        "$(find "$i/queue" -maxdepth 1 -type f -name 'id:*sync:*' | wc -l)" \
        "$(find "$i/crashes" -maxdepth 1 -type f -name 'id:*' 2>/dev/null | wc -l)" \
        "$(stat_of execs_done "$i/fuzzer_stats")"
    done
  done
fi
echo "work directory: $work"
if [ $coverage = 1 ]; then
  echo
  echo "=== coverage of corpus/ (${target_list[*]}) after the campaign ==="
  "$src/fuzz/coverage.sh" --targets "$(IFS=,; echo "${target_list[*]}")" --corpus "$corpus" \
    --out "$work/coverage" --build-dir "$build_root/coverage" || log "coverage: fuzz/coverage.sh failed"
fi
if [ $found = 1 ]; then
  echo "result: FOUND failures (see corpus/regressions/ and the log above)"
  exit 1
fi
echo "result: nothing found"
exit 0
