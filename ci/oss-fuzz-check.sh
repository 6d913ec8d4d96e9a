#!/usr/bin/env bash
# Runs .clusterfuzzlite/build.sh the way OSS-Fuzz and ClusterFuzzLite do,
# without Docker: a fresh $SRC with the checkout at $SRC/poolalloc and the
# script at $SRC/build.sh, empty $WORK and $OUT, and CC, CFLAGS,
# SANITIZER_FLAGS, LIB_FUZZING_ENGINE set as the base builder's `compile`
# sets them for the engine and sanitizer; AFL++ is Debian's afl-clang-fast
# with /usr/lib/afl/libAFLDriver.a. Then the build check: every target in
# $OUT has its seed corpus, dictionary and options, carries the engine's and
# the sanitizer's instrumentation, and fuzzes its seed corpus for a few
# seconds without a crash.
#
#   ci/oss-fuzz-check.sh [--engine libfuzzer|afl] [--sanitizer address|undefined|memory|coverage]
#                        [--seconds N] [--keep DIR] [--all]
#
# Defaults: libfuzzer, address, 5 seconds per target. --all checks every
# engine and sanitizer pair of .clusterfuzzlite/project.yaml (AFL++ with
# address only, as OSS-Fuzz builds it) and libFuzzer's coverage build,
# whose targets replay their seeds instead of fuzzing. --keep DIR leaves
# SRC, WORK and OUT under DIR instead of a temporary directory.
# Exit status: 0 the build and the check passed, 1 a check failed, 2 usage
# or tools missing.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
engine=libfuzzer
sanitizer=address
seconds=5
keep=""
all=0
while [ $# -gt 0 ]; do
  case $1 in
    --engine) engine=${2:?}; shift 2 ;;
    --sanitizer) sanitizer=${2:?}; shift 2 ;;
    --seconds) seconds=${2:?}; shift 2 ;;
    --keep) keep=${2:?}; shift 2 ;;
    --all) all=1; shift ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "oss-fuzz-check: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ $seconds =~ ^[0-9]+$ && $seconds -ge 1 ]] || { echo "oss-fuzz-check: --seconds takes seconds" >&2; exit 2; }

if [ $all = 1 ]; then
  rc=0
  for pair in libfuzzer:address libfuzzer:undefined libfuzzer:memory libfuzzer:coverage afl:address; do
    args=(--engine "${pair%%:*}" --sanitizer "${pair#*:}" --seconds "$seconds")
    [ -n "$keep" ] && args+=(--keep "$keep/${pair/:/-}")
    "$0" "${args[@]}" || rc=1
  done
  exit $rc
fi

# ---- the environment of OSS-Fuzz's base builder --------------------------------
# (infra/base-images/base-clang and base-builder: CFLAGS, SANITIZER_FLAGS_*,
# COVERAGE_FLAGS; `compile` and compile_afl: CC, LIB_FUZZING_ENGINE)
ubsan_checks=array-bounds,bool,builtin,enum,float-divide-by-zero,function,integer-divide-by-zero,null,object-size,return,returns-nonnull-attribute,shift,signed-integer-overflow,unsigned-integer-overflow,unreachable,vla-bound,vptr
ubsan_fatal=array-bounds,bool,builtin,enum,float-divide-by-zero,function,integer-divide-by-zero,null,object-size,return,returns-nonnull-attribute,shift,signed-integer-overflow,unreachable,vla-bound,vptr
case $sanitizer in
  address) sanitizer_flags="-fsanitize=address -fsanitize-address-use-after-scope"; runtime_symbol=__asan_init ;;
  undefined) sanitizer_flags="-fsanitize=$ubsan_checks -fno-sanitize-recover=$ubsan_fatal"; runtime_symbol=__ubsan_handle_ ;;
  memory) sanitizer_flags="-fsanitize=memory -fsanitize-memory-track-origins"; runtime_symbol=__msan_init ;;
  # the build ClusterFuzzLite's coverage mode makes (cflite_cron.yml)
  coverage) sanitizer_flags=""; runtime_symbol=__llvm_profile_runtime ;;
  *) echo "oss-fuzz-check: --sanitizer must be address, undefined, memory or coverage" >&2; exit 2 ;;
esac
case $engine in
  libfuzzer)
    cc=clang; cxx=clang++; coverage_flags="-fsanitize=fuzzer-no-link"; lib_engine="-fsanitize=fuzzer"
    [ "$sanitizer" = coverage ] && coverage_flags="-fprofile-instr-generate -fcoverage-mapping -pthread -Wl,--no-as-needed -Wl,-ldl -Wl,-lm -Wno-unused-command-line-argument"
    engine_symbol=LLVMFuzzerRunDriver ;;
  afl)
    cc=afl-clang-fast; cxx=afl-clang-fast++; coverage_flags=""; lib_engine=/usr/lib/afl/libAFLDriver.a
    engine_symbol=__afl_area_ptr
    [ -f "$lib_engine" ] || { echo "oss-fuzz-check: $lib_engine is missing (Debian's afl++)" >&2; exit 2; } ;;
  *) echo "oss-fuzz-check: --engine must be libfuzzer or afl" >&2; exit 2 ;;
esac
for tool in "$cc" cmake zip unzip nm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "oss-fuzz-check: $tool is not installed" >&2; exit 2; }
done

if [ -n "$keep" ]; then
  root=$keep; rm -rf "$root"; mkdir -p "$root"
else
  root=$(mktemp -d); trap 'rm -rf "$root"' EXIT
fi
mkdir -p "$root/src" "$root/work" "$root/out"
ln -s "$repo" "$root/src/poolalloc"
cp "$repo/.clusterfuzzlite/build.sh" "$root/src/build.sh"

cflags="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION $sanitizer_flags $coverage_flags"
echo "=== oss-fuzz-check: $engine + $sanitizer: build.sh ==="
start=$(date +%s)
if ! (cd "$root/src/poolalloc" && env -i PATH="$PATH" HOME="${HOME:-/root}" \
        SRC="$root/src" WORK="$root/work" OUT="$root/out" \
        FUZZING_ENGINE="$engine" SANITIZER="$sanitizer" ARCHITECTURE=x86_64 FUZZING_LANGUAGE=c \
        CC="$cc" CXX="$cxx" CCC="$cxx" CFLAGS="$cflags" CXXFLAGS="$cflags" \
        SANITIZER_FLAGS="$sanitizer_flags" COVERAGE_FLAGS="$coverage_flags" LIB_FUZZING_ENGINE="$lib_engine" \
        bash -eu "$root/src/build.sh" >"$root/build.log" 2>&1); then
  tail -n 30 "$root/build.log" >&2
  echo "oss-fuzz-check: build.sh failed ($engine + $sanitizer)" >&2
  exit 1
fi
echo "built in $(($(date +%s) - start))s: $(tail -n 1 "$root/build.log")"

# ---- the build check --------------------------------------------------------------
fail=0
bad() { echo "oss-fuzz-check: $*" >&2; fail=1; }
# the options OSS-Fuzz's runner gives a sanitizer (unsigned wrap-around is
# defined behaviour, reported only when asked); afl-fuzz insists on
# symbolize=0 and on MSan's exit code 86
afl_opts=""
[ "$engine" = afl ] && afl_opts=:symbolize=0
export ASAN_OPTIONS=abort_on_error=1:allocator_may_return_null=1:detect_leaks=1$afl_opts
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1:silence_unsigned_overflow=1$afl_opts
export MSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1${afl_opts:+$afl_opts:exit_code=86}
targets=()
for f in "$root"/out/*; do
  [ -f "$f" ] && [ -x "$f" ] && targets+=("$f")
done
[ ${#targets[@]} -gt 0 ] || bad "no targets in \$OUT"
for bin in "${targets[@]}"; do
  name=$(basename "$bin")
  for extra in _seed_corpus.zip .dict .options; do
    [ -s "$root/out/$name$extra" ] || bad "$name: no $name$extra"
  done
  syms=$(nm "$bin" 2>/dev/null)
  grep -q "$engine_symbol" <<<"$syms" || bad "$name: not linked with the $engine engine ($engine_symbol missing)"
  grep -q "$runtime_symbol" <<<"$syms" || bad "$name: not built with $sanitizer ($runtime_symbol missing)"
  seeds=$root/work/seeds-$name
  mkdir -p "$seeds"
  unzip -q -o "$root/out/${name}_seed_corpus.zip" -d "$seeds" || bad "$name: seed corpus does not unzip"
  n_seeds=$(find "$seeds" -type f | wc -l)
  max_len=$(sed -n 's/^max_len = //p' "$root/out/$name.options")
  log=$root/work/run-$name.log
  if [ "$sanitizer" = coverage ]; then
    # not fuzzed, replayed: each seed once, as the coverage report runs them
    (cd "$root/work" && LLVM_PROFILE_FILE="$root/work/$name.profraw" "$bin" -timeout=20 "$seeds"/* >"$log" 2>&1)
    rc=$?
    [ $rc = 0 ] || { tail -n 40 "$log" >&2; bad "$name: replaying its seed corpus exits $rc"; }
    [ -s "$root/work/$name.profraw" ] || bad "$name: wrote no coverage profile"
    execs=$(grep -a -c '^Executed ' "$log")
  elif [ "$engine" = libfuzzer ]; then
    (cd "$root/work" && "$bin" -max_total_time="$seconds" -max_len="$max_len" -timeout=20 \
        -dict="$root/out/$name.dict" -artifact_prefix="$root/work/$name-" "$seeds" >"$log" 2>&1)
    rc=$?
    [ $rc = 0 ] || { tail -n 40 "$log" >&2; bad "$name: libFuzzer exit $rc on its seed corpus"; }
    execs=$(grep -a -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$')
    [ -z "$execs" ] && execs=$(grep -a -E '^#[0-9]+' "$log" | tail -n 1 | sed -E 's/^#([0-9]+).*/\1/')
  else
    # every seed once through the driver's file mode (as afl-cmin runs
    # them), then afl-fuzz from them without its calibration pass, which
    # runs each 3 to 40 times and takes minutes on the larger corpora
    "$bin" "$seeds"/* >"$log.seeds" 2>&1
    rc=$?
    [ $rc = 0 ] || { tail -n 40 "$log.seeds" >&2; bad "$name: a seed fails (exit $rc)"; }
    find "$seeds" -type f \( -empty -o -size +1023k \) -delete # afl-fuzz refuses these
    AFL_NO_STARTUP_CALIBRATION=1 AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 \
      AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
      timeout $((seconds + 120)) afl-fuzz -i "$seeds" -o "$root/work/afl-$name" -x "$root/out/$name.dict" \
        -V "$seconds" -t 20000 -- "$bin" >"$log" 2>&1
    rc=$?
    stats=$(find "$root/work/afl-$name" -name fuzzer_stats | head -n 1)
    execs=$(sed -n 's/^execs_done *: *//p' "$stats" 2>/dev/null)
    crashes=$(find "$root/work/afl-$name" -path '*/crashes/id:*' -type f | wc -l)
    [ $rc = 0 ] && [ -n "$stats" ] || { tail -n 40 "$log" >&2; bad "$name: afl-fuzz exit $rc"; }
    [ "$crashes" = 0 ] || bad "$name: afl-fuzz found $crashes crash(es) in $root/work/afl-$name"
  fi
  if [ "$sanitizer" = coverage ]; then
    printf '%-20s %4d seeds, %s replayed\n' "$name" "$n_seeds" "${execs:-?}"
  else
    printf '%-20s %4d seeds, %s execs in %ss\n' "$name" "$n_seeds" "${execs:-?}" "$seconds"
  fi
done
if [ $fail = 0 ]; then
  echo "=== oss-fuzz-check: $engine + $sanitizer passed (${#targets[@]} targets, $(($(date +%s) - start))s) ==="
fi
exit $fail
