#!/usr/bin/env bash
# The main job: build, then run the article's scenario and show the memory
# going back to the OS.
set -euo pipefail
cd "$(dirname "$0")/.."
./ci/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target article_scenario
./build/release/alloc/article_scenario "$@"
