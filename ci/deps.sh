#!/usr/bin/env bash
# Installs, from Debian's packages, whatever the build, tests, fuzzing and
# benchmarks need and this machine lacks. Safe to run again: it only asks apt
# for what is missing.
set -euo pipefail

need=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_file() { [ -e "$1" ]; }

have_cmd cmake || need+=(cmake)
have_cmd ninja || need+=(ninja-build)
have_cmd gcc || need+=(gcc)
have_cmd clang || need+=(clang)
have_cmd pkg-config || need+=(pkg-config)
have_cmd valgrind || need+=(valgrind)
have_cmd python3 || need+=(python3)   # tests/mutation's generator and runner
have_cmd afl-fuzz || need+=(afl++)
have_cmd llvm-cov-14 || need+=(llvm-14)
have_file /usr/include/cmocka.h || need+=(libcmocka-dev)
# real programs run under the drop-in malloc (tests/realprog)
have_cmd sqlite3 || need+=(sqlite3)
have_cmd perl || need+=(perl)
have_cmd git || need+=(git)
have_file /usr/bin/python3.11 || need+=(python3.11)
have_file /usr/lib/python3.11/test/test_json || need+=(libpython3.11-testsuite)
# libFuzzer and the sanitizer runtimes of clang 14
ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 || need+=(libclang-rt-14-dev)
if [ "${PA_DEPS_BENCH:-0}" = 1 ]; then
  have_file /usr/include/jemalloc/jemalloc.h || need+=(libjemalloc-dev)
  have_file /usr/include/mimalloc.h || need+=(libmimalloc-dev)
  have_file /usr/include/gperftools/tcmalloc.h || need+=(libgoogle-perftools-dev)
  have_cmd gnuplot || need+=(gnuplot-nox)
  have_cmd hyperfine || need+=(hyperfine)
  have_cmd jq || need+=(jq)
fi

[ ${#need[@]} -eq 0 ] && exit 0
echo "ci/deps.sh: installing ${need[*]}"
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
