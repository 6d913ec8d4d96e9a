#!/usr/bin/env bash
# run-campaign.sh: one fuzz campaign, start to finish.
#
#   fuzz/run-campaign.sh [--engine libfuzzer|afl|both] [--targets default,config,fault,misuse,trace_parser|all]
#                        [--duration SECONDS] [--jobs N] [--build-root DIR] [--work DIR]
#                        [--no-build] [--no-merge] [--progress SECONDS]
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
engine=libfuzzer
targets=default
duration=180
jobs=1
build_root=$src/build
work=""
do_build=1
do_merge=1
progress=10

usage() { sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

# ---- the contract target's allocator: an option block of its own ------------
# --allocator glibc|jemalloc|mimalloc|tcmalloc (default glibc): the malloc the
# contract target (fuzz/contract/README.md) runs against, from the Debian
# package; the target preloads it itself (PA_CONTRACT_PRELOAD), so every
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
  *) echo "run-campaign: --allocator must be glibc, jemalloc, mimalloc or tcmalloc" >&2; exit 2 ;;
esac
if [ -n "$lib" ]; then
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
[ "$targets" = all ] && targets=default,config,fault,misuse,trace_parser
IFS=, read -r -a target_list <<<"$targets"
for t in "${target_list[@]}"; do
  case $t in default|config|fault|misuse|trace_parser|contract) ;; *) echo "run-campaign: unknown target $t" >&2; exit 2 ;; esac
done
[[ $duration =~ ^[0-9]+$ && $duration -ge 1 ]] || { echo "run-campaign: --duration takes seconds" >&2; exit 2; }
[[ $jobs =~ ^[0-9]+$ && $jobs -ge 1 ]] || { echo "run-campaign: --jobs takes a count" >&2; exit 2; }

[ -n "$work" ] || work=$build_root/campaign-$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$work"
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
      build fuzz-afl-cmplog "$cmplog_dir"
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
  mkdir -p "$d/new" "$d/artifacts" "$src/corpus/$t"
  local max_len=8192
  [ "$t" = trace_parser ] && max_len=16384
  local common=(-timeout=20 -max_len=$max_len -dict="$src/corpus/dict/$t.dict" -artifact_prefix="$d/artifacts/"
                -print_final_stats=1)
  if [ "$jobs" -gt 1 ]; then
    (cd "$d" && exec "$lf_dir/fuzz/fuzz_$t" -fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -max_total_time="$duration" "${common[@]}" "$d/new" "$src/corpus/$t" >"$d/log" 2>&1) &
  else
    # one process, restarted after each crash until the time is up (fork
    # mode's per-job corpus reloads cost more than they give with one job)
    (cd "$d" && end=$(($(date +%s) + duration)) && while :; do
       left=$((end - $(date +%s)))
       [ "$left" -gt 0 ] || break
       "$lf_dir/fuzz/fuzz_$t" -max_total_time="$left" "${common[@]}" "$d/new" "$src/corpus/$t" >>"$d/log" 2>&1 && break
     done) &
  fi
  pid_of[libfuzzer-$t]=$!
}

start_afl() { # target
  local t=$1 d=$work/afl-$1
  mkdir -p "$d/in"
  # afl-fuzz wants non-empty seeds of a sane size
  find "$src/corpus/$t" -maxdepth 1 -type f -size -1024k ! -empty -exec cp {} "$d/in/" \;
  [ -n "$(ls -A "$d/in")" ] || printf '\0\0\0' >"$d/in/empty-seed"
  local common=(-i "$d/in" -o "$d/out" -x "$src/corpus/dict/$t.dict" -V "$duration" -t 20000)
  export AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_WARN_INSTABILITY=1
  (exec afl-fuzz "${common[@]}" -M main -c "$cmplog_dir/fuzz/fuzz_$t" -- "$afl_dir/fuzz/fuzz_$t" >"$d/log-main" 2>&1) &
  pid_of[afl-$t]=$!
  local j
  for ((j = 1; j < jobs; j++)); do
    (exec afl-fuzz "${common[@]}" -S "s$j" -- "$afl_dir/fuzz/fuzz_$t" >"$d/log-s$j" 2>&1) &
    pid_of[afl-$t-s$j]=$!
  done
}

# one progress line per (engine, target)
status_libfuzzer() {
  local d=$work/libfuzzer-$1 line crashes
  line=$(grep -a -E '^#[0-9]+:?[[:space:]].*cov: ' "$d/log" 2>/dev/null | tail -n 1)
  if [ -z "$line" ]; then echo "starting"; return; fi
  crashes=$(find "$d/artifacts" -maxdepth 1 -type f 2>/dev/null | wc -l)
  awk -v crashes="$crashes" '{
      execs = $1; gsub(/[#:]/, "", execs)
      for (i = 2; i < NF; i++) {
        if ($i == "cov:") cov = $(i + 1)
        if ($i == "ft:") ft = $(i + 1)
        if ($i == "corp:") { corp = $(i + 1); sub(/\/.*/, "", corp) }
        if ($i == "exec/s:") eps = $(i + 1)
      }
      printf "execs %s, %s exec/s, corpus %s, cov %s ft %s, crashes %s\n", execs, eps, corp, cov, ft, crashes
    }' <<<"$line"
}

stat_of() { grep -E "^$1 *:" "$2" 2>/dev/null | head -n 1 | sed -E 's/^[^:]*: *//'; }

status_afl() {
  local d=$work/afl-$1/out
  if [ ! -d "$d/main/queue" ]; then echo "starting"; return; fi
  # queue and crash counts are live; afl-fuzz rewrites fuzzer_stats once a minute
  local corpus crashes execs=0 eps=0 cvg="-" s e r
  corpus=$(find "$d"/*/queue -maxdepth 1 -type f -name 'id:*' 2>/dev/null | wc -l)
  crashes=$(find "$d"/*/crashes -maxdepth 1 -type f -name 'id:*' 2>/dev/null | wc -l)
  for s in "$d"/*/fuzzer_stats; do
    [ -f "$s" ] || continue
    e=$(stat_of execs_done "$s"); r=$(stat_of run_time "$s")
    execs=$((execs + ${e:-0}))
    # the average over the run: afl's execs_per_sec is a short-term figure
    eps=$(awk -v a="$eps" -v e="${e:-0}" -v r="${r:-0}" 'BEGIN { printf "%.0f", a + (r > 0 ? e / r : 0) }')
  done
  [ -f "$d/main/fuzzer_stats" ] && cvg=$(stat_of bitmap_cvg "$d/main/fuzzer_stats")
  echo "execs $execs, $eps exec/s, corpus $corpus, cov $cvg, crashes $crashes"
}

for e in "${engines[@]}"; do
  for t in "${target_list[@]}"; do
    log "starting $e on $t for ${duration}s with $jobs job(s); work dir $work"
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
  b=$(count_files "$src/corpus/$t")
  "$lf_dir/fuzz/fuzz_$t" -merge=1 -timeout=20 -max_len=16384 "$src/corpus/$t" "$d/new" >"$d/merge.log" 2>&1 ||
    log "libfuzzer/$t: merge failed (see $d/merge.log)"
  merged[libfuzzer-$t]=$(( $(count_files "$src/corpus/$t") - b ))
}

merge_afl() {
  local t=$1 d=$work/afl-$1 b q
  b=$(count_files "$src/corpus/$t")
  mkdir -p "$d/cmin-in"
  cp "$src/corpus/$t"/* "$d/cmin-in/" 2>/dev/null
  for q in "$d"/out/*/queue; do
    [ -d "$q" ] || continue
    find "$q" -maxdepth 1 -type f -name 'id:*' | while read -r f; do
      cp "$f" "$d/cmin-in/afl-$(sha1sum "$f" | cut -c1-16)"
    done
  done
  rm -rf "$d/cmin-out"
  # AFL_ALLOW_TMP: afl-cmin refuses a work directory under /tmp without it.
  if AFL_SKIP_BIN_CHECK=1 AFL_ALLOW_TMP=1 afl-cmin -i "$d/cmin-in" -o "$d/cmin-out" -t 20000 -- "$afl_dir/fuzz/fuzz_$t" @@ >"$d/cmin.log" 2>&1; then
    find "$d/cmin-out" -maxdepth 1 -type f -name 'afl-*' -exec cp -n {} "$src/corpus/$t/" \;
  else
    log "afl/$t: afl-cmin failed (see $d/cmin.log)"
  fi
  merged[afl-$t]=$(( $(count_files "$src/corpus/$t") - b ))
}

if [ $do_merge = 1 ]; then
  for e in "${engines[@]}"; do
    for t in "${target_list[@]}"; do
      before_count[$e-$t]=$(count_files "$src/corpus/$t")
      log "merging the new $e corpus of $t into corpus/$t"
      "merge_$e" "$t"
    done
  done
fi

# ---- triage -----------------------------------------------------------------------
declare -A crashes_of unique_of new_of
found=0
regressions=$src/corpus/regressions
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
      AFL_SKIP_BIN_CHECK=1 timeout 300 afl-tmin -i "$tmp.in" -o "$tmp.eng" -t 20000 -- "$afl_dir/fuzz/fuzz_$t" @@ \
        >"$tmp.eng.log" 2>&1
    fi
    [ -s "$tmp.eng" ] && [ "$(signature_of "$t" "$tmp.eng")" = "$sig" ] && cp "$tmp.eng" "$tmp.in"
    if ! "$tools/pa-fuzz-minimize" --target "$t" --signature "$sig" --max-time 120 "$tmp.in" "$tmp.min" >"$tmp.min.log" 2>&1; then
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
      mapfile -t files < <(find "$work/libfuzzer-$t/artifacts" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) 2>/dev/null | sort)
    else
      mapfile -t files < <(find "$work/afl-$t/out" -path '*/crashes/id:*' -type f 2>/dev/null | sort)
    fi
    triage "$e" "$t" "${files[@]}"
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
echo "work directory: $work"
if [ $found = 1 ]; then
  echo "result: FOUND failures (see corpus/regressions/ and the log above)"
  exit 1
fi
echo "result: nothing found"
exit 0
