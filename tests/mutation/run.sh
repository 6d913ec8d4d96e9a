#!/usr/bin/env bash
# Mutation testing of alloc/src: generates mutants with the classic operators,
# compiles each in a per-worker build, kills it cheaply first (corpus replay,
# then ctest), fuzzes only the survivors, and prints the report. Resumable:
# results go to a state file and a re-run skips what is done.
#   tests/mutation/run.sh [--jobs N] [--sample N --seed S] [--files GLOBS]
#                         [--fuzz-seconds N] [--fuzz-corpus merged|seeds|empty] ...
# tests/mutation/run.sh --help lists every option; README.md explains them.
# Exit status: 0 no survivor in the selection, 1 survivors, 2 usage, build or
# baseline error.
set -euo pipefail
exec python3 "$(dirname "$0")/runner.py" "$@"
