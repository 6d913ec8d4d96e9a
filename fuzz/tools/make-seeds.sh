#!/usr/bin/env bash
# Regenerate the byte seeds of the corpus from their sources:
#   corpus/seeds/<target>/NAME.ops  -> corpus/<target>/seed-NAME      (pa-ops encode)
#   corpus/traces/NAME.trace        -> corpus/{default,config}/trace-NAME.K  (pa-trace2seed)
#                                   -> corpus/trace_parser/NAME-head.trace   (first lines)
# usage: fuzz/tools/make-seeds.sh BIN_DIR   (a build's fuzz/ directory with pa-ops)
set -euo pipefail
bin=${1:?usage: make-seeds.sh BIN_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
corpus=$root/corpus

for target in default config fault misuse interleave; do
  mkdir -p "$corpus/$target"
  for src in "$corpus"/seeds/$target/*.ops; do
    [ -f "$src" ] || continue
    name=$(basename "$src" .ops)
    "$bin/pa-ops" encode --target "$target" "$src" "$corpus/$target/seed-$name"
  done
done

mkdir -p "$corpus/trace_parser"
if [ -x "$bin/pa-trace2seed" ]; then
  for trace in "$corpus"/traces/*.trace; do
    [ -f "$trace" ] || continue
    name=$(basename "$trace" .trace)
    rm -f "$corpus"/default/trace-"$name".* "$corpus"/config/trace-"$name".*
    # pieces of 400 ops from the first 2400: short enough to mutate
    "$bin/pa-trace2seed" --max-ops 2400 --split 400 "$trace" "$corpus/default/trace-$name" >/dev/null
    "$bin/pa-trace2seed" --target config --max-ops 800 --split 400 "$trace" "$corpus/config/trace-$name" >/dev/null
    head -n 300 "$trace" > "$corpus/trace_parser/$name-head.trace"
  done
fi
echo "seeds: $(ls "$corpus/default" | wc -l) default, $(ls "$corpus/config" | wc -l) config, $(ls "$corpus/trace_parser" | wc -l) trace_parser"
