#!/bin/sh
# Tests of the pa-trace command line. usage: cli_test.sh PA_TRACE DATA_DIR SCRATCH_DIR
set -u
tool=$1 data=$2 scratch=$3/cli-test.$$
mkdir -p "$scratch" || exit 1
trap 'rm -rf "$scratch"' EXIT
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect STATUS STDOUT_PATTERN STDERR_EXACT -- ARGS...: run pa-trace ARGS
expect() {
    want_rc=$1 want_out=$2 want_err=$3
    shift 4
    "$tool" "$@" >"$scratch/out" 2>"$scratch/err" </dev/null
    rc=$?
    [ "$rc" -eq "$want_rc" ] || fail "pa-trace $*: exit $rc, want $want_rc ($(cat "$scratch/err"))"
    if [ -n "$want_out" ] && ! grep -q -- "$want_out" "$scratch/out"; then
        fail "pa-trace $*: stdout lacks '$want_out': $(cat "$scratch/out")"
    fi
    if [ "$want_err" != "-" ] && [ "$(cat "$scratch/err")" != "$want_err" ]; then
        fail "pa-trace $*: stderr '$(cat "$scratch/err")', want '$want_err'"
    fi
}

good=$data/good.trace
expect 0 "good.trace: ok: 17 ops (m 4, c 1, r 5, f 6, a 1); peak live 4 blocks, 1264 bytes; 1454 bytes requested" "" -- check "$good"
expect 0 "peak live         4 blocks, 1264 bytes" "" -- stats "$good"
expect 0 "r realloc       5 (from NULL 1, grow 2, shrink 0, same 0, to size 0 1)" "" -- stats "$good"
expect 0 "NULL results      2" "" -- stats "$good"

printf 'm 1 8\n# two\nf 9\n' >"$scratch/bad.trace"
expect 1 "" "$scratch/bad.trace:3: f: ID 9 is not live" -- check "$scratch/bad.trace"
expect 1 "" "$scratch/bad.trace:3: f: ID 9 is not live" -- stats "$scratch/bad.trace"
# several files: each is reported, the status says one was bad
expect 1 "good.trace: ok" "$scratch/bad.trace:3: f: ID 9 is not live" -- check "$scratch/bad.trace" "$good"

printf 'm 1 8\nz 2\n' >"$scratch/op.trace"
expect 1 "" "$scratch/op.trace:2: unknown op \"z\" (expected one of m c r f a)" -- check "$scratch/op.trace"

# standard input
"$tool" check - <"$good" >"$scratch/out" 2>&1 || fail "check - exited $?"
grep -q '^-: ok: 17 ops' "$scratch/out" || fail "check -: $(cat "$scratch/out")"
printf 'f 1\n' | "$tool" check - >"$scratch/out" 2>&1 && fail "check - of a bad trace succeeded"
grep -qx '<stdin>:1: f: ID 1 is not live' "$scratch/out" || fail "check - error: $(cat "$scratch/out")"

expect 1 "" - -- check "$scratch/missing.trace"
expect 2 "" - -- check
expect 2 "" - -- frobnicate "$good"
expect 0 "usage" "" -- --help

[ "$failures" -eq 0 ] && echo "cli: all passed"
[ "$failures" -eq 0 ]
