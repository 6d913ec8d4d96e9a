#!/bin/sh
# Runs a command that may die on purpose and prints its exit status, for
# tests that match its output (ctest fails a crashed command outright).
"$@"
echo "exit status $?"
