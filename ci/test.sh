#!/usr/bin/env bash
# The whole test suite, as CI runs it: warnings-as-errors builds with gcc and
# clang, every test under each, the tests again under ASan+UBSan, the MSan
# detector tests, the thread stress test under TSan, the tests under Valgrind,
# the install check, the OSS-Fuzz build and its check per engine, and short
# fuzz campaigns per engine.
# Prints ctest's summary for each stage; exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
./ci/deps.sh

jobs=$(nproc)
stage() { printf '\n=== %s ===\n' "$*"; }

for preset in ci-gcc ci-clang asan-ubsan msan; do
  stage "build and test: $preset"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  ctest --preset "$preset" -j "$jobs"
done

# The thread stress test under ThreadSanitizer: the tsan build preset builds
# only it (seconds); any report fails it.
stage "threads under ThreadSanitizer"
cmake --preset tsan >/dev/null
cmake --build --preset tsan -j "$jobs"
ctest --preset tsan

# The detector tests run Valgrind themselves; the fault sweep is covered by
# ASan (under Valgrind it would take minutes).
stage "unit, checker and debug-layer tests under valgrind memcheck"
ctest --test-dir build/ci-gcc -R "^(unit|invariants|debug)\." -j "$jobs" -T memcheck \
  --overwrite MemoryCheckCommandOptions="--error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite" 

stage "planted bugs (tests/mutants) still apply to alloc/"
for patch in tests/mutants/*.patch; do
  git apply --check "$patch" || { echo "ci: $patch no longer applies: regenerate it" >&2; exit 1; }
done
echo "$(ls tests/mutants/*.patch | wc -l) patches apply"

# The thread-state bugs, each caught by replaying the interleave target's
# corpus (a fresh fuzz-libfuzzer build of that target, then a relink per
# bug; the baseline fuzzes 5 s): under a minute.
stage "planted thread-state bugs: the interleave target catches each"
rm -rf build/mutants-interleave
tests/mutants/run.sh --seconds 5 --targets interleave --work build/mutants-interleave \
  tests/mutants/*-{remote-collect-drops-last,adopted-heap-stays-orphan,realloc-ignores-owner,exited-heap-stays-attached}.patch

stage "install: CMake package and pkg-config file"
./ci/install-check.sh build/ci-gcc

# The OSS-Fuzz / ClusterFuzzLite build as the infrastructure runs it, and its
# build check, for both engines (address; the other sanitizers:
# ci/oss-fuzz-check.sh --all)
stage "OSS-Fuzz build and check: libFuzzer and AFL++"
./ci/oss-fuzz-check.sh --engine libfuzzer --sanitizer address --seconds 3
./ci/oss-fuzz-check.sh --engine afl --sanitizer address --seconds 3

if [ -x tests/mutation/run.sh ]; then
  stage "mutation testing smoke: a fixed sample of mutants of alloc/src, no fuzzing"
  # Fails on a tool, build or baseline error (exit 2); survivors are the
  # report's business, not this smoke's (exit 1).
  rm -rf build/mutation-smoke
  tests/mutation/run.sh --sample 10 --seed 1 --fuzz-seconds 0 --jobs 1 --build-jobs "$jobs" \
    --work build/mutation-smoke || [ $? -eq 1 ]
fi

if [ -x ci/fuzz-smoke.sh ]; then
  stage "short fuzz campaigns"
  ./ci/fuzz-smoke.sh
fi
stage "all stages passed"
