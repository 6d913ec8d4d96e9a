#!/usr/bin/env bash
# Installs a build into a scratch prefix and builds two consumers against it:
# one through the CMake package, one through pkg-config; then runs one with
# the installed drop-in malloc preloaded.
set -euo pipefail
build=${1:?usage: install-check.sh BUILD_DIR}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cmake --install "$build" --prefix "$scratch/prefix" >/dev/null

cat > "$scratch/main.c" <<'C'
#include <poolalloc/poolalloc.h>
#include <stdio.h>
int main(void) {
    char *p = pa_malloc(100);
    if (!p || pa_usable_size(p) < 100) return 1;
    pa_free(p);
    puts("consumer ok");
    return 0;
}
C
mkdir -p "$scratch/cmake-consumer"
cat > "$scratch/cmake-consumer/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.20)
project(consumer C)
find_package(poolalloc REQUIRED)
add_executable(consumer $scratch/main.c)
target_link_libraries(consumer PRIVATE poolalloc::poolalloc)
CM
cmake -S "$scratch/cmake-consumer" -B "$scratch/cmake-build" -G Ninja -DCMAKE_PREFIX_PATH="$scratch/prefix" >/dev/null
cmake --build "$scratch/cmake-build" >/dev/null
"$scratch/cmake-build/consumer"

libdir=$(find "$scratch/prefix" -name poolalloc.pc -printf '%h\n' | head -1)
flags=$(PKG_CONFIG_PATH="$libdir" pkg-config --define-variable=prefix="$scratch/prefix" --cflags --libs poolalloc)
# shellcheck disable=SC2086
cc "$scratch/main.c" $flags -o "$scratch/pc-consumer"
"$scratch/pc-consumer"

# The drop-in malloc is installed and takes over a program's malloc.
dropin=$(find "$scratch/prefix" -name libpoolalloc_malloc.so | head -1)
[ -n "$dropin" ] || { echo "install-check: libpoolalloc_malloc.so was not installed" >&2; exit 1; }
LD_PRELOAD=$dropin "$scratch/pc-consumer"
