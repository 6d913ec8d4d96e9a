#!/usr/bin/env bash
# CPython end to end under each allocator, with hyperfine: python/json_dict.py
# (json- and dict-heavy) run by Debian's python3.11
#   - stock: pymalloc on glibc, as CPython ships;
#   - with PYTHONMALLOC=malloc, so every object allocation reaches malloc:
#     glibc's, and poolalloc's drop-in, jemalloc, mimalloc and tcmalloc
#     preloaded (LD_PRELOAD) the same way.
# Interleaved: each round is one hyperfine call over every variant (the
# order rotating from round to round), each variant run --runs times after
# one warm-up; the figure is the median of all rounds' runs.
#
#   bench/python.sh [--rounds N] [--runs N] [--instructions] [--no-build]
#
#   --rounds N   hyperfine calls (default 3)
#   --runs N     runs of each variant per call (default 3)
#
#   --instructions  also count each variant's instructions, once, under
#                callgrind (noise-free; about a minute a variant), with
#                PYTHONHASHSEED=0 so every variant's dicts probe alike
#
# Writes bench/results/python.csv (every run's wall time) and python.md
# (medians, ratios to stock CPython and to the best preloaded peer; with
# --instructions, a table of instruction counts too).
set -euo pipefail
# shellcheck source=bench/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

rounds=3
runs=3
build=1
instructions=0
while [ $# -gt 0 ]; do
  case $1 in
    --rounds | --runs) # a number each: checked below
      [ $# -ge 2 ] || bench_die "$1 wants a number"
      declare "${1#--}=$2"
      shift 2 ;;
    --no-build) build=0; shift ;;
    --instructions) instructions=1; shift ;;
    -h | --help) bench_usage "$0"; exit 0 ;;
    *) bench_die "unknown option $1 (--help)" ;;
  esac
done
[[ $rounds =~ ^[1-9][0-9]*$ ]] || bench_die "--rounds wants a positive number"
[[ $runs =~ ^[1-9][0-9]*$ && $runs -ge 2 ]] || bench_die "--runs wants a number of at least 2 (hyperfine's minimum)"

bench_ensure_packages
[ "$build" -eq 1 ] && bench_build
python=/usr/bin/python3.11
[ -x "$python" ] || bench_die "$python is missing (Debian package python3.11)"
script=$BENCH_DIR/python/json_dict.py
libdir=$(dirname "$(ldconfig -p | awk '/libc\.so\.6 .*x86-64/ { print $NF; exit }')")
dropin=$BUILD_DIR/alloc/libpoolalloc_malloc.so
[ -f "$dropin" ] || bench_die "$dropin was not built"

# name, then the preloaded library ('' for none) and PYTHONMALLOC.
variants=(stock "" "" glibc "" malloc poolalloc "$dropin" malloc
  jemalloc "$libdir/libjemalloc.so.2" malloc mimalloc "$libdir/libmimalloc.so.2" malloc
  tcmalloc "$libdir/libtcmalloc_minimal.so.4" malloc)
names=() cmds=() envs=()
for ((i = 0; i < ${#variants[@]}; i += 3)); do
  name=${variants[i]} lib=${variants[i + 1]} mode=${variants[i + 2]}
  if [ -n "$lib" ] && [ ! -f "$lib" ]; then
    bench_log "skipping $name: $lib is missing"
    continue
  fi
  env=()
  [ -n "$mode" ] && env+=("PYTHONMALLOC=$mode")
  [ -n "$lib" ] && env+=("LD_PRELOAD=$lib")
  names+=("$name")
  envs+=("${env[*]}")
  cmds+=("env ${env[*]} $python $script")
done

# Every variant must print the same checksum.
expected=$("$python" "$script")
for ((k = 0; k < ${#names[@]}; k++)); do
  got=$(sh -c "${cmds[k]}")
  [ "$got" = "$expected" ] || bench_die "${names[k]} printed $got, stock CPython $expected"
done

mkdir -p "$RESULTS_DIR"
csv=$RESULTS_DIR/python.csv
echo "round,variant,seconds" >"$csv"
n=${#names[@]}
for ((round = 1; round <= rounds; round++)); do
  order=() args=()
  for ((k = 0; k < n; k++)); do
    order+=($(((k + round - 1) % n)))
  done
  for k in "${order[@]}"; do
    args+=(-n "${names[k]}" "${cmds[k]}")
  done
  bench_log "round $round/$rounds: ${#order[@]} variants x $runs runs"
  json=$RESULTS_DIR/python-round$round.json
  hyperfine -N --style none --warmup 1 --runs "$runs" --export-json "$json" "${args[@]}" >/dev/null
  jq -r --arg r "$round" '.results[] | .command as $c | .times[] | "\($r),\($c),\(.)"' "$json" >>"$csv"
done

summary=$RESULTS_DIR/python.md
awk -F, -v runs="$rounds x $runs" -v py="$("$python" --version)" '
  function median(list,    n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  NR > 1 { if (!($2 in t)) order[++n] = $2; t[$2] = t[$2] " " $3; cnt[$2]++ }
  END {
    for (i = 1; i <= n; i++) m[order[i]] = median(t[order[i]])
    best = ""
    for (i = 1; i <= n; i++) {
      v = order[i]
      if (v == "stock" || v == "poolalloc") continue
      if (best == "" || m[v] < m[best]) best = v
    }
    printf "CPython end to end (%s, bench/python/json_dict.py), wall time, median of %s runs per variant (hyperfine, rounds interleaved).\n\n", py, runs
    printf "| variant | runs | median s | ×stock CPython | ×best peer (%s) |\n| --- | --- | --- | --- | --- |\n", best
    for (i = 1; i <= n; i++) {
      v = order[i]
      printf "| %s | %d | %.3f | %.2f | %.2f |\n", v, cnt[v], m[v], m[v] / m["stock"], m[v] / m[best]
    }
    if ("poolalloc" in m) {
      printf "\n| target | figure | met |\n| --- | --- | --- |\n"
      printf "| poolalloc (PYTHONMALLOC=malloc) faster than stock CPython | %.3f s vs %.3f s | %s |\n", m["poolalloc"], m["stock"], m["poolalloc"] < m["stock"] ? "yes" : "no"
      for (i = 1; i <= n; i++) {
        v = order[i]
        if (v != "mimalloc" && v != "tcmalloc") continue
        printf "| poolalloc at or below %s | %.3f s vs %.3f s | %s |\n", v, m["poolalloc"], m[v], m["poolalloc"] <= m[v] ? "yes" : "no"
      }
    }
  }' "$csv" >"$summary"

# Instructions: callgrind's total for the whole process, each variant once.
if [ "$instructions" -eq 1 ]; then
  command -v valgrind >/dev/null || bench_die "--instructions needs valgrind (ci/deps.sh with PA_DEPS_BENCH=1)"
  counts=()
  for ((k = 0; k < n; k++)); do
    bench_log "callgrind: ${names[k]}"
    out=$RESULTS_DIR/python-callgrind.${names[k]}
    # shellcheck disable=SC2086 # envs[k] is VAR=value words
    ir=$(env ${envs[k]} PYTHONHASHSEED=0 valgrind --tool=callgrind --callgrind-out-file="$out" "$python" "$script" 2>&1 >/dev/null |
      awk '/Collected :/ { print $NF }')
    [[ $ir =~ ^[0-9]+$ ]] || bench_die "callgrind gave no count for ${names[k]}"
    counts+=("$ir")
  done
  {
    printf '\nInstructions (callgrind, whole process, one run each, PYTHONHASHSEED=0), millions:\n\n'
    printf '| variant | instructions (M) | ×stock CPython |\n| --- | --- | --- |\n'
    for ((k = 0; k < n; k++)); do
      awk -v v="${names[k]}" -v ir="${counts[k]}" -v stock="${counts[0]}" \
        'BEGIN { printf "| %s | %.1f | %.3f |\n", v, ir / 1e6, ir / stock }'
    done
  } >>"$summary"
fi
cat "$summary"
