#!/usr/bin/env bash
# Scores the fuzz harness with planted bugs: for each patch here, build the
# libFuzzer targets with the bug in alloc/ and fuzz from the shipped corpus
# until something fires or the time runs out. Prints a table: bug, detected
# or not, by which check, seconds to detection. Exit 0 when every bug was
# detected, 1 otherwise, 2 on a usage or build error.
#
#   tests/mutants/run.sh [--seconds N] [--targets config,default] [--work DIR] [PATCH...]
#
# --seconds   time limit per bug and target (default 120)
# --targets   fuzz targets, tried in this order (default config,default)
# --work      scratch directory (default: a new one under /tmp)
# The tree is a git worktree of HEAD, so commit what you want measured.
set -uo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
seconds=120
targets=config,default
work=""
patches=()
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=${2:?}; shift 2 ;;
    --targets) targets=${2:?}; shift 2 ;;
    --work) work=${2:?}; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "mutants: unknown option $1" >&2; exit 2 ;;
    *) patches+=("$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"); shift ;;
  esac
done
[ ${#patches[@]} -gt 0 ] || patches=("$src"/tests/mutants/*.patch)
[ -n "$work" ] || work=$(mktemp -d /tmp/pa-mutants.XXXXXX)
mkdir -p "$work"
tree=$work/tree
IFS=, read -r -a target_list <<< "$targets"

git -C "$src" worktree remove --force "$tree" >/dev/null 2>&1
git -C "$src" worktree add --detach "$tree" HEAD >/dev/null || exit 2
trap 'git -C "$src" worktree remove --force "$tree" >/dev/null 2>&1' EXIT
cmake --preset fuzz-libfuzzer -S "$tree" >/dev/null || exit 2
build=$tree/build/fuzz-libfuzzer
build_targets() {
  local t args=()
  for t in "${target_list[@]}"; do args+=(--target "fuzz_$t"); done
  cmake --build "$build" "${args[@]}" >"$work/build.log" 2>&1
}

# What fired, from the fuzzer's output: the harness's own failure kind, a
# sanitizer's report, a misuse report from the heap, or the engine's.
detector() {
  local log=$1 kind
  kind=$(sed -n 's/^=== poolalloc fuzz failure: \(.*\) ===$/\1/p' "$log" | head -1)
  [ -n "$kind" ] && { echo "harness: $kind"; return; }
  kind=$(grep -o 'ERROR: [A-Za-z]*Sanitizer: [A-Za-z-]*' "$log" | head -1)
  [ -n "$kind" ] && { echo "${kind#ERROR: }"; return; }
  grep -q '^poolalloc: ' "$log" && { echo "heap misuse report"; return; }
  grep -q 'runtime error:' "$log" && { echo "UBSan"; return; }
  kind=$(grep -o 'libFuzzer: [a-z -]*' "$log" | head -1)
  [ -n "$kind" ] && { echo "$kind"; return; }
  echo "crash (unclassified)"
}

# Fuzz one target for at most $seconds; prints "SECONDS DETECTOR" if it fired.
fuzz_one() {
  local target=$1 log=$2
  local corpus=$work/corpus-$target start end rc
  rm -rf "$corpus"; mkdir -p "$corpus"
  start=$(date +%s.%N)
  "$build/fuzz/fuzz_$target" -max_total_time="$seconds" -seed=1 -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix="$work/crash-" -dict="$src/corpus/dict/$target.dict" \
    "$corpus" "$src/corpus/$target" >"$log" 2>&1
  rc=$?
  end=$(date +%s.%N)
  [ $rc -eq 0 ] && return 1
  printf '%s %s\n' "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')" "$(detector "$log")"
}

echo "baseline: fuzzing the unchanged tree for ${seconds}s per target (it must stay silent)"
build_targets || { echo "mutants: the unchanged tree does not build ($work/build.log)" >&2; exit 2; }
for t in "${target_list[@]}"; do
  if found=$(fuzz_one "$t" "$work/baseline-$t.log"); then
    echo "mutants: the unchanged tree fails under fuzz_$t: $found ($work/baseline-$t.log)" >&2
    exit 2
  fi
done

printf '\n| bug | detected | by | seconds | target |\n| --- | --- | --- | ---: | --- |\n' | tee "$work/table.md"
missed=0
times=()
for patch in "${patches[@]}"; do
  name=$(basename "$patch" .patch)
  git -C "$tree" checkout -q -- alloc
  if ! git -C "$tree" apply "$patch"; then
    echo "mutants: $name does not apply to HEAD" >&2
    exit 2
  fi
  if ! build_targets; then
    row="| $name | build failed | - | - | - |"
    missed=$((missed + 1))
  else
    row="| $name | no | - | - | - |"
    missed=$((missed + 1))
    for t in "${target_list[@]}"; do
      if found=$(fuzz_one "$t" "$work/$name-$t.log"); then
        row="| $name | yes | ${found#* } | ${found%% *} | $t |"
        times+=("${found%% *}")
        missed=$((missed - 1))
        break
      fi
    done
  fi
  echo "$row" | tee -a "$work/table.md"
done
git -C "$tree" checkout -q -- alloc

if [ ${#times[@]} -gt 0 ]; then
  sorted=$(printf '%s\n' "${times[@]}" | sort -g)
  n=${#times[@]}
  median=$(echo "$sorted" | sed -n "$(( (n + 1) / 2 ))p")
  worst=$(echo "$sorted" | tail -1)
  echo
  echo "detected $n of ${#patches[@]}; median ${median}s, worst ${worst}s to detection (one core each)"
fi
echo "table: $work/table.md"
[ $missed -eq 0 ]
