#!/usr/bin/env bash
# The main job: a fuzz campaign on the default configuration, starting from
# the shipped corpus (libFuzzer, 3 minutes unless told otherwise). Any
# option is passed to fuzz/run-campaign.sh (--engine both, --targets all,
# --duration SECONDS, --jobs N; --help lists them). Exit 0: nothing found,
# 1: a crash (saved under corpus/regressions/), 2: an error.
set -euo pipefail
cd "$(dirname "$0")/.."
./ci/deps.sh
exec fuzz/run-campaign.sh "$@"
