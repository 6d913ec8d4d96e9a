#!/bin/bash -eu
# The OSS-Fuzz / ClusterFuzzLite build of poolalloc's fuzz targets, and the
# build.sh of an OSS-Fuzz project (projects/poolalloc/build.sh) as it is.
#
# The infrastructure sets CC, CFLAGS (sanitizer and coverage flags included),
# LIB_FUZZING_ENGINE, SRC, WORK and OUT and runs this from the project's
# checkout. Every target is built with exactly those: the CMake option
# PA_FUZZ_ENGINE=external links LLVMFuzzerTestOneInput (fuzz/engine/
# libfuzzer_main.c) against $LIB_FUZZING_ENGINE, so one source serves
# libFuzzer, AFL++ (libAFLDriver), honggfuzz and centipede alike.
# Beside each $OUT/fuzz_<target> go
#   fuzz_<target>_seed_corpus.zip  corpus/<target>/ and its regression cases
#   fuzz_<target>.dict             corpus/dict/<target>.dict
#   fuzz_<target>.options          the input size and timeout campaigns use
# ci/oss-fuzz-check.sh runs this locally the way the infrastructure does.

# In OSS-Fuzz this file is copied to $SRC/build.sh and run from the checkout.
if [ -f "$PWD/alloc/CMakeLists.txt" ]; then
  src=$PWD
else
  src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fi
build=$WORK/poolalloc-build
generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)

# CMAKE_BUILD_TYPE=OSSFuzz adds no flags of its own: CFLAGS are the whole set.
# The tests, benchmarks and tools are not built: only targets link an engine.
rm -rf "$build"
cmake -S "$src" -B "$build" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=OSSFuzz \
  -DPA_FUZZ_ENGINE=external -DPA_LIB_FUZZING_ENGINE="$LIB_FUZZING_ENGINE" \
  -DPA_BUILD_TESTS=OFF -DPA_BUILD_BENCH=OFF -DBUILD_TESTING=OFF
cmake --build "$build" --target fuzz_engine_targets -j "$(nproc)"

IFS=';' read -r -a targets <"$build/fuzz-targets.txt"
for t in "${targets[@]}"; do
  name=fuzz_$t
  cp "$build/fuzz/$name" "$OUT/$name"
  cp "$src/corpus/dict/$t.dict" "$OUT/$name.dict"
  max_len=8192
  [ "$t" = trace_parser ] && max_len=16384
  cat >"$OUT/$name.options" <<OPTIONS
[libfuzzer]
max_len = $max_len
timeout = 20
dict = $name.dict

[asan]
allocator_may_return_null = 1
OPTIONS
  # the seeds: every corpus input, and every regression case's bytes (not
  # its .ops text, C reproducer or notes)
  rm -f "$OUT/${name}_seed_corpus.zip"
  find "$src/corpus/$t" "$src/corpus/regressions/$t" -maxdepth 1 -type f \
      ! -name '*.ops' ! -name '*.c' ! -name '*.md' 2>/dev/null |
    zip -q -j "$OUT/${name}_seed_corpus.zip" -@
done
echo "build.sh: ${#targets[@]} targets in $OUT: ${targets[*]}"
