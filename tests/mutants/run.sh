#!/usr/bin/env bash
# Scores the fuzz harness with planted bugs: for each patch here, build the
# libFuzzer targets with the bug in alloc/, replay each target's shipped
# corpus, and if that stays silent fuzz each target until something fires or
# the time runs out. Prints a table: bug, detected or not, by which stage
# (corpus replay, the fuzzer's starting inputs, or fuzzing's own mutations)
# and check, seconds to detection, and the totals per stage. Exit 0 when every
# bug was detected, 1 otherwise, 2 on a usage or build error.
#
#   tests/mutants/run.sh [--seconds N] [--targets LIST] [--corpus KIND] [--work DIR] [PATCH...]
#
# --seconds   fuzzing time limit per bug and target (default 120)
# --targets   fuzz targets, tried in this order (default: all six,
#             default,config,fault,misuse,interleave,trace_parser)
# --corpus    what the fuzzers start from: merged (the shipped corpus, after
#             the replay stage; default), seeds (only the hand-written seed
#             files, no replay stage) or empty (nothing, no replay stage).
#             seeds and empty measure what the fuzzers find by themselves.
# --work      scratch directory (default: a new one under /tmp)
# The tree is a git worktree of HEAD, so commit what you want measured.
set -uo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
seconds=120
targets=default,config,fault,misuse,interleave,trace_parser
corpus_kind=merged
work=""
patches=()
number() { [[ $2 =~ ^[0-9]+$ ]] || { echo "mutants: $1 needs a number, not '$2'" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) number "$1" "${2:-}"; seconds=$2; shift 2 ;;
    --targets) targets=${2:?}; shift 2 ;;
    --corpus)
      case ${2:-} in merged|seeds|empty) corpus_kind=$2 ;;
        *) echo "mutants: --corpus is merged, seeds or empty, not '${2:-}'" >&2; exit 2 ;; esac
      shift 2 ;;
    --work) work=${2:?}; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
  for t in "${target_list[@]}"; do args+=(--target "fuzz_$t" --target "fuzz_${t}_replay"); done
  cmake --build "$build" -j 2 "${args[@]}" >"$work/build.log" 2>&1
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

elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# The shipped corpus of a target: its directory and its regressions.
shipped() {
  local d
  for d in "$src/corpus/$1" "$src/corpus/regressions/$1"; do [ -d "$d" ] && echo "$d"; done
}

# Replays a target's shipped corpus; prints "SECONDS DETECTOR" if it fired.
replay_one() {
  local target=$1 log=$2 start rc dirs
  start=$(date +%s.%N)
  mapfile -t dirs < <(shipped "$target")
  "$build/fuzz/fuzz_${target}_replay" "${dirs[@]}" >"$log" 2>&1
  rc=$?
  [ $rc -eq 0 ] && return 1
  printf '%s %s\n' "$(elapsed "$start")" "$(detector "$log")"
}

# The corpus a fuzzer starts from, in a fresh directory it may write:
# nothing, or the hand-written seeds (files not named by their SHA-1, which
# is how libFuzzer names what it found); merged adds the shipped directories.
start_corpus() {
  local target=$1 dir=$2 f
  rm -rf "$dir"; mkdir -p "$dir"
  if [ "$corpus_kind" = seeds ] && [ -d "$src/corpus/$target" ]; then
    for f in "$src/corpus/$target"/*; do
      [[ $(basename "$f") =~ ^[0-9a-f]{40}$ ]] || cp "$f" "$dir/"
    done
  fi
  echo "$dir"
  [ "$corpus_kind" = merged ] && shipped "$target"
  return 0
}

# Fuzz one target for at most $seconds; prints "SECONDS DETECTOR" if it
# fired. libFuzzer says INITED once it has run its starting corpus: a failure
# before that is a starting input's, not a mutation's (the stage "seeds").
fuzz_one() {
  local target=$1 log=$2 start rc dirs dict=()
  mapfile -t dirs < <(start_corpus "$target" "$work/corpus-$target")
  [ -f "$src/corpus/dict/$target.dict" ] && dict=(-dict="$src/corpus/dict/$target.dict")
  start=$(date +%s.%N)
  "$build/fuzz/fuzz_$target" -max_total_time="$seconds" -seed=1 -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix="$work/crash-" "${dict[@]}" "${dirs[@]}" >"$log" 2>&1
  rc=$?
  [ $rc -eq 0 ] && return 1
  local when=fuzzing
  grep -q INITED "$log" || when=seeds
  printf '%s %s %s\n' "$(elapsed "$start")" "$when" "$(detector "$log")"
}

echo "baseline: replaying and fuzzing the unchanged tree for ${seconds}s per target (it must stay silent)"
build_targets || { echo "mutants: the unchanged tree does not build ($work/build.log)" >&2; exit 2; }
for t in "${target_list[@]}"; do
  [ -x "$build/fuzz/fuzz_$t" ] || { echo "mutants: no fuzz target $t in this build" >&2; exit 2; }
  if found=$(replay_one "$t" "$work/baseline-replay-$t.log") || found=$(fuzz_one "$t" "$work/baseline-$t.log"); then
    echo "mutants: the unchanged tree fails under fuzz_$t: $found ($work/baseline-*$t.log)" >&2
    exit 2
  fi
done

printf '\n| bug | detected | stage | by | seconds | target |\n| --- | --- | --- | --- | ---: | --- |\n' \
  | tee "$work/table.md"
missed=0
by_replay=0
by_seeds=0
by_fuzzing=0
times=()
for patch in "${patches[@]}"; do
  name=$(basename "$patch" .patch)
  git -C "$tree" checkout -q -- alloc
  if ! git -C "$tree" apply "$patch"; then
    echo "mutants: $name does not apply to HEAD" >&2
    exit 2
  fi
  row="| $name | no | - | - | - | - |"
  if ! build_targets; then
    row="| $name | build failed | - | - | - | - |"
  else
    for stage in replay fuzzing; do
      [ $stage = replay ] && [ "$corpus_kind" != merged ] && continue
      for t in "${target_list[@]}"; do
        if [ $stage = replay ]; then
          found=$(replay_one "$t" "$work/$name-replay-$t.log") || continue
          found="${found%% *} replay ${found#* }"
        else
          found=$(fuzz_one "$t" "$work/$name-$t.log") || continue
        fi
        read -r secs when by <<< "$found"
        row="| $name | yes | $when | $by | $secs | $t |"
        times+=("$secs")
        break 2
      done
    done
  fi
  case $row in
    *"| replay |"*) by_replay=$((by_replay + 1)) ;;
    *"| seeds |"*) by_seeds=$((by_seeds + 1)) ;;
    *"| fuzzing |"*) by_fuzzing=$((by_fuzzing + 1)) ;;
    *) missed=$((missed + 1)) ;;
  esac
  echo "$row" | tee -a "$work/table.md"
done
git -C "$tree" checkout -q -- alloc

echo
if [ "$corpus_kind" = merged ]; then
  echo "corpus replay caught $by_replay, only fuzzing (${seconds}s per target) caught $((by_seeds + by_fuzzing)), missed $missed of ${#patches[@]}"
else
  echo "from the $corpus_kind corpus (${seconds}s per target, ${#target_list[@]} targets): the starting inputs caught $by_seeds, fuzzing's own mutations caught $by_fuzzing, missed $missed of ${#patches[@]}"
fi
if [ ${#times[@]} -gt 0 ]; then
  sorted=$(printf '%s\n' "${times[@]}" | sort -g)
  n=${#times[@]}
  median=$(echo "$sorted" | sed -n "$(( (n + 1) / 2 ))p")
  worst=$(echo "$sorted" | tail -1)
  echo "detected $n of ${#patches[@]}; median ${median}s, worst ${worst}s to detection (one core each)"
fi
echo "table: $work/table.md"
[ $missed -eq 0 ]
