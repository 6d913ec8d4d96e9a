# Shared by bench/run.sh and bench/callgrind.sh: paths, the allocators, the
# packages they need, and the build. Source it; it defines functions only
# (and the variables below, each overridable from the environment).
# shellcheck shell=bash

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
BUILD_DIR=${PA_BENCH_BUILD_DIR:-$REPO_DIR/build-bench}
# shellcheck disable=SC2034 # used by the scripts that source this
RESULTS_DIR=${PA_BENCH_RESULTS_DIR:-$BENCH_DIR/results}
BIN_DIR=$BUILD_DIR/bench
# poolalloc first (pa_malloc, then the drop-in malloc); then the peers, whose
# best is what poolalloc is held to.
BENCH_ALLOCATORS=(poolalloc dropin glibc jemalloc mimalloc tcmalloc)

# Prints a script's leading comment block: its usage.
bench_usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$1"; }

bench_log() { printf '[bench] %s\n' "$*" >&2; }
bench_die() {
  printf '[bench] error: %s\n' "$*" >&2
  exit 1
}

# Installs what is missing, with apt-get, through the project's ci/deps.sh:
# PA_DEPS_BENCH=1 adds the peers (libjemalloc-dev, libmimalloc-dev,
# libgoogle-perftools-dev) and gnuplot-nox to the toolchain and valgrind.
bench_ensure_packages() {
  PA_DEPS_BENCH=1 "$REPO_DIR/ci/deps.sh" >&2 || bench_die "ci/deps.sh could not install what the benchmark needs"
}

# Configures BUILD_DIR (Release, with debug info for callgrind_annotate: -g
# changes no generated code) and builds the target poolalloc_bench; the trace
# packer needs trace/ only, not the fuzz build.
bench_build() {
  local gen=()
  command -v ninja >/dev/null && gen=(-G Ninja)
  [ -f "$BUILD_DIR/CMakeCache.txt" ] && gen=()
  bench_log "building in $BUILD_DIR"
  mkdir -p "$BUILD_DIR"
  cmake -S "$REPO_DIR" -B "$BUILD_DIR" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS=-g \
    -DPA_BUILD_BENCH=ON -DPA_BUILD_TRACE=ON -DPA_BUILD_FUZZ=OFF -DPA_BUILD_TESTS=OFF >"$BUILD_DIR/bench-configure.log" 2>&1 ||
    bench_die "cmake configure failed: see $BUILD_DIR/bench-configure.log"
  grep '^-- bench:' "$BUILD_DIR/bench-configure.log" >&2 || true
  cmake --build "$BUILD_DIR" --target poolalloc_bench >"$BUILD_DIR/bench-build.log" 2>&1 ||
    bench_die "build failed: see $BUILD_DIR/bench-build.log"
}

# Prints the allocators whose binary was built, one a line (a missing one is
# reported on stderr: its library was not found at configure time).
bench_built_allocators() {
  local a
  for a in "${BENCH_ALLOCATORS[@]}"; do
    if [ -x "$BIN_DIR/bench_$a" ]; then
      printf '%s\n' "$a"
    else
      bench_log "skipping $a: $BIN_DIR/bench_$a was not built"
    fi
  done
}

# Keeps the allocators of a comma-separated list (empty: all) that were built.
bench_select_allocators() {
  local want=$1 a
  while read -r a; do
    if [ -z "$want" ] || [[ ",$want," == *",$a,"* ]]; then
      printf '%s\n' "$a"
    fi
  done < <(bench_built_allocators)
}
