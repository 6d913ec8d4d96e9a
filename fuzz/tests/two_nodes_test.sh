#!/usr/bin/env bash
# Two AFL++ nodes of one campaign on this machine, as two machines would run
# them: run-campaign.sh --node main (alpha) and --node secondary (beta) on
# one sync directory, each from its own corpus (alpha: seed-realloc_paths,
# beta: seed-full_pool). Shows that an input alpha found by fuzzing (a queue
# entry with op:, not one of its seeds) reaches beta (beta's queue holds it,
# byte for byte, as sync:alpha), then has one node collect: merge every
# node's queue into its corpus and triage every node's crashes.
# usage: two_nodes_test.sh SOURCE_DIR WORK_DIR
set -uo pipefail
src=$1 work=$2
fail() { echo "two_nodes_test: $*" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work"
start=$(date +%s)

# the AFL++ target only (run-campaign --no-build; the triage tools are
# needed only for a crash, which fails the test anyway)
build=$work/build/fuzz-afl
(cd "$src" && cmake --preset fuzz-afl -B "$build" >"$work/build.log" 2>&1 &&
  cmake --build "$build" -j 2 --target fuzz_default >>"$work/build.log" 2>&1) ||
  { tail -n 20 "$work/build.log" >&2; fail "building the AFL++ target failed"; }
echo "built the AFL++ target in $(($(date +%s) - start))s"

for n in alpha:realloc_paths beta:full_pool; do
  c=$work/corpus-${n%%:*}
  mkdir -p "$c/default" "$c/dict"
  cp "$src/corpus/default/seed-${n#*:}" "$c/default/"
  cp "$src/corpus/dict/default.dict" "$c/dict/"
done
sync=$work/sync
node() { # name role duration
  "$src/fuzz/run-campaign.sh" --engine afl --targets default --no-build --build-root "$work/build" \
    --corpus "$work/corpus-$1" --sync-dir "$sync" --node "$2" --node-name "$1" --duration "$3" \
    --progress 5 --work "$work/node-$1" >"$work/node-$1.log" 2>&1
}

node alpha main 10 &
alpha_pid=$!
# beta joins once alpha has found something of its own
found=""
for _ in $(seq 1 40); do
  found=$(find "$sync/default/alpha/queue" -maxdepth 1 -name 'id:*op:*' 2>/dev/null | head -n 1)
  [ -n "$found" ] && break
  sleep 0.5
done
[ -n "$found" ] || { cat "$work/node-alpha.log" >&2; fail "alpha found nothing in 20 s"; }
echo "alpha found $(basename "$found") after $(($(date +%s) - start))s; beta joins"
node beta secondary 4
beta_rc=$?
wait "$alpha_pid"
alpha_rc=$?
[ $alpha_rc = 0 ] || { tail -n 30 "$work/node-alpha.log" >&2; fail "node alpha exited $alpha_rc"; }
[ $beta_rc = 0 ] || { tail -n 30 "$work/node-beta.log" >&2; fail "node beta exited $beta_rc"; }

# an entry of beta's imported from alpha (id:N,sync:alpha,src:M) whose source,
# alpha's id:M, alpha found by mutation; the two files are the same bytes
reached=""
for f in "$sync"/default/beta/queue/id:*sync:alpha*; do
  [ -f "$f" ] || continue
  m=$(basename "$f" | sed -n 's/.*sync:alpha,src:\([0-9]*\).*/\1/p')
  origin=$(find "$sync/default/alpha/queue" -maxdepth 1 -name "id:$m,*op:*" | head -n 1)
  if [ -n "$origin" ] && cmp -s "$f" "$origin"; then
    reached="$(basename "$origin") -> beta's $(basename "$f")"
    break
  fi
done
[ -n "$reached" ] || { ls "$sync"/default/*/queue >&2; fail "nothing alpha found reached beta's queue"; }
echo "reached: $reached"

# alpha collects: every node's queue merged into its corpus, nothing to triage
before=$(find "$work/corpus-alpha/default" -type f | wc -l)
"$src/fuzz/run-campaign.sh" --engine afl --targets default --no-build --build-root "$work/build" \
  --corpus "$work/corpus-alpha" --sync-dir "$sync" --node-name alpha --collect-only \
  --work "$work/collect" >"$work/collect.log" 2>&1 ||
  { tail -n 30 "$work/collect.log" >&2; fail "collecting failed"; }
after=$(find "$work/corpus-alpha/default" -type f | wc -l)
[ "$after" -gt "$before" ] || fail "the collect merged nothing into alpha's corpus ($before files before and after)"
for n in alpha beta; do
  grep -Eq "^  default +$n +queue" "$work/collect.log" || fail "the summary does not list node $n"
done
grep -q '^result: nothing found' "$work/collect.log" || fail "the collect's result is not 'nothing found'"
echo "collected: alpha's corpus $before -> $after inputs; $(($(date +%s) - start))s in all"
